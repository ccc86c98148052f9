-- service_events, redesigned for the speed of its inserts (issue 18), step 1 of 2: the new table, and a copy of every
-- row. Measured with ClickHouse's own `INSERT … SELECT FROM file()` (bench/ingest/table-cost.ts, docs/benchmarks.md):
-- LowCardinality about doubled the insert of the same columns (each value is looked up in a dictionary as it is parsed
-- and again as the part is written), while these codes are short and repeat in sorted runs, so plain strings compress
-- well too. What correctness needs is kept: the replacing engine on the same sorting key (a row
-- sent twice folds into one), defaults, the skip indexes ingest and the rollup refresh read (event and journey ids,
-- run id, ingested_at). The partition is now the Toronto year of the sorting key's Toronto day, not the UTC year: two
-- versions of a row (same sorting key) always share a partition, so FINAL may skip merging across partitions
-- (`do_not_merge_across_partitions_select_final`, metrics/final-reads.ts) and stay exact; with the UTC year, a
-- Toronto day straddling New Year's Eve in UTC put them in two partitions.
-- Step 2 (141) puts this table in place of the old one. The copy is an INSERT: on a cluster it runs once, through the
-- Distributed tables, after every node has the table (warehouse/migrate.ts); hence two migrations, not one.

CREATE TABLE IF NOT EXISTS service_events_140
(
    org           String,
    service       String,
    occurred_at   DateTime64(3, 'UTC'),
    event_id      String,
    journey_id    String,                    -- pseudonymous; never a person's identifier
    type          String,                    -- started | step | completed | failed | abandoned
    step          String DEFAULT '',
    step_index    UInt8 DEFAULT 0,
    outcome       String DEFAULT '',         -- success | ineligible (on completed)
    channel       String,
    client_type   String DEFAULT 'citizen',
    region        String DEFAULT '',         -- 01..17, Québec's administrative regions
    sign_in       String DEFAULT 'none',     -- clicsequr | bank | partner | none
    assisted      Bool DEFAULT false,
    prefilled     Bool DEFAULT false,
    duration_ms   Nullable(UInt64),
    run_id        String DEFAULT '',
    ingested_at   DateTime64(3, 'UTC') DEFAULT now64(3),
    INDEX idx_event_id event_id TYPE bloom_filter(0.01) GRANULARITY 4,
    INDEX idx_journey journey_id TYPE bloom_filter(0.01) GRANULARITY 4,
    INDEX idx_run_id run_id TYPE bloom_filter(0.01) GRANULARITY 4,
    INDEX idx_ingested_at ingested_at TYPE minmax GRANULARITY 1
)
ENGINE = ReplacingMergeTree(ingested_at)
PARTITION BY toYear(toDate(occurred_at, 'America/Toronto'))
ORDER BY (org, service, toDate(occurred_at, 'America/Toronto'), event_id);

-- Emptied first: a run stopped after the copy but before the migration was recorded copies again, not twice.
TRUNCATE TABLE service_events_140;

INSERT INTO service_events_140 (org, service, occurred_at, event_id, journey_id, type, step, step_index, outcome, channel, client_type, region,
                                sign_in, assisted, prefilled, duration_ms, run_id, ingested_at)
SELECT org, service, occurred_at, event_id, journey_id, toString(type), toString(step), step_index, toString(outcome), toString(channel),
       toString(client_type), toString(region), toString(sign_in), assisted, prefilled, duration_ms, run_id, ingested_at
FROM service_events;
