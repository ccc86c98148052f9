// Rollups: fed by materialized views as data arrives, trusted only while they hold exactly their raw table's rows,
// rebuilt by the backfill for data loaded before they existed — and the table decider follows.
import { AnswerCache } from '../../metrics/answer-cache.ts';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { serverTestWarehouse, type TestWarehouse } from '../support/warehouses.ts';
import { migrate } from '../../warehouse/migrate.ts';
import { backfillRollups, forgetRollupHealth, rollupHealth } from '../../metrics/rollups.ts';
import { runMetric } from '../../metrics/run-metric.ts';
import type { MetricRequest } from '../../metrics/types.ts';

const settings = { smallCountThreshold: 10, digitalChannels: ['web', 'mobile'] };
const request: MetricRequest = {
  metric: 'digital_take_up', from: '2024-01-01', to: '2025-01-01', grain: 'quarter', by: [], filters: {}, compare: 'none',
  caller: { role: 'admin', orgs: [], id: 't' }, now: new Date('2024-12-31T12:00:00Z')
};
let t: TestWarehouse;

beforeAll(async () => {
  t = await serverTestWarehouse(inject('clickhouseUrl'));
  await migrate(t.wh);
  const events = Array.from({ length: 40 }, (_, i) => ({
    org: 'A', service: 'A-S1', event_id: `e${i}`, journey_id: `j${i}`, type: 'completed', outcome: 'success',
    channel: i % 4 === 0 ? 'phone' : 'web', occurred_at: new Date(Date.UTC(2024, i % 12, 10, 15)).toISOString()
  }));
  await t.wh.insert('service_events', events);
});
afterAll(async () => {
  await t?.dispose();
});

describe('rollups', () => {
  it('are fed as events arrive and answer with the raw tables’ figures', async () => {
    forgetRollupHealth(t.wh);
    expect((await rollupHealth(t.wh)).health.rollup_events_daily).toBe(true);
    const viaRollup = await runMetric(t.wh, settings, request);
    const viaRaw = await runMetric(t.wh, settings, request, { forceRaw: true });
    expect(viaRollup.provenance.table).toBe('rollup');
    expect(viaRaw.provenance.table).toBe('raw');
    expect(viaRollup.rows).toEqual(viaRaw.rows);
    // Event i falls in month i mod 12 and is on the phone when i is a multiple of 4 (Q1: i = 0, 12, 24, 36 of 12 events).
    expect(viaRollup.rows.map((r) => [r.period, r.numerator, r.denominator])).toEqual([['2024-Q1', 8, 12], ['2024-Q2', 7, 10], ['2024-Q3', 6, 9], ['2024-Q4', 9, 9]]);
  });
  it('figures only (a chart’s trend): the same rows, the provenance marked as not read', async () => {
    const cache = new AnswerCache(1024 * 1024);
    const full = await runMetric(t.wh, settings, request);
    const figures = await runMetric(t.wh, settings, request, { provenance: false, cache });
    expect(figures.rows).toEqual(full.rows);
    expect(full.provenance.omitted).toBeUndefined();
    expect(full.provenance.last_data_at).toBe('2024-12-10T15:00:00.000Z');
    expect(figures.provenance).toMatchObject({ omitted: true, last_data_at: null, completeness: { reported: 0, expected: 0 } });
    // A cached figures-only answer is never handed to a caller who wants the provenance.
    expect((await runMetric(t.wh, settings, request, { cache })).provenance.last_data_at).toBe('2024-12-10T15:00:00.000Z');
  });
  it('are left aside while incomplete, and a backfill brings them back', async () => {
    await t.wh.command('TRUNCATE TABLE rollup_events_daily'); // as if the rollup had been created after the data
    forgetRollupHealth(t.wh);
    expect((await rollupHealth(t.wh)).health.rollup_events_daily).toBe(false);
    const meanwhile = await runMetric(t.wh, settings, request);
    expect(meanwhile.provenance.table).toBe('raw');
    expect(await backfillRollups(t.wh)).toMatchObject({ rollup_events_daily: 40 });
    const after = await runMetric(t.wh, settings, request);
    expect(after.provenance.table).toBe('rollup');
    expect(after.rows).toEqual(meanwhile.rows);
  });
});
