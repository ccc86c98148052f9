-- Alerts (issue 12): rules stored by administrators (rules of JALON_ALERTS_FILE are read from the file, not stored),
-- the alerts themselves (one open alert per rule and scope; resolving writes a newer row of the same alert_id), and
-- every notification attempt (e-mail, webhook, digest), so a failed one is retried and never lost silently.

CREATE TABLE IF NOT EXISTS alert_rules
(
    id          String,
    rule        String,                                   -- the rule as JSON (jobs/alert-rules.ts checks its shape)
    deleted     Bool DEFAULT false,
    updated_by  String DEFAULT '',
    updated_at  DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(updated_at)
ORDER BY id;

CREATE TABLE IF NOT EXISTS alerts
(
    alert_id     String,
    rule_id      String,
    rule_type    LowCardinality(String),                  -- threshold | status | stale | ingest
    scope        String,                                  -- what the rule fired for, e.g. RAMQ or RAMQ/digital_take_up
    org          LowCardinality(String) DEFAULT '',
    state        LowCardinality(String),                  -- open | resolved
    opened_at    DateTime64(3, 'UTC'),
    resolved_at  Nullable(DateTime64(3, 'UTC')),
    summary_fr   String DEFAULT '',
    summary_en   String DEFAULT '',
    value        Nullable(Float64),
    detail       String DEFAULT '',                       -- JSON: figures and their period, as the engine gave them
    updated_at   DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(updated_at)
ORDER BY alert_id
TTL toDateTime(opened_at) + INTERVAL 2 YEAR;

CREATE TABLE IF NOT EXISTS notifications
(
    delivery_id   String,
    subject_kind  LowCardinality(String),                 -- alert | digest
    subject_id    String,                                 -- alert_id, or the digest's username/org
    event         LowCardinality(String),                 -- fired | resolved | digest
    target        String,                                 -- mailto:… or an http(s) webhook URL
    status        LowCardinality(String),                 -- pending | sent | failed | refused | abandoned
    attempts      UInt16 DEFAULT 0,
    next_at       Nullable(DateTime64(3, 'UTC')),
    last_error    String DEFAULT '',
    payload       String DEFAULT '',                      -- what to send again (JSON), digests: who and which organization
    created_at    DateTime64(3, 'UTC') DEFAULT now64(3),
    updated_at    DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(updated_at)
ORDER BY delivery_id
TTL toDateTime(created_at) + INTERVAL 1 YEAR;
