-- Which process runs each ingest (`host:pid:start`), so that another process can tell a live run from one stopped by
-- a kill or a power cut: its staging tables (`_ingest_*`) are then dropped and its record marked failed
-- (ingest/stopped-runs.ts). '' for runs recorded before this migration. A live run on a ClickHouse server also
-- re-records itself every minute (its `updated_at` is its heartbeat).
ALTER TABLE ingest_runs ADD COLUMN IF NOT EXISTS holder String DEFAULT '';
