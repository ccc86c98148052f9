// Availability probes end to end: the probes job on its real node-cron schedule (every second) probes a local HTTP
// server that goes down (its socket closed) and then slows down, on a timetable kept by this test. Through the
// `availability` metric, the downtime equals the time the server was really down within one probe interval, and the
// p95 response time equals the one computed here, independently, from the stored probes. The `probes` ingest kind
// stores probes collected elsewhere, quarantines a bad row and does not count a resent row twice.
import http from 'node:http';
import { Readable } from 'node:stream';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig, type Config } from '../../config/config.ts';
import { migrate } from '../../warehouse/migrate.ts';
import { createMetricsService } from '../../metrics/service.ts';
import { startScheduler } from '../../jobs/scheduler.ts';
import { probesJob, scheduleOf } from '../../jobs/probes.ts';
import { runIngest } from '../../ingest/run-ingest.ts';
import { torontoDay, addDays, parseDay, isoDay } from '../../metrics/periods.ts';
import { serverTestWarehouse, type TestWarehouse } from '../support/warehouses.ts';

let t: TestWarehouse;
let config: Config;
const ADMIN = { role: 'admin' as const, orgs: [], id: 'test' };

beforeAll(async () => {
  t = await serverTestWarehouse(inject('clickhouseUrl'));
  await migrate(t.wh);
  config = loadConfig({ CLICKHOUSE_URL: inject('clickhouseUrl'), CLICKHOUSE_DATABASE: t.wh.database });
});
afterAll(async () => {
  await t.dispose();
});

/** ClickHouse's quantileExactInclusive: linear interpolation between order statistics at (n − 1)·p. */
function quantileExactInclusive(values: number[], p: number): number {
  const x = [...values].sort((a, b) => a - b);
  const h = (x.length - 1) * p;
  const lo = Math.floor(h);
  return lo + 1 < x.length ? x[lo] + (h - lo) * (x[lo + 1] - x[lo]) : x[lo];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('availability probes', () => {
  it('cron schedules follow the interval, and intervals cron cannot keep are refused', () => {
    expect(scheduleOf(1)).toBe('*/1 * * * * *');
    expect(scheduleOf(30)).toBe('*/30 * * * * *');
    expect(scheduleOf(300)).toBe('0 */5 * * * *');
    expect(scheduleOf(45)).toBeNull();
    expect(() => probesJob({ id: 'p', type: 'probes', interval_s: 45, targets: [{ org: 'A', service: 'S', url: 'ftp://x' }] }, 'jobs.json')).toThrow(/interval_s 45.*targets\[0\]\.url: http\(s\)/s);
  });

  it('give, through the availability metric, the real downtime within one interval and the stored probes’ exact p95', async () => {
    let slow = false;
    const handler: http.RequestListener = (_req, res) => {
      if (slow) setTimeout(() => res.writeHead(200).end('ok'), 250);
      else res.writeHead(200).end('ok');
    };
    let server = http.createServer(handler);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as AddressInfo).port;
    const job = probesJob({ id: 'probes', type: 'probes', interval_s: 1, targets: [{ org: 'RAMQ', service: 'RAMQ-CARTE', url: `http://127.0.0.1:${port}/health`, timeout_ms: 2000 }] }, 'jobs.json');
    const metrics = createMetricsService(t.wh, config);
    const scheduler = startScheduler({ warehouse: t.wh, config, metrics, jobs: [job], log: () => undefined });
    let downAt = 0;
    let upAt = 0;
    try {
      await sleep(4_200);
      // Down: the listening socket and every open connection closed.
      downAt = Date.now();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      await sleep(3_000);
      // Up again on the same port, now slow.
      slow = true;
      server = http.createServer(handler);
      await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));
      upAt = Date.now();
      await sleep(3_300);
    } finally {
      await scheduler.stop();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    }

    const stored = await t.wh.query<{ at_ms: number; up: boolean; response_ms: number; interval_s: number }>(
      "SELECT toUnixTimestamp64Milli(probed_at) AS at_ms, up, response_ms, interval_s FROM availability_probes FINAL WHERE org = 'RAMQ' ORDER BY probed_at"
    );
    expect(stored.length).toBeGreaterThanOrEqual(9);
    expect(stored.some((p) => !p.up)).toBe(true);
    expect(stored.every((p) => p.interval_s === 1)).toBe(true);

    const today = torontoDay(new Date());
    const answer = await metrics.run({ metric: 'availability', from: today, to: isoDay(addDays(parseDay(today), 1)), grain: 'all', by: [], filters: { org: ['RAMQ'] }, compare: 'none', caller: ADMIN, now: new Date() });
    const row = answer.rows[0];
    expect(row.denominator).toBe(stored.length); // seconds observed: one per probe
    // Downtime the metric counts (seconds) against the time the server was really down within what was observed.
    const observedFrom = Number(stored[0].at_ms);
    const observedTo = Number(stored.at(-1)!.at_ms) + 1_000;
    const reallyDown = (Math.min(upAt, observedTo) - Math.max(downAt, observedFrom)) / 1000;
    const counted = (row.denominator ?? 0) - (row.numerator ?? 0);
    expect(Math.abs(counted - reallyDown)).toBeLessThanOrEqual(1);
    expect(Math.abs((row.value ?? 0) - (1 - reallyDown / stored.length))).toBeLessThanOrEqual(1 / stored.length);
    // p95 of response times, computed here from the stored rows.
    const p95 = quantileExactInclusive(stored.map((p) => Number(p.response_ms)), 0.95);
    expect(row.extra?.p95_ms).toBe(p95);
    expect(p95).toBeGreaterThanOrEqual(250); // the slow phase shows
  }, 60_000);

  it('the probes ingest kind stores probes collected elsewhere, quarantines a bad row, and does not count a resent row twice', async () => {
    const rows = [
      { org: 'SAAQ', service: 'SAAQ-PERMIS', probed_at: '2026-11-02T10:00:00Z', probe: 'ext', up: true, response_ms: 120, interval_s: 60 },
      { org: 'SAAQ', service: 'SAAQ-PERMIS', probed_at: '2026-11-02T10:01:00Z', probe: 'ext', up: false, response_ms: 5000, interval_s: 60 },
      { org: 'SAAQ', service: 'SAAQ-PERMIS', probed_at: 'demain', up: true }
    ];
    const input = () => [{ source: { type: 'stream' as const, stream: Readable.from([Buffer.from(rows.map((r) => JSON.stringify(r)).join('\n') + '\n')]), name: 'probes.ndjson' }, name: 'probes.ndjson', format: 'ndjson' as const }];
    const first = await runIngest(t.wh, { kind: 'probes', inputs: input(), mapping: null, org: null, pseudonymKey: null, now: () => new Date() });
    expect(first).toMatchObject({ read: 3, inserted: 2, rejected: 1 });
    const again = await runIngest(t.wh, { kind: 'probes', inputs: input(), mapping: null, org: null, pseudonymKey: null, now: () => new Date() });
    expect(again).toMatchObject({ read: 3, inserted: 0, duplicates: 2, rejected: 1 });
    const metrics = createMetricsService(t.wh, config);
    const answer = await metrics.run({ metric: 'availability', from: '2026-11-01', to: '2026-12-01', grain: 'month', by: [], filters: { org: ['SAAQ'] }, compare: 'none', caller: ADMIN, now: new Date() });
    expect(answer.rows[0]).toMatchObject({ numerator: 60, denominator: 120, value: 0.5 });
    const bad = await t.wh.query<{ reason: string; line: number }>("SELECT reason, toUInt64(line) AS line FROM quarantine WHERE kind = 'probes'");
    expect(bad).toEqual([{ reason: 'bad_date', line: 3 }, { reason: 'bad_date', line: 3 }]);
  });
});
