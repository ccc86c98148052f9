-- The completions rollup merged by fiscal year (issue 18: the government scorecard computed ≤ 500 ms): one row per
-- organization, service, fiscal year and channel, holding the year's exact quantile state and duration bands. A request
-- by fiscal year (or over whole fiscal years) that neither splits nor filters by region or client type reads it instead
-- of merging every day's state again (metrics/table-decider.ts, `rollupTwins`): the scorecard's time-to-complete series
-- and value of time saved. The column `day` holds the fiscal year's first day (April 1), so that a rollup body's
-- `{{period(day)}}` and `{{in_range(day)}}` read it as they read the daily rollups. Built by `refreshRollups` from
-- rollup_completions_coarse, whole fiscal years at a time (metrics/rollups.ts): a closed year's row changes only when
-- data for that year arrives; until a refresh has seen the latest events it is not current and is not read. Readers use
-- FINAL.
CREATE TABLE IF NOT EXISTS rollup_completions_fiscal
(
    org          LowCardinality(String),
    service      LowCardinality(String),
    day          Date,                          -- first day (April 1, Toronto) of the fiscal year of the completions
    channel      LowCardinality(String),        -- of the completion event
    completions  UInt64,
    minutes      AggregateFunction(quantilesExactInclusive(0.5, 0.9), Float64),
    lt_5         UInt64,
    lt_10        UInt64,
    lt_20        UInt64,
    lt_40        UInt64,
    lt_80        UInt64,
    lt_160       UInt64,
    ge_160       UInt64,
    last_at      DateTime64(3, 'UTC'),
    version      UInt64
)
ENGINE = ReplacingMergeTree(version)
PARTITION BY toYear(day)
ORDER BY (org, service, day, channel);
