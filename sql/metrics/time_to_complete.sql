-- id: time_to_complete
-- title_fr: Temps pour compléter
-- title_en: Time to complete
-- description_fr: Médiane (valeur), 10e, 25e, 75e et 90e centiles (p10, p25, p75, p90) exacts du temps entre le début et la complétion d'un parcours, en minutes : la durée transmise avec l'événement « completed », sinon le temps depuis le premier début du parcours dans les 90 jours précédents. Un parcours complète une fois (pas d'autre complétion dans les 90 jours avant). Période, canal, région et type de clientèle de la complétion.
-- description_en: Exact median (value) and 10th, 25th, 75th and 90th percentiles (p10, p25, p75, p90) of the time from a journey's start to its completion, in minutes: the duration sent with the "completed" event, else the time since the journey's earliest start in the 90 days before. A journey completes once (no other completion in the 90 days before). Period, channel, region and client type of the completion.
-- unit: minutes
-- direction: lower
-- characteristics: 2, 14
-- dimensions: org, service, channel, region, client_type
-- sources: service_events
-- formula_version: 2.0
-- effective_from: 2018-05-01
-- rollup: rollup_completions_daily
-- Quantiles are exact in both bodies (quantilesExactInclusive; the rollup keeps every value), so they agree on any data.
-- The rollup's state is declared with levels (0.5, 0.9) but holds every value: merged at other levels (the quartiles
-- and the 10th percentile of a box plot) it gives the raw tables' exact answer too.
SELECT period {{group}}, numerator, denominator, n, q[1] AS value, q[2] AS x_p90, q[3] AS x_p10, q[4] AS x_p25, q[5] AS x_p75
FROM (
    SELECT {{period(day)}} AS period {{dims}},
           CAST(NULL AS Nullable(Float64)) AS numerator, CAST(NULL AS Nullable(Float64)) AS denominator, count() AS n,
           quantilesExactInclusive(0.5, 0.9, 0.1, 0.25, 0.75)(assumeNotNull(minutes)) AS q
    FROM ({{completions}})
    WHERE minutes IS NOT NULL {{filters}}
    GROUP BY period {{group}}
)
-- @rollup
SELECT period {{group}}, numerator, denominator, n, q[1] AS value, q[2] AS x_p90, q[3] AS x_p10, q[4] AS x_p25, q[5] AS x_p75
FROM (
    SELECT {{period(day)}} AS period {{dims}},
           CAST(NULL AS Nullable(Float64)) AS numerator, CAST(NULL AS Nullable(Float64)) AS denominator, sum(completions) AS n,
           quantilesExactInclusiveMerge(0.5, 0.9, 0.1, 0.25, 0.75)(minutes) AS q
    FROM rollup_completions_daily FINAL
    WHERE {{in_range(day)}} AND {{scope}} {{filters}}
    GROUP BY period {{group}}
    HAVING n > 0
)
