-- Completions with their time to complete, per Toronto day and channel, region and client type of the completion
-- (issue 10: rollups equal raw tables). A materialized view cannot compute a duration the completion does not send
-- (it needs the journey's start, which may arrive in another insert), so this rollup is rebuilt by `refreshRollups`
-- (metrics/rollups.ts) like the journeys rollup; readers use FINAL. The minutes are kept as an exact quantile state
-- (every value, 8 bytes each), so medians and 90th percentiles merged over any days equal the raw tables' exactly.
CREATE TABLE IF NOT EXISTS rollup_completions_daily
(
    org          LowCardinality(String),
    service      LowCardinality(String),
    day          Date,                          -- America/Toronto calendar day of the completion
    channel      LowCardinality(String),        -- of the completion event
    region       LowCardinality(String),
    client_type  LowCardinality(String),
    completions  UInt64,                        -- completions with a time to complete (sent or derived)
    minutes      AggregateFunction(quantilesExactInclusive(0.5, 0.9), Float64),
    last_at      DateTime64(3, 'UTC'),
    version      UInt64
)
ENGINE = ReplacingMergeTree(version)
PARTITION BY toYear(day)
ORDER BY (org, service, day, channel, region, client_type);
