-- id: abandonment_rate
-- title_fr: Taux d'abandon
-- title_en: Abandonment rate
-- description_fr: Parcours commencés sans fin (ni complété ni échoué) dans les W jours ÷ parcours commencés ; un abandon signalé compte comme abandon. Les parcours commencés il y a moins de W jours civils (Toronto) sont exclus. Un redémarrage dans les W jours est le même parcours ; un identifiant réutilisé plus tard, un nouveau.
-- description_en: Journeys started with no end (neither completed nor failed) within W days ÷ journeys started; a reported abandonment counts as abandoned. Journeys started fewer than W calendar days ago (Toronto) are left out. A restart within W days is the same journey; an id reused later, a new one.
-- unit: ratio
-- direction: lower
-- characteristics: 2, 14
-- dimensions: org, service, channel, region, client_type
-- sources: service_events
-- formula_version: 1.2
-- effective_from: 2018-05-01
-- window_days: 30
-- rollup: rollup_journeys_daily
-- Journeys judged per start (metrics/shared-sql.ts): the rollup is built from the same fragment.
SELECT {{period(day)}} AS period {{dims}},
       countIf(NOT ended_in) AS numerator, count() AS denominator, denominator AS n,
       if(denominator = 0, NULL, numerator / denominator) AS value
FROM ({{journeys}})
WHERE day + toIntervalDay({window_days:UInt32}) <= toDate({now:DateTime64(3, 'UTC')}, 'America/Toronto') {{filters}}
GROUP BY period {{group}}
-- @rollup
SELECT {{period(day)}} AS period {{dims}},
       sum(reached) - sum(ended) AS numerator, sum(reached) AS denominator, denominator AS n,
       if(denominator = 0, NULL, numerator / denominator) AS value
FROM rollup_journeys_daily FINAL
WHERE step_index = 0 AND {{in_range(day)}} AND {{scope}} {{filters}}
  AND day + toIntervalDay({window_days:UInt32}) <= toDate({now:DateTime64(3, 'UTC')}, 'America/Toronto')
GROUP BY period {{group}}
HAVING denominator > 0
