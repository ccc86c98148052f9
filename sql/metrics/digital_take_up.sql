-- id: digital_take_up
-- title_fr: Adoption du numérique
-- title_en: Digital take-up
-- description_fr: Transactions complétées sur un canal numérique (y compris assistées) ÷ transactions complétées sur tous les canaux. Événements d'abord ; volumes déclarés pour un service et une période sans événements.
-- description_en: Transactions completed on a digital channel (assisted included) ÷ transactions completed on all channels. Events first; declared volumes for a service and period without events.
-- unit: ratio
-- direction: higher
-- characteristics: 1, 14
-- dimensions: org, service, channel, region, client_type
-- constant_by: channel
-- sources: service_events, channel_volumes
-- formula_version: 1.0
-- effective_from: 2018-05-01
-- rollup: rollup_events_daily
WITH ev AS (
    SELECT {{period(toDate(occurred_at, 'America/Toronto'))}} AS p, org, service {{dims}},
           countIf(has({digital:Array(String)}, channel)) AS num, count() AS den
    FROM service_events FINAL
    WHERE type = 'completed' AND {{in_range(toDate(occurred_at, 'America/Toronto'))}} AND {{scope}} {{filters}}
    GROUP BY p, org, service {{group}}
),
declared AS (
    SELECT {{period(period_start)}} AS p, org, service {{dims(org, service, channel)}},
           sumIf(volume, has({digital:Array(String)}, channel)) AS num, sum(volume) AS den
    FROM channel_volumes FINAL
    WHERE {{declared_range}} AND {{scope}} {{filters(org, service, channel)}}
    GROUP BY p, org, service {{group}}
)
SELECT p AS period {{group}},
       sum(num) AS numerator, sum(den) AS denominator, denominator AS n,
       if(denominator = 0, NULL, numerator / denominator) AS value
FROM (
    -- Events first: a declared row counts only for a service and period without events (one pass over each source).
    SELECT *, max(from_events) OVER (PARTITION BY p, org, service) AS has_events
    FROM (SELECT *, 1 AS from_events FROM ev UNION ALL SELECT *, 0 AS from_events FROM declared)
)
WHERE from_events = 1 OR has_events = 0
GROUP BY period {{group}}
-- @rollup
WITH ev AS (
    SELECT {{period(day)}} AS p, org, service {{dims}},
           sumIf(completed, has({digital:Array(String)}, channel)) AS num, sum(completed) AS den
    FROM rollup_events_daily
    WHERE {{in_range(day)}} AND {{scope}} {{filters}}
    GROUP BY p, org, service {{group}}
    HAVING den > 0
),
declared AS (
    SELECT {{period(period_start)}} AS p, org, service {{dims(org, service, channel)}},
           sumIf(volume, has({digital:Array(String)}, channel)) AS num, sum(volume) AS den
    FROM channel_volumes FINAL
    WHERE {{declared_range}} AND {{scope}} {{filters(org, service, channel)}}
    GROUP BY p, org, service {{group}}
)
SELECT p AS period {{group}},
       sum(num) AS numerator, sum(den) AS denominator, denominator AS n,
       if(denominator = 0, NULL, numerator / denominator) AS value
FROM (
    -- Events first: a declared row counts only for a service and period without events (one pass over each source).
    SELECT *, max(from_events) OVER (PARTITION BY p, org, service) AS has_events
    FROM (SELECT *, 1 AS from_events FROM ev UNION ALL SELECT *, 0 AS from_events FROM declared)
)
WHERE from_events = 1 OR has_events = 0
GROUP BY period {{group}}
