-- id: abandonment_rate
-- title_fr: Taux d'abandon
-- title_en: Abandonment rate
-- description_fr: Parcours commencés sans fin (ni complété ni échoué) dans les W jours ÷ parcours commencés ; un abandon signalé compte comme abandon. Les parcours commencés il y a moins de W jours civils (Toronto) sont exclus.
-- description_en: Journeys started with no end (neither completed nor failed) within W days ÷ journeys started; a reported abandonment counts as abandoned. Journeys started fewer than W calendar days ago (Toronto) are left out.
-- unit: ratio
-- direction: lower
-- characteristics: 2, 14
-- dimensions: org, service, channel, region, client_type
-- sources: service_events
-- formula_version: 1.1
-- effective_from: 2018-05-01
-- window_days: 30
-- rollup: rollup_journeys_daily
SELECT {{period(toDate(started_at, 'America/Toronto'))}} AS period {{dims}},
       countIf(ended_at IS NULL OR ended_at > started_at + toIntervalDay({window_days:UInt32})) AS numerator,
       count() AS denominator, denominator AS n,
       if(denominator = 0, NULL, numerator / denominator) AS value
FROM (
    SELECT org, service, journey_id,
           minIf(occurred_at, type = 'started') AS started_at,
           argMinIf(channel, occurred_at, type = 'started') AS channel,
           argMinIf(region, occurred_at, type = 'started') AS region,
           argMinIf(client_type, occurred_at, type = 'started') AS client_type,
           if(countIf(type IN ('completed', 'failed')) > 0, minIf(occurred_at, type IN ('completed', 'failed')), NULL) AS ended_at
    FROM service_events FINAL
    WHERE {{scope}} AND toDate(occurred_at, 'America/Toronto') >= {from:Date}
      AND toDate(occurred_at, 'America/Toronto') < {to:Date} + toIntervalDay({window_days:UInt32} + 1)
    GROUP BY org, service, journey_id
    HAVING countIf(type = 'started') > 0
)
WHERE {{in_range(toDate(started_at, 'America/Toronto'))}}
  AND toDate(started_at, 'America/Toronto') + toIntervalDay({window_days:UInt32}) <= toDate({now:DateTime64(3, 'UTC')}, 'America/Toronto') {{filters}}
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
