-- id: value_time_saved
-- title_fr: Valeur créée : temps épargné aux citoyens
-- title_en: Value created: citizens' time saved
-- description_fr: Modélisé. Pour chaque complétion numérique : minutes de référence hors numérique en vigueur ce jour-là − minutes médianes en numérique de la période, en heures, par service. Référence : moyenne des minutes des canaux non numériques des paramètres de valeur (value_parameters, avec dates d'effet ; une période close garde ses paramètres sauf retraitement) ; médiane exacte du temps pour compléter (comme time_to_complete) ; pour les volumes déclarés, minutes de référence du canal numérique.
-- description_en: Modelled. For each digital completion: baseline non-digital minutes in force that day − the period's median digital minutes, in hours, per service. Baseline: mean minutes of the non-digital channels in the value parameters (value_parameters, with effective dates; a closed period keeps its parameters unless restated); exact median time to complete (as time_to_complete); for declared volumes, the digital channel's baseline minutes.
-- unit: hours
-- direction: higher
-- characteristics: 14, 2
-- dimensions: org, service
-- sources: service_events, channel_volumes, value_parameters
-- formula_version: 2.0
-- effective_from: 2018-05-01
-- modelled: yes
-- rollup: rollup_events_daily, rollup_completions_daily
WITH med AS (
    SELECT {{period(day)}} AS p, org, service, count() AS n, quantilesExactInclusive(0.5, 0.9)(assumeNotNull(minutes))[1] AS med_minutes
    FROM ({{completions}})
    WHERE minutes IS NOT NULL AND has({digital:Array(String)}, channel) {{filters(org, service)}}
    GROUP BY p, org, service
),
ev AS (
    SELECT {{period(toDate(occurred_at, 'America/Toronto'))}} AS p, toDate(occurred_at, 'America/Toronto') AS day, org, service, '' AS ch {{dims(org, service)}},
           count() AS done
    FROM service_events FINAL
    WHERE type = 'completed' AND has({digital:Array(String)}, channel)
      AND {{in_range(toDate(occurred_at, 'America/Toronto'))}} AND {{scope}} {{filters(org, service)}}
    GROUP BY p, day, org, service, ch {{group}}
),
declared AS (
    SELECT {{period(period_start)}} AS p, period_start AS day, org, service, channel AS ch {{dims(org, service)}}, sum(volume) AS done
    FROM channel_volumes FINAL
    WHERE has({digital:Array(String)}, channel) AND volume > 0 AND {{declared_range}} AND {{scope}} {{filters(org, service)}}
    GROUP BY p, day, org, service, ch {{group}}
)
SELECT p AS period {{group}},
       -- Events: the period's median digital minutes; declared volumes: the digital channel's baseline that day.
       sum(done * greatest(0, nd_minutes - ifNotFinite(if(from_events = 1, med_minutes, bmap[ch]), nd_minutes))) / 60 AS numerator,
       CAST(NULL AS Nullable(Float64)) AS denominator, sum(done) AS n, numerator AS value
FROM (
    SELECT x.*, if(m.n > 0, m.med_minutes, nan) AS med_minutes
    FROM (
        -- Events first: a declared row counts only for a service and period without events (one pass over each source).
        SELECT *, max(from_events) OVER (PARTITION BY p, org, service) AS has_events
        FROM (SELECT *, 1 AS from_events FROM ev UNION ALL SELECT *, 0 AS from_events FROM declared)
    ) AS x
    LEFT JOIN med AS m ON m.p = x.p AND m.org = x.org AND m.service = x.service
    WHERE x.from_events = 1 OR x.has_events = 0
) AS y
-- Each day's completions meet the parameters in force that day (metrics/shared-sql.ts).
ASOF INNER JOIN ({{value_parameters}}) AS ref ON ref.r_org = y.org AND ref.r_service = y.service AND y.day >= ref.r_from
GROUP BY period {{group}}
-- @rollup
WITH med AS (
    SELECT {{period(day)}} AS p, org, service, sum(completions) AS n, quantilesExactInclusiveMerge(0.5, 0.9)(minutes)[1] AS med_minutes
    FROM rollup_completions_daily FINAL
    WHERE has({digital:Array(String)}, channel) AND {{in_range(day)}} AND {{scope}} {{filters(org, service)}}
    GROUP BY p, org, service
),
ev AS (
    SELECT {{period(day)}} AS p, day, org, service, '' AS ch {{dims(org, service)}}, sum(completed) AS done
    FROM rollup_events_daily
    WHERE has({digital:Array(String)}, channel) AND {{in_range(day)}} AND {{scope}} {{filters(org, service)}}
    GROUP BY p, day, org, service, ch {{group}}
    HAVING done > 0
),
declared AS (
    SELECT {{period(period_start)}} AS p, period_start AS day, org, service, channel AS ch {{dims(org, service)}}, sum(volume) AS done
    FROM channel_volumes FINAL
    WHERE has({digital:Array(String)}, channel) AND volume > 0 AND {{declared_range}} AND {{scope}} {{filters(org, service)}}
    GROUP BY p, day, org, service, ch {{group}}
)
SELECT p AS period {{group}},
       -- Events: the period's median digital minutes; declared volumes: the digital channel's baseline that day.
       sum(done * greatest(0, nd_minutes - ifNotFinite(if(from_events = 1, med_minutes, bmap[ch]), nd_minutes))) / 60 AS numerator,
       CAST(NULL AS Nullable(Float64)) AS denominator, sum(done) AS n, numerator AS value
FROM (
    SELECT x.*, if(m.n > 0, m.med_minutes, nan) AS med_minutes
    FROM (
        -- Events first: a declared row counts only for a service and period without events (one pass over each source).
        SELECT *, max(from_events) OVER (PARTITION BY p, org, service) AS has_events
        FROM (SELECT *, 1 AS from_events FROM ev UNION ALL SELECT *, 0 AS from_events FROM declared)
    ) AS x
    LEFT JOIN med AS m ON m.p = x.p AND m.org = x.org AND m.service = x.service
    WHERE x.from_events = 1 OR x.has_events = 0
) AS y
-- Each day's completions meet the parameters in force that day (metrics/shared-sql.ts).
ASOF INNER JOIN ({{value_parameters}}) AS ref ON ref.r_org = y.org AND ref.r_service = y.service AND y.day >= ref.r_from
GROUP BY period {{group}}
