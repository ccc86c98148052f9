-- id: cost_per_transaction
-- title_fr: Coût par transaction
-- title_en: Cost per transaction
-- description_fr: Coûts déclarés tous canaux ÷ transactions complétées, par exercice financier et par service (seuls les services ayant coûts et transactions comptent) ; par canal quand le coût y est attribuable. Transactions : événements d'abord, volumes déclarés sinon.
-- description_en: Declared all-channel costs ÷ completed transactions, per fiscal year and service (only services with both costs and transactions count); per channel where the cost is attributable. Transactions: events first, declared volumes otherwise.
-- unit: cad
-- direction: lower
-- characteristics: 14, 10
-- dimensions: org, service, channel
-- grains: fiscal_year, all
-- sources: costs, service_events, channel_volumes
-- formula_version: 1.0
-- effective_from: 2018-04-01
-- rollup: rollup_events_daily
WITH ev AS (
    SELECT {{period(toDate(occurred_at, 'America/Toronto'))}} AS p, org, service {{dims(org, service, channel)}}, count() AS tx,
           toString(toYear(toDate(occurred_at, 'America/Toronto')) - if(toMonth(toDate(occurred_at, 'America/Toronto')) < 4, 1, 0)) AS fy
    FROM service_events FINAL
    WHERE type = 'completed' AND {{in_range(toDate(occurred_at, 'America/Toronto'))}} AND {{scope}} {{filters(org, service, channel)}}
    GROUP BY p, fy, org, service {{group}}
),
vol AS (
    SELECT {{period(period_start)}} AS p, org, service {{dims(org, service, channel)}}, sum(volume) AS tx,
           toString(toYear(period_start) - if(toMonth(period_start) < 4, 1, 0)) AS fy
    FROM channel_volumes FINAL
    WHERE {{declared_range}} AND {{scope}} {{filters(org, service, channel)}}
    GROUP BY p, fy, org, service {{group}}
),
tx AS (
    -- Events first: declared volumes count only for a service and fiscal year without events.
    SELECT * EXCEPT (from_events, has_events) FROM (
        SELECT *, max(from_events) OVER (PARTITION BY p, fy, org, service) AS has_events
        FROM (SELECT *, 1 AS from_events FROM ev UNION ALL SELECT *, 0 AS from_events FROM vol)
    )
    WHERE from_events = 1 OR has_events = 0
),
cost_fy AS (
    SELECT p, org, service {{group}}, amount,
           toString(toYear(period_start) - if(toMonth(period_start) < 4, 1, 0)) AS fy
    FROM (
        SELECT {{period(period_start)}} AS p, period_start, org, service {{dims(org, service, channel)}}, sum(amount_cad) AS amount
        FROM costs FINAL
        WHERE {{declared_range}} AND {{scope}} {{filters(org, service, channel)}}
        GROUP BY p, period_start, org, service {{group}}
    )
)
SELECT p AS period {{group}},
       toFloat64(sum(c.amount)) AS numerator, sum(t.tx) AS denominator, denominator AS n,
       if(denominator = 0, NULL, numerator / denominator) AS value
FROM cost_fy AS c
INNER JOIN tx AS t USING (p, fy, org, service {{group}})
GROUP BY period {{group}}
-- @rollup
WITH ev AS (
    SELECT {{period(day)}} AS p, org, service {{dims(org, service, channel)}}, sum(completed) AS tx,
           toString(toYear(day) - if(toMonth(day) < 4, 1, 0)) AS fy
    FROM rollup_events_daily
    WHERE {{in_range(day)}} AND {{scope}} {{filters(org, service, channel)}}
    GROUP BY p, fy, org, service {{group}}
    HAVING tx > 0
),
vol AS (
    SELECT {{period(period_start)}} AS p, org, service {{dims(org, service, channel)}}, sum(volume) AS tx,
           toString(toYear(period_start) - if(toMonth(period_start) < 4, 1, 0)) AS fy
    FROM channel_volumes FINAL
    WHERE {{declared_range}} AND {{scope}} {{filters(org, service, channel)}}
    GROUP BY p, fy, org, service {{group}}
),
tx AS (
    -- Events first: declared volumes count only for a service and fiscal year without events.
    SELECT * EXCEPT (from_events, has_events) FROM (
        SELECT *, max(from_events) OVER (PARTITION BY p, fy, org, service) AS has_events
        FROM (SELECT *, 1 AS from_events FROM ev UNION ALL SELECT *, 0 AS from_events FROM vol)
    )
    WHERE from_events = 1 OR has_events = 0
),
cost_fy AS (
    SELECT p, org, service {{group}}, amount,
           toString(toYear(period_start) - if(toMonth(period_start) < 4, 1, 0)) AS fy
    FROM (
        SELECT {{period(period_start)}} AS p, period_start, org, service {{dims(org, service, channel)}}, sum(amount_cad) AS amount
        FROM costs FINAL
        WHERE {{declared_range}} AND {{scope}} {{filters(org, service, channel)}}
        GROUP BY p, period_start, org, service {{group}}
    )
)
SELECT p AS period {{group}},
       toFloat64(sum(c.amount)) AS numerator, sum(t.tx) AS denominator, denominator AS n,
       if(denominator = 0, NULL, numerator / denominator) AS value
FROM cost_fy AS c
INNER JOIN tx AS t USING (p, fy, org, service {{group}})
GROUP BY period {{group}}
