-- Operations: ingest runs, quarantined rows with reasons, job runs, audit log. Retention is a TTL per table.

CREATE TABLE IF NOT EXISTS ingest_runs
(
    run_id       String,
    kind         LowCardinality(String),
    source       String,                    -- file path, 'stdin', 'api', URL
    format       LowCardinality(String),
    org          LowCardinality(String) DEFAULT '',
    started_at   DateTime64(3, 'UTC'),
    finished_at  Nullable(DateTime64(3, 'UTC')),
    status       LowCardinality(String),    -- running | ok | partial | failed
    read         UInt64 DEFAULT 0,
    inserted     UInt64 DEFAULT 0,
    duplicates   UInt64 DEFAULT 0,
    rejected     UInt64 DEFAULT 0,
    new_codes    Array(String) DEFAULT [],
    error        String DEFAULT '',
    updated_at   DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(updated_at)
ORDER BY (run_id)
TTL toDateTime(started_at) + INTERVAL 2 YEAR;

CREATE TABLE IF NOT EXISTS quarantine
(
    run_id     String,
    kind       LowCardinality(String),
    org        LowCardinality(String) DEFAULT '',
    source     String,
    line       UInt64,
    raw        String,
    reason     LowCardinality(String),      -- machine code, e.g. bad_date, unknown_channel
    message    String,                      -- for people: the field and the fix
    at         DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = MergeTree
ORDER BY (run_id, line)
TTL toDateTime(at) + INTERVAL 1 YEAR;

CREATE TABLE IF NOT EXISTS job_runs
(
    job_id       LowCardinality(String),
    run_id       String,
    started_at   DateTime64(3, 'UTC'),
    finished_at  Nullable(DateTime64(3, 'UTC')),
    status       LowCardinality(String),    -- running | ok | failed | skipped
    counts       Map(String, UInt64),
    error        String DEFAULT '',
    updated_at   DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(updated_at)
ORDER BY (job_id, started_at, run_id)
TTL toDateTime(started_at) + INTERVAL 1 YEAR;

CREATE TABLE IF NOT EXISTS audit_log
(
    at          DateTime64(3, 'UTC') DEFAULT now64(3),
    actor       String,                     -- user name, token id or 'system'
    role        LowCardinality(String),
    org         LowCardinality(String) DEFAULT '',
    action      LowCardinality(String),     -- sign_in | query | export | view_restricted | ingest | ...
    target      String DEFAULT '',
    ok          Bool DEFAULT true,
    duration_ms UInt32 DEFAULT 0,
    rows        UInt64 DEFAULT 0,
    detail      String DEFAULT ''
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(at)
ORDER BY (at, actor)
TTL toDateTime(at) + INTERVAL 2 YEAR;
