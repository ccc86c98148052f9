// Figures on the two-shard cluster equal those of one server on the same data: the same demo (seed, size, clock) in
// both, then every catalogue metric, from the rollups and from the raw tables, at two grains, compared row by row.
// The strategy scorecard's equality is in scorecard-api.test.ts (its cluster backend).
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { clusterTestWarehouse, serverTestWarehouse, type TestWarehouse } from '../support/warehouses.ts';
import { migrate } from '../../warehouse/migrate.ts';
import { generateDemo } from '../../ingest/demo/generate-demo.ts';
import { catalogue } from '../../metrics/definition.ts';
import { engineSettings, runMetric } from '../../metrics/run-metric.ts';
import type { Caller } from '../../access/caller.ts';
import type { MetricAnswer, MetricRequest } from '../../metrics/types.ts';

const NOW = new Date('2026-11-29T12:00:00Z');
const admin: Caller = { role: 'admin', orgs: [], id: 'admin' };
const settings = engineSettings({ smallCountThreshold: 10, digitalChannels: ['web', 'mobile'] });
let cluster: TestWarehouse;
let server: TestWarehouse;

beforeAll(async () => {
  [cluster, server] = await Promise.all([clusterTestWarehouse(), serverTestWarehouse(inject('clickhouseUrl'))]);
  for (const t of [cluster, server]) {
    await migrate(t.wh);
    await generateDemo(t.wh, { events: 30_000, seed: 7, now: new Date('2026-11-29T00:00:00Z') });
  }
}, 300_000);
afterAll(async () => {
  await cluster?.dispose();
  await server?.dispose();
});

/** The figures of an answer: rows (in a stable order: rows tied on the engine's ORDER BY may come in either order),
 *  the table that answered, completeness. Not the provenance's arrival times (each demo was loaded at its own time). */
async function answer(t: TestWarehouse, request: MetricRequest, forceRaw: boolean): Promise<unknown> {
  try {
    // No answer cache: it is keyed by data version, which both warehouses share.
    const a: MetricAnswer = await runMetric(t.wh, settings, request, { forceRaw });
    // step_drop_off names a step with any() of the names its services give that index: across services (no `service`
    // dimension) the name is whichever the engine met first, on one server as on the cluster. Its index is compared.
    const rows = a.rows
      .map((r) => (r.step && !request.by.includes('service') ? { ...r, step: { index: r.step.index, name: '' } } : r))
      .sort((x, y) => (JSON.stringify(x) < JSON.stringify(y) ? -1 : 1));
    return { rows, table: a.provenance.table, completeness: a.provenance.completeness };
  } catch (err) {
    return { error: (err as { code?: string }).code ?? (err as Error).message };
  }
}

/** Values compared to 12 digits (sums may add in another order across shards); counts exactly. */
function rounded(x: unknown): unknown {
  return JSON.parse(JSON.stringify(x, (_k, v: unknown) => (typeof v === 'number' && !Number.isInteger(v) ? Number(v.toPrecision(12)) : v)));
}

describe('the cluster gives one server\'s figures', () => {
  const metrics = [...catalogue().definitions.keys()];
  it.each(metrics)('%s: every row equal, from the rollups and from the raw tables, whole period, yearly (all, by organization), monthly by channel', async (metric) => {
    const requests: MetricRequest[] = [
      { metric, from: '2023-04-01', to: '2026-11-01', grain: 'all', by: [], filters: {}, compare: 'none', caller: admin, now: NOW },
      { metric, from: '2023-04-01', to: '2026-11-01', grain: 'fiscal_year', by: [], filters: {}, compare: 'none', caller: admin, now: NOW },
      { metric, from: '2023-04-01', to: '2026-11-01', grain: 'fiscal_year', by: ['org'], filters: {}, compare: 'none', caller: admin, now: NOW },
      { metric, from: '2026-01-01', to: '2026-07-01', grain: 'month', by: ['channel'], filters: {}, compare: 'previous_period', caller: admin, now: NOW }
    ];
    let answered = 0;
    for (const request of requests) {
      for (const forceRaw of [false, true]) {
        const [c, s] = [await answer(cluster, request, forceRaw), await answer(server, request, forceRaw)];
        expect(rounded(c), `${metric} ${request.grain} by ${request.by.join()} raw=${forceRaw}`).toEqual(rounded(s));
        if (!('error' in (s as object))) answered++;
      }
    }
    expect(answered).toBeGreaterThan(0);
  });
});
