-- When each organization last sent events, per Toronto day (issue 18): the provenance of a metric answered from the
-- rollups (its last data time, the organizations that reported in the period) reads these tens of thousands of rows
-- instead of grouping the whole events rollup by organization (a million rows at 100 M events, 40–130 ms a request).
-- Built by `refreshRollups` from rollup_events_daily (metrics/rollups.ts); until a refresh has seen the latest events,
-- it is not current and the provenance reads the events rollup as before. Readers use FINAL.
CREATE TABLE IF NOT EXISTS rollup_presence_daily
(
    org      LowCardinality(String),
    day      Date,                          -- America/Toronto calendar day of the events
    last_at  DateTime64(3, 'UTC'),          -- the latest event of that organization and day
    version  UInt64
)
ENGINE = ReplacingMergeTree(version)
PARTITION BY toYear(day)
ORDER BY (org, day);
