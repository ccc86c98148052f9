// SQL fragments that a metric definition and a rollup refresh must compute identically (issue 10: rollups equal raw
// tables): journeys with their outcome, completions with their time to complete, and the value-created parameters in
// force on each day. The compiler expands them as the `{{journeys}}`, `{{completions}}` and `{{value_parameters}}`
// macros; metrics/rollups.ts builds the journeys and completions rollups from the same text. Pure strings: no I/O, values only as typed parameters.

const TORONTO_DAY = (t: string): string => `toDate(${t}, 'America/Toronto')`;

/** How many calendar days (Toronto) before a completion its journey's start and earlier completions are looked for. */
export const COMPLETION_LOOKBACK_DAYS = 90;

/**
 * One row per completion, with completion days in [from, to) (SQL expressions of type Date): org, service, journey_id,
 * completed_at, day, event_id, channel, region, client_type (of the completion event) and minutes (NULL when neither
 * sent nor derivable). The rule, local to each completion so that any range gives the same rows:
 * - a completion counts when its journey has no other completion in the 90 calendar days before it (an earlier one
 *   at the same instant breaks the tie by event id): a journey completes once, and a journey id reused months
 *   later is a new journey;
 * - its minutes are the `duration_ms` it sends, else the time from the journey's earliest start in those 90 days
 *   up to it (a start after the completion is ignored).
 * Events are read from `from` − 90 days, so the raw tables and the rollup see the same events for each completion;
 * repeated copies of an event are counted once (groupUniqArray).
 */
export function completionsSql(o: { from: string; to: string; where: string; final: boolean }): string {
  const lookback = `toIntervalDay(${COMPLETION_LOOKBACK_DAYS})`;
  return `SELECT org, service, journey_id, c.1 AS completed_at, ${TORONTO_DAY('c.1')} AS day, c.2 AS event_id,
       c.4 AS channel, c.5 AS region, c.6 AS client_type,
       arrayFilter(s -> s <= c.1 AND ${TORONTO_DAY('s')} >= ${TORONTO_DAY('c.1')} - ${lookback}, starts) AS earlier_starts,
       if(c.3 IS NOT NULL, toFloat64(assumeNotNull(c.3)),
          if(empty(earlier_starts), NULL, toFloat64(dateDiff('millisecond', arrayMin(earlier_starts), c.1)))) / 60000 AS minutes
FROM (
    SELECT org, service, journey_id,
           groupUniqArrayIf(occurred_at, type = 'started') AS starts,
           groupUniqArrayIf((occurred_at, event_id, duration_ms, channel, region, client_type), type = 'completed') AS comps
    FROM service_events${o.final ? ' FINAL' : ''}
    WHERE ${o.where}
      AND ${TORONTO_DAY('occurred_at')} >= ${o.from} - ${lookback} AND ${TORONTO_DAY('occurred_at')} < ${o.to}
    GROUP BY org, service, journey_id
    HAVING length(comps) > 0
)
ARRAY JOIN comps AS c
WHERE ${TORONTO_DAY('c.1')} >= ${o.from} AND ${TORONTO_DAY('c.1')} < ${o.to}
  AND NOT arrayExists(x -> ${TORONTO_DAY('x.1')} >= ${TORONTO_DAY('c.1')} - ${lookback} AND (x.1 < c.1 OR (x.1 = c.1 AND x.2 < c.2)), comps)`;
}

/**
 * One row per journey started on days [from, to) (SQL expressions of type Date), judged over a window of `window`
 * days (an SQL expression): org, service, journey_id, started_at, day, event_id, channel, region, client_type (of the
 * start), completed_in (a completion "success" or "ineligible" within the window), ended_in (a completion or a
 * failure within the window), idx (step indices reached) and done (any completion). Local to each start, so that any
 * range gives the same rows:
 * - a start counts when its journey id has no other start in the window + 1 calendar days before it (a restart is
 *   the same journey; an id reused later is a new one; an earlier start at the same instant wins by event id);
 * - the journey's events are those from its start's Toronto day up to the start + the window.
 * Events are read from `from` − (window + 1) days to `to` + window + 1 days; copies of an event count once.
 */
export function journeysSql(o: { from: string; to: string; window: string; where: string; final: boolean }): string {
  const w = `toIntervalDay(${o.window})`;
  return `SELECT org, service, journey_id, s.1 AS started_at, ${TORONTO_DAY('s.1')} AS day, s.2 AS event_id,
       s.3 AS channel, s.4 AS region, s.5 AS client_type,
       arrayFilter(e -> ${TORONTO_DAY('e.1')} >= day AND e.1 <= s.1 + ${w}, evs) AS mine,
       arrayExists(e -> e.2 = 'completed' AND e.3 IN ('success', 'ineligible'), mine) AS completed_in,
       arrayExists(e -> e.2 IN ('completed', 'failed'), mine) AS ended_in,
       arrayDistinct(arrayMap(e -> toUInt32(e.4), arrayFilter(e -> e.2 = 'step', mine))) AS idx,
       arrayExists(e -> e.2 = 'completed', mine) AS done
FROM (
    SELECT org, service, journey_id,
           groupUniqArrayIf((occurred_at, event_id, channel, region, client_type), type = 'started') AS starts,
           groupUniqArrayIf((occurred_at, toString(type), toString(outcome), step_index), type IN ('completed', 'failed', 'step')) AS evs
    FROM service_events${o.final ? ' FINAL' : ''}
    WHERE ${o.where}
      AND ${TORONTO_DAY('occurred_at')} >= ${o.from} - ${w} - toIntervalDay(1) AND ${TORONTO_DAY('occurred_at')} < ${o.to} + ${w} + toIntervalDay(1)
    GROUP BY org, service, journey_id
    HAVING length(starts) > 0
)
ARRAY JOIN starts AS s
WHERE ${TORONTO_DAY('s.1')} >= ${o.from} AND ${TORONTO_DAY('s.1')} < ${o.to}
  AND NOT arrayExists(x -> ${TORONTO_DAY('x.1')} >= ${TORONTO_DAY('s.1')} - ${w} - toIntervalDay(1) AND (x.1 < s.1 OR (x.1 = s.1 AND x.2 < s.2)), starts)`;
}

/** The `{{journeys}}` macro of a metric body: the request's days and window, the caller's organizations. */
export const JOURNEYS_MACRO = journeysSql({
  from: '{from:Date}',
  to: '{to:Date}',
  window: '{window_days:UInt32}',
  where: '({scope_all:Bool} OR org IN {scope_orgs:Array(String)})',
  final: true
});

/** The `{{completions}}` macro of a metric body: the request's days, the caller's organizations. */
export const COMPLETIONS_MACRO = completionsSql({
  from: '{from:Date}',
  to: '{to:Date}',
  where: '({scope_all:Bool} OR org IN {scope_orgs:Array(String)})',
  final: true
});

/**
 * The `{{value_parameters}}` macro: per service, the parameter set in force from each day `r_from` until the next
 * (join a day with `ASOF JOIN … ON … AND day >= r_from`): `nd_minutes` and `nd_cost` (mean of the positive non-digital
 * channels' figures), `bmap` and `umap` (figure per channel).
 *
 * Which reports a day may use: a report reaches back to its `effective_from` when it came with the service's first
 * report (its first ingest run: nothing was published with other parameters), else only to the first day of the
 * month it was reported in — a closed month keeps the parameters it closed with — unless an administrator restated
 * the service (value_restatements) after the report, from an earlier day. Among the reports a day may use, per
 * channel and figure, the one with the latest `effective_from` wins, then the latest reported.
 */
export const VALUE_PARAMETERS_MACRO = `WITH reports AS (
    SELECT p.org AS org, p.service AS service, p.channel AS channel, p.effective_from AS effective_from,
           p.baseline_minutes AS baseline_minutes, p.unit_cost_cad AS unit_cost_cad, p.reported_at AS reported_at,
           arrayMin(arrayConcat([toDate('2149-06-06')],
                    arrayMap(r -> r.3, arrayFilter(r -> (r.1 = p.service OR r.1 = '') AND r.2 >= p.reported_at, rst.rs)))) AS restated_from,
           if(p.run_id = f.first_run, p.effective_from,
              greatest(p.effective_from, least(toStartOfMonth(${TORONTO_DAY('p.reported_at')}), restated_from))) AS reach
    FROM value_parameters AS p FINAL
    INNER JOIN (SELECT org, service, argMin(run_id, reported_at) AS first_run FROM value_parameters GROUP BY org, service) AS f
      ON f.org = p.org AND f.service = p.service
    LEFT JOIN (SELECT org, groupArray((toString(service), restated_at, from_day)) AS rs FROM value_restatements GROUP BY org) AS rst
      ON rst.org = p.org
)
SELECT org AS r_org, service AS r_service, c AS r_from,
       avgIf(assumeNotNull(bm), bm > 0 AND NOT has({digital:Array(String)}, channel)) AS nd_minutes,
       mapFromArrays(groupArrayIf(channel, bm IS NOT NULL), groupArrayIf(assumeNotNull(bm), bm IS NOT NULL)) AS bmap,
       avgIf(assumeNotNull(uc), uc > 0 AND NOT has({digital:Array(String)}, channel)) AS nd_cost,
       mapFromArrays(groupArrayIf(channel, uc IS NOT NULL), groupArrayIf(assumeNotNull(uc), uc IS NOT NULL)) AS umap
FROM (
    SELECT pt.org AS org, pt.service AS service, pt.c AS c, toString(r.channel) AS channel,
           argMaxIf(r.baseline_minutes, (r.effective_from, r.reported_at), r.baseline_minutes IS NOT NULL) AS bm,
           argMaxIf(r.unit_cost_cad, (r.effective_from, r.reported_at), r.unit_cost_cad IS NOT NULL) AS uc
    FROM (SELECT DISTINCT org, service, reach AS c FROM reports) AS pt
    INNER JOIN reports AS r ON r.org = pt.org AND r.service = pt.service
    WHERE r.reach <= pt.c
    GROUP BY pt.org, pt.service, pt.c, r.channel
)
GROUP BY org, service, c`;
