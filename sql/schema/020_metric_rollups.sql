-- Metric rollups: materialized views into AggregatingMergeTree tables so pages never scan raw events (DESIGN §5).
-- Only on tables whose rows are never re-sent (ingest filters known ids); the replacing aggregate tables are read raw.
-- A rollup is trusted only while it holds exactly its raw table's rows (metrics/rollups.ts); `jalon metrics backfill`
-- rebuilds one for data loaded before it existed.

CREATE TABLE IF NOT EXISTS rollup_events_daily
(
    org                  LowCardinality(String),
    service              LowCardinality(String),
    day                  Date,                          -- America/Toronto calendar day
    channel              LowCardinality(String),
    events               SimpleAggregateFunction(sum, UInt64),
    started              SimpleAggregateFunction(sum, UInt64),
    completed            SimpleAggregateFunction(sum, UInt64),
    completed_prefilled  SimpleAggregateFunction(sum, UInt64),
    sign_ins             SimpleAggregateFunction(sum, UInt64),
    sign_ins_partner     SimpleAggregateFunction(sum, UInt64),
    minutes_q            AggregateFunction(quantilesIf(0.5, 0.9), Float64, UInt8),
    last_at              SimpleAggregateFunction(max, DateTime64(3, 'UTC'))
)
ENGINE = AggregatingMergeTree
ORDER BY (org, service, day, channel);

CREATE MATERIALIZED VIEW IF NOT EXISTS rollup_events_daily_mv TO rollup_events_daily AS
SELECT org, service, toDate(occurred_at, 'America/Toronto') AS day, channel,
       count() AS events,
       countIf(type = 'started') AS started,
       countIf(type = 'completed') AS completed,
       countIf(type = 'completed' AND prefilled) AS completed_prefilled,
       countIf(type = 'started' AND sign_in != 'none') AS sign_ins,
       countIf(type = 'started' AND sign_in IN ('bank', 'partner')) AS sign_ins_partner,
       quantilesStateIf(0.5, 0.9)(toFloat64(ifNull(duration_ms, 0)) / 60000, type = 'completed' AND duration_ms IS NOT NULL) AS minutes_q,
       max(occurred_at) AS last_at
FROM service_events
GROUP BY org, service, day, channel;

CREATE TABLE IF NOT EXISTS rollup_responses_daily
(
    org           LowCardinality(String),
    service       LowCardinality(String),
    day           Date,
    channel       LowCardinality(String),
    satisfaction  UInt8,
    effort        UInt8,                                -- 0 = not answered
    responses     SimpleAggregateFunction(sum, UInt64),
    last_at       SimpleAggregateFunction(max, DateTime64(3, 'UTC'))
)
ENGINE = AggregatingMergeTree
ORDER BY (org, service, day, channel, satisfaction, effort);

CREATE MATERIALIZED VIEW IF NOT EXISTS rollup_responses_daily_mv TO rollup_responses_daily AS
SELECT org, service, toDate(submitted_at, 'America/Toronto') AS day, channel, satisfaction, ifNull(effort, 0) AS effort,
       count() AS responses, max(submitted_at) AS last_at
FROM survey_responses
GROUP BY org, service, day, channel, satisfaction, effort;
