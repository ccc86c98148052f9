-- id: time_to_complete
-- title_fr: Temps pour compléter
-- title_en: Time to complete
-- description_fr: Médiane (valeur) et 90e centile (p90) du temps entre le début et la complétion d'un parcours, en minutes ; la durée transmise avec l'événement « completed » prime. Période et canal de la complétion.
-- description_en: Median (value) and 90th percentile (p90) of the time from a journey's start to its completion, in minutes; the duration sent with the "completed" event comes first. Period and channel of the completion.
-- unit: minutes
-- direction: lower
-- characteristics: 2, 14
-- dimensions: org, service, channel, region, client_type
-- sources: service_events
-- formula_version: 1.0
-- effective_from: 2018-05-01
-- rollup: rollup_events_daily
SELECT {{period(toDate(completed_at, 'America/Toronto'))}} AS period {{dims}},
       CAST(NULL AS Nullable(Float64)) AS numerator, CAST(NULL AS Nullable(Float64)) AS denominator, count() AS n,
       quantileExactInclusive(0.5)(minutes) AS value, quantileExactInclusive(0.9)(minutes) AS x_p90
FROM (
    SELECT org, service, journey_id,
           minIf(occurred_at, type = 'completed') AS completed_at,
           argMinIf(channel, occurred_at, type = 'completed') AS channel,
           argMinIf(region, occurred_at, type = 'completed') AS region,
           argMinIf(client_type, occurred_at, type = 'completed') AS client_type,
           coalesce(toFloat64(argMinIf(duration_ms, occurred_at, type = 'completed')),
                    if(countIf(type = 'started') > 0, toFloat64(dateDiff('millisecond', minIf(occurred_at, type = 'started'), completed_at)), NULL)) / 60000 AS minutes
    FROM service_events FINAL
    WHERE {{scope}} AND toDate(occurred_at, 'America/Toronto') < {to:Date}
      AND toDate(occurred_at, 'America/Toronto') >= {from:Date} - toIntervalDay(90)
    GROUP BY org, service, journey_id
    HAVING countIf(type = 'completed') > 0
)
WHERE minutes IS NOT NULL AND {{in_range(toDate(completed_at, 'America/Toronto'))}} {{filters}}
GROUP BY period {{group}}
-- @rollup
-- One merge of the quantile states gives both quantiles (two calls would merge them twice).
SELECT period {{group}}, numerator, denominator, n, q[1] AS value, q[2] AS x_p90
FROM (
    SELECT {{period(day)}} AS period {{dims}},
           CAST(NULL AS Nullable(Float64)) AS numerator, CAST(NULL AS Nullable(Float64)) AS denominator, sum(completed) AS n,
           quantilesIfMerge(0.5, 0.9)(minutes_q) AS q
    FROM rollup_events_daily
    WHERE {{in_range(day)}} AND {{scope}} {{filters}}
    GROUP BY period {{group}}
    HAVING n > 0
)
