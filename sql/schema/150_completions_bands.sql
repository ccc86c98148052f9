-- Completions per duration band beside the exact quantile state, so that `completion_time_distribution` answers from
-- the completions rollup (issue 18: a metric never asked ≤ 150 ms) instead of recomputing every journey's completion
-- from the raw events. The bands are counts and add up over days; the thresholds are the definition's (5, 10, 20,
-- 40, 80, 160 minutes). Rows built before these columns existed are rebuilt by the next refresh (the rollup's
-- revision changed in metrics/rollups.ts); until then the rollup is not current and the raw tables answer.
ALTER TABLE rollup_completions_daily
    ADD COLUMN IF NOT EXISTS lt_5 UInt64 DEFAULT 0,
    ADD COLUMN IF NOT EXISTS lt_10 UInt64 DEFAULT 0,
    ADD COLUMN IF NOT EXISTS lt_20 UInt64 DEFAULT 0,
    ADD COLUMN IF NOT EXISTS lt_40 UInt64 DEFAULT 0,
    ADD COLUMN IF NOT EXISTS lt_80 UInt64 DEFAULT 0,
    ADD COLUMN IF NOT EXISTS lt_160 UInt64 DEFAULT 0,
    ADD COLUMN IF NOT EXISTS ge_160 UInt64 DEFAULT 0;
