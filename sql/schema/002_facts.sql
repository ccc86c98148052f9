-- Facts, each keyed by organization, service and time (DESIGN §5). Times are stored in UTC and
-- reported in America/Toronto. Facts with an identity (events, responses, cases) are ReplacingMergeTree on
-- that identity so a resent row replaces itself instead of counting twice; ingest also filters known ids
-- before inserting so that rollups fed by materialized views stay exact.

CREATE TABLE IF NOT EXISTS service_events
(
    org           LowCardinality(String),
    service       LowCardinality(String),
    occurred_at   DateTime64(3, 'UTC'),
    event_id      String,
    journey_id    String,                    -- pseudonymous; never a person's identifier
    type          LowCardinality(String),    -- started | step | completed | failed | abandoned
    step          LowCardinality(String) DEFAULT '',
    step_index    UInt8 DEFAULT 0,
    outcome       LowCardinality(String) DEFAULT '',   -- success | ineligible (on completed)
    channel       LowCardinality(String),
    client_type   LowCardinality(String) DEFAULT 'citizen',
    region        LowCardinality(String) DEFAULT '',   -- 01..17, Québec's administrative regions
    sign_in       LowCardinality(String) DEFAULT 'none',  -- clicsequr | bank | partner | none
    assisted      Bool DEFAULT false,
    prefilled     Bool DEFAULT false,
    duration_ms   Nullable(UInt64),
    run_id        String DEFAULT '',
    ingested_at   DateTime64(3, 'UTC') DEFAULT now64(3),
    INDEX idx_event_id event_id TYPE bloom_filter(0.01) GRANULARITY 4,
    INDEX idx_journey journey_id TYPE bloom_filter(0.01) GRANULARITY 4
)
ENGINE = ReplacingMergeTree(ingested_at)
PARTITION BY toYear(occurred_at)
ORDER BY (org, service, toDate(occurred_at, 'America/Toronto'), event_id);

CREATE TABLE IF NOT EXISTS survey_responses
(
    org           LowCardinality(String),
    service       LowCardinality(String),
    submitted_at  DateTime64(3, 'UTC'),
    response_id   String,
    channel       LowCardinality(String),
    journey_id    String DEFAULT '',
    satisfaction  UInt8,                      -- 1..5
    effort        Nullable(UInt8),            -- 1..7
    comment       String DEFAULT '',          -- scrubbed of personal information at ingest
    language      LowCardinality(String) DEFAULT 'fr',
    run_id        String DEFAULT '',
    ingested_at   DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(ingested_at)
PARTITION BY toYear(submitted_at)
ORDER BY (org, service, toDate(submitted_at, 'America/Toronto'), response_id);

CREATE TABLE IF NOT EXISTS cases
(
    org            LowCardinality(String),
    service        LowCardinality(String),
    received_at    DateTime64(3, 'UTC'),
    case_id        String,
    channel        LowCardinality(String),
    decided_at     Nullable(DateTime64(3, 'UTC')),
    standard_days  UInt16,
    working_days   Bool DEFAULT false,
    run_id         String DEFAULT '',
    ingested_at    DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(ingested_at)
PARTITION BY toYear(received_at)
ORDER BY (org, service, toDate(received_at, 'America/Toronto'), case_id);

-- Declared aggregates: a period is stored as its grain, first and last day (America/Toronto dates) and its label
-- ('2019-04', '2019-Q2', '2018-2019', '2019'). The natural key is the ORDER BY: a later report replaces the earlier.

CREATE TABLE IF NOT EXISTS channel_volumes
(
    org           LowCardinality(String),
    service       LowCardinality(String),
    period_start  Date,
    period_grain  LowCardinality(String),     -- day | week | month | quarter | fiscal_year | year
    channel       LowCardinality(String),
    period_end    Date,
    period        String,
    volume        UInt64,
    run_id        String DEFAULT '',
    reported_at   DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(reported_at)
ORDER BY (org, service, period_start, period_grain, channel);

CREATE TABLE IF NOT EXISTS standard_results
(
    org           LowCardinality(String),
    service       LowCardinality(String),
    period_start  Date,
    period_grain  LowCardinality(String),
    channel       LowCardinality(String),
    period_end    Date,
    period        String,
    met           UInt64,
    total         UInt64,
    run_id        String DEFAULT '',
    reported_at   DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(reported_at)
ORDER BY (org, service, period_start, period_grain, channel);

CREATE TABLE IF NOT EXISTS declared_indicators
(
    org           LowCardinality(String),
    service       LowCardinality(String) DEFAULT '',   -- '' = the whole organization
    period_start  Date,
    period_grain  LowCardinality(String),
    indicator     LowCardinality(String),
    period_end    Date,
    period        String,
    value         Float64,
    note          String DEFAULT '',
    run_id        String DEFAULT '',
    reported_at   DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(reported_at)
ORDER BY (org, service, period_start, period_grain, indicator);

CREATE TABLE IF NOT EXISTS costs
(
    org           LowCardinality(String),
    service       LowCardinality(String),
    period_start  Date,
    period_grain  LowCardinality(String),
    channel       LowCardinality(String) DEFAULT '',   -- '' = not attributable to one channel
    period_end    Date,
    period        String,
    amount_cad    Decimal(18, 2),
    run_id        String DEFAULT '',
    reported_at   DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(reported_at)
ORDER BY (org, service, period_start, period_grain, channel);

CREATE TABLE IF NOT EXISTS availability_probes
(
    org          LowCardinality(String),
    service      LowCardinality(String),
    probed_at    DateTime64(3, 'UTC'),
    probe        LowCardinality(String) DEFAULT 'default',   -- where the probe ran from
    up           Bool,
    response_ms  UInt32,
    interval_s   UInt32 DEFAULT 300,                         -- time this probe stands for
    ingested_at  DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(ingested_at)
PARTITION BY toYear(probed_at)
ORDER BY (org, service, probed_at, probe);
