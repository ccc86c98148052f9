// Rollups equal raw tables, always (issue 10, "Done when" 2): on 20 seeded random data sets, on both engines, every
// catalogue metric with a rollup body answers, with no dimension and with each single dimension its rollups keep,
// from its rollups and from the raw tables (`forceRaw`) with the same rows: numerator, denominator and n exactly when
// they are counts, other figures within 1e-9 (relative). Each data set asks each metric one of its grains, turning
// through them from one data set to the next, so that every grain of every metric is compared on several data sets
// per engine within the time CI allows. A dimension no rollup keeps is answered from the raw tables by design and not
// compared; every request compared must say it was answered by a rollup, so the test cannot pass vacuously. Time to
// complete's box plot (p10, p25, p75 beside the median and p90, merged from the same exact state) is held to the
// median's tolerance, and must have been compared with values on both sides. A request that neither splits nor filters by
// region or client type reads the completions rollup's coarser twin (rollup_completions_coarse), so both are compared.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { backends, testWarehouse, type TestWarehouse } from '../support/warehouses.ts';
import { loadDataSet, type DataSet } from '../support/random-data-sets.ts';
import { migrate } from '../../warehouse/migrate.ts';
import { catalogue, type MetricDefinition } from '../../metrics/definition.ts';
import { rollupHealth } from '../../metrics/rollups.ts';
import { MetricError, runMetric } from '../../metrics/run-metric.ts';
import { ROLLUP_DIMENSIONS, decideTable } from '../../metrics/table-decider.ts';
import type { Dimension, MetricAnswer, MetricRequest, MetricRow } from '../../metrics/types.ts';

const SEEDS = Array.from({ length: 20 }, (_, i) => 1001 + i);
/** The data set holding a month × channel group above 8,192 completions. */
const BIG_SEED = SEEDS[0];
const settings = { smallCountThreshold: 10, digitalChannels: ['web', 'mobile'] };
const caller = { role: 'admin' as const, orgs: [], id: 'differential' };

const rolled = [...catalogue().definitions.values()].filter((d) => d.rollup);

/** Dimensions a rollup answer can split by: those every rollup of the definition keeps. */
function rollupDimensions(def: MetricDefinition): Dimension[] {
  const tables = def.rollup?.tables ?? [];
  return def.dimensions.filter((d) => tables.every((t) => ROLLUP_DIMENSIONS[t].includes(d)));
}

const isCount = (v: number | null): boolean => v !== null && Number.isInteger(v);
function same(a: number | null | undefined, b: number | null | undefined, exact: boolean): boolean {
  if (a === null || a === undefined || b === null || b === undefined || Number.isNaN(a) || Number.isNaN(b)) return (a ?? null) === (b ?? null) || (Number.isNaN(a) && Number.isNaN(b));
  if (exact) return a === b;
  return Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b));
}

function differences(raw: MetricAnswer, roll: MetricAnswer): string[] {
  const out: string[] = [];
  if (raw.rows.length !== roll.rows.length) out.push(`${raw.rows.length} raw rows, ${roll.rows.length} rollup rows`);
  const key = (r: MetricRow) => JSON.stringify([r.period, r.dimensions, r.step?.index ?? null]);
  const byKey = new Map(roll.rows.map((r) => [key(r), r]));
  for (const a of raw.rows) {
    const b = byKey.get(key(a));
    if (!b) {
      out.push(`${key(a)}: only in the raw answer`);
      continue;
    }
    for (const k of ['numerator', 'denominator', 'n'] as const) {
      if (!same(a[k], b[k], isCount(a[k]) && isCount(b[k]))) out.push(`${key(a)} ${k}: raw ${a[k]}, rollup ${b[k]}`);
    }
    if (!same(a.value, b.value, false)) out.push(`${key(a)} value: raw ${a.value}, rollup ${b.value}`);
    for (const k of new Set([...Object.keys(a.extra ?? {}), ...Object.keys(b.extra ?? {})])) {
      if (!same(a.extra?.[k], b.extra?.[k], false)) out.push(`${key(a)} ${k}: raw ${a.extra?.[k]}, rollup ${b.extra?.[k]}`);
    }
  }
  return out;
}

describe.each(backends)('rollups equal raw tables on random data — %s', (backend) => {
  let t: TestWarehouse;
  let dir: string;
  const compared = new Map<string, number>();
  let answers = 0;
  /** Rollup answers whose provenance was compared with the raw tables' and had a last data time. */
  let provenanceCompared = 0;
  let largestGroup = 0;
  /** Time-to-complete rows whose box-plot quantiles both paths gave (not null), so their comparison was real. */
  const boxCompared = new Map<string, number>();
  const grainsAsked = new Set<string>();
  const sets: DataSet[] = [];

  beforeAll(async () => {
    t = await testWarehouse(backend, inject('clickhouseUrl'));
    await migrate(t.wh);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jalon-differential-'));
  });
  afterAll(async () => {
    await t?.dispose();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it.each(SEEDS)('data set %i: every metric, with each single dimension', { timeout: 600_000 }, async (seed) => {
    const problems: string[] = [];
    const set = await loadDataSet(t.wh, seed, dir, seed === BIG_SEED);
    sets.push(set);
    const { health } = await rollupHealth(t.wh);
    expect(health).toEqual(Object.fromEntries(Object.keys(ROLLUP_DIMENSIONS).map((k) => [k, true])));
    for (const [m, def] of rolled.entries()) {
      // One grain per metric and data set, turning through the metric's grains from one data set to the next: over
      // the 20 data sets each grain of each metric is answered with every dimension about three times.
      // On the big data set, the metrics reading medians also answer by month (its large group is a month × channel).
      const grains = new Set([def.grains[(SEEDS.indexOf(seed) + m) % def.grains.length]]);
      if (seed === BIG_SEED && (def.id === 'time_to_complete' || def.id === 'value_time_saved')) grains.add('month');
      for (const grain of grains) {
        for (const by of [[], ...rollupDimensions(def).map((d) => [d])] as Dimension[][]) {
          const request: MetricRequest = { metric: def.id, from: set.from, to: set.to, grain, by, filters: {}, compare: 'none', caller, now: set.now };
          expect(decideTable(def, request, health, false)).toBe('rollup');
          const run = (forceRaw: boolean) => runMetric(t.wh, settings, request, { forceRaw, provenance: false }).catch((err: unknown) => err);
          const [raw, roll] = await Promise.all([run(true), run(false)]);
          const label = `${seed} ${def.id} ${grain} ${by.join(',') || '—'}`;
          if (raw instanceof MetricError || roll instanceof MetricError) {
            // A request refused (e.g. a grain finer than declared data) must be refused the same way by both.
            if (!(raw instanceof MetricError && roll instanceof MetricError && raw.code === roll.code)) problems.push(`${label}: raw ${String(raw)} / rollup ${String(roll)}`);
            continue;
          }
          if (raw instanceof Error || roll instanceof Error) throw raw instanceof Error ? raw : roll;
          const a = raw as MetricAnswer;
          const b = roll as MetricAnswer;
          expect(a.provenance.table).toBe('raw');
          expect(b.provenance.table).toBe('rollup');
          problems.push(...differences(a, b).slice(0, 5).map((d) => `${label}: ${d}`));
          const k = `${def.id} ${by.join(',') || '—'}`;
          compared.set(k, (compared.get(k) ?? 0) + a.rows.length);
          answers++;
          grainsAsked.add(`${def.id} ${grain}`);
          if (def.id === 'time_to_complete') {
            for (const r of a.rows) for (const q of ['p10', 'p25', 'p75', 'p90']) if (r.extra?.[q] != null) boxCompared.set(q, (boxCompared.get(q) ?? 0) + 1);
          }
          if (def.id === 'time_to_complete' && grain === 'month' && by[0] === 'channel') largestGroup = Math.max(largestGroup, ...a.rows.map((x) => x.n ?? 0));
        }
      }
    }
    // The provenance a rollup answer gives (last data time, organizations that reported) is the raw tables' too. Cases
    // are left out: their rollup keeps the cases with a service standard, the only ones its metrics read.
    for (const def of rolled.filter((d) => !d.sources.includes('cases'))) {
      const request: MetricRequest = { metric: def.id, from: set.from, to: set.to, grain: 'all', by: [], filters: {}, compare: 'none', caller, now: set.now };
      const [raw, roll] = await Promise.all([runMetric(t.wh, settings, request, { forceRaw: true }), runMetric(t.wh, settings, request)]);
      const seen = (a: MetricAnswer) => ({ last_data_at: a.provenance.last_data_at, completeness: a.provenance.completeness });
      if (JSON.stringify(seen(raw)) !== JSON.stringify(seen(roll))) problems.push(`${seed} ${def.id} provenance: raw ${JSON.stringify(seen(raw))}, rollup ${JSON.stringify(seen(roll))}`);
      if (roll.provenance.last_data_at !== null) provenanceCompared++;
    }
    expect(problems.slice(0, 30)).toEqual([]);
  });

  it('compared rows for every metric and dimension a rollup keeps, and a month × channel group above 8,192 completions', async () => {
    expect(sets).toHaveLength(SEEDS.length);
    for (const def of rolled) for (const by of ['—', ...rollupDimensions(def)]) expect(compared.get(`${def.id} ${by}`) ?? 0, `${def.id} by ${by}`).toBeGreaterThan(0);
    for (const def of rolled) for (const g of def.grains) expect(grainsAsked.has(`${def.id} ${g}`), `${def.id} ${g}`).toBe(true);
    expect(answers).toBeGreaterThan(SEEDS.length * 50);
    expect(provenanceCompared).toBeGreaterThan(SEEDS.length * 5);
    // The largest month × channel group of time_to_complete, as both paths counted it (the rows compared equal).
    expect(largestGroup).toBeGreaterThan(8_192);
    for (const q of ['p10', 'p25', 'p75', 'p90']) expect(boxCompared.get(q) ?? 0, q).toBeGreaterThan(SEEDS.length);
  });
});
