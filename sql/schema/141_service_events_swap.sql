-- service_events, redesigned for the speed of its inserts (issue 18), step 2 of 2: the copy made by 140 takes the old
-- table's place, and the events rollup's view is made again over it. Run while nothing ingests (`jalon migrate`, or
-- any command's start): rows inserted between the copy and the swap would stay in the old table.
-- The view no longer keeps `minutes_q`, an approximate quantile state no metric reads since time to complete is
-- answered from the exact completions rollup (061), and which filled a reservoir per group on every insert. The
-- rollup's other columns are the same rows, so it stays whole and current (metrics/rollups.ts checks it against the
-- raw count).

DROP VIEW IF EXISTS rollup_events_daily_mv;

RENAME TABLE service_events TO service_events_002, service_events_140 TO service_events;

DROP TABLE IF EXISTS service_events_002;

ALTER TABLE rollup_events_daily DROP COLUMN IF EXISTS minutes_q;

CREATE MATERIALIZED VIEW IF NOT EXISTS rollup_events_daily_mv TO rollup_events_daily AS
SELECT org, service, toDate(occurred_at, 'America/Toronto') AS day, channel,
       count() AS events,
       countIf(type = 'started') AS started,
       countIf(type = 'completed') AS completed,
       countIf(type = 'completed' AND prefilled) AS completed_prefilled,
       countIf(type = 'started' AND sign_in != 'none') AS sign_ins,
       countIf(type = 'started' AND sign_in IN ('bank', 'partner')) AS sign_ins_partner,
       max(occurred_at) AS last_at
FROM service_events
GROUP BY org, service, day, channel;
