-- id: completion_rate
-- title_fr: Taux d'achèvement
-- title_en: Completion rate
-- description_fr: Parcours atteignant « succès » ou « inadmissible » dans les W jours suivant le début ÷ parcours commencés. Les parcours commencés il y a moins de W jours civils (Toronto) sont exclus (trop récents pour juger). Un redémarrage dans les W jours est le même parcours ; un identifiant réutilisé plus tard, un nouveau. Période, canal et région du début.
-- description_en: Journeys reaching "success" or "ineligible" within W days of their start ÷ journeys started. Journeys started fewer than W calendar days ago (Toronto) are left out (too recent to judge). A restart within W days is the same journey; an id reused later, a new one. Period, channel and region of the start.
-- unit: ratio
-- direction: higher
-- characteristics: 2, 14
-- dimensions: org, service, channel, region, client_type
-- sources: service_events
-- formula_version: 1.2
-- effective_from: 2018-05-01
-- window_days: 30
-- rollup: rollup_journeys_daily
-- Journeys judged per start (metrics/shared-sql.ts): the rollup is built from the same fragment.
SELECT {{period(day)}} AS period {{dims}},
       countIf(completed_in) AS numerator, count() AS denominator, denominator AS n,
       if(denominator = 0, NULL, numerator / denominator) AS value
FROM ({{journeys}})
WHERE day + toIntervalDay({window_days:UInt32}) <= toDate({now:DateTime64(3, 'UTC')}, 'America/Toronto') {{filters}}
GROUP BY period {{group}}
-- @rollup
SELECT {{period(day)}} AS period {{dims}},
       sum(reached_next) AS numerator, sum(reached) AS denominator, denominator AS n,
       if(denominator = 0, NULL, numerator / denominator) AS value
FROM rollup_journeys_daily FINAL
WHERE step_index = 0 AND {{in_range(day)}} AND {{scope}} {{filters}}
  AND day + toIntervalDay({window_days:UInt32}) <= toDate({now:DateTime64(3, 'UTC')}, 'America/Toronto')
GROUP BY period {{group}}
HAVING denominator > 0
