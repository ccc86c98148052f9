-- id: once_only
-- title_fr: Une seule fois (données préremplies)
-- title_en: Once-only (prefilled data)
-- description_fr: Transactions complétées avec des données déjà connues de l'État (préremplies) ÷ transactions complétées.
-- description_en: Transactions completed with data the government already held (prefilled) ÷ transactions completed.
-- unit: ratio
-- direction: higher
-- characteristics: 8, 2
-- dimensions: org, service, channel, region, client_type
-- sources: service_events
-- formula_version: 1.0
-- effective_from: 2018-05-01
-- rollup: rollup_events_daily
SELECT {{period(toDate(occurred_at, 'America/Toronto'))}} AS period {{dims}},
       countIf(prefilled) AS numerator, count() AS denominator, denominator AS n,
       if(denominator = 0, NULL, numerator / denominator) AS value
FROM service_events FINAL
WHERE type = 'completed' AND {{in_range(toDate(occurred_at, 'America/Toronto'))}} AND {{scope}} {{filters}}
GROUP BY period {{group}}
-- @rollup
SELECT {{period(day)}} AS period {{dims}},
       sum(completed_prefilled) AS numerator, sum(completed) AS denominator, denominator AS n,
       if(denominator = 0, NULL, numerator / denominator) AS value
FROM rollup_events_daily
WHERE {{in_range(day)}} AND {{scope}} {{filters}}
GROUP BY period {{group}}
HAVING denominator > 0
