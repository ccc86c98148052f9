-- id: value_time_saved
-- title_fr: Valeur créée : temps épargné aux citoyens
-- title_en: Value created: citizens' time saved
-- description_fr: Modélisé. Complétions numériques × (minutes de référence hors numérique − minutes médianes en numérique), en heures, par service. Référence : moyenne des minutes des canaux non numériques du répertoire des services (paramètres versionnés) ; médiane mesurée sur les durées transmises avec les complétions ; pour les volumes déclarés, minutes de référence du canal numérique.
-- description_en: Modelled. Digital completions × (baseline non-digital minutes − median digital minutes), in hours, per service. Baseline: mean minutes of the non-digital channels in the service inventory (versioned parameters); median measured on the durations sent with completions; for declared volumes, the digital channel's baseline minutes.
-- unit: hours
-- direction: higher
-- characteristics: 14, 2
-- dimensions: org, service
-- sources: service_events, channel_volumes, services
-- formula_version: 1.0
-- effective_from: 2018-05-01
-- modelled: yes
-- rollup: rollup_events_daily
WITH ref AS (
    SELECT org AS r_org, code AS r_service, baseline_minutes AS bm,
           arrayAvg(arrayFilter(v -> v > 0, mapValues(mapFilter((k, v) -> NOT has({digital:Array(String)}, k), baseline_minutes)))) AS nd_minutes
    FROM services FINAL
    WHERE length(mapKeys(baseline_minutes)) > 0
),
ev AS (
    SELECT {{period(toDate(occurred_at, 'America/Toronto'))}} AS p, org, service {{dims(org, service)}},
           count() AS done, quantileExactInclusiveIf(0.5)(toFloat64(ifNull(duration_ms, 0)) / 60000, duration_ms IS NOT NULL) AS med_minutes
    FROM service_events FINAL
    WHERE type = 'completed' AND has({digital:Array(String)}, channel)
      AND {{in_range(toDate(occurred_at, 'America/Toronto'))}} AND {{scope}} {{filters(org, service)}}
    GROUP BY p, org, service {{group}}
),
declared AS (
    SELECT {{period(period_start)}} AS p, org, service {{dims(org, service)}},
           sum(volume) AS done, sum(volume * bm[channel]) / sum(volume) AS med_minutes
    FROM channel_volumes AS v FINAL
    INNER JOIN ref ON ref.r_org = v.org AND ref.r_service = v.service
    WHERE has({digital:Array(String)}, channel) AND volume > 0 AND {{declared_range}} AND {{scope}} {{filters(org, service)}}
    GROUP BY p, org, service {{group}}
)
SELECT p AS period {{group}},
       sum(done * greatest(0, nd_minutes - ifNotFinite(med_minutes, nd_minutes))) / 60 AS numerator,
       CAST(NULL AS Nullable(Float64)) AS denominator, sum(done) AS n, numerator AS value
FROM (
    -- Events first: a declared row counts only for a service and period without events (one pass over each source).
    SELECT *, max(from_events) OVER (PARTITION BY p, org, service) AS has_events
    FROM (SELECT *, 1 AS from_events FROM ev UNION ALL SELECT *, 0 AS from_events FROM declared)
) AS x
INNER JOIN ref ON ref.r_org = x.org AND ref.r_service = x.service
WHERE x.from_events = 1 OR x.has_events = 0
GROUP BY period {{group}}
-- @rollup
WITH ref AS (
    SELECT org AS r_org, code AS r_service, baseline_minutes AS bm,
           arrayAvg(arrayFilter(v -> v > 0, mapValues(mapFilter((k, v) -> NOT has({digital:Array(String)}, k), baseline_minutes)))) AS nd_minutes
    FROM services FINAL
    WHERE length(mapKeys(baseline_minutes)) > 0
),
ev AS (
    SELECT {{period(day)}} AS p, org, service {{dims(org, service)}},
           sum(completed) AS done, quantilesIfMerge(0.5, 0.9)(minutes_q)[1] AS med_minutes
    FROM rollup_events_daily
    WHERE has({digital:Array(String)}, channel) AND {{in_range(day)}} AND {{scope}} {{filters(org, service)}}
    GROUP BY p, org, service {{group}}
    HAVING done > 0
),
declared AS (
    SELECT {{period(period_start)}} AS p, org, service {{dims(org, service)}},
           sum(volume) AS done, sum(volume * bm[channel]) / sum(volume) AS med_minutes
    FROM channel_volumes AS v FINAL
    INNER JOIN ref ON ref.r_org = v.org AND ref.r_service = v.service
    WHERE has({digital:Array(String)}, channel) AND volume > 0 AND {{declared_range}} AND {{scope}} {{filters(org, service)}}
    GROUP BY p, org, service {{group}}
)
SELECT p AS period {{group}},
       sum(done * greatest(0, nd_minutes - ifNotFinite(med_minutes, nd_minutes))) / 60 AS numerator,
       CAST(NULL AS Nullable(Float64)) AS denominator, sum(done) AS n, numerator AS value
FROM (
    -- Events first: a declared row counts only for a service and period without events (one pass over each source).
    SELECT *, max(from_events) OVER (PARTITION BY p, org, service) AS has_events
    FROM (SELECT *, 1 AS from_events FROM ev UNION ALL SELECT *, 0 AS from_events FROM declared)
) AS x
INNER JOIN ref ON ref.r_org = x.org AND ref.r_service = x.service
WHERE x.from_events = 1 OR x.has_events = 0
GROUP BY period {{group}}
