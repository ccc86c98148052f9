-- Open data and revisions (issue 13): the last final value published for each figure, so that the next publication can
-- tell when a final figure changed, and the revisions recorded when one did (metrics/revisions.ts). Kept without TTL:
-- a published revision stays part of the public record.

CREATE TABLE IF NOT EXISTS final_figures
(
    indicator       LowCardinality(String),
    scope           String,                                  -- 'all', or the organization's code
    period          String,                                  -- period label, e.g. '2023-2024'
    value           Nullable(Float64),                       -- NULL when suppressed or undefined
    formula_version String,
    snapshot        String,                                  -- the publication (YYYY-MM-DD) that last recorded it
    recorded_at     DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(recorded_at)
ORDER BY (indicator, scope, period);

CREATE TABLE IF NOT EXISTS figure_revisions
(
    indicator       LowCardinality(String),
    scope           String,
    period          String,
    old_value       Nullable(Float64),
    new_value       Nullable(Float64),
    reason          String,
    snapshot        String,                                  -- the publication that first carried the new value
    revised_at      DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(revised_at)
ORDER BY (indicator, scope, period, revised_at);
