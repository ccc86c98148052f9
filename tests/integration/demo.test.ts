// The demo data set: deterministic for a seed, size and `now`; the same on the embedded engine and a server;
// shaped as the brief asks (real organizations, 60+ services, aggregate-only reporters, rising take-up, friction at hard steps).
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { testWarehouse, type TestWarehouse } from '../support/warehouses.ts';
import { migrate } from '../../warehouse/migrate.ts';
import { generateDemo, type DemoSummary } from '../../ingest/demo/generate-demo.ts';
import { forgetRollupHealth, rollupHealth } from '../../metrics/rollups.ts';

const NOW = new Date('2026-11-01T00:00:00Z');
const FINGERPRINT = `SELECT
  (SELECT sum(cityHash64(event_id, occurred_at, type, channel, step, outcome, region, sign_in)) FROM service_events) AS events,
  (SELECT sum(cityHash64(response_id, satisfaction, comment)) FROM survey_responses) AS surveys,
  (SELECT sum(cityHash64(case_id, decided_at)) FROM cases) AS cases,
  (SELECT sum(cityHash64(org, service, period, channel, volume)) FROM channel_volumes) AS volumes`;

describe('demo generator', () => {
  // chDB opens one data folder per process: embedded runs go one after the other; the server one stays open for the shape checks.
  let server: TestWarehouse | null = null;
  const summaries: DemoSummary[] = [];
  const prints: Record<string, unknown>[] = [];
  beforeAll(async () => {
    for (const [backend, seed] of [['embedded', 7], ['embedded', 7], ['server', 7], ['embedded', 8]] as const) {
      const t = await testWarehouse(backend, inject('clickhouseUrl'));
      try {
        await migrate(t.wh);
        summaries.push(await generateDemo(t.wh, { events: 30_000, seed, now: NOW }));
        prints.push((await t.wh.query(FINGERPRINT))[0]);
      } finally {
        if (backend === 'server') server = t;
        else await t.dispose();
      }
    }
  }, 240_000);
  afterAll(async () => {
    await server?.dispose();
  });

  it('gives identical tables for the same seed, on the embedded engine and on a server', () => {
    expect(summaries[1].tables).toEqual(summaries[0].tables);
    expect(summaries[2].tables).toEqual(summaries[0].tables);
    expect(prints[1]).toEqual(prints[0]);
    expect(prints[2]).toEqual(prints[0]);
  });

  it('replaced by another seed, leaves every rollup holding exactly the new rows', async () => {
    const wh = server!.wh;
    await generateDemo(wh, { events: 20_000, seed: 9, now: NOW, replace: true });
    forgetRollupHealth(wh);
    expect((await rollupHealth(wh)).health).toEqual({ rollup_events_daily: true, rollup_responses_daily: true, rollup_journeys_daily: true, rollup_cases_daily: true, rollup_completions_daily: true, rollup_completions_coarse: true, rollup_completions_fiscal: true, rollup_presence_daily: true });
    const [sums] = await wh.query<{ ev: number; ev_r: number }>('SELECT (SELECT count() FROM service_events) AS ev, (SELECT sum(events) FROM rollup_events_daily) AS ev_r');
    expect(Number(sums.ev_r)).toBe(Number(sums.ev));
    await generateDemo(wh, { events: 30_000, seed: 7, now: NOW, replace: true }); // back to the data the shape checks read
  }, 120_000);
  it('gives different data for another seed', () => {
    expect(prints[3]).not.toEqual(prints[0]);
  });

  it('lands close to the requested number of events and fills every table', () => {
    const s = summaries[0];
    expect(s.tables.service_events).toBeGreaterThanOrEqual(30_000 * 0.998);
    expect(s.tables.service_events).toBeLessThan(30_000 * 1.1);
    for (const [table, n] of Object.entries(s.tables)) expect(n, table).toBeGreaterThan(0);
    expect(s.tables.organizations).toBeGreaterThanOrEqual(15);
    expect(s.tables.services).toBeGreaterThanOrEqual(60);
  });

  it('has the shape of the brief', async () => {
    const wh = server!.wh;
    const orgs = (await wh.query<{ code: string }>('SELECT code FROM organizations FINAL')).map((r) => r.code);
    for (const code of ['RAMQ', 'RQ', 'SAAQ', 'RETRAITEQC', 'CNESST', 'SERVICESQC', 'AFE', 'DEC', 'REQ', 'TAL']) expect(orgs).toContain(code);
    // Organizations reporting aggregates only have volumes and no events.
    const [agg] = await wh.query<{ events: number; volumes: number }>(
      "SELECT (SELECT count() FROM service_events WHERE org IN ('MESS','MTMD','SHQ','CPTAQ')) AS events, (SELECT count() FROM channel_volumes WHERE org IN ('MESS','MTMD','SHQ','CPTAQ')) AS volumes"
    );
    expect(agg.events).toBe(0);
    expect(agg.volumes).toBeGreaterThan(0);
    // Digital take-up rises: later years have a larger digital share of completions than 2018.
    const years = await wh.query<{ y: number; share: number }>(
      "SELECT toYear(occurred_at) AS y, countIf(channel IN ('web','mobile')) / count() AS share FROM service_events WHERE type = 'completed' GROUP BY y ORDER BY y"
    );
    expect(years[0].y).toBe(2018);
    expect(years[years.length - 1].share).toBeGreaterThan(years[0].share + 0.2);
    // Tax season: March-April completions of the income tax return exceed those of September-October.
    const [season] = await wh.query<{ spring: number; autumn: number }>(
      "SELECT countIf(toMonth(occurred_at) IN (3, 4)) AS spring, countIf(toMonth(occurred_at) IN (9, 10)) AS autumn FROM service_events WHERE service = 'RQ-TP1' AND type = 'started'"
    );
    expect(season.spring).toBeGreaterThan(season.autumn * 2);
    // Friction concentrates at identity checks, document uploads and payment rather than at confirmation.
    const stepRates = await wh.query<{ step: string; rate: number }>(
      `WITH r AS (SELECT service, step_index, any(step) AS step, uniqExact(journey_id) AS n FROM service_events WHERE type = 'step' GROUP BY service, step_index)
       SELECT a.step AS step, 1 - sum(b.n) / sum(a.n) AS rate
       FROM r AS a INNER JOIN r AS b ON a.service = b.service AND b.step_index = a.step_index + 1
       GROUP BY a.step ORDER BY rate DESC`
    );
    const rate = Object.fromEntries(stepRates.map((r) => [r.step, r.rate]));
    expect(rate.documents).toBeGreaterThan(rate.formulaire);
    expect(rate.identification).toBeGreaterThan(rate.formulaire);
    expect(rate.paiement).toBeGreaterThan(rate.revision);
  });
});
