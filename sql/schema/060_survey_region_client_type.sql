-- Survey responses gain the region and client type of events (issue 10), so satisfaction and effort split like events.
-- Ingest fills them from the linked journey (`journey_id`) when a response does not send them; '' = unknown.
-- Rows stored before this migration keep '' in the raw table and in the rollup alike, so both still agree.
ALTER TABLE survey_responses
    ADD COLUMN IF NOT EXISTS region LowCardinality(String) DEFAULT '' AFTER journey_id,
    ADD COLUMN IF NOT EXISTS client_type LowCardinality(String) DEFAULT '' AFTER region;

-- The responses rollup keeps both (few responses per day: the extra key columns add few rows). New sort-key columns
-- must come without a default expression in the same ALTER; an empty string is their implicit default.
ALTER TABLE rollup_responses_daily
    ADD COLUMN region LowCardinality(String),
    ADD COLUMN client_type LowCardinality(String),
    MODIFY ORDER BY (org, service, day, channel, satisfaction, effort, region, client_type);

-- The view that feeds it, rebuilt to carry the two columns (migrations run before anything ingests).
DROP VIEW IF EXISTS rollup_responses_daily_mv;

CREATE MATERIALIZED VIEW IF NOT EXISTS rollup_responses_daily_mv TO rollup_responses_daily AS
SELECT org, service, toDate(submitted_at, 'America/Toronto') AS day, channel, satisfaction, ifNull(effort, 0) AS effort,
       region, client_type, count() AS responses, max(submitted_at) AS last_at
FROM survey_responses
GROUP BY org, service, day, channel, satisfaction, effort, region, client_type;
