-- id: completion_time_distribution
-- title_fr: Répartition des temps pour compléter
-- title_en: Distribution of times to complete
-- description_fr: Parcours complétés par tranche de durée (moins de 5, 10, 20, 40, 80, 160 minutes, puis 160 et plus), avec la médiane (valeur) et le 90e centile ; même durée que « Temps pour compléter » : celle transmise avec l'événement « completed », sinon du début à la complétion.
-- description_en: Completed journeys by duration band (under 5, 10, 20, 40, 80, 160 minutes, then 160 and over), with the median (value) and the 90th percentile; the same duration as "Time to complete": the one sent with the "completed" event, else from start to completion.
-- unit: minutes
-- direction: lower
-- characteristics: 2
-- dimensions: org, service, channel, region, client_type
-- sources: service_events
-- formula_version: 1.0
-- effective_from: 2018-05-01
-- The bands are a distribution of people: each band under the threshold is withheld with its complement (access/suppression.ts).
SELECT {{period(toDate(completed_at, 'America/Toronto'))}} AS period {{dims}},
       CAST(NULL AS Nullable(Float64)) AS numerator, CAST(NULL AS Nullable(Float64)) AS denominator, count() AS n,
       quantileExactInclusive(0.5)(minutes) AS value, quantileExactInclusive(0.9)(minutes) AS x_p90,
       countIf(minutes < 5) AS x_bucket_lt_5, countIf(minutes >= 5 AND minutes < 10) AS x_bucket_lt_10,
       countIf(minutes >= 10 AND minutes < 20) AS x_bucket_lt_20, countIf(minutes >= 20 AND minutes < 40) AS x_bucket_lt_40,
       countIf(minutes >= 40 AND minutes < 80) AS x_bucket_lt_80, countIf(minutes >= 80 AND minutes < 160) AS x_bucket_lt_160,
       countIf(minutes >= 160) AS x_bucket_ge_160
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
