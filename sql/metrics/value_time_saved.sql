-- id: value_time_saved
-- title_fr: Valeur créée : temps épargné aux citoyens
-- title_en: Value created: citizens' time saved
-- description_fr: Modélisé. Complétions numériques × (minutes de référence hors numérique − minutes médianes en numérique), en heures, par service. Référence : moyenne des minutes des canaux non numériques du répertoire des services (paramètres versionnés) ; médiane mesurée sur les durées transmises avec les complétions ; pour les volumes déclarés, minutes de référence du canal numérique.
-- description_en: Modelled. Digital completions × (baseline non-digital minutes − median digital minutes), in hours, per service. Baseline: mean minutes of the non-digital channels in the service inventory (versioned parameters); median measured on durations sent with completions; for declared volumes, the digital channel's baseline minutes.
-- unit: hours
-- direction: higher
-- characteristics: 14, 2
-- dimensions: org, service
-- sources: service_events, channel_volumes, services
-- formula_version: 1.0
-- effective_from: 2018-05-01
-- modelled: yes
WITH ref AS (
    SELECT org AS r_org, code AS r_service, baseline_minutes AS bm,
           arrayAvg(arrayFilter(v -> v > 0, mapValues(mapFilter((k, v) -> NOT has({digital:Array(String)}, k), baseline_minutes)))) AS nd_minutes
    FROM services FINAL
    WHERE length(mapKeys(baseline_minutes)) > 0
),
ev AS (
    SELECT {{period(toDate(occurred_at, 'America/Toronto'))}} AS p, org, service {{dims(org, service)}},
           count() AS done, quantileExactInclusive(0.5)(duration_ms / 60000) AS med_minutes
    FROM service_events FINAL
    WHERE type = 'completed' AND has({digital:Array(String)}, channel) AND duration_ms IS NOT NULL
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
       sum(done * greatest(0, nd_minutes - med_minutes)) / 60 AS numerator,
       CAST(NULL AS Nullable(Float64)) AS denominator, sum(done) AS n, numerator AS value
FROM (
    SELECT * FROM ev
    UNION ALL
    SELECT * FROM declared WHERE (p, org, service) NOT IN (SELECT p, org, service FROM ev)
) AS x
INNER JOIN ref ON ref.r_org = x.org AND ref.r_service = x.service
GROUP BY period {{group}}
