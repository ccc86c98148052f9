// The government scorecard computed from nothing (issue 18: ≤ 500 ms), in process, side by side in one run: with the
// completions rollup merged by fiscal year (sql/schema/170) current, and with it not current (its mark put behind, the
// day rollups current), when the engine merges the coarser twin's daily states as it did before that table existed.
// Each scorecard is asked of a new metrics service (an empty answer cache) for a day whose fiscal year nobody asked:
// its wall time, and the time of its queries reading a completions rollup, summed (two reads run at once). The sides
// alternate which goes first, and must give the same scorecard: to the bit, but for value_time_saved's sum of floats,
// whose order varies from one run to the next on either side (counted, not refused). The mark is put back at the end.
//   JALON_DATA_DIR=<data-dir> node bin/jalon.js demo --events 2000000       # once
//   node --import tsx bench/metrics/scorecard-fiscal.ts --data <data-dir> [--days 2026-11-30,2025-11-15,2024-10-10]
//   node --import tsx bench/metrics/scorecard-fiscal.ts --server-data <server-data-dir>   # a loopback ClickHouse server's folder
// Then where value_time_saved's series spends its time, and with --upkeep the refresh after a delivery of 1,000 events in
// a closed fiscal year, timed per table (the delivery stays in the data).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { parseArgs } from 'node:util';
import { loadConfig } from '../../config/config.ts';
import { openWarehouse } from '../../warehouse/open-warehouse.ts';
import { ServerWarehouse } from '../../warehouse/server.ts';
import type { Warehouse } from '../../warehouse/warehouse.ts';
import { migrate } from '../../warehouse/migrate.ts';
import { startClickHouseServer } from '../../tests/support/clickhouse-server.ts';
import { createMetricsService } from '../../metrics/service.ts';
import { forgetRollupHealth, refreshRollups, rollupHealth } from '../../metrics/rollups.ts';
import { runMetric } from '../../metrics/run-metric.ts';
import { lastFiscalYear } from '../../metrics/scorecard.ts';
import { compileMetric } from '../../metrics/compile.ts';
import { catalogue } from '../../metrics/definition.ts';
import { runIngest } from '../../ingest/run-ingest.ts';

const { values } = parseArgs({
  options: { data: { type: 'string' }, 'server-data': { type: 'string' }, upkeep: { type: 'boolean', default: false }, days: { type: 'string', default: '2026-11-30,2025-11-15,2024-10-10' } }
});
if (!values.data && !values['server-data']) throw new Error('--data <dossier de l’entrepôt / embedded warehouse folder> ou/or --server-data <dossier d’un serveur ClickHouse / server data folder>');
const chServer = values['server-data'] ? await startClickHouseServer({ dataDir: path.resolve(values['server-data']) }) : null;
const config = loadConfig(chServer ? { CLICKHOUSE_URL: chServer.url } : { JALON_DATA_DIR: path.resolve(values.data!) });
const wh: Warehouse = chServer
  ? await ServerWarehouse.open({ url: chServer.url, username: 'default', password: '', database: 'jalon', createDatabase: true })
  : await openWarehouse(config.warehouse, { holder: 'bench scorecard-fiscal' });
const TABLE = 'rollup_completions_fiscal';

/** The same warehouse, counting the queries that reach it and timing those that read a completions rollup. */
function counting(target: Warehouse): { wh: Warehouse; queries: () => number; completionsMs: () => number } {
  let n = 0;
  let completionsMs = 0;
  const proxy = new Proxy(target, {
    get(t, prop) {
      const value: unknown = Reflect.get(t, prop, t);
      if (prop === 'query') {
        return async (...args: unknown[]) => {
          n++;
          const t0 = performance.now();
          try {
            return await (value as (...a: unknown[]) => Promise<unknown>).apply(t, args);
          } finally {
            if (/\brollup_completions_\w+/.test(String(args[0]))) completionsMs += performance.now() - t0;
          }
        };
      }
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(t) : value;
    }
  });
  return { wh: proxy, queries: () => n, completionsMs: () => Math.round(completionsMs) };
}

/** Where two scorecards differ: figures equal to 1e-12 (relative) but not to the bit — value_time_saved's sum of
 *  floats, whose order varies from one run to the next on either side — and anything else. */
function differences(a: unknown, b: unknown, at = ''): { lastDigits: string[]; beyond: string[] } {
  const out = { lastDigits: [] as string[], beyond: [] as string[] };
  if (typeof a === 'number' && typeof b === 'number') {
    if (a !== b) (Math.abs(a - b) <= 1e-12 * Math.max(1, Math.abs(b)) ? out.lastDigits : out.beyond).push(`${at}: ${a} / ${b}`);
  } else if (a && b && typeof a === 'object' && typeof b === 'object') {
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
      const d = differences((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${at}.${k}`);
      out.lastDigits.push(...d.lastDigits);
      out.beyond.push(...d.beyond);
    }
  } else if (!isDeepStrictEqual(a, b)) out.beyond.push(`${at}: ${JSON.stringify(a)} / ${JSON.stringify(b)}`);
  return out;
}

type Mark = { raw_rows: string; watermark: string; reference: string };
const readMark = async (): Promise<Mark> =>
  (await wh.query<Mark>(`SELECT toString(argMax(raw_rows, refreshed_at)) AS raw_rows, toString(argMax(watermark, refreshed_at)) AS watermark,
       argMax(reference, refreshed_at) AS reference FROM rollup_marks WHERE name = {name:String}`, { name: TABLE }))[0];
const writeMark = async (m: Mark) => {
  await wh.insert('rollup_marks', [{ name: TABLE, raw_rows: Number(m.raw_rows), watermark: m.watermark, reference: m.reference, refreshed_at: new Date().toISOString().replace('T', ' ').replace('Z', '') }]);
  await new Promise((r) => setTimeout(r, 5)); // the next mark's refreshed_at is later
  forgetRollupHealth(wh);
};

let real: Mark | null = null;
try {
  await migrate(wh);
  let t0 = performance.now();
  const refreshed = await refreshRollups(wh);
  console.log(`refresh: ${Math.round(performance.now() - t0)} ms`, JSON.stringify(refreshed[TABLE]));
  const [{ rows, states }] = await wh.query<{ rows: number; states: number }>(`SELECT count() AS rows, sum(completions) AS states FROM ${TABLE} FINAL`);
  console.log(`${TABLE}: ${rows} rows, ${states} completions`);
  real = await readMark();
  const mark = real;
  const caller = { role: 'executive' as const, orgs: [], id: 'bench' };
  const lastDigits: string[] = [];
  const results: { at: string; side: string; ms: number; queries: number; completionsMs: number; current: boolean }[] = [];
  const days = values.days!.split(',');
  for (const [i, at] of days.entries()) {
    const sides = i % 2 === 0 ? ['without', 'with'] : ['with', 'without'];
    const cards: Record<string, unknown> = {};
    for (const side of sides) {
      await writeMark(side === 'with' ? mark : { ...mark, raw_rows: '0' });
      const current = (await rollupHealth(wh)).health[TABLE] === true;
      const c = counting(wh);
      const service = createMetricsService(c.wh, { smallCountThreshold: config.smallCountThreshold, digitalChannels: config.digitalChannels, metrics: config.metrics });
      t0 = performance.now();
      cards[side] = await service.scorecard({ caller, org: null, at, now: new Date(`${at}T17:00:00Z`) });
      results.push({ at, side, ms: Math.round(performance.now() - t0), queries: c.queries(), completionsMs: c.completionsMs(), current });
    }
    const diff = differences(cards.with, cards.without);
    if (diff.beyond.length) throw new Error(`${at}: the two scorecards differ: ${diff.beyond.slice(0, 5).join('; ')}`);
    lastDigits.push(...diff.lastDigits.map((d) => `${at} ${d}`));
  }
  console.table(results);
  // The reads the fiscal-year table serves, each alone (one at a time, 7 times a side, alternating): the series of
  // time_to_complete and value_time_saved from the strategy's first fiscal year, and their headline over the judged one.
  const fy = lastFiscalYear(days[0]);
  const reads: Record<string, number[]> = {};
  for (let round = 0; round < 7; round++) {
    for (const side of round % 2 ? ['with', 'without'] : ['without', 'with']) {
      await writeMark(side === 'with' ? mark : { ...mark, raw_rows: '0' });
      for (const metric of ['time_to_complete', 'value_time_saved']) {
        for (const [what, from, grain] of [['series', '2018-04-01', 'fiscal_year'], ['headline', fy.from, 'all']] as const) {
          const t1 = performance.now();
          await runMetric(wh, { smallCountThreshold: config.smallCountThreshold, digitalChannels: config.digitalChannels }, {
            metric, from, to: fy.to, grain, by: [], filters: {}, compare: 'none', caller, now: new Date(`${days[0]}T17:00:00Z`)
          }, { provenance: false });
          (reads[`${metric} ${what} ${side}`] ??= []).push(performance.now() - t1);
        }
      }
    }
  }
  console.table(Object.entries(reads).map(([k, xs]) => ({ read: k, medianMs: Math.round(xs.sort((a, b) => a - b)[3]), minMs: Math.round(xs[0]) })));
  const median = (side: string, k: 'ms' | 'completionsMs') => {
    const xs = results.filter((r) => r.side === side).map((r) => r[k]).sort((a, b) => a - b);
    return xs[Math.floor(xs.length / 2)];
  };
  console.log(JSON.stringify({
    medianWithoutMs: median('without', 'ms'), medianWithMs: median('with', 'ms'),
    completionsQueriesMedianWithoutMs: median('without', 'completionsMs'), completionsQueriesMedianWithMs: median('with', 'completionsMs'),
    figuresDifferingInTheLastDigits: lastDigits.length
  }));

  // Where value_time_saved's series spends its time (the table current): its compiled query whole, and its parts alone.
  await writeMark(mark);
  const { health } = await rollupHealth(wh);
  const compiled = compileMetric(catalogue().definitions.get('value_time_saved')!, {
    metric: 'value_time_saved', from: '2018-04-01', to: fy.to, grain: 'fiscal_year', by: [], filters: {}, compare: 'none', caller, now: new Date(`${days[0]}T17:00:00Z`)
  }, { scope: null, digitalChannels: config.digitalChannels, rollups: health }).main!;
  const ctes = compiled.sql.slice(compiled.sql.indexOf('WITH med AS'), compiled.sql.indexOf('\nSELECT p AS period'));
  const parameters = compiled.sql.slice(compiled.sql.indexOf('ASOF INNER JOIN (') + 'ASOF INNER JOIN ('.length, compiled.sql.lastIndexOf(') AS ref'));
  const parts: Record<string, string> = {
    'whole query': compiled.sql,
    'medians per organization, service and fiscal year': `${ctes} SELECT count(), sum(med_minutes) FROM med`,
    'digital completions per day (events rollup)': `${ctes} SELECT count(), sum(done) FROM ev`,
    'declared volumes': `${ctes} SELECT count(), sum(done) FROM declared`,
    'value parameters in force': `SELECT count() FROM (${parameters})`
  };
  const partTimes = [];
  for (const [part, sql] of Object.entries(parts)) {
    const xs: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t1 = performance.now();
      await wh.query(sql, compiled.params, { settings: compiled.settings });
      xs.push(performance.now() - t1);
    }
    partTimes.push({ part, medianMs: Math.round(xs.sort((a, b) => a - b)[2]), minMs: Math.round(xs[0]) });
  }
  console.table(partTimes);

  if (values.upkeep) {
    // Upkeep: a delivery of 1,000 events (500 journeys of one service) in a closed fiscal year, then the refresh timed per
    // table. Adds the events to the data folder.
    const times: Record<string, number> = {};
    const timed = new Proxy(wh, {
      get(t, prop) {
        const value: unknown = Reflect.get(t, prop, t);
        if (prop !== 'command') return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(t) : value;
        return async (sql: string, ...rest: unknown[]) => {
          const t1 = performance.now();
          try {
            return await (value as (...a: unknown[]) => Promise<unknown>).apply(t, [sql, ...rest]);
          } finally {
            const m = /(?:INSERT INTO|OPTIMIZE TABLE|TRUNCATE TABLE) (\w+)/.exec(sql);
            if (m) times[m[1]] = (times[m[1]] ?? 0) + performance.now() - t1;
          }
        };
      }
    });
    const [svc] = await wh.query<{ org: string; code: string }>('SELECT org, code FROM services FINAL WHERE NOT placeholder ORDER BY org, code LIMIT 1');
    const stamp = Date.now();
    const lines: string[] = [];
    for (let j = 0; j < 500; j++) {
      const start = new Date(Date.parse(`${lastFiscalYear(fy.from).from}T15:00:00Z`) + 200 * 86_400_000 + (j % 7) * 86_400_000 + (j % 600) * 60_000);
      const base = { org: svc.org, service: svc.code, channel: 'web', journey_id: `fy-${stamp}-${j}`, client_type: 'citizen', region: '06', sign_in: 'none' };
      lines.push(JSON.stringify({ ...base, event_id: `fy-${stamp}-${j}-s`, occurred_at: start.toISOString(), type: 'started' }));
      lines.push(JSON.stringify({ ...base, event_id: `fy-${stamp}-${j}-c`, occurred_at: new Date(start.getTime() + 600_000).toISOString(), type: 'completed', outcome: 'success' }));
    }
    const file = path.join(os.tmpdir(), `jalon-fiscal-delivery-${stamp}.ndjson`);
    fs.writeFileSync(file, lines.join('\n') + '\n');
    await runIngest(wh, { kind: 'events', inputs: [{ source: { type: 'file', path: file }, name: 'delivery', format: 'ndjson' }] });
    fs.rmSync(file);
    t0 = performance.now();
    const r = await refreshRollups(timed);
    console.log(`refresh after the delivery: ${Math.round(performance.now() - t0)} ms`);
    console.table(Object.entries(times).map(([table, ms]) => ({ table, ms: Math.round(ms), statements: r[table]?.chunks ?? null })));
    real = await readMark();
  }
} finally {
  if (real) await writeMark(real);
  await wh.close();
  await chServer?.stop();
}
