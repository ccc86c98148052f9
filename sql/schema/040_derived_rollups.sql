-- Rollups a materialized view cannot keep: a journey's outcome depends on events that arrive in later inserts (a
-- completion a week after the start), and a case is replaced when it is decided. These are rebuilt by
-- `refreshRollups` (metrics/rollups.ts) for the days each ingest touched, after every ingest run, after the demo and
-- from a job in `serve`. Each refresh writes a newer `version`; readers use FINAL. `rollup_marks` records which raw
-- rows a rollup reflects: it is trusted only while its raw table still holds exactly that many rows.

-- One row per (organization, service, start day, start channel) and step: step_index 0 is the journey itself
-- (reached = journeys started, reached_next = reached "success" or "ineligible" within the window, ended = completed
-- or failed within the window); step k ≥ 1 counts journeys that reached step k and those that went on to step k+1
-- (or completed, after the last step). The window (30 days) is that of the journey metrics' definitions.
CREATE TABLE IF NOT EXISTS rollup_journeys_daily
(
    org           LowCardinality(String),
    service       LowCardinality(String),
    day           Date,                          -- America/Toronto calendar day of the journey's start
    channel       LowCardinality(String),        -- channel of the start
    step_index    UInt8,
    reached       UInt64,
    reached_next  UInt64,
    ended         UInt64,
    version       UInt64
)
ENGINE = ReplacingMergeTree(version)
PARTITION BY toYear(day)
ORDER BY (step_index, org, service, day, channel);     -- journey rows (step 0) first: most reads want only them

-- Cases with a service standard, per day of receipt: decided ones with how many met the standard (working days follow
-- Québec's statutory holidays when the standard says so), and pending ones kept apart, since whether a pending case
-- is past its standard depends on the day asked about.
CREATE TABLE IF NOT EXISTS rollup_cases_daily
(
    org            LowCardinality(String),
    service        LowCardinality(String),
    day            Date,                         -- America/Toronto calendar day of receipt
    channel        LowCardinality(String),
    standard_days  UInt16,
    working_days   Bool,
    decided        UInt64,
    decided_met    UInt64,
    pending        UInt64,
    version        UInt64
)
ENGINE = ReplacingMergeTree(version)
PARTITION BY toYear(day)
ORDER BY (org, service, day, channel, standard_days, working_days);

CREATE TABLE IF NOT EXISTS rollup_marks
(
    name          LowCardinality(String),        -- the rollup table
    raw_rows      UInt64,                        -- rows of the raw table when the refresh began
    watermark     DateTime64(3, 'UTC'),          -- latest ingested_at the refresh saw
    reference     UInt64,                        -- fingerprint of the reference data the rollup used (services' steps)
    refreshed_at  DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(refreshed_at)
ORDER BY name;

-- A refresh finds the days touched since its last run by `ingested_at`: a min-max skip index lets it read only the
-- parts written since (rows arrive in ingest order). Parts written before this migration are indexed by the
-- MATERIALIZE below (in the background on a server).
ALTER TABLE service_events ADD INDEX IF NOT EXISTS idx_ingested_at ingested_at TYPE minmax GRANULARITY 1;
ALTER TABLE service_events MATERIALIZE INDEX idx_ingested_at;
ALTER TABLE cases ADD INDEX IF NOT EXISTS idx_ingested_at ingested_at TYPE minmax GRANULARITY 1;
ALTER TABLE cases MATERIALIZE INDEX idx_ingested_at;
