// The raw path's FINAL without merges across partitions (metrics/final-reads.ts) answers exactly what the full FINAL
// answers (issue 18): on seeded random data sets holding events stored twice — the same event ingested again, versions
// of an event corrected later, and versions on a Toronto day straddling New Year's Eve in UTC — every catalogue
// metric, from the raw tables, with no dimension and with each of its dimensions, gives the same rows with the
// compiled settings as with FINAL merging across partitions; on the embedded engine and the server. Also: every table
// final-reads.ts lets skip those merges has, in the engine, a partition key that keeps a row's versions together.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { backends, testWarehouse, type TestWarehouse } from '../support/warehouses.ts';
import { loadDataSet, rng } from '../support/random-data-sets.ts';
import { splitTopLevel } from '../../warehouse/cluster-layout.ts';
import { migrate } from '../../warehouse/migrate.ts';
import { catalogue } from '../../metrics/definition.ts';
import { compileMetric } from '../../metrics/compile.ts';
import { PARTITION_EXACT_FINAL, finalSettings, finalTables } from '../../metrics/final-reads.ts';
import type { Dimension, MetricRequest } from '../../metrics/types.ts';

const SEEDS = [2001, 2002, 2003, 2004];
const caller = { role: 'admin' as const, orgs: [], id: 'raw-final' };
/** FINAL merging across partitions, whatever the engine would decide by itself. */
const FULL_FINAL = { do_not_merge_across_partitions_select_final: 0, enable_automatic_decision_for_merging_across_partitions_for_final: 0 };

type Row = Record<string, unknown>;

/** Stores events a second time, as the ingest's filter would not (two runs racing, a restore): copies, corrections, straddles. */
async function storeTwice(t: TestWarehouse, seed: number): Promise<void> {
  const r = rng(seed * 7);
  const cols = 'org, service, toString(occurred_at) AS occurred_at, event_id, journey_id, type, step, step_index, outcome, channel, client_type, region, sign_in, assisted, prefilled, duration_ms, run_id';
  const rows = await t.wh.query<Row>(`SELECT ${cols} FROM service_events ORDER BY event_id`);
  const again = rows.filter(() => r() < 0.1).map((x) => ({ ...x, run_id: 'again' }));
  const corrected = rows.filter(() => r() < 0.05).map((x) => ({ ...x, run_id: 'corrected', channel: r() < 0.5 ? 'web' : 'phone', prefilled: !x.prefilled, sign_in: 'bank' }));
  // Versions of one event at 15:00 and 21:00 Toronto on December 31 (20:00 UTC, then 02:00 UTC on January 1).
  const straddle: Row[] = [];
  for (const year of [2022, 2023, 2024]) {
    for (let i = 0; i < 5; i++) {
      const base = { org: 'A', service: 'A-S1', event_id: `ny${seed}-${year}-${i}`, journey_id: `ny${seed}-${year}-${i}`, type: i % 2 ? 'completed' : 'started', step: '', step_index: 0,
        outcome: i % 2 ? 'success' : '', channel: 'web', client_type: 'citizen', region: '06', sign_in: 'none', assisted: false, prefilled: false, duration_ms: i % 2 ? 600_000 : null, run_id: 'ny' };
      straddle.push({ ...base, occurred_at: `${year}-12-31 20:00:00.000` });
    }
  }
  await t.wh.insert('service_events', [...again, ...straddle]);
  await new Promise((res) => setTimeout(res, 5)); // a later ingested_at: the later version wins under FINAL
  await t.wh.insert('service_events', [...corrected, ...straddle.map((x) => ({ ...x, occurred_at: `${String(x.occurred_at).slice(0, 4)}-01-01 02:00:00.000`.replace(/^(\d+)/, (y) => String(Number(y) + 1)), channel: 'mobile' }))]);
}

const isCount = (v: unknown): boolean => typeof v === 'number' && Number.isInteger(v);
function sameRows(a: Row[], b: Row[]): string[] {
  const out: string[] = [];
  if (a.length !== b.length) return [`${a.length} rows against ${b.length}`];
  a.forEach((x, i) => {
    const y = b[i];
    for (const k of new Set([...Object.keys(x), ...Object.keys(y)])) {
      const [u, v] = [x[k], y[k]];
      if (typeof u === 'number' && typeof v === 'number' && !(isCount(u) && isCount(v))) {
        if (Math.abs(u - v) > 1e-9 * Math.max(1, Math.abs(v))) out.push(`row ${i} ${k}: ${u} against ${v}`);
      } else if (JSON.stringify(u) !== JSON.stringify(v)) out.push(`row ${i} ${k}: ${JSON.stringify(u)} against ${JSON.stringify(v)}`);
    }
  });
  return out;
}

describe('final-reads', () => {
  it('reads which tables a query reads with FINAL, and allows the setting only when all of them keep versions in one partition', () => {
    expect(finalTables('SELECT 1 FROM service_events FINAL JOIN value_parameters AS p FINAL ON 1 JOIN (SELECT * FROM services FINAL) s ON 1')).toEqual(['service_events', 'value_parameters', 'services']);
    expect(finalSettings('SELECT count() FROM service_events FINAL')).toEqual({ do_not_merge_across_partitions_select_final: 1 });
    expect(finalSettings('SELECT count() FROM service_events FINAL UNION ALL SELECT count() FROM survey_responses FINAL')).toEqual({});
    expect(finalSettings('SELECT count() FROM service_events')).toEqual({});
    expect(finalSettings("SELECT 'FINAL' FROM service_events FINAL")).toEqual({}); // a FINAL it cannot place: nothing assumed
  });
});

describe.each(backends)('raw path: FINAL without merges across partitions equals FINAL — %s', (backend) => {
  let t: TestWarehouse;
  let dir: string;
  beforeAll(async () => {
    t = await testWarehouse(backend, inject('clickhouseUrl'));
    await migrate(t.wh);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jalon-raw-final-'));
  });
  afterAll(async () => {
    await t?.dispose();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('every table allowed to skip those merges keeps the versions of a row in one partition', async () => {
    const tables = await t.wh.query<{ name: string; partition_key: string; sorting_key: string }>(
      'SELECT name, partition_key, sorting_key FROM system.tables WHERE database = currentDatabase() AND name IN {names:Array(String)} ORDER BY name',
      { names: [...PARTITION_EXACT_FINAL] }
    );
    expect(tables.map((x) => x.name)).toEqual([...PARTITION_EXACT_FINAL].sort());
    for (const x of tables) {
      if (x.partition_key === '') continue;
      const inner = /^toYear\((.*)\)$/.exec(x.partition_key)?.[1];
      expect(inner !== undefined && splitTopLevel(x.sorting_key).includes(inner), `${x.name}: PARTITION BY ${x.partition_key}, ORDER BY ${x.sorting_key}`).toBe(true);
    }
  });

  it.each(SEEDS)('data set %i: every metric from the raw tables, with each dimension', { timeout: 600_000 }, async (seed) => {
    const set = await loadDataSet(t.wh, seed, dir);
    await storeTwice(t, seed);
    // Not vacuous: rows are stored twice, unmerged, and some partition holds more than one part.
    const [c] = await t.wh.query<{ stored: number; final: number; parts: number; partitions: number }>(
      `SELECT (SELECT count() FROM service_events) AS stored, (SELECT count() FROM service_events FINAL SETTINGS do_not_merge_across_partitions_select_final = 0) AS final,
              (SELECT count() FROM system.parts WHERE database = currentDatabase() AND table = 'service_events' AND active) AS parts,
              (SELECT uniqExact(partition_id) FROM system.parts WHERE database = currentDatabase() AND table = 'service_events' AND active) AS partitions`
    );
    expect(Number(c.stored)).toBeGreaterThan(Number(c.final));
    expect(Number(c.parts)).toBeGreaterThan(Number(c.partitions));
    const problems: string[] = [];
    let withSetting = 0;
    const defs = [...catalogue().definitions.values()];
    for (const [m, def] of defs.entries()) {
      const grain = def.grains[(SEEDS.indexOf(seed) + m) % def.grains.length];
      for (const by of [[], ...def.dimensions.map((d) => [d])] as Dimension[][]) {
        const request: MetricRequest = { metric: def.id, from: set.from, to: set.to, grain, by, filters: {}, compare: 'none', caller, now: set.now };
        const compiled = compileMetric(def, request, { scope: null, digitalChannels: ['web', 'mobile'], rollups: {}, forceRaw: true, limit: 20_001 });
        if (!compiled.main) continue;
        const settings = compiled.main.settings ?? {};
        if (settings.do_not_merge_across_partitions_select_final === 1) withSetting++;
        const run = (s: Record<string, number>) => t.wh.query<Row>(compiled.main!.sql, compiled.main!.params, { settings: s }).catch((err: unknown) => err);
        const [a, b] = await Promise.all([run(settings), run(FULL_FINAL)]);
        const label = `${seed} ${def.id} ${grain} ${by.join(',') || '—'}`;
        if (a instanceof Error || b instanceof Error) {
          if (!(a instanceof Error && b instanceof Error)) problems.push(`${label}: ${String(a)} / ${String(b)}`);
          continue;
        }
        problems.push(...sameRows(a as Row[], b as Row[]).slice(0, 3).map((d) => `${label}: ${d}`));
      }
    }
    expect(problems.slice(0, 20)).toEqual([]);
    // The metrics reading service_events ran with the setting (the comparison is not between two identical runs).
    expect(withSetting).toBeGreaterThan(20);
  });
});
