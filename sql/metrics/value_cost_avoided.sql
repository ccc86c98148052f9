-- id: value_cost_avoided
-- title_fr: Valeur créée : coûts évités
-- title_en: Value created: costs avoided
-- description_fr: Modélisé. Pour chaque complétion numérique : coût unitaire moyen des canaux non numériques − coût unitaire du canal numérique utilisé, selon les paramètres de valeur en vigueur ce jour-là (value_parameters, avec dates d'effet ; une période close garde ses paramètres sauf retraitement), en dollars. Événements d'abord, volumes déclarés sinon.
-- description_en: Modelled. For each digital completion: mean unit cost of the non-digital channels − unit cost of the digital channel used, from the value parameters in force that day (value_parameters, with effective dates; a closed period keeps its parameters unless restated), in dollars. Events first, declared volumes otherwise.
-- unit: cad
-- direction: higher
-- characteristics: 14, 10
-- dimensions: org, service, channel
-- sources: service_events, channel_volumes, value_parameters
-- formula_version: 2.0
-- effective_from: 2018-05-01
-- modelled: yes
-- rollup: rollup_events_daily
WITH ev AS (
    SELECT {{period(toDate(occurred_at, 'America/Toronto'))}} AS p, toDate(occurred_at, 'America/Toronto') AS day, org, service, channel AS ch {{dims(org, service, channel)}},
           count() AS done
    FROM service_events FINAL
    WHERE type = 'completed' AND has({digital:Array(String)}, channel)
      AND {{in_range(toDate(occurred_at, 'America/Toronto'))}} AND {{scope}} {{filters(org, service, channel)}}
    GROUP BY p, day, org, service, ch {{group}}
),
declared AS (
    SELECT {{period(period_start)}} AS p, period_start AS day, org, service, channel AS ch {{dims(org, service, channel)}}, sum(volume) AS done
    FROM channel_volumes FINAL
    WHERE has({digital:Array(String)}, channel) AND {{declared_range}} AND {{scope}} {{filters(org, service, channel)}}
    GROUP BY p, day, org, service, ch {{group}}
)
SELECT p AS period {{group}},
       sum(done * greatest(0, nd_cost - umap[ch])) AS numerator,
       CAST(NULL AS Nullable(Float64)) AS denominator, sum(done) AS n, numerator AS value
FROM (
    -- Events first: a declared row counts only for a service and period without events (one pass over each source).
    SELECT *, max(from_events) OVER (PARTITION BY p, org, service) AS has_events
    FROM (SELECT *, 1 AS from_events FROM ev UNION ALL SELECT *, 0 AS from_events FROM declared)
) AS x
-- Each day's completions meet the parameters in force that day (metrics/shared-sql.ts).
ASOF INNER JOIN ({{value_parameters}}) AS ref ON ref.r_org = x.org AND ref.r_service = x.service AND x.day >= ref.r_from
WHERE x.from_events = 1 OR x.has_events = 0
GROUP BY period {{group}}
-- @rollup
WITH ev AS (
    SELECT {{period(day)}} AS p, day, org, service, channel AS ch {{dims(org, service, channel)}}, sum(completed) AS done
    FROM rollup_events_daily
    WHERE has({digital:Array(String)}, channel) AND {{in_range(day)}} AND {{scope}} {{filters(org, service, channel)}}
    GROUP BY p, day, org, service, ch {{group}}
    HAVING done > 0
),
declared AS (
    SELECT {{period(period_start)}} AS p, period_start AS day, org, service, channel AS ch {{dims(org, service, channel)}}, sum(volume) AS done
    FROM channel_volumes FINAL
    WHERE has({digital:Array(String)}, channel) AND {{declared_range}} AND {{scope}} {{filters(org, service, channel)}}
    GROUP BY p, day, org, service, ch {{group}}
)
SELECT p AS period {{group}},
       sum(done * greatest(0, nd_cost - umap[ch])) AS numerator,
       CAST(NULL AS Nullable(Float64)) AS denominator, sum(done) AS n, numerator AS value
FROM (
    -- Events first: a declared row counts only for a service and period without events (one pass over each source).
    SELECT *, max(from_events) OVER (PARTITION BY p, org, service) AS has_events
    FROM (SELECT *, 1 AS from_events FROM ev UNION ALL SELECT *, 0 AS from_events FROM declared)
) AS x
-- Each day's completions meet the parameters in force that day (metrics/shared-sql.ts).
ASOF INNER JOIN ({{value_parameters}}) AS ref ON ref.r_org = x.org AND ref.r_service = x.service AND x.day >= ref.r_from
WHERE x.from_events = 1 OR x.has_events = 0
GROUP BY period {{group}}
