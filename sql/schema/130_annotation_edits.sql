-- Annotations written from the app, the API and ingest: a deletion is a newer row of the same key marked `deleted`
-- (the table's ReplacingMergeTree keeps the latest per key), and `author` says who wrote the latest version.
ALTER TABLE annotations ADD COLUMN IF NOT EXISTS deleted Bool DEFAULT false;
ALTER TABLE annotations ADD COLUMN IF NOT EXISTS author String DEFAULT '';
-- Annotations are also an ingest kind (ingest/kinds.ts): like every ingested table, rows carry the run that wrote them.
ALTER TABLE annotations ADD COLUMN IF NOT EXISTS run_id String DEFAULT '';
