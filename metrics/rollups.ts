// Rollup upkeep: whether each rollup holds exactly its raw table's rows (cheap: ClickHouse counts parts' rows from
// metadata), and the backfill that rebuilds a rollup from its raw table for data loaded before the rollup existed.
import type { Warehouse } from '../warehouse/warehouse.ts';
import type { RollupHealth } from './table-decider.ts';
import type { Rollup } from './definition.ts';

interface RollupSpec {
  raw: string;
  /** Rows of the raw table the rollup accounts for. */
  counted: string;
  /** The materialized view's SELECT (kept identical to sql/schema/020_metric_rollups.sql). */
  select: string;
}

const SPECS: Record<Rollup, RollupSpec> = {
  rollup_events_daily: {
    raw: 'service_events',
    counted: 'events',
    select: `SELECT org, service, toDate(occurred_at, 'America/Toronto') AS day, channel,
       count() AS events, countIf(type = 'started') AS started, countIf(type = 'completed') AS completed,
       countIf(type = 'completed' AND prefilled) AS completed_prefilled,
       countIf(type = 'started' AND sign_in != 'none') AS sign_ins,
       countIf(type = 'started' AND sign_in IN ('bank', 'partner')) AS sign_ins_partner,
       quantilesStateIf(0.5, 0.9)(toFloat64(ifNull(duration_ms, 0)) / 60000, type = 'completed' AND duration_ms IS NOT NULL) AS minutes_q,
       max(occurred_at) AS last_at
FROM service_events GROUP BY org, service, day, channel`
  },
  rollup_responses_daily: {
    raw: 'survey_responses',
    counted: 'responses',
    select: `SELECT org, service, toDate(submitted_at, 'America/Toronto') AS day, channel, satisfaction, ifNull(effort, 0) AS effort,
       count() AS responses, max(submitted_at) AS last_at
FROM survey_responses GROUP BY org, service, day, channel, satisfaction, effort`
  }
};

const cache = new WeakMap<Warehouse, { at: number; answer: Promise<{ health: RollupHealth; version: string }> }>();

/** Health of every rollup, and a data version (raw row counts) that changes whenever data arrives. Cached 5 s;
 *  callers arriving while it is being read share the one query. */
export async function rollupHealth(wh: Warehouse, now: number = Date.now()): Promise<{ health: RollupHealth; version: string }> {
  const hit = cache.get(wh);
  if (hit && now - hit.at < 5_000) return hit.answer;
  const answer = readRollupHealth(wh);
  const entry = { at: now, answer };
  cache.set(wh, entry);
  answer.catch(() => {
    if (cache.get(wh) === entry) cache.delete(wh);
  });
  return answer;
}

async function readRollupHealth(wh: Warehouse): Promise<{ health: RollupHealth; version: string }> {
  const [row] = await wh.query<Record<string, number>>(
    `SELECT
       (SELECT count() FROM service_events) AS ev, (SELECT sum(events) FROM rollup_events_daily) AS ev_r,
       (SELECT count() FROM survey_responses) AS sr, (SELECT sum(responses) FROM rollup_responses_daily) AS sr_r,
       (SELECT count() FROM cases) AS cs, (SELECT count() FROM channel_volumes) AS cv, (SELECT count() FROM standard_results) AS st,
       (SELECT count() FROM declared_indicators) AS di, (SELECT count() FROM costs) AS co, (SELECT count() FROM availability_probes) AS ap,
       (SELECT count() FROM services) AS sv, (SELECT count() FROM organizations) AS og`
  );
  const health: RollupHealth = {
    rollup_events_daily: Number(row.ev) === Number(row.ev_r),
    rollup_responses_daily: Number(row.sr) === Number(row.sr_r)
  };
  return { health, version: Object.values(row).map(Number).join('.') };
}

export function forgetRollupHealth(wh: Warehouse): void {
  cache.delete(wh);
}

/** Rebuilds every rollup from its raw table. Run while nothing is ingesting (rows inserted meanwhile would count twice). */
export async function backfillRollups(wh: Warehouse): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const [table, spec] of Object.entries(SPECS) as [Rollup, RollupSpec][]) {
    await wh.command(`TRUNCATE TABLE ${table}`);
    await wh.command(`INSERT INTO ${table} ${spec.select}`);
    const [r] = await wh.query<{ n: number }>(`SELECT sum(${spec.counted}) AS n FROM ${table}`);
    out[table] = Number(r.n);
  }
  forgetRollupHealth(wh);
  return out;
}
