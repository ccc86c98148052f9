// The row limit (issue 11, finding 2): a request whose answer would pass JALON_METRIC_MAX_ROWS is refused with 422
// `too_large` without grouping the raw rows first. A request answered from raw tables (a dimension its rollups lack)
// is first counted on its rollup split only by the dimensions the rollup keeps: that count is a floor of the answer's
// rows, so it may refuse, never wrongly. Both engines:
//  - on seeded random data, for every definition with a rollup and every dimension it lacks there, each row of the
//    coarser rollup answer lies under a row of the raw answer (the floor never exceeds the answer), and the compiled
//    floor counts exactly the coarser answer's rows;
//  - a request over the limit is refused having read no raw event: every query it ran is asked to ClickHouse's
//    `EXPLAIN ESTIMATE`, which names the tables and rows each reads, where the same request under a higher limit reads
//    `service_events` whole; the refusal's message is the one the answer-side check gives.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { backends, testWarehouse, type TestWarehouse } from '../support/warehouses.ts';
import { loadDataSet, type DataSet } from '../support/random-data-sets.ts';
import { migrate } from '../../warehouse/migrate.ts';
import type { QueryParams, Warehouse } from '../../warehouse/warehouse.ts';
import { catalogue } from '../../metrics/definition.ts';
import { compileMetric } from '../../metrics/compile.ts';
import { rollupHealth } from '../../metrics/rollups.ts';
import { isMetricError, runMetric, type EngineSettings } from '../../metrics/run-metric.ts';
import { rollupDimensions } from '../../metrics/table-decider.ts';
import type { Dimension, MetricAnswer, MetricRequest, MetricRow } from '../../metrics/types.ts';

const SEEDS = [2101, 2102, 2103];
const caller = { role: 'admin' as const, orgs: [], id: 'row-limit' };
const settings = (maxRows: number): EngineSettings => ({ smallCountThreshold: 10, digitalChannels: ['web', 'mobile'], maxRows });
const WIDE = 10_000_000;

/** The definitions whose answers can have a floor: a rollup body, and a dimension its rollups lack. */
const floored = [...catalogue().definitions.values()].filter((d) => d.rollup && d.dimensions.some((x) => !rollupDimensions(d).includes(x)));

/** The same Warehouse, noting every query it is asked (SQL and parameters), to ask the engine what each one reads. */
function observed(wh: Warehouse): { wh: Warehouse; seen: { sql: string; params?: QueryParams }[] } {
  const seen: { sql: string; params?: QueryParams }[] = [];
  const proxy = new Proxy(wh, {
    get(target, prop) {
      if (prop === 'query') {
        return (sql: string, params?: QueryParams, options?: Parameters<Warehouse['query']>[2]) => {
          seen.push({ sql, params });
          return target.query(sql, params, options);
        };
      }
      const v: unknown = Reflect.get(target, prop, target);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    }
  });
  return { wh: proxy, seen };
}

/** Rows each table gives a query, as ClickHouse estimates them before running it. */
async function reads(wh: Warehouse, q: { sql: string; params?: QueryParams }): Promise<Map<string, number>> {
  const rows = await wh.query<{ table: string; rows: number }>(`EXPLAIN ESTIMATE ${q.sql}`, q.params);
  const out = new Map<string, number>();
  for (const r of rows) out.set(r.table, (out.get(r.table) ?? 0) + Number(r.rows));
  return out;
}

const project = (r: MetricRow, by: readonly Dimension[]): string => JSON.stringify([r.period, by.map((d) => r.dimensions[d] ?? ''), r.step?.index ?? null]);

describe.each(backends)('row limit — %s', (backend) => {
  let t: TestWarehouse;
  let dir: string;
  let set: DataSet;

  beforeAll(async () => {
    t = await testWarehouse(backend, inject('clickhouseUrl'));
    await migrate(t.wh);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jalon-row-limit-'));
  });
  afterAll(async () => {
    await t?.dispose();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it.each(SEEDS)('data set %i: the floor never exceeds the answer, for every definition and dimension a rollup lacks', { timeout: 600_000 }, async (seed) => {
    set = await loadDataSet(t.wh, seed, dir);
    const { health } = await rollupHealth(t.wh);
    const problems: string[] = [];
    let compared = 0;
    let floors = 0;
    for (const [m, def] of floored.entries()) {
      const kept = rollupDimensions(def).filter((d) => def.dimensions.includes(d));
      const lacking = def.dimensions.filter((d) => !kept.includes(d));
      const grain = def.grains[(SEEDS.indexOf(seed) + m) % def.grains.length];
      for (const by of [def.dimensions, ...lacking.map((d) => [d]), ...lacking.flatMap((d) => kept.map((k) => [k, d]))] as Dimension[][]) {
        const request: MetricRequest = { metric: def.id, from: set.from, to: set.to, grain, by, filters: {}, compare: 'none', caller, now: set.now };
        const coarseBy = by.filter((d) => kept.includes(d));
        const run = (r: MetricRequest) => runMetric(t.wh, settings(WIDE), r, { provenance: false }).catch((err: unknown) => err);
        const [fine, coarse] = await Promise.all([run(request), run({ ...request, by: coarseBy })]);
        const label = `${seed} ${def.id} ${grain} by ${by.join(',')}`;
        if (isMetricError(fine) || isMetricError(coarse)) {
          if (!(isMetricError(fine) && isMetricError(coarse) && fine.code === coarse.code)) problems.push(`${label}: ${String(fine)} / ${String(coarse)}`);
          continue;
        }
        if (fine instanceof Error || coarse instanceof Error) throw fine instanceof Error ? fine : coarse;
        const a = fine as MetricAnswer;
        const b = coarse as MetricAnswer;
        expect(a.provenance.table, label).toBe('raw');
        expect(b.provenance.table, label).toBe('rollup');
        const under = new Set(a.rows.map((r) => project(r, coarseBy)));
        const orphans = b.rows.filter((r) => !under.has(project(r, coarseBy)));
        if (orphans.length) problems.push(`${label}: ${orphans.length} rollup rows by ${coarseBy.join(',') || '—'} have no row under them (${project(orphans[0], coarseBy)})`);
        compared += b.rows.length;
        // The compiled floor counts the coarser answer's rows (up to its limit).
        const scope = null;
        const compiled = compileMetric(def, request, { scope, digitalChannels: ['web', 'mobile'], rollups: health, limit: 5 });
        if (compiled.rowFloor) {
          const [floor] = await t.wh.query<{ rows: number }>(compiled.rowFloor.sql, compiled.rowFloor.params);
          expect(Number(floor.rows), label).toBe(Math.min(b.rows.length, 5));
          floors++;
        }
      }
    }
    expect(problems.slice(0, 20)).toEqual([]);
    expect(compared).toBeGreaterThan(500);
    expect(floors).toBeGreaterThan(floored.length);
  });

  it('refuses a request over the limit having read no raw event, with the answer-side message', { timeout: 300_000 }, async () => {
    const fine: MetricRequest = { metric: 'digital_take_up', from: set.from, to: set.to, grain: 'day', by: ['org', 'service', 'channel', 'region', 'client_type'], filters: {}, compare: 'none', caller, now: set.now };
    const coarse = await runMetric(t.wh, settings(WIDE), { ...fine, by: ['org', 'service', 'channel'] }, { provenance: false });
    const whole = await runMetric(t.wh, settings(WIDE), fine, { provenance: false });
    expect(coarse.provenance.table).toBe('rollup');
    expect(whole.provenance.table).toBe('raw');
    expect(whole.rows.length).toBeGreaterThan(coarse.rows.length);
    const [{ n: events }] = await t.wh.query<{ n: number }>('SELECT toUInt64(count()) AS n FROM service_events');
    const message = (max: number) =>
      `réponse de plus de ${max} lignes : choisissez un grain plus large, une période plus courte ou moins de dimensions / answer over ${max} rows: choose a coarser grain, a shorter period or fewer dimensions`;

    /** Runs `fine` under `maxRows` on a fresh observed warehouse; returns the outcome and the rows each table gave. */
    const attempt = async (maxRows: number) => {
      const o = observed(t.wh);
      await rollupHealth(o.wh); // its data-version query, read once and kept for a few seconds, is not the request's
      o.seen.length = 0;
      const outcome = await runMetric(o.wh, settings(maxRows), fine).catch((err: unknown) => err);
      const read = new Map<string, number>();
      for (const q of o.seen) for (const [table, rows] of await reads(t.wh, q)) read.set(table, (read.get(table) ?? 0) + rows);
      return { outcome, read, queries: o.seen.length };
    };

    // Over the limit on the rollup already: refused from the floor, without one raw event read.
    const refused = await attempt(coarse.rows.length - 1);
    expect(isMetricError(refused.outcome) && refused.outcome.code).toBe('too_large');
    expect((refused.outcome as Error).message).toBe(message(coarse.rows.length - 1));
    expect(refused.read.get('service_events') ?? 0).toBe(0);
    expect(refused.read.get('rollup_events_daily') ?? 0).toBeGreaterThan(0);
    // Between the floor and the answer: the answer-side check refuses, with the same message.
    const late = await attempt(coarse.rows.length);
    expect(isMetricError(late.outcome) && late.outcome.code).toBe('too_large');
    expect((late.outcome as Error).message).toBe(message(coarse.rows.length));
    expect(late.read.get('service_events') ?? 0).toBeGreaterThanOrEqual(Number(events) * 0.5);
    // Under the limit: answered, every row, from the raw events (the measurement above can tell the two apart).
    const answered = await attempt(whole.rows.length);
    expect((answered.outcome as MetricAnswer).rows).toHaveLength(whole.rows.length);
    expect(answered.read.get('service_events') ?? 0).toBeGreaterThanOrEqual(Number(events) * 0.5);
  });
});
