// A stop at any point of an ingest leaves the warehouse exact and heals without anyone: the real `jalon` command killed
// (SIGKILL, through the test-only JALON_TEST_KILL_AT) between the in-place path's two attaches and during its staged
// insert on the embedded engine, and after a first batch on a ClickHouse server. Expected figures are worked out here
// from the generated rows, never read from the warehouse.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { spawn } from 'node:child_process';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { EmbeddedWarehouse } from '../../warehouse/embedded.ts';
import { ServerWarehouse } from '../../warehouse/server.ts';
import { rollupHealth, forgetRollupHealth } from '../../metrics/rollups.ts';
import { JALON } from '../support/cli.ts';
import { testDatabaseName } from '../support/warehouses.ts';
import type { Warehouse } from '../../warehouse/warehouse.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jalon-ingest-stopped-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function jalon(args: string[], env: Record<string, string>): Promise<Exit> {
  const child = spawn(process.execPath, [JALON, ...args], { env: { ...process.env, CLICKHOUSE_URL: '', JALON_TEST_KILL_AT: '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr })));
}

/** A seeded generator (mulberry32): the same journeys on every run. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Event {
  event_id: string;
  journey_id: string;
  org: string;
  service: string;
  channel: string;
  type: 'started' | 'completed';
  outcome?: string;
  sign_in: string;
  occurred_at: string;
}

const ORGS = ['AAA', 'BBB'];
/** A service code belongs to one organization. */
const SERVICE: Record<string, string> = { AAA: 'permis', BBB: 'impots' };
const CHANNELS = ['web', 'mobile', 'phone', 'counter'];
const SIGN_INS = ['none', 'clicsequr', 'bank', 'partner'];

/** Journeys `from` to `to` (exclusive): a start and a completion each, at noon UTC on days 1–28 (the same Toronto day) of
 *  four months of 2024 from `firstMonth`, so every month and organization holds dozens of them (no count is suppressed). */
function journeys(from: number, to: number, seed: number, firstMonth = 1): Event[] {
  const r = random(seed);
  const out: Event[] = [];
  for (let j = from; j < to; j++) {
    const org = ORGS[j % 2];
    const month = firstMonth + Math.floor(r() * 4);
    const day = 1 + Math.floor(r() * 28);
    const at = `2024-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}T12:00:00Z`;
    const channel = CHANNELS[Math.floor(r() * CHANNELS.length)];
    const base = { journey_id: `j${j}`, org, service: SERVICE[org], channel, occurred_at: at };
    out.push({ ...base, event_id: `s${j}`, type: 'started', sign_in: SIGN_INS[Math.floor(r() * SIGN_INS.length)] });
    out.push({ ...base, event_id: `c${j}`, type: 'completed', outcome: 'success', sign_in: 'none' });
  }
  return out;
}

function writeEvents(name: string, events: readonly Event[], rejects: readonly string[] = []): string {
  const file = path.join(dir, name);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, [...events.map((e) => JSON.stringify(e)), ...rejects].join('\n') + '\n');
  return file;
}

type Expected = Record<string, { numerator: number; denominator: number }>;

/** Digital take-up and partner sign-in per month and organization, counted from the rows themselves. */
function expectedFigures(events: readonly Event[]): { take_up: Expected; partner: Expected } {
  const take_up: Expected = {};
  const partner: Expected = {};
  const add = (m: Expected, key: string, hit: boolean) => {
    const c = (m[key] ??= { numerator: 0, denominator: 0 });
    c.denominator++;
    if (hit) c.numerator++;
  };
  for (const e of events) {
    const key = `${e.occurred_at.slice(0, 7)}|${e.org}`;
    if (e.type === 'completed') add(take_up, key, e.channel === 'web' || e.channel === 'mobile');
    if (e.type === 'started' && e.sign_in !== 'none') add(partner, key, e.sign_in === 'bank' || e.sign_in === 'partner');
  }
  return { take_up, partner };
}

interface Answer {
  rows: { period: string; org: string; numerator: number; denominator: number; value: number }[];
  provenance: { table: string };
}

/** `jalon metrics run <id>` by month and organization over 2024, as a person runs it. */
async function metric(id: string, env: Record<string, string>): Promise<{ table: string; figures: Expected }> {
  const r = await jalon(['metrics', 'run', id, '--from', '2024-01-01', '--to', '2025-01-01', '--grain', 'month', '--by', 'org', '--json'], env);
  expect(r.code, r.stderr).toBe(0);
  const answer = JSON.parse(r.stdout) as Answer;
  const figures: Expected = {};
  for (const row of answer.rows) {
    figures[`${row.period.slice(0, 7)}|${row.org}`] = { numerator: row.numerator, denominator: row.denominator };
    expect(row.value).toBeCloseTo(row.numerator / row.denominator, 12);
  }
  return { table: answer.provenance.table, figures };
}

async function withEmbedded<T>(dataDir: string, read: (wh: Warehouse) => Promise<T>): Promise<T> {
  const wh = await EmbeddedWarehouse.open({ dataDir, database: 'jalon' });
  try {
    forgetRollupHealth(wh);
    return await read(wh);
  } finally {
    await wh.close();
  }
}

const count = async (wh: Warehouse, sql: string, params: Record<string, unknown> = {}) => Number((await wh.query<{ n: number }>(sql, params))[0].n);
const staging = async (wh: Warehouse) =>
  (await wh.query<{ name: string }>("SELECT name FROM system.tables WHERE database = currentDatabase() AND startsWith(name, '_ingest_') ORDER BY name")).map((r) => r.name);

/** The events rollup folded per key, and the same figures grouped from the raw rows (FINAL: what the raw path reads). */
async function rollupAgainstRaw(wh: Warehouse): Promise<{ rollup: string[]; raw: string[] }> {
  const text = async (sql: string) => (await wh.query<{ r: string }>(sql)).map((x) => x.r);
  return {
    rollup: await text(`SELECT toString(tuple(toString(org), toString(service), day, toString(channel), sum(events), sum(started), sum(completed), sum(sign_ins), sum(sign_ins_partner), max(last_at))) AS r
                        FROM rollup_events_daily GROUP BY org, service, day, channel ORDER BY r`),
    raw: await text(`SELECT toString(tuple(org, service, toDate(occurred_at, 'America/Toronto') AS day, channel, count(), countIf(type = 'started'), countIf(type = 'completed'),
                            countIf(type = 'started' AND sign_in != 'none'), countIf(type = 'started' AND sign_in IN ('bank', 'partner')), max(occurred_at))) AS r
                     FROM service_events FINAL GROUP BY org, service, day, channel ORDER BY r`)
  };
}

/** The presence rollup (provenance) holds each organization's latest event of every day, from all the rows. */
async function presenceAgainstRaw(wh: Warehouse): Promise<{ ok: boolean }> {
  const presence = await wh.query<{ r: string }>('SELECT toString(tuple(toString(org), day, last_at)) AS r FROM rollup_presence_daily FINAL ORDER BY r');
  const fromRaw = await wh.query<{ r: string }>(
    "SELECT toString(tuple(org, toDate(occurred_at, 'America/Toronto') AS day, max(occurred_at))) AS r FROM service_events GROUP BY org, day ORDER BY r"
  );
  expect(presence).toEqual(fromRaw);
  return { ok: presence.length > 0 };
}

const BAD = ['{"event_id": "x1", "org": "AAA", "service": "permis", "channel": "pigeon", "journey_id": "jx", "type": "started", "occurred_at": "2024-02-02T12:00:00Z"}', 'pas du JSON'];

describe('embedded engine: killed between the attach to service_events and the attach to its rollup', () => {
  const dataDir = path.join(dir, 'between');
  const env = { JALON_DATA_DIR: dataDir };
  // The in-place path takes a delivery whose organizations have no stored rows in its time range: May to August.
  const first = journeys(0, 300, 1);
  const second = journeys(300, 560, 2, 5);
  const fileA = writeEvents('between/a.ndjson', first);
  const fileB = writeEvents('between/b.ndjson', second, BAD);

  it('lands the rows, answers from the raw tables meanwhile, and the next refresh heals the rollup', async () => {
    const a = await jalon(['ingest', 'events', fileA, '--json'], env);
    expect(a.code, a.stderr).toBe(0);
    expect(JSON.parse(a.stdout)).toMatchObject({ read: first.length, inserted: first.length, rejected: 0 });
    const refreshed = await jalon(['metrics', 'refresh'], env);
    expect(refreshed.code, refreshed.stderr).toBe(0);

    const killed = await jalon(['ingest', 'events', fileB, '--json'], { ...env, JALON_TEST_KILL_AT: 'between-attaches' });
    expect(killed.signal, killed.stderr).toBe('SIGKILL');

    const both = [...first, ...second];
    const runId = await withEmbedded(dataDir, async (wh) => {
      // Every row of the killed run is in the table, once; its rejects are recorded when the file is sent again.
      const [run] = await wh.query<{ run_id: string; status: string }>("SELECT run_id, argMax(status, updated_at) AS status FROM ingest_runs GROUP BY run_id HAVING status = 'running'");
      expect(run).toBeDefined();
      expect(await count(wh, 'SELECT count() AS n FROM service_events WHERE run_id = {r:String}', { r: run.run_id })).toBe(second.length);
      expect(await count(wh, 'SELECT count() AS n FROM service_events')).toBe(both.length);
      expect(await count(wh, 'SELECT uniqExact(event_id) AS n FROM service_events')).toBe(both.length);
      expect(await count(wh, 'SELECT count() AS n FROM quarantine')).toBe(0);
      // The rollup misses the second file's rows: reported not current (so is the presence rollup built from it).
      expect(await count(wh, 'SELECT sum(events) AS n FROM rollup_events_daily')).toBe(first.length);
      const { health } = await rollupHealth(wh);
      expect(health.rollup_events_daily).toBe(false);
      expect(health.rollup_presence_daily).toBe(false);
      // What the kill left: the private copies and their views.
      expect((await staging(wh)).length).toBeGreaterThan(0);
      return run.run_id;
    });

    // Figures come from the raw tables, and equal the generated rows' own counts.
    const expected = expectedFigures(both);
    const takeUp = await metric('digital_take_up', env);
    expect(takeUp.table).toBe('raw');
    expect(takeUp.figures).toEqual(expected.take_up);
    const partner = await metric('partner_sign_in', env);
    expect(partner.table).toBe('raw');
    expect(partner.figures).toEqual(expected.partner);

    // The file sent again: nothing twice (every valid row is a duplicate); the stopped run's copies are dropped and its
    // record says it failed.
    const again = await jalon(['ingest', 'events', fileB, '--json'], env);
    expect(again.code, again.stderr).toBe(0);
    const s = JSON.parse(again.stdout) as { read: number; inserted: number; duplicates: number; rejected: number };
    expect(s).toMatchObject({ read: second.length + BAD.length, inserted: 0, duplicates: second.length, rejected: BAD.length });
    await withEmbedded(dataDir, async (wh) => {
      expect(await staging(wh)).toEqual([]);
      expect(await count(wh, 'SELECT count() AS n FROM quarantine')).toBe(BAD.length);
      const [run] = await wh.query<{ status: string; inserted: number; error: string }>(
        'SELECT argMax(status, updated_at) AS status, argMax(inserted, updated_at) AS inserted, argMax(error, updated_at) AS error FROM ingest_runs WHERE run_id = {r:String}',
        { r: runId }
      );
      expect(run).toMatchObject({ status: 'failed', inserted: second.length });
      expect(run.error).toMatch(/arrêtée avant la fin .* stopped before the end/);
      expect((await rollupHealth(wh)).health.rollup_events_daily).toBe(false);
    });

    // The next refresh (the rollups job in `serve`, or `jalon metrics refresh`) rebuilds the days the rollup misses.
    const healed = await jalon(['metrics', 'refresh'], env);
    expect(healed.code, healed.stderr).toBe(0);
    expect(JSON.parse(healed.stdout)).toMatchObject({ rollup_events_daily: { mode: 'healed', rows: both.length } });
    await withEmbedded(dataDir, async (wh) => {
      const { health } = await rollupHealth(wh);
      expect(health.rollup_events_daily).toBe(true);
      expect(health.rollup_presence_daily).toBe(true);
      const { rollup, raw } = await rollupAgainstRaw(wh);
      expect(rollup).toEqual(raw);
      expect(await presenceAgainstRaw(wh)).toEqual({ ok: true });
    });
    const after = await metric('digital_take_up', env);
    expect(after.table).toBe('rollup');
    expect(after.figures).toEqual(expected.take_up);
    const partnerAfter = await metric('partner_sign_in', env);
    expect(partnerAfter.table).toBe('rollup');
    expect(partnerAfter.figures).toEqual(expected.partner);
  }, 240_000);
});

describe('embedded engine: kill -9 during the staged insert', () => {
  const dataDir = path.join(dir, 'staged');
  const env = { JALON_DATA_DIR: dataDir };
  const events = journeys(0, 20_000, 3);
  const file = writeEvents('staged/big.ndjson', events, BAD);

  it('lands nothing; the same file sent again lands every row exactly once and the counts add up', async () => {
    const killed = await jalon(['ingest', 'events', file, '--json'], { ...env, JALON_TEST_KILL_AT: 'staged-insert' });
    expect(killed.signal, killed.stderr).toBe('SIGKILL');
    await withEmbedded(dataDir, async (wh) => {
      expect(await count(wh, 'SELECT count() AS n FROM service_events')).toBe(0);
      expect(await count(wh, 'SELECT count() AS n FROM quarantine')).toBe(0);
      expect(await count(wh, 'SELECT count() AS n FROM rollup_events_daily')).toBe(0);
      expect((await staging(wh)).length).toBeGreaterThan(0);
    });
    const again = await jalon(['ingest', 'events', file, '--json'], env);
    expect(again.code, again.stderr).toBe(0);
    const s = JSON.parse(again.stdout) as { run_id: string; read: number; inserted: number; duplicates: number; rejected: number };
    expect(s).toMatchObject({ read: events.length + BAD.length, inserted: events.length, duplicates: 0, rejected: BAD.length });
    await withEmbedded(dataDir, async (wh) => {
      expect(await count(wh, 'SELECT count() AS n FROM service_events')).toBe(events.length);
      expect(await count(wh, 'SELECT uniqExact(event_id) AS n FROM service_events')).toBe(events.length);
      expect(await count(wh, 'SELECT count() AS n FROM service_events WHERE run_id = {r:String}', { r: s.run_id })).toBe(events.length);
      expect(await count(wh, 'SELECT count() AS n FROM quarantine')).toBe(BAD.length);
      expect(s.read).toBe(s.inserted + s.duplicates + s.rejected);
      expect(await staging(wh)).toEqual([]);
      expect((await rollupHealth(wh)).health.rollup_events_daily).toBe(true);
      const runs = await wh.query<{ status: string }>('SELECT argMax(status, updated_at) AS status FROM ingest_runs GROUP BY run_id ORDER BY status');
      expect(runs.map((r) => r.status)).toEqual(['failed', 'partial']); // the killed run, and the second (with rejects)
    });
  }, 180_000);
});

describe('ClickHouse server: killed after a first batch; live runs kept; a short rollup healed', () => {
  const url = inject('clickhouseUrl');
  const database = testDatabaseName();
  const env = { CLICKHOUSE_URL: url, CLICKHOUSE_DATABASE: database, JALON_DATA_DIR: path.join(dir, 'server-unused') };
  const part1 = journeys(0, 200, 4);
  const part2 = journeys(200, 420, 5);
  const folder = path.join(dir, 'server');
  writeEvents('server/1.ndjson', part1);
  writeEvents('server/2.ndjson', part2, BAD);
  let wh: ServerWarehouse | null = null;
  afterAll(async () => {
    await wh?.command(`DROP DATABASE IF EXISTS ${database}`);
    await wh?.close();
  });

  it('drops only stopped runs\' tables, lands every row once on a second run, and the refresh rebuilds the rollup', async () => {
    const killed = await jalon(['ingest', 'events', folder, '--json'], { ...env, JALON_TEST_KILL_AT: 'after-first-batch' });
    expect(killed.signal, killed.stderr).toBe('SIGKILL');
    wh = await ServerWarehouse.open({ url, username: 'default', password: '', database, createDatabase: false });
    const w = wh;
    expect(await count(w, 'SELECT count() AS n FROM service_events')).toBe(part1.length);
    const left = await staging(w);
    expect(left.length).toBeGreaterThan(0);

    // Runs of other processes: one live elsewhere (recent heartbeat), one whose heartbeat stopped 20 minutes ago, and
    // one on this machine whose process (this test) is alive. Only the silent one is stopped.
    const now = Date.now();
    const at = (ms: number) => new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
    const fixtures = [
      { id: randomUUID(), holder: 'ailleurs.example:4242:1', beat: now - 30_000 },
      { id: randomUUID(), holder: 'ailleurs.example:4243:1', beat: now - 20 * 60_000 },
      { id: randomUUID(), holder: `${os.hostname()}:${process.pid}:1`, beat: now - 30_000 }
    ];
    const tableOf = (id: string) => `_ingest_stage_${id.replace(/-/g, '').slice(0, 20)}`;
    for (const f of fixtures) {
      await w.insert('ingest_runs', [{ run_id: f.id, kind: 'events', source: 'x', format: 'ndjson', started_at: at(f.beat), status: 'running', holder: f.holder, updated_at: at(f.beat) }]);
      await w.command(`CREATE TABLE ${tableOf(f.id)} (line UInt64, raw String, doc String) ENGINE = Memory`);
    }

    const again = await jalon(['ingest', 'events', folder, '--json'], env);
    expect(again.code, again.stderr).toBe(0);
    const s = JSON.parse(again.stdout) as { read: number; inserted: number; duplicates: number; rejected: number };
    expect(s).toMatchObject({ read: part1.length + part2.length + BAD.length, inserted: part2.length, duplicates: part1.length, rejected: BAD.length });
    expect(await count(w, 'SELECT count() AS n FROM service_events')).toBe(part1.length + part2.length);
    expect(await count(w, 'SELECT uniqExact(event_id) AS n FROM service_events')).toBe(part1.length + part2.length);
    expect(await staging(w)).toEqual([tableOf(fixtures[0].id), tableOf(fixtures[2].id)].sort());
    const statuses = await w.query<{ run_id: string; status: string }>('SELECT run_id, argMax(status, updated_at) AS status FROM ingest_runs GROUP BY run_id');
    const statusOf = (id: string) => statuses.find((r) => r.run_id === id)?.status;
    expect(statusOf(fixtures[0].id)).toBe('running');
    expect(statusOf(fixtures[1].id)).toBe('failed');
    expect(statusOf(fixtures[2].id)).toBe('running');
    expect(statuses.filter((r) => r.status === 'failed')).toHaveLength(2); // the silent fixture and the killed run

    // A rollup short of one organization's rows, as a stop between a table's write and its view's leaves it.
    await w.command("DELETE FROM rollup_events_daily WHERE org = 'BBB'");
    forgetRollupHealth(w);
    expect((await rollupHealth(w)).health.rollup_events_daily).toBe(false);
    const expected = expectedFigures([...part1, ...part2]);
    const raw = await metric('digital_take_up', env);
    expect(raw.table).toBe('raw');
    expect(raw.figures).toEqual(expected.take_up);

    // The fixture runs still look live: the refresh leaves the rollup for later rather than rebuild it under them.
    const postponed = await jalon(['metrics', 'refresh'], env);
    expect(postponed.code, postponed.stderr).toBe(0);
    expect(JSON.parse(postponed.stdout)).toMatchObject({ rollup_events_daily: { mode: 'postponed' } });
    // The presence rollup (provenance: last data time, who reported) was just built from the short events rollup: it
    // must not pass for current while that one is not.
    forgetRollupHealth(w);
    expect((await rollupHealth(w)).health).toMatchObject({ rollup_events_daily: false, rollup_presence_daily: false });
    for (const f of [fixtures[0], fixtures[2]]) {
      await w.insert('ingest_runs', [{ run_id: f.id, kind: 'events', source: 'x', format: 'ndjson', started_at: at(f.beat), status: 'ok', holder: f.holder, updated_at: at(Date.now()) }]);
    }
    const healed = await jalon(['metrics', 'refresh'], env);
    expect(healed.code, healed.stderr).toBe(0);
    expect(JSON.parse(healed.stdout)).toMatchObject({ rollup_events_daily: { mode: 'healed', rows: part1.length + part2.length } });
    expect(await staging(w)).toEqual([]); // finished runs' leftovers go too
    forgetRollupHealth(w);
    expect((await rollupHealth(w)).health.rollup_events_daily).toBe(true);
    const { rollup, raw: fromRaw } = await rollupAgainstRaw(w);
    expect(rollup).toEqual(fromRaw);
    expect((await rollupHealth(w)).health.rollup_presence_daily).toBe(true);
    expect(await presenceAgainstRaw(w)).toEqual({ ok: true });
    const after = await metric('digital_take_up', env);
    expect(after.table).toBe('rollup');
    expect(after.figures).toEqual(expected.take_up);
  }, 240_000);
});
