// Value-created parameters with effective dates (issue 10, "Done when" 6), through the real ingest on both engines:
// a later report — a new effective date, or a re-send of the first one — never rewrites a closed month; an
// administrator's restatement does, from the day it names, and bumps the formula version in the provenance. The open
// month (the month the reports arrive in) follows the latest report. Expected values are worked out by hand below.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { backends, testWarehouse, type TestWarehouse } from '../support/warehouses.ts';
import { runJalon } from '../support/cli.ts';
import { migrate } from '../../warehouse/migrate.ts';
import { runIngest } from '../../ingest/run-ingest.ts';
import type { Kind } from '../../ingest/kinds.ts';
import { forgetRollupHealth, refreshRollups } from '../../metrics/rollups.ts';
import { MetricError, runMetric } from '../../metrics/run-metric.ts';
import { restateValueParameters } from '../../metrics/restatements.ts';
import type { MetricAnswer, MetricRequest } from '../../metrics/types.ts';

const settings = { smallCountThreshold: 10, digitalChannels: ['web', 'mobile'] };
const admin = { role: 'admin' as const, orgs: [], id: 'test-admin' };

// Reports arrive now (ingest stamps `reported_at`): the months of 2024 are closed, the current month is open.
const today = new Date();
const openMonth = today.toISOString().slice(0, 7);
const nextMonth = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth() + 1, 1)).toISOString().slice(0, 10);

// Web completions of A-S1 sending 10 minutes each: 3 in January 2024, 2 in February, 4 in March, 2 in the open month.
const completions: [string, number][] = [['2024-01-15', 3], ['2024-02-15', 2], ['2024-03-15', 4], [`${openMonth}-01`, 2]];
const EVENTS = completions.flatMap(([day, n]) =>
  Array.from({ length: n }, (_, i) => ({
    event_id: `${day}-${i}`, occurred_at: `${day}T12:0${i}:00-05:00`, org: 'A', service: 'A-S1', channel: 'web', journey_id: `${day}-${i}`,
    type: 'completed', outcome: 'success', duration_ms: 600_000
  }))
);
// First report: web 10 min / 2 $, counter 40 min / 12 $, phone 60 min / 8 $, in force from 2024-01-01.
// Non-digital means: 50 minutes, 10 $.
const FIRST = [
  { org: 'A', service: 'A-S1', channel: 'web', effective_from: '2024-01-01', baseline_minutes: 10, unit_cost_cad: 2, source: 'étude 2023' },
  { org: 'A', service: 'A-S1', channel: 'counter', effective_from: '2024-01-01', baseline_minutes: 40, unit_cost_cad: 12, source: 'étude 2023' },
  { org: 'A', service: 'A-S1', channel: 'phone', effective_from: '2024-01-01', baseline_minutes: 60, unit_cost_cad: 8, source: 'étude 2023' }
];
// Later report: counter 100 min / 20 $ from 2024-03-01 (a later effective date), and counter 70 min re-sent for
// 2024-01-01 (the first effective date, unit cost not given), plus a row giving neither figure (rejected).
const LATER = [
  { org: 'A', service: 'A-S1', channel: 'counter', effective_from: '2024-03-01', baseline_minutes: 100, unit_cost_cad: 20, source: 'étude 2025' },
  { org: 'A', service: 'A-S1', channel: 'counter', effective_from: '2024-01-01', baseline_minutes: 70, source: 'correction' },
  { org: 'A', service: 'A-S1', channel: 'mail', effective_from: '2024-01-01', source: 'vide' }
];

const hours = (done: number, ndMinutes: number, median = 10) => (done * (ndMinutes - median)) / 60;
const cost = (done: number, ndCost: number, webCost = 2) => done * (ndCost - webCost);

describe.each(backends)('value-created parameters with effective dates — %s', (backend) => {
  let t: TestWarehouse;
  let dir: string;
  const ingest = async (kind: Kind, name: string, rows: Record<string, unknown>[]) => {
    const file = path.join(dir, `${name}.ndjson`);
    fs.writeFileSync(file, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
    const s = await runIngest(t.wh, { kind, inputs: [{ source: { type: 'file', path: file }, name, format: 'ndjson' }] });
    forgetRollupHealth(t.wh);
    return s;
  };
  const ask = async (metric: string, forceRaw: boolean): Promise<MetricAnswer> => {
    const request: MetricRequest = { metric, from: '2024-01-01', to: nextMonth, grain: 'month', by: [], filters: {}, compare: 'none', caller: admin, now: today };
    const answer = await runMetric(t.wh, settings, request, { forceRaw });
    expect(answer.provenance.table).toBe(forceRaw ? 'raw' : 'rollup');
    return answer;
  };
  /** Both paths, the same figures: [period, value] per row, and the formula version. */
  const figures = async (metric: string) => {
    const [raw, roll] = [await ask(metric, true), await ask(metric, false)];
    expect(roll.rows).toEqual(raw.rows);
    expect(roll.provenance.formula_version).toBe(raw.provenance.formula_version);
    return { rows: raw.rows.map((r) => [r.period, r.value]), version: raw.provenance.formula_version };
  };
  const close = (rows: (string | number | null)[][], expected: [string, number][]) => {
    expect(rows.map((r) => r[0])).toEqual(expected.map((e) => e[0]));
    rows.forEach((r, i) => expect(r[1]).toBeCloseTo(expected[i][1], 9));
  };

  beforeAll(async () => {
    t = await testWarehouse(backend, inject('clickhouseUrl'));
    await migrate(t.wh);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jalon-value-'));
    expect((await ingest('events', 'events', EVENTS)).inserted).toBe(EVENTS.length);
    expect((await ingest('value_parameters', 'first', FIRST)).inserted).toBe(3);
    await refreshRollups(t.wh);
  });
  afterAll(async () => {
    await t?.dispose();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('the first report is in force from its effective date', async () => {
    const time = await figures('value_time_saved');
    close(time.rows, [['2024-01', hours(3, 50)], ['2024-02', hours(2, 50)], ['2024-03', hours(4, 50)], [openMonth, hours(2, 50)]]);
    expect(time.version).toBe('2.0');
    const money = await figures('value_cost_avoided');
    close(money.rows, [['2024-01', cost(3, 10)], ['2024-02', cost(2, 10)], ['2024-03', cost(4, 10)], [openMonth, cost(2, 10)]]);
  });

  it('a later report leaves closed months as they were; the open month takes it', async () => {
    const s = await ingest('value_parameters', 'later', LATER);
    expect(s.inserted).toBe(2);
    expect(s.errors.map((e) => [e.line, e.reason])).toEqual([[3, 'missing_field']]);
    expect(s.errors[0].message).toMatch(/^baseline_minutes/);
    // Sending the same report again adds nothing.
    expect((await ingest('value_parameters', 'later-again', LATER.slice(0, 2))).duplicates).toBe(2);
    // Open month: counter 100 min / 20 $ (latest effective date) → non-digital 80 min, 14 $.
    const time = await figures('value_time_saved');
    close(time.rows, [['2024-01', hours(3, 50)], ['2024-02', hours(2, 50)], ['2024-03', hours(4, 50)], [openMonth, hours(2, 80)]]);
    expect(time.version).toBe('2.0');
    const money = await figures('value_cost_avoided');
    close(money.rows, [['2024-01', cost(3, 10)], ['2024-02', cost(2, 10)], ['2024-03', cost(4, 10)], [openMonth, cost(2, 14)]]);
  });

  it('a restatement from February rewrites February on, and bumps the formula version', async () => {
    await expect(restateValueParameters(t.wh, { role: 'executive', orgs: [], id: 'x' }, { org: 'A', service: 'A-S1', from: '2024-02-01', reason: 'r' })).rejects.toBeInstanceOf(MetricError);
    await expect(restateValueParameters(t.wh, admin, { org: 'A', service: 'A-S9', from: '2024-02-01', reason: 'r' })).rejects.toThrow(/A-S9.*nothing to restate/);
    expect(await restateValueParameters(t.wh, admin, { org: 'A', service: 'A-S1', from: '2024-02-01', reason: 'étude 2025 validée' })).toEqual({ restatements: 1 });
    // January keeps 50 min / 10 $. February: counter re-sent at 70 min (cost still 12 $) → 65 min, 10 $.
    // March on: counter 100 min / 20 $ → 80 min, 14 $.
    const time = await figures('value_time_saved');
    close(time.rows, [['2024-01', hours(3, 50)], ['2024-02', hours(2, 65)], ['2024-03', hours(4, 80)], [openMonth, hours(2, 80)]]);
    expect(time.version).toBe('2.0-r1');
    const money = await figures('value_cost_avoided');
    close(money.rows, [['2024-01', cost(3, 10)], ['2024-02', cost(2, 10)], ['2024-03', cost(4, 14)], [openMonth, cost(2, 14)]]);
    expect(money.version).toBe('2.0-r1');
    const [audit] = await t.wh.query<{ n: number }>("SELECT count() AS n FROM audit_log WHERE action = 'restate' AND target = 'A/A-S1'");
    expect(Number(audit.n)).toBe(1);
  });

  it('baselines and unit costs sent on services become parameters, once', async () => {
    const svc = { org: 'A', code: 'A-S2', name_fr: 'S2', launched_on: '2020-01-01', baseline_minutes: { web: 12, phone: 30 }, unit_cost_cad: { phone: 9 } };
    await ingest('services', 'services', [svc]);
    const read = () => t.wh.query<{ channel: string; baseline_minutes: number | null; unit_cost_cad: number | null; source: string }>(
      "SELECT channel, baseline_minutes, unit_cost_cad, source FROM value_parameters WHERE service = 'A-S2' ORDER BY channel, reported_at"
    );
    expect((await read()).map((r) => [r.channel, r.baseline_minutes, r.unit_cost_cad, r.source])).toEqual([['phone', 30, 9, 'services'], ['web', 12, null, 'services']]);
    // The same service again (a new name only): no new report. A changed baseline: one new report, for its channel.
    await ingest('services', 'services-renamed', [{ ...svc, name_fr: 'S2 renommé' }]);
    expect(await read()).toHaveLength(2);
    await ingest('services', 'services-changed', [{ ...svc, baseline_minutes: { web: 12, phone: 35 } }]);
    expect((await read()).map((r) => [r.channel, r.baseline_minutes])).toEqual([['phone', 30], ['phone', 35], ['web', 12]]);
  });
});

describe('jalon ingest value_parameters, jalon metrics restate', () => {
  it('ingests a report, refuses a restatement without a reason in one line, then records it', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jalon-restate-'));
    const env = { JALON_DATA_DIR: path.join(dir, 'data'), CLICKHOUSE_URL: '' };
    try {
      const file = path.join(dir, 'parameters.ndjson');
      fs.writeFileSync(file, FIRST.map((r) => JSON.stringify(r)).join('\n') + '\n');
      const ingested = await runJalon(['ingest', 'value_parameters', file, '--json'], env);
      expect(ingested.code, ingested.stderr).toBe(0);
      expect(JSON.parse(ingested.stdout)).toMatchObject({ kind: 'value_parameters', inserted: 3, rejected: 0 });
      const refused = await runJalon(['metrics', 'restate', '--org', 'A', '--from', '2024-02-01'], env);
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).toMatch(/--reason/);
      expect(refused.stderr).not.toMatch(/\n\s+at /); // one line, no stack trace
      const done = await runJalon(['metrics', 'restate', '--org', 'A', '--service', 'A-S1', '--from', '2024-02-01', '--reason', 'étude validée'], env);
      expect(done.code, done.stderr).toBe(0);
      expect(JSON.parse(done.stdout)).toEqual({ org: 'A', service: 'A-S1', from: '2024-02-01', restatements: 1 });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
