-- Strategies are data: characteristics, the indicators measuring each, and targets (value, date, baseline, scope).
-- Loaded from strategy files by metrics/; a later strategy loads the same way under another id.

CREATE TABLE IF NOT EXISTS strategies
(
    id          LowCardinality(String),
    title_fr    String,
    title_en    String,
    starts_on   Date,
    ends_on     Date,
    version     String,
    loaded_at   DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(loaded_at)
ORDER BY id;

CREATE TABLE IF NOT EXISTS strategy_characteristics
(
    strategy    LowCardinality(String),
    number      UInt8,
    title_fr    String,
    title_en    String,
    loaded_at   DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(loaded_at)
ORDER BY (strategy, number);

CREATE TABLE IF NOT EXISTS strategy_targets
(
    strategy         LowCardinality(String),
    characteristic   UInt8,
    metric           LowCardinality(String),      -- a metric id, or a declared indicator code
    scope            LowCardinality(String),      -- '' = government-wide, else an organization code
    source           LowCardinality(String),      -- computed | declared
    baseline_value   Float64,
    baseline_date    Date,
    target_value     Float64,
    target_date      Date,
    loaded_at        DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(loaded_at)
ORDER BY (strategy, characteristic, metric, scope);
