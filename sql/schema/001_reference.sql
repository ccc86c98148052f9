-- Reference data: organizations (with hierarchy) and their services.
-- ReplacingMergeTree keyed by code: a later declaration of the same code replaces the earlier one (read with FINAL).

CREATE TABLE IF NOT EXISTS organizations
(
    code            LowCardinality(String),
    name_fr         String,
    name_en         String,
    parent_code     LowCardinality(String) DEFAULT '',
    kind            LowCardinality(String) DEFAULT 'organisme',  -- ministere | organisme | tribunal
    -- 'events' when the organization sends event-level data, 'aggregates' when only declared volumes
    reporting       LowCardinality(String) DEFAULT 'events',
    placeholder     Bool DEFAULT false,                          -- registered by ingest from an unknown code
    updated_at      DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(updated_at)
ORDER BY code;

CREATE TABLE IF NOT EXISTS services
(
    org                 LowCardinality(String),
    code                LowCardinality(String),
    name_fr             String,
    name_en             String,
    launched_on         Date,
    end_to_end_digital  Bool DEFAULT false,
    client_types        Array(LowCardinality(String)) DEFAULT ['citizen'],
    steps               Array(String) DEFAULT [],                 -- ordered step names of the online journey
    standard_days       UInt16 DEFAULT 0,                         -- service standard; 0 = none
    working_days        Bool DEFAULT false,                       -- standard counted in working days
    standard_target     Float32 DEFAULT 0.9,                      -- share of requests to meet the standard
    baseline_minutes    Map(LowCardinality(String), Float64),     -- per channel: time a citizen spends (value created)
    unit_cost_cad       Map(LowCardinality(String), Float64),     -- per channel: cost per completed transaction
    placeholder         Bool DEFAULT false,
    updated_at          DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(updated_at)
ORDER BY (org, code);

-- Releases, incidents and other notes shown on a service's time series.
CREATE TABLE IF NOT EXISTS annotations
(
    org         LowCardinality(String),
    service     LowCardinality(String),   -- '' = the whole organization
    at          DateTime64(3, 'UTC'),
    kind        LowCardinality(String),   -- release | incident | campaign | note
    text_fr     String,
    text_en     String,
    created_at  DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(created_at)
ORDER BY (org, service, at, kind);
