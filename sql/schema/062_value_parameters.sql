-- Value-created parameters with effective dates (issue 10, DESIGN §6): baseline minutes and unit cost per service and
-- channel, each row in force from its `effective_from`. Every report is kept (`reported_at` is in the key): a day
-- uses the parameters as they stood when its month closed, so a later re-send never rewrites a closed period. Only an
-- administrator's restatement (value_restatements) lets later reports reach back; metrics/shared-sql.ts has the rule.
CREATE TABLE IF NOT EXISTS value_parameters
(
    org               LowCardinality(String),
    service           LowCardinality(String),
    channel           LowCardinality(String),
    effective_from    Date,
    baseline_minutes  Nullable(Float64),          -- time a citizen spends on this channel; NULL = not given
    unit_cost_cad     Nullable(Float64),          -- cost of one completed transaction on this channel; NULL = not given
    source            String DEFAULT '',          -- where the figure comes from (study, budget, estimate)
    run_id            String DEFAULT '',
    reported_at       DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(reported_at)
ORDER BY (org, service, channel, effective_from, reported_at);

-- A restatement: an administrator lets the parameters reported up to `restated_at` apply to the closed periods of a
-- service (or of every service of the organization when service = '') from `from_day` on. Each one bumps the formula
-- version shown in the provenance of value-created figures.
CREATE TABLE IF NOT EXISTS value_restatements
(
    org          LowCardinality(String),
    service      LowCardinality(String) DEFAULT '',
    from_day     Date,
    restated_at  DateTime64(3, 'UTC') DEFAULT now64(3),
    actor        String DEFAULT '',
    reason       String DEFAULT ''
)
ENGINE = MergeTree
ORDER BY (org, service, restated_at);

-- The parameters services carried until now become the first report of each service, in force since always, so no
-- figure changes with this migration.
INSERT INTO value_parameters (org, service, channel, effective_from, baseline_minutes, unit_cost_cad, source, run_id)
SELECT org, code, channel, toDate('1970-01-01'), if(has(mapKeys(baseline_minutes), channel), baseline_minutes[channel], NULL),
       if(has(mapKeys(unit_cost_cad), channel), unit_cost_cad[channel], NULL), 'services (migration 062)', 'migration-062'
FROM (SELECT org, code, baseline_minutes, unit_cost_cad FROM services FINAL WHERE NOT placeholder)
ARRAY JOIN arrayDistinct(arrayConcat(mapKeys(baseline_minutes), mapKeys(unit_cost_cad))) AS channel;
