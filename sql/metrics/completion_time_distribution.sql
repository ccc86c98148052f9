-- id: completion_time_distribution
-- title_fr: Répartition des temps pour compléter
-- title_en: Distribution of times to complete
-- description_fr: Parcours complétés par tranche de durée (moins de 5, 10, 20, 40, 80, 160 minutes, puis 160 et plus), avec la médiane (valeur) et les 10e, 25e, 75e et 90e centiles (p10, p25, p75, p90 : la boîte à moustaches) ; mêmes complétions et même durée que « Temps pour compléter » (metrics/shared-sql.ts) : celle transmise avec l'événement « completed », sinon depuis le premier début du parcours dans les 90 jours précédents.
-- description_en: Completed journeys by duration band (under 5, 10, 20, 40, 80, 160 minutes, then 160 and over), with the median (value) and the 10th, 25th, 75th and 90th percentiles (p10, p25, p75, p90: the box plot); the same completions and duration as "Time to complete" (metrics/shared-sql.ts): the one sent with the "completed" event, else since the journey's earliest start in the 90 days before.
-- unit: minutes
-- direction: lower
-- characteristics: 2
-- dimensions: org, service, channel, region, client_type
-- sources: service_events
-- formula_version: 1.1
-- effective_from: 2018-05-01
-- rollup: rollup_completions_daily
-- Both bodies give the same answer on any data: the rollup keeps every duration in its exact quantile state (merged
-- here at the box plot's levels) and counts each band with the same thresholds (metrics/rollups.ts).
-- The bands are a distribution of people: each band under the threshold is withheld with its complement (access/suppression.ts).
SELECT period {{group}}, numerator, denominator, n, q[1] AS value, q[2] AS x_p90, q[3] AS x_p10, q[4] AS x_p25, q[5] AS x_p75,
       x_bucket_lt_5, x_bucket_lt_10, x_bucket_lt_20, x_bucket_lt_40, x_bucket_lt_80, x_bucket_lt_160, x_bucket_ge_160
FROM (
    SELECT {{period(day)}} AS period {{dims}},
           CAST(NULL AS Nullable(Float64)) AS numerator, CAST(NULL AS Nullable(Float64)) AS denominator, count() AS n,
           quantilesExactInclusive(0.5, 0.9, 0.1, 0.25, 0.75)(m) AS q,
           countIf(m < 5) AS x_bucket_lt_5, countIf(m >= 5 AND m < 10) AS x_bucket_lt_10,
           countIf(m >= 10 AND m < 20) AS x_bucket_lt_20, countIf(m >= 20 AND m < 40) AS x_bucket_lt_40,
           countIf(m >= 40 AND m < 80) AS x_bucket_lt_80, countIf(m >= 80 AND m < 160) AS x_bucket_lt_160,
           countIf(m >= 160) AS x_bucket_ge_160
    FROM (SELECT *, assumeNotNull(minutes) AS m FROM ({{completions}}) WHERE minutes IS NOT NULL)
    WHERE 1 {{filters}}
    GROUP BY period {{group}}
)
-- @rollup
SELECT period {{group}}, numerator, denominator, n, q[1] AS value, q[2] AS x_p90, q[3] AS x_p10, q[4] AS x_p25, q[5] AS x_p75,
       x_bucket_lt_5, x_bucket_lt_10, x_bucket_lt_20, x_bucket_lt_40, x_bucket_lt_80, x_bucket_lt_160, x_bucket_ge_160
FROM (
    SELECT {{period(day)}} AS period {{dims}},
           CAST(NULL AS Nullable(Float64)) AS numerator, CAST(NULL AS Nullable(Float64)) AS denominator, sum(completions) AS n,
           quantilesExactInclusiveMerge(0.5, 0.9, 0.1, 0.25, 0.75)(minutes) AS q,
           sum(lt_5) AS x_bucket_lt_5, sum(lt_10) AS x_bucket_lt_10, sum(lt_20) AS x_bucket_lt_20, sum(lt_40) AS x_bucket_lt_40,
           sum(lt_80) AS x_bucket_lt_80, sum(lt_160) AS x_bucket_lt_160, sum(ge_160) AS x_bucket_ge_160
    FROM rollup_completions_daily FINAL
    WHERE {{in_range(day)}} AND {{scope}} {{filters}}
    GROUP BY period {{group}}
    HAVING n > 0
)
