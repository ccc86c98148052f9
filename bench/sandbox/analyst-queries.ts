// Five typical analyst queries over the curated views: the sandbox benchmark runs them through POST /api/v1/query and
// straight on the warehouse, and the sandbox tests check that each is accepted.
export const ANALYST_QUERIES: readonly { id: string; sql: string }[] = [
  {
    id: 'volume_by_org_channel',
    sql: `SELECT org, channel, count() AS events FROM events GROUP BY org, channel ORDER BY org, events DESC`
  },
  {
    id: 'completion_by_month',
    sql: `SELECT toStartOfMonth(occurred_at, 'America/Toronto') AS month, countIf(type = 'completed') / countIf(type = 'started') AS completion
          FROM events GROUP BY month ORDER BY month`
  },
  {
    id: 'satisfaction_share',
    sql: `SELECT org, service, count() AS n, avg(satisfaction >= 4) AS satisfied FROM survey_responses GROUP BY org, service ORDER BY n DESC`
  },
  {
    id: 'journeys_with_cte',
    sql: `WITH j AS (SELECT org, journey_id, min(occurred_at) AS first_at, max(occurred_at) AS last_at FROM events GROUP BY org, journey_id)
          SELECT org, quantile(0.5)(dateDiff('second', first_at, last_at)) AS median_s, count() AS journeys FROM j GROUP BY org ORDER BY org`
  },
  {
    id: 'services_join',
    sql: `SELECT s.org, s.name_fr, count() AS events FROM events AS e INNER JOIN services AS s ON s.org = e.org AND s.code = e.service
          GROUP BY s.org, s.name_fr ORDER BY events DESC LIMIT 20`
  }
];
