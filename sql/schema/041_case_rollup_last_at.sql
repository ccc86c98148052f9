-- The latest receipt per row of the cases rollup, so that a metric answered from it gives its provenance (last data
-- time, organizations that reported) without reading the cases table. Rows built before this column existed are
-- rebuilt by the next refresh (the rollup's revision changed in metrics/rollups.ts).
ALTER TABLE rollup_cases_daily ADD COLUMN IF NOT EXISTS last_at DateTime64(3, 'UTC') DEFAULT toDateTime64(0, 3, 'UTC');

-- A mark's reference becomes `revision:fingerprint`, so that a change in how a rollup is computed rebuilds it.
ALTER TABLE rollup_marks MODIFY COLUMN reference String;
