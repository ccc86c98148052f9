// Jobs: the inbox scan on a real node-cron schedule picks up a dropped file within seconds and moves it with its
// report; with an injected clock, files still being written wait; runs are recorded and never overlap; URL pulls.
import { createMetricsService } from '../../metrics/service.ts';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import http from 'node:http';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { loadConfig, type Config } from '../../config/config.ts';
import { migrate } from '../../warehouse/migrate.ts';
import { runJob, type Job, type JobContext } from '../../jobs/job.ts';
import { inboxJob, scanInbox } from '../../jobs/inbox.ts';
import { pullJob } from '../../jobs/pull.ts';
import { loadJobs, startScheduler } from '../../jobs/scheduler.ts';
import { serverTestWarehouse, type TestWarehouse } from '../support/warehouses.ts';

const ev = (id: string, o: Record<string, unknown> = {}) =>
  JSON.stringify({ event_id: id, occurred_at: '2024-04-01T10:00:00-04:00', service: 'carte', channel: 'web', journey_id: 'j', type: 'started', ...o });

let t: TestWarehouse;
let dir: string;
let config: Config;
const logs: string[] = [];

function ctxAt(now: Date): JobContext {
  return { warehouse: t.wh, config, metrics: createMetricsService(t.wh, config), now: () => now, log: (l) => logs.push(l) };
}

function drop(rel: string, content: string, mtime?: Date): string {
  const file = path.join(dir, 'inbox', rel);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
  if (mtime) fs.utimesSync(file, mtime, mtime);
  return file;
}

beforeEach(async () => {
  t = await serverTestWarehouse(inject('clickhouseUrl'));
  await migrate(t.wh);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jalon-jobs-'));
  config = loadConfig({ CLICKHOUSE_URL: inject('clickhouseUrl'), CLICKHOUSE_DATABASE: t.wh.database, JALON_INBOX_DIR: path.join(dir, 'inbox'), JALON_INBOX_SCHEDULE: '* * * * * *' });
});
afterEach(async () => {
  await t.dispose();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('inbox job', () => {
  it('on its cron schedule, picks up a dropped file within seconds and moves it to done/ with its report', async () => {
    const jobs = loadJobs(config);
    expect(jobs.map((j) => j.id)).toEqual(['inbox', 'rollups', 'opendata', 'digests']);
    const scheduler = startScheduler({ warehouse: t.wh, config, metrics: createMetricsService(t.wh, config), jobs, log: (l) => logs.push(l) });
    try {
      const dropped = Date.now();
      drop('RAMQ/events/batch-1.ndjson', [ev('i1'), ev('i2'), ev('i3', { channel: 'pigeon' })].join('\n') + '\n', new Date(dropped - 10_000));
      const done = path.join(dir, 'inbox', 'RAMQ', 'events', 'done', 'batch-1.ndjson');
      while (!fs.existsSync(`${done}.report.json`) && Date.now() - dropped < 60_000) await new Promise((r) => setTimeout(r, 100));
      expect(Date.now() - dropped).toBeLessThan(60_000);
      expect(fs.existsSync(done)).toBe(true);
      expect(fs.existsSync(path.join(dir, 'inbox', 'RAMQ', 'events', 'batch-1.ndjson'))).toBe(false);
      const report = JSON.parse(fs.readFileSync(`${done}.report.json`, 'utf8')) as { summary: Record<string, unknown> };
      expect(report.summary).toMatchObject({ kind: 'events', read: 3, inserted: 2, duplicates: 0, rejected: 1 });
    } finally {
      await scheduler.stop();
    }
    const [n] = await t.wh.query<{ n: number }>("SELECT toUInt64(count()) AS n FROM service_events WHERE org = 'RAMQ'");
    expect(Number(n.n)).toBe(2);
    const runs = await t.wh.query<{ status: string; files: number }>("SELECT status, counts['files'] AS files FROM job_runs FINAL WHERE job_id = 'inbox' AND status = 'ok' AND counts['files'] > 0");
    expect(runs).toEqual([{ status: 'ok', files: 1 }]);
  });

  it('with an injected clock: a file still being written waits; bad files go to failed/ with the reason', async () => {
    const written = new Date('2026-03-01T12:00:00Z');
    drop('RQ/volumes/v.csv', 'period,service,channel,volume\n2024-04,impot,web,10\n2024-05,impot,web,11\n', written);
    drop('RQ/volumes/notes.xyz', 'hello', written);
    drop('RQ/widgets/w.ndjson', '{}\n', written);
    drop('RQ/events/all-bad.ndjson', 'garbage\nmore garbage\n', written);
    const early = await scanInbox(ctxAt(new Date(written.getTime() + 500)), config.ingest.inboxDir);
    expect(early).toMatchObject({ files: 0, waiting: 4 });
    const later = await scanInbox(ctxAt(new Date(written.getTime() + 5_000)), config.ingest.inboxDir);
    expect(later).toMatchObject({ files: 4, done: 1, failed: 3, read: 4, inserted: 2, rejected: 2 });
    const base = path.join(dir, 'inbox', 'RQ');
    expect(fs.existsSync(path.join(base, 'volumes', 'done', 'v.csv.report.json'))).toBe(true);
    const xyz = JSON.parse(fs.readFileSync(path.join(base, 'volumes', 'failed', 'notes.xyz.report.json'), 'utf8')) as { error: string };
    expect(xyz.error).toMatch(/format/);
    expect(fs.existsSync(path.join(base, 'widgets', 'failed', 'w.ndjson.report.json'))).toBe(true);
    const allBad = JSON.parse(fs.readFileSync(path.join(base, 'events', 'failed', 'all-bad.ndjson.report.json'), 'utf8')) as { summary: { rejected: number } };
    expect(allBad.summary.rejected).toBe(2);
    const [v] = await t.wh.query<{ org: string; n: number }>('SELECT org, toUInt64(sum(volume)) AS n FROM channel_volumes FINAL GROUP BY org');
    expect(v).toEqual({ org: 'RQ', n: 21 });
  });
});

describe('job runs', () => {
  it('are recorded with counts, and a job never overlaps itself (the second start is skipped)', async () => {
    let release: () => void = () => undefined;
    const slow: Job = {
      id: 'slow',
      schedule: '* * * * *',
      description: 'test',
      run: () => new Promise((resolve) => (release = () => resolve({ things: 3 })))
    };
    const now = new Date('2026-03-01T12:00:00Z');
    const first = runJob(slow, ctxAt(now));
    await new Promise((r) => setTimeout(r, 50));
    const second = await runJob(slow, ctxAt(new Date(now.getTime() + 1000)));
    expect(second.status).toBe('skipped');
    release();
    expect(await first).toMatchObject({ status: 'ok', counts: { things: 3 } });
    const failing: Job = { id: 'boom', schedule: '* * * * *', description: 'test', run: () => Promise.reject(new Error('no route')) };
    expect(await runJob(failing, ctxAt(now))).toMatchObject({ status: 'failed', error: 'no route' });
    const rows = await t.wh.query<{ job_id: string; status: string; things: number; error: string }>(
      "SELECT job_id, status, counts['things'] AS things, error FROM job_runs FINAL ORDER BY job_id, started_at, status"
    );
    expect(rows).toEqual([
      { job_id: 'boom', status: 'failed', things: 0, error: 'no route' },
      { job_id: 'slow', status: 'ok', things: 3, error: '' },
      { job_id: 'slow', status: 'skipped', things: 0, error: 'exécution précédente en cours / previous run still running' }
    ]);
  });

  it('pulls a URL with a mapping', async () => {
    const server = http.createServer((_req, res) => {
      res.setHeader('content-type', 'text/csv');
      res.end('fiscal_yr;svc;canal;vol\n2018-19;impot;online;"6,400,000"\n2018-19;impot;in_person;1 234\n');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as { port: number }).port;
    const mappingFile = path.join(dir, 'm.json');
    fs.writeFileSync(mappingFile, JSON.stringify({
      format: 'csv', csv: { delimiter: ';' }, kind: 'volumes',
      fields: { period: { column: 'fiscal_yr', as: 'fiscal_year' }, service: { column: 'svc' }, channel: { column: 'canal', values: { online: 'web', in_person: 'counter' } }, volume: { column: 'vol', as: 'number' } },
      constants: { org: 'RQ' }
    }));
    try {
      const job = pullJob({ id: 'rq-volumes', type: 'pull', schedule: '0 6 * * *', url: `http://127.0.0.1:${port}/volumes.csv`, kind: 'volumes', org: 'RQ', mapping: mappingFile });
      const result = await runJob(job, ctxAt(new Date()));
      expect(result).toMatchObject({ status: 'ok', counts: { read: 2, inserted: 2, rejected: 0 } });
      const again = await runJob(job, ctxAt(new Date()));
      expect(again.counts).toMatchObject({ read: 2, inserted: 0, duplicates: 2 });
    } finally {
      server.close();
    }
  });

  it('inboxJob builds a job on the configured schedule', () => {
    expect(inboxJob('/x', '*/5 * * * *').schedule).toBe('*/5 * * * *');
  });
});
