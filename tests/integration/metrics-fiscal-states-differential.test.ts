// The completions merged by fiscal year (sql/schema/170, issue 18) give exactly the answers of the day rollups and of the
// raw tables, on seeded random data, on every engine: the metrics reading completions, by fiscal year and over whole
// fiscal years, with no dimension and with each one the table keeps, and for one organization. Quantiles and counts
// are compared to the bit (the same exact states merged in another grouping); value_time_saved's value, a sum of floats
// whose order varies from one run to the next on any path, to 1e-9. Then a closed fiscal year receives late data: every
// completions rollup is not current and the raw tables answer, with the late completions; a refresh rebuilds that one
// year, and the table answers again. A table not current while the day rollups are (its mark behind) is never read.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { withCluster, testWarehouse, type TestWarehouse } from '../support/warehouses.ts';
import { loadDataSet, type DataSet } from '../support/random-data-sets.ts';
import { migrate } from '../../warehouse/migrate.ts';
import type { Warehouse } from '../../warehouse/warehouse.ts';
import { runIngest } from '../../ingest/run-ingest.ts';
import { catalogue } from '../../metrics/definition.ts';
import { forgetRollupHealth, refreshRollups, rollupHealth } from '../../metrics/rollups.ts';
import { runMetric } from '../../metrics/run-metric.ts';
import { ROLLUP_DIMENSIONS } from '../../metrics/table-decider.ts';
import { periodOf, periodRange } from '../../metrics/periods.ts';
import type { Dimension, MetricAnswer, MetricRequest } from '../../metrics/types.ts';

const SEEDS = [2001, 2002, 2004];
const settings = { smallCountThreshold: 0, digitalChannels: ['web', 'mobile'] };
const caller = { role: 'admin' as const, orgs: [], id: 'fiscal-differential' };
const FISCAL = 'rollup_completions_fiscal';
const COMPLETION_TABLES = ['rollup_completions_daily', 'rollup_completions_coarse', FISCAL];
const METRICS = [...catalogue().definitions.values()].filter((d) => d.rollup?.tables.includes('rollup_completions_daily'));

/** The same warehouse, remembering which completions tables each figure query read. */
function watching(wh: Warehouse): { wh: Warehouse; read: () => string[] } {
  let last: string[] = [];
  const proxy = new Proxy(wh, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop, target);
      if (prop === 'query') {
        return (sql: string, ...rest: unknown[]) => {
          if (/^SELECT \* FROM \(/.test(sql)) last = COMPLETION_TABLES.filter((t) => new RegExp(`\\b${t}\\b`).test(sql));
          return (value as (...a: unknown[]) => unknown).apply(target, [sql, ...rest]);
        };
      }
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    }
  });
  return { wh: proxy, read: () => last };
}

/** Rows as compared to the bit: everything but value_time_saved's value (see the head of the file). */
function exactRows(a: MetricAnswer): string {
  return JSON.stringify(a.rows.map((r) => (a.metric === 'value_time_saved' ? { ...r, value: null, numerator: null } : r)));
}
function closeValues(a: MetricAnswer, b: MetricAnswer): boolean {
  return a.rows.length === b.rows.length && a.rows.every((r, i) => {
    const x = r.value;
    const y = b.rows[i].value;
    return x === y || (x !== null && y !== null && Math.abs(x - y) <= 1e-9 * Math.max(1, Math.abs(y)));
  });
}

describe.each(withCluster)('completions by fiscal year equal the day rollups and raw tables — %s', (backend) => {
  let t: TestWarehouse;
  let w: ReturnType<typeof watching>;
  let dir: string;
  let compared = 0;
  let fromFiscal = 0;

  beforeAll(async () => {
    t = await testWarehouse(backend, inject('clickhouseUrl'));
    await migrate(t.wh);
    w = watching(t.wh);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jalon-fiscal-'));
  });
  afterAll(async () => {
    await t?.dispose();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  /** Answers of one request from the fiscal table, the day rollups (the fiscal table's mark put behind) and raw tables. */
  const answers = async (request: MetricRequest) => {
    const fiscal = await runMetric(w.wh, settings, request, { provenance: false });
    const fiscalRead = w.read();
    const raw = await runMetric(w.wh, settings, request, { provenance: false, forceRaw: true });
    return { fiscal, fiscalRead, raw };
  };

  it.each(SEEDS)('data set %i: by fiscal year and over whole fiscal years, then a closed year receives late data', { timeout: 600_000 }, async (seed) => {
    const set: DataSet = await loadDataSet(t.wh, seed, dir);
    forgetRollupHealth(w.wh);
    expect((await rollupHealth(w.wh)).health[FISCAL]).toBe(true);
    // From the fiscal year before the data's to the one after them: every fiscal year the data touch, whole.
    const first = periodRange('fiscal_year', periodOf('fiscal_year', set.from))!;
    const from = `${Number(first.from.slice(0, 4)) - 1}-04-01`;
    const to = periodRange('fiscal_year', periodOf('fiscal_year', set.to))!.to;
    const ask = (metric: string, over: Partial<MetricRequest>): MetricRequest => ({ metric, from, to, grain: 'fiscal_year', by: [], filters: {}, compare: 'none', caller, now: set.now, ...over });
    const requests: MetricRequest[] = [];
    for (const def of METRICS) {
      const dims = def.dimensions.filter((d) => ROLLUP_DIMENSIONS[FISCAL].includes(d));
      for (const by of [[], ...dims.map((d) => [d])] as Dimension[][]) requests.push(ask(def.id, { by }));
      requests.push(ask(def.id, { grain: 'all', from: first.from, to: first.to }), ask(def.id, { grain: 'all' }), ask(def.id, { filters: { org: ['A'] } }));
    }

    // The day rollups' answers (today's path): the fiscal table's mark put behind makes it not current.
    const [mark] = await t.wh.query<{ raw_rows: string; watermark: string; reference: string }>(
      `SELECT toString(argMax(raw_rows, refreshed_at)) AS raw_rows, toString(argMax(watermark, refreshed_at)) AS watermark, argMax(reference, refreshed_at) AS reference
       FROM rollup_marks WHERE name = {name:String}`, { name: FISCAL });
    const putMark = async (rawRows: number) => {
      await new Promise((r) => setTimeout(r, 5));
      await t.wh.insert('rollup_marks', [{ name: FISCAL, raw_rows: rawRows, watermark: mark.watermark, reference: mark.reference, refreshed_at: new Date().toISOString().replace('T', ' ').replace('Z', '') }]);
      forgetRollupHealth(w.wh);
    };
    const fromFiscalTable: MetricAnswer[] = [];
    for (const request of requests) {
      const { fiscal, fiscalRead, raw } = await answers(request);
      expect(fiscalRead, `${request.metric} ${request.grain} ${request.by.join(',')}`).toEqual([FISCAL]);
      expect(fiscal.provenance.table).toBe('rollup');
      expect(raw.provenance.table).toBe('raw');
      expect(exactRows(fiscal)).toBe(exactRows(raw));
      expect(closeValues(fiscal, raw)).toBe(true);
      fromFiscalTable.push(fiscal);
      compared += fiscal.rows.length;
      fromFiscal++;
    }
    await putMark(0);
    const { health } = await rollupHealth(w.wh);
    expect([health[FISCAL], health.rollup_completions_coarse, health.rollup_completions_daily]).toEqual([false, true, true]);
    for (const [i, request] of requests.entries()) {
      const day = await runMetric(w.wh, settings, request, { provenance: false });
      expect(w.read()).not.toContain(FISCAL); // not current: never read
      expect(day.provenance.table).toBe('rollup');
      expect(exactRows(fromFiscalTable[i])).toBe(exactRows(day));
      expect(closeValues(fromFiscalTable[i], day)).toBe(true);
    }
    await putMark(Number(mark.raw_rows));

    // Late data for a closed fiscal year: three journeys of October 2022 completed in 10, 20 and 40 minutes.
    const closed = ask('time_to_complete', { grain: 'all', from: '2022-04-01', to: '2023-04-01' });
    const before = await runMetric(w.wh, settings, closed);
    const late = [10, 20, 40].flatMap((minutes, i) => {
      const base = { org: 'A', service: 'A-S1', channel: 'web', journey_id: `late-${seed}-${i}`, client_type: 'citizen', region: '06', sign_in: 'none' };
      const start = Date.parse('2022-10-15T15:00:00Z') + i * 3_600_000;
      return [
        { ...base, event_id: `late-${seed}-${i}-s`, occurred_at: new Date(start).toISOString(), type: 'started' },
        { ...base, event_id: `late-${seed}-${i}-c`, occurred_at: new Date(start + minutes * 60_000).toISOString(), type: 'completed', outcome: 'success' }
      ];
    });
    const file = path.join(dir, `${seed}-late.ndjson`);
    fs.writeFileSync(file, late.map((e) => JSON.stringify(e)).join('\n') + '\n');
    expect((await runIngest(t.wh, { kind: 'events', inputs: [{ source: { type: 'file', path: file }, name: 'late', format: 'ndjson' }] })).rejected).toBe(0);
    forgetRollupHealth(w.wh);
    expect((await rollupHealth(w.wh)).health[FISCAL]).toBe(false);
    const stale = await answers(closed);
    expect(stale.fiscalRead).toEqual([]); // no completions rollup is current: the raw tables answer
    expect(stale.fiscal.provenance.table).toBe('raw');
    expect(stale.fiscal.rows[0].n).toBe((before.rows[0]?.n ?? 0) + 3);
    if (!before.rows.length) expect(stale.fiscal.rows[0].value).toBe(20); // the year held only the late journeys

    // The refresh rebuilds whole fiscal years, those of the days the rows ingested in its overlap (the last ten minutes:
    // the whole data set, and the late rows) can change: each organization's first day to its last plus 91 (a start
    // gives minutes to completions up to 90 days later). One statement per organization and fiscal year.
    const spans = await t.wh.query<{ lo: string; hi: string }>(
      `SELECT toString(min(toDate(occurred_at, 'America/Toronto'))) AS lo, toString(max(toDate(occurred_at, 'America/Toronto')) + 91) AS hi FROM service_events GROUP BY org`
    );
    const years = spans.reduce((sum, s) => sum + Number(periodOf('fiscal_year', s.hi).slice(0, 4)) - Number(periodOf('fiscal_year', s.lo).slice(0, 4)) + 1, 0);
    const refreshed = await refreshRollups(t.wh);
    expect(refreshed[FISCAL]).toMatchObject({ mode: 'incremental', chunks: years });
    forgetRollupHealth(w.wh);
    for (const request of [closed, ...requests.filter((r) => r.grain === 'fiscal_year' && !r.by.length)]) {
      const { fiscal, fiscalRead, raw } = await answers(request);
      expect(fiscalRead).toEqual([FISCAL]);
      expect(exactRows(fiscal)).toBe(exactRows(raw));
      expect(closeValues(fiscal, raw)).toBe(true);
    }
    expect((await runMetric(w.wh, settings, closed)).rows[0].n).toBe(stale.fiscal.rows[0].n);
  });

  it('compared rows from the fiscal table for every metric reading completions', () => {
    expect(METRICS.map((d) => d.id).sort()).toEqual(['completion_time_distribution', 'time_to_complete', 'value_time_saved']);
    expect(fromFiscal).toBeGreaterThan(SEEDS.length * 10);
    expect(compared).toBeGreaterThan(SEEDS.length * 20);
  });
});
