// Survey responses carry region and client type (issue 10): sent with the response, or taken from the linked
// journey's events already stored; '' when neither — so satisfaction and effort split by region and client type
// like events, from the rollup and the raw table alike. Both ingest paths: in place (embedded) and batched (server).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { backends, testWarehouse, type TestWarehouse } from '../support/warehouses.ts';
import { migrate } from '../../warehouse/migrate.ts';
import { runIngest } from '../../ingest/run-ingest.ts';
import type { Kind } from '../../ingest/kinds.ts';
import { forgetRollupHealth } from '../../metrics/rollups.ts';
import { runMetric } from '../../metrics/run-metric.ts';
import type { MetricRequest } from '../../metrics/types.ts';

const settings = { smallCountThreshold: 10, digitalChannels: ['web', 'mobile'] };
const ev = (id: string, journey: string, type: string, region: string, client: string, at: string) =>
  ({ event_id: id, occurred_at: at, org: 'A', service: 'A-S1', channel: 'web', journey_id: journey, type, region, client_type: client, ...(type === 'completed' ? { outcome: 'success' } : {}) });
// j1 starts in region 03 as a business and completes from region 06 (the start's region wins); j2 is in 12, a citizen.
const EVENTS = [
  ev('e1', 'j1', 'started', '03', 'business', '2024-05-02T14:00:00Z'), ev('e2', 'j1', 'completed', '06', 'business', '2024-05-02T14:20:00Z'),
  ev('e3', 'j2', 'started', '12', 'citizen', '2024-05-03T14:00:00Z'), ev('e4', 'j2', 'completed', '12', 'citizen', '2024-05-03T14:30:00Z')
];
const resp = (id: string, satisfaction: number, extra: Record<string, unknown>) =>
  ({ response_id: id, submitted_at: '2024-05-04T12:00:00Z', org: 'A', service: 'A-S1', channel: 'web', satisfaction, ...extra });
const SURVEYS = [
  resp('r1', 5, { journey_id: 'j1' }), // → 03, business (from j1's start)
  resp('r2', 2, { journey_id: 'j1', region: '05' }), // region sent: 05; client type from j1: business
  resp('r3', 4, { journey_id: 'j2', client_type: 'business' }), // region 12 from j2; client type sent: business
  resp('r4', 1, { journey_id: 'j9' }), // unknown journey: '' and ''
  resp('r5', 3, {}) // no journey: '' and ''
];

describe.each(backends)('survey responses: region and client type — %s', (backend) => {
  let t: TestWarehouse;
  let dir: string;
  const ingest = async (kind: Kind, name: string, rows: Record<string, unknown>[]) => {
    const file = path.join(dir, `${name}.ndjson`);
    fs.writeFileSync(file, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
    const s = await runIngest(t.wh, { kind, inputs: [{ source: { type: 'file', path: file }, name, format: 'ndjson' }] });
    expect(s.rejected).toBe(0);
    forgetRollupHealth(t.wh);
    return s;
  };
  beforeAll(async () => {
    t = await testWarehouse(backend, inject('clickhouseUrl'));
    await migrate(t.wh);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jalon-survey-region-'));
    await ingest('events', 'events', EVENTS);
    await ingest('surveys', 'surveys', SURVEYS);
  });
  afterAll(async () => {
    await t?.dispose();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('are taken from the linked journey when not sent', async () => {
    const rows = await t.wh.query<{ response_id: string; region: string; client_type: string }>('SELECT response_id, region, client_type FROM survey_responses ORDER BY response_id');
    expect(rows.map((r) => [r.response_id, r.region, r.client_type])).toEqual([
      ['r1', '03', 'business'], ['r2', '05', 'business'], ['r3', '12', 'business'], ['r4', '', ''], ['r5', '', '']
    ]);
  });

  it('split satisfaction by region and client type, from the rollup as from the raw table', async () => {
    const ask = (by: 'region' | 'client_type', forceRaw: boolean, filters: MetricRequest['filters'] = {}) =>
      runMetric(t.wh, settings, {
        metric: 'satisfaction', from: '2024-05-01', to: '2024-06-01', grain: 'month', by: [by], filters, compare: 'none',
        caller: { role: 'admin', orgs: [], id: 't' }, now: new Date('2024-06-30T12:00:00Z')
      }, { forceRaw });
    for (const by of ['region', 'client_type'] as const) {
      const [raw, roll] = [await ask(by, true), await ask(by, false)];
      expect(roll.provenance.table).toBe('rollup');
      expect(roll.rows).toEqual(raw.rows);
    }
    // Region: '' r4 (1) r5 (3) → 0 of 2 satisfied; 03 r1 (5) → 1 of 1; 05 r2 (2) → 0 of 1; 12 r3 (4) → 1 of 1.
    const region = await ask('region', false);
    expect(region.rows.map((r) => [r.dimensions.region, r.numerator, r.denominator])).toEqual([['', 0, 2], ['03', 1, 1], ['05', 0, 1], ['12', 1, 1]]);
    // Client type: '' r4, r5 → 0 of 2; business r1, r2, r3 → 2 of 3.
    const client = await ask('client_type', false);
    expect(client.rows.map((r) => [r.dimensions.client_type, r.numerator, r.denominator])).toEqual([['', 0, 2], ['business', 2, 3]]);
    // A region filter changes the figure (it no longer falls back to every region).
    const filtered = await ask('client_type', false, { region: ['03', '05'] });
    expect(filtered.rows.map((r) => [r.dimensions.client_type, r.numerator, r.denominator])).toEqual([['business', 1, 2]]);
  });
});
