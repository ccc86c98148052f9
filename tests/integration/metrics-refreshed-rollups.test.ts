// The journeys and cases rollups (sql/schema/040): rebuilt by `refreshRollups` for the days each ingest touched, left
// aside while data has arrived since, and answering with the raw tables' figures — through the real ingest path, on
// both engines. Expected values are worked out by hand from the rows below.
import { createMetricsService } from '../../metrics/service.ts';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { backends, withCluster, testWarehouse, type TestWarehouse } from '../support/warehouses.ts';
import { migrate } from '../../warehouse/migrate.ts';
import { forgetRollupHealth, refreshRollups, rollupHealth } from '../../metrics/rollups.ts';
import { runMetric } from '../../metrics/run-metric.ts';
import { runIngest } from '../../ingest/run-ingest.ts';
import type { Kind } from '../../ingest/kinds.ts';
import type { MetricRequest } from '../../metrics/types.ts';
import { loadConfig } from '../../config/config.ts';
import { runJob } from '../../jobs/job.ts';
import { rollupsJob } from '../../jobs/rollups.ts';

const settings = { smallCountThreshold: 10, digitalChannels: ['web', 'mobile'] };
const NOW = new Date('2024-06-30T12:00:00Z');
const ask = (metric: string, grain: MetricRequest['grain'] = 'month'): MetricRequest => ({
  metric, from: '2024-03-01', to: '2024-07-01', grain, by: [], filters: {}, compare: 'none', caller: { role: 'admin', orgs: [], id: 't' }, now: NOW
});

const ev = (id: string, journey: string, at: string, type: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ event_id: id, occurred_at: at, org: 'A', service: 'A-S1', channel: 'web', journey_id: journey, type, client_type: 'citizen', region: '06', sign_in: 'none', ...extra });

// First delivery. j1: web, steps a and b, completed the next day. j2: phone, step a only so far. j3: step a, then
// failed. j4: started, nothing else yet.
const FIRST = [
  ev('1', 'j1', '2024-03-01T15:00:00Z', 'started'), ev('2', 'j1', '2024-03-01T15:05:00Z', 'step', { step: 'a', step_index: 1 }),
  ev('3', 'j1', '2024-03-01T15:10:00Z', 'step', { step: 'b', step_index: 2 }), ev('4', 'j1', '2024-03-02T15:00:00Z', 'completed', { outcome: 'success' }),
  ev('5', 'j2', '2024-03-01T16:00:00Z', 'started', { channel: 'phone' }), ev('6', 'j2', '2024-03-01T16:05:00Z', 'step', { step: 'a', step_index: 1, channel: 'phone' }),
  ev('7', 'j3', '2024-03-05T15:00:00Z', 'started'), ev('8', 'j3', '2024-03-05T15:05:00Z', 'step', { step: 'a', step_index: 1 }),
  ev('9', 'j3', '2024-03-06T15:00:00Z', 'failed'),
  ev('10', 'j4', '2024-03-05T17:00:00Z', 'started')
];
// Second delivery, weeks later. j2 reaches step b and completes 24 days after its start (within 30); j4 ends as
// ineligible 46 days after its start (outside the window); j5 starts and completes on mobile in April.
const SECOND = [
  ev('11', 'j2', '2024-03-20T10:00:00Z', 'step', { step: 'b', step_index: 2, channel: 'phone' }),
  ev('12', 'j2', '2024-03-25T10:00:00Z', 'completed', { outcome: 'success', channel: 'phone' }),
  ev('13', 'j4', '2024-04-20T10:00:00Z', 'completed', { outcome: 'ineligible' }),
  ev('14', 'j5', '2024-04-10T15:00:00Z', 'started', { channel: 'mobile' }),
  ev('15', 'j5', '2024-04-10T15:30:00Z', 'completed', { outcome: 'success', channel: 'mobile' })
];
const kase = (id: string, received: string, standard: number, decided?: string) =>
  JSON.stringify({ case_id: id, org: 'A', service: 'A-S1', channel: 'web', received_at: received, standard_days: standard, working_days: false, ...(decided ? { decided_at: decided } : {}) });

describe.each(withCluster)('journeys and cases rollups — %s', (backend) => {
  let t: TestWarehouse;
  let dir: string;
  const ingest = async (kind: Kind, name: string, lines: string[]) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, lines.join('\n') + '\n');
    const s = await runIngest(t.wh, { kind, inputs: [{ source: { type: 'file', path: file }, name, format: 'ndjson' }] });
    expect(s.rejected).toBe(0);
    forgetRollupHealth(t.wh);
    return s;
  };
  const both = async (metric: string, grain: MetricRequest['grain'] = 'month') => {
    const viaRollup = await runMetric(t.wh, settings, ask(metric, grain));
    const viaRaw = await runMetric(t.wh, settings, ask(metric, grain), { forceRaw: true });
    expect(viaRollup.rows).toEqual(viaRaw.rows);
    // Provenance read from the rollups (last data time, organizations that reported) agrees with the raw tables'.
    expect({ last: viaRollup.provenance.last_data_at, completeness: viaRollup.provenance.completeness }).toEqual({ last: viaRaw.provenance.last_data_at, completeness: viaRaw.provenance.completeness });
    return { table: viaRollup.provenance.table, rows: viaRollup.rows.map((r) => [r.period, r.step?.index ?? null, r.numerator, r.denominator]) };
  };

  beforeAll(async () => {
    t = await testWarehouse(backend, inject('clickhouseUrl'));
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jalon-refreshed-'));
    await migrate(t.wh);
    await t.wh.insert('organizations', [{ code: 'A', name_fr: 'A', name_en: 'A' }]);
    await t.wh.insert('services', [{ org: 'A', code: 'A-S1', name_fr: 'S1', name_en: 'S1', steps: ['a', 'b'], standard_days: 5 }]);
  });
  afterAll(async () => {
    await t?.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('are left aside until refreshed, then answer from the rollup with the raw figures', async () => {
    await ingest('events', 'first.ndjson', FIRST);
    expect((await rollupHealth(t.wh)).health.rollup_journeys_daily).toBe(false);
    expect((await both('completion_rate')).table).toBe('raw');

    expect(await refreshRollups(t.wh)).toMatchObject({ rollup_journeys_daily: { mode: 'full', rows: 4 } });
    // March: j1 completes within 30 days; j2 (no end yet), j3 (failed), j4 (nothing) do not → 1/4.
    expect(await both('completion_rate')).toEqual({ table: 'rollup', rows: [['2024-03', null, 1, 4]] });
    // Ends within the window: j1 (completed), j3 (failed) → 2 of 4 without an end.
    expect(await both('abandonment_rate')).toEqual({ table: 'rollup', rows: [['2024-03', null, 2, 4]] });
    // Step a reached by j1, j2, j3, of whom j1 reached b (1/3); step b reached by j1, who completed (1/1).
    expect(await both('step_drop_off', 'all')).toEqual({ table: 'rollup', rows: [['all', 1, 1, 3], ['all', 2, 1, 1]] });
  });

  it('a later delivery changes earlier journeys: the incremental refresh redoes the days it can touch', async () => {
    await ingest('events', 'second.ndjson', SECOND);
    expect((await both('completion_rate')).table).toBe('raw');
    const r = await refreshRollups(t.wh);
    expect(r.rollup_journeys_daily).toMatchObject({ mode: 'incremental', rows: 5 });
    // March: j1 and j2 complete within 30 days (j4's ineligible end comes after 46) → 2/4; April: j5 → 1/1.
    expect(await both('completion_rate')).toEqual({ table: 'rollup', rows: [['2024-03', null, 2, 4], ['2024-04', null, 1, 1]] });
    // March ends within the window: j1, j2, j3 → 1 of 4 without; April: j5 ended → 0/1.
    expect(await both('abandonment_rate')).toEqual({ table: 'rollup', rows: [['2024-03', null, 1, 4], ['2024-04', null, 0, 1]] });
    // Step a: j1, j2, j3 → b reached by j1, j2 (2/3); step b: j1, j2, both completed (2/2).
    expect(await both('step_drop_off', 'all')).toEqual({ table: 'rollup', rows: [['all', 1, 2, 3], ['all', 2, 2, 2]] });
    // Nothing new: the refresh only checks.
    expect((await refreshRollups(t.wh)).rollup_journeys_daily).toMatchObject({ mode: 'current', chunks: 0, rows: 5 });
  });

  it('journeys too recent to judge are left out by whole Toronto days, the same way from the rollup', async () => {
    // A journey is judged when its start day (Toronto) plus 30 days is on or before today.
    const early: MetricRequest = { ...ask('completion_rate'), now: new Date('2024-04-04T12:00:00Z') };
    const viaRollup = await runMetric(t.wh, settings, early);
    const viaRaw = await runMetric(t.wh, settings, early, { forceRaw: true });
    expect(viaRollup.provenance.table).toBe('rollup');
    expect(viaRollup.rows).toEqual(viaRaw.rows);
    // On April 4, March 1 + 30 = March 31 ≤ April 4 and March 5 + 30 = April 4 ≤ April 4: j1…j4 judged; j5 not started.
    expect(viaRollup.rows.map((r) => [r.period, r.numerator, r.denominator])).toEqual([['2024-03', 2, 4]]);
    const earlier = { ...early, now: new Date('2024-04-03T12:00:00Z') };
    const rows = (await runMetric(t.wh, settings, earlier)).rows;
    expect(rows).toEqual((await runMetric(t.wh, settings, earlier, { forceRaw: true })).rows);
    // On April 3 the March 5 starts (j3, j4) are too recent: j1, j2 → 2/2.
    expect(rows.map((r) => [r.period, r.numerator, r.denominator])).toEqual([['2024-03', 2, 2]]);
  });

  it('new steps for a service rebuild the journeys rollup', async () => {
    await t.wh.insert('services', [{ org: 'A', code: 'A-S1', name_fr: 'S1', name_en: 'S1', steps: ['a', 'b', 'c'], standard_days: 5, updated_at: '2030-01-01 00:00:00.000' }]);
    forgetRollupHealth(t.wh);
    expect((await rollupHealth(t.wh)).health.rollup_journeys_daily).toBe(false);
    expect((await refreshRollups(t.wh)).rollup_journeys_daily).toMatchObject({ mode: 'full', rows: 5 });
    // Step b is no longer the last: going on means reaching c, which nobody did (0/2); step c is reached by none.
    expect(await both('step_drop_off', 'all')).toEqual({ table: 'rollup', rows: [['all', 1, 2, 3], ['all', 2, 0, 2]] });
  });

  it('the rollups job (run by serve every minute) refreshes after a delivery and prepares the scorecards', async () => {
    await ingest('events', 'third.ndjson', [ev('16', 'j6', '2024-05-02T15:00:00Z', 'started'), ev('17', 'j6', '2024-05-02T15:20:00Z', 'completed', { outcome: 'success' })]);
    expect((await rollupHealth(t.wh)).health.rollup_journeys_daily).toBe(false);
    const config = loadConfig(backend === 'server' ? { CLICKHOUSE_URL: inject('clickhouseUrl'), CLICKHOUSE_DATABASE: t.wh.database } : { JALON_DATA_DIR: dir });
    // The job's own clock (job_runs keeps a year of runs: a 2024 clock would have its record dropped on arrival).
    const result = await runJob(rollupsJob('* * * * *'), { warehouse: t.wh, config, metrics: createMetricsService(t.wh, config), now: () => new Date(), log: () => undefined });
    // The refresh redoes organization A's days touched by rows ingested in the last ten minutes (every delivery of
    // this test: March 1 to May 2), from 31 days before: January 30 to May 3, 94 days, two statements of at most 92.
    // Then the government scorecard and organization A's.
    expect(result).toMatchObject({ status: 'ok', counts: { rollup_journeys_daily_statements: 2, scorecards: 2 } });
    forgetRollupHealth(t.wh);
    expect((await rollupHealth(t.wh)).health.rollup_journeys_daily).toBe(true);
    // May: j6 completes within the window → 1/1 (March and April as before).
    expect(await both('completion_rate')).toEqual({ table: 'rollup', rows: [['2024-03', null, 2, 4], ['2024-04', null, 1, 1], ['2024-05', null, 1, 1]] });
    const runs = await t.wh.query<{ status: string }>("SELECT status FROM job_runs FINAL WHERE job_id = 'rollups'");
    expect(runs.map((r) => r.status)).toEqual(['ok']);
  });

  it('cases: a decision sent later replaces the pending case, and the refresh follows', async () => {
    // c1 decided in 4 days (met, standard 5); c2 pending since March 4, past its standard on June 30 (judged, not met);
    // c3 received June 28, pending, within its 10 days (not judged).
    await ingest('cases', 'cases-1.ndjson', [kase('c1', '2024-03-04T14:00:00Z', 5, '2024-03-08T14:00:00Z'), kase('c2', '2024-03-04T15:00:00Z', 5), kase('c3', '2024-06-28T15:00:00Z', 10)]);
    expect((await both('within_service_standard')).table).toBe('raw');
    // The cases rollup was built (empty) by the earlier refreshes: only the days received are redone.
    expect((await refreshRollups(t.wh)).rollup_cases_daily).toMatchObject({ mode: 'incremental', rows: 3 });
    expect(await both('within_service_standard')).toEqual({ table: 'rollup', rows: [['2024-03', null, 1, 2]] });
    // c2 decided on March 6: met → 2/2.
    await ingest('cases', 'cases-2.ndjson', [kase('c2', '2024-03-04T15:00:00Z', 5, '2024-03-06T15:00:00Z')]);
    expect((await refreshRollups(t.wh)).rollup_cases_daily).toMatchObject({ mode: 'incremental', rows: 3 });
    expect(await both('within_service_standard')).toEqual({ table: 'rollup', rows: [['2024-03', null, 2, 2]] });
  });
});
