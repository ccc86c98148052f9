// The metrics API and the strategy scorecard on a small demo in a database of its own, on the loopback server and on
// the loopback two-shard cluster: catalogue, one metric, errors in the one shape, caller scope refused in the engine,
// suppression, OpenAPI, and the scorecard for the government and every organization (14 characteristics, each with an
// indicator and a status). The cluster's scorecards must equal the server's, figure for figure (same demo, same clock).
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { testWarehouse, type TestWarehouse } from '../support/warehouses.ts';
import { migrate } from '../../warehouse/migrate.ts';
import { loadConfig } from '../../config/config.ts';
import { generateDemo } from '../../ingest/demo/generate-demo.ts';
import { ORGANIZATIONS } from '../../ingest/demo/catalogue.ts';
import { setRuntime } from '../../dashboard/lib/server/runtime.ts';
import { getMetric, getScorecard, listMetrics } from '../../dashboard/lib/server/metrics-api.ts';
import { openApiDocument } from '../../dashboard/lib/server/openapi.ts';
import { runMetric } from '../../metrics/run-metric.ts';
import { AccessError, type Caller } from '../../access/caller.ts';
import type { MetricAnswer } from '../../metrics/types.ts';
import type { Scorecard } from '../../metrics/scorecard.ts';

const NOW = new Date('2026-11-29T12:00:00Z');
const owner: Caller = { role: 'service_owner', orgs: ['SHQ'], id: 'owner-shq' };
const config = { ...loadConfig({}), smallCountThreshold: 10 };

const url = (q: string) => new URL(`http://localhost/api/v1/x?${q}`);
const body = async <T>(r: Response): Promise<T> => (await r.json()) as T;

const BACKENDS = ['server', 'cluster'] as const;
/** Every scorecard each backend answered, by scope: the cluster's are compared with the server's at the end. */
const cards = new Map<(typeof BACKENDS)[number], Map<string, Scorecard>>();

describe.each(BACKENDS)('metrics API and scorecard — %s', (backend) => {
  let t: TestWarehouse;
  const answered = new Map<string, Scorecard>();

  beforeAll(async () => {
    t = await testWarehouse(backend, inject('clickhouseUrl'));
    await migrate(t.wh);
    await generateDemo(t.wh, { events: 30_000, seed: 7, now: new Date('2026-11-29T00:00:00Z') });
    // A runtime of this backend's own: its metrics service (and answer cache) is new, so nothing of the other backend's
    // run is reused.
    setRuntime({ config, warehouse: t.wh });
    cards.set(backend, answered);
  }, 300_000);
  afterAll(async () => {
    await t?.dispose();
  });

  describe('GET /api/v1/metrics', () => {
    it('lists the whole catalogue with definitions', async () => {
      const { metrics } = await body<{ metrics: { id: string; title: { fr: string; en: string }; formula_version: string }[] }>(await listMetrics());
      // Every metric of sql/metrics, computed and declared alike: the pages, the API and the CLI share one catalogue.
      const files = fs.readdirSync(path.join(process.cwd(), 'sql', 'metrics')).filter((f) => f.endsWith('.sql')).map((f) => f.replace(/\.sql$/, '')).sort();
      expect(metrics.map((m) => m.id).sort()).toEqual(files);
      expect(metrics.length).toBeGreaterThanOrEqual(28);
      expect(metrics.every((m) => m.title.fr && m.title.en && m.formula_version)).toBe(true);
    });
  });

  describe('GET /api/v1/metrics/{id}', () => {
    it('answers rows with value, numerator, denominator, n, suppressed and provenance', async () => {
      const r = await getMetric('digital_take_up', url('from=2024-04-01&to=2026-04-01&grain=fiscal_year'), {}, NOW);
      expect(r.status).toBe(200);
      const a = await body<MetricAnswer>(r);
      expect(a.rows.map((x) => x.period)).toEqual(['2024-2025', '2025-2026']);
      for (const row of a.rows) expect(row.value).toBeCloseTo(row.numerator! / row.denominator!, 12);
      expect(a.provenance.completeness.expected).toBe(ORGANIZATIONS.length);
      expect(a.provenance.formula_version).toBe('1.0');
    });
    it('uses one error shape: unknown metric 404, bad grain 400, grain finer than the data 422', async () => {
      for (const [id, q, status, code] of [
        ['nope', 'grain=month', 404, 'unknown_metric'],
        ['digital_take_up', 'grain=decade', 400, 'bad_request'],
        ['digital_take_up', 'grain=month&org=CPTAQ&from=2024-04-01&to=2025-04-01', 422, 'grain_too_fine'],
        ['digital_take_up', 'colour=blue', 400, 'bad_request']
      ] as const) {
        const r = await getMetric(id, url(q), {}, NOW);
        expect(r.status).toBe(status);
        const e = await body<{ error: { code: string; message: string } }>(r);
        expect(e.error.code).toBe(code);
        expect(e.error.message.length).toBeGreaterThan(5);
      }
    });
    it("refuses a service owner another organization's figures, in the engine and over HTTP", async () => {
      await expect(
        runMetric(t.wh, config, { metric: 'satisfaction', from: '2024-04-01', to: '2025-04-01', grain: 'all', by: [], filters: { org: ['RQ'] }, compare: 'none', caller: owner, now: NOW })
      ).rejects.toBeInstanceOf(AccessError);
      const r = await getMetric('satisfaction', url('org=RQ'), { caller: owner }, NOW);
      expect(r.status).toBe(403);
      expect((await body<{ error: { code: string } }>(r)).error.code).toBe('forbidden');
      // Without a filter the owner gets their own organization only.
      const own = await body<MetricAnswer>(await getMetric('digital_take_up', url('grain=fiscal_year&by=org&from=2023-04-01&to=2025-04-01'), { caller: owner }, NOW));
      expect(new Set(own.rows.map((x) => x.dimensions.org))).toEqual(new Set(['SHQ']));
      expect(own.provenance.completeness.expected).toBe(1);
    });
    it('suppressed rows carry no value, numerator, denominator or n', async () => {
      const a = await body<MetricAnswer>(await getMetric('satisfaction', url('grain=month&by=service&from=2025-04-01&to=2025-07-01'), {}, NOW));
      const hidden = a.rows.filter((x) => x.suppressed);
      expect(hidden.length).toBeGreaterThan(0);
      for (const x of hidden) expect([x.value, x.numerator, x.denominator, x.n]).toEqual([null, null, null, null]);
      for (const x of a.rows.filter((r) => !r.suppressed)) expect(x.n).toBeGreaterThanOrEqual(10);
      // An analyst sees them.
      const analyst = await body<MetricAnswer>(await getMetric('satisfaction', url('grain=month&by=service&from=2025-04-01&to=2025-07-01'), { caller: { role: 'admin', orgs: [], id: 'a' } }, NOW));
      expect(analyst.rows.every((x) => !x.suppressed)).toBe(true);
    });
  });

  describe('GET /api/v1/scorecard', () => {
    const check = (card: Scorecard) => {
      expect(card.characteristics.map((c) => c.number)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14]);
      for (const c of card.characteristics) {
        expect(c.title.fr.length).toBeGreaterThan(5);
        expect(c.indicators.length).toBeGreaterThanOrEqual(1);
        for (const i of c.indicators) {
          expect(['achieved', 'on_track', 'at_risk', 'late', 'no_target', 'no_data']).toContain(i.status);
          // The headline is its own series' point for the period it measures (same definition, sources, filters, caller).
          const point = i.trend.find((p) => p.period === i.period);
          if (point && !point.suppressed && i.value !== null) expect(point.value).toBeCloseTo(i.value, 9);
          expect(i).toHaveProperty('value');
          expect(i).toHaveProperty('target');
          expect(i.target_date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
        }
      }
    };
    it('answers government-wide with the 14 characteristics of the 2018 strategy', async () => {
      const r = await getScorecard(url('at=2026-11-29'), {}, NOW);
      expect(r.status).toBe(200);
      const card = await body<Scorecard>(r);
      expect(card.scope).toBe('government');
      expect(card.at).toBe('2026-11-29');
      check(card);
      answered.set(card.scope, card);
      expect(card.characteristics[0].title.fr).toBe('Tout nouveau service est numérique');
      const statuses = card.characteristics.flatMap((c) => c.indicators.map((i) => i.status));
      expect(statuses.filter((s) => s !== 'no_data').length).toBeGreaterThan(10);
      expect(card.characteristics.flatMap((c) => c.indicators).some((i) => i.source === 'declared')).toBe(true);
    });
    it('answers for every organization of the demo', async () => {
      for (const o of ORGANIZATIONS) {
        const r = await getScorecard(url(`org=${o.code}&at=2026-11-29`), {}, NOW);
        expect(r.status).toBe(200);
        const card = await body<Scorecard>(r);
        expect(card.scope).toBe(o.code);
        check(card);
        answered.set(card.scope, card);
      }
    }, 600_000); // 18 cold scorecards; the shared test machine can be slow
    it("refuses a service owner another organization's scorecard", async () => {
      expect((await getScorecard(url('org=RQ'), { caller: owner }, NOW)).status).toBe(403);
      expect((await getScorecard(url('org=SHQ'), { caller: owner }, NOW)).status).toBe(200);
    });
  });
});

/** Values to 12 digits (sums may add in another order across shards); everything else exactly, except when the data
 *  arrived (`last_data_at`: each backend's demo was loaded at its own time). */
function rounded(x: unknown): unknown {
  return JSON.parse(
    JSON.stringify(x, (k, v: unknown) => (k === 'last_data_at' ? undefined : typeof v === 'number' && !Number.isInteger(v) ? Number(v.toPrecision(12)) : v))
  );
}

describe('the cluster gives one server’s scorecards', () => {
  it('for the government and every organization, indicator by indicator (value, status, trend, n, completeness…)', () => {
    const server = cards.get('server');
    const cluster = cards.get('cluster');
    // Both backends' blocks above ran first (a filtered run leaves nothing to compare: say so rather than pass).
    expect(server?.size, 'run the server block of this file too').toBe(ORGANIZATIONS.length + 1);
    expect(cluster?.size, 'run the cluster block of this file too').toBe(ORGANIZATIONS.length + 1);
    for (const [scope, card] of server!) {
      for (const c of card.characteristics) {
        const other = cluster!.get(scope)!.characteristics.find((x) => x.number === c.number);
        expect(rounded(other), `${scope}, characteristic ${c.number}`).toEqual(rounded(c));
      }
    }
  });
});

describe('GET /api/v1/openapi.json', () => {
  it('describes the metrics and scorecard paths and the error shape', () => {
    const doc = openApiDocument() as { openapi: string; paths: Record<string, unknown>; components: { schemas: Record<string, unknown> } };
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/v1/metrics', '/api/v1/metrics/{id}', '/api/v1/scorecard']));
    expect(doc.components.schemas.Error).toBeDefined();
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/v1/alerts', '/api/v1/alerts/evaluate', '/api/v1/quarantine', '/api/v1/jobs/{id}/run', '/api/v1/digests/send']));
  });
});
