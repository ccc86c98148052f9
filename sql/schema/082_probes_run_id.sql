-- Availability probes arrive through ingest (kind `probes`) and the probes job: like every fact table, rows carry the
-- ingest run that stored them.
ALTER TABLE availability_probes ADD COLUMN IF NOT EXISTS run_id String DEFAULT '' AFTER interval_s;
