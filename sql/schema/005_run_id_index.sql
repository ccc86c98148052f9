-- Ingest counts what a run stored with `WHERE run_id = …` (ingest/run-ingest.ts) after every file and push flush.
-- run_id is in no sort key, so without a skip index that count reads the whole column; a bloom filter lets parts
-- written by other runs be skipped. Parts written before this migration are not indexed until they merge.
ALTER TABLE service_events ADD INDEX IF NOT EXISTS idx_run_id run_id TYPE bloom_filter(0.01) GRANULARITY 4;
ALTER TABLE survey_responses ADD INDEX IF NOT EXISTS idx_run_id run_id TYPE bloom_filter(0.01) GRANULARITY 4;
