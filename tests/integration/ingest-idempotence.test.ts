// Nothing counted twice: the same 1-million-event file ingested twice, and a run killed halfway then restarted,
// leave exactly the table and rollup counts of one clean run. The rollup is a materialized view made here,
// standing for the metrics rollups that fire on every INSERT into service_events.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { clusterTestWarehouse, embeddedTestWarehouse, serverTestWarehouse, type TestWarehouse } from '../support/warehouses.ts';
import { SCHEMA_DIR, migrate } from '../../warehouse/migrate.ts';
import { resolveInputs, runIngest } from '../../ingest/run-ingest.ts';
import { writeEventsFile } from '../../bench/ingest/generate-events.ts';
import type { Warehouse } from '../../warehouse/warehouse.ts';
import { ClusterWarehouse } from '../../warehouse/cluster.ts';
import { localDatabaseOf } from '../../warehouse/cluster-layout.ts';

const N = 1_000_000;
const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');
let dir: string;
let file: string;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jalon-ingest-idem-'));
  file = path.join(dir, 'events.ndjson');
  await writeEventsFile(file, N);
}, 120_000);
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

async function addRollup(wh: Warehouse): Promise<void> {
  await wh.command(`CREATE TABLE rollup_events (org LowCardinality(String), day Date, type LowCardinality(String), n UInt64)
                    ENGINE = SummingMergeTree ORDER BY (org, day, type)`);
  await wh.command(`CREATE MATERIALIZED VIEW rollup_events_mv TO rollup_events AS
                    SELECT org, toDate(occurred_at, 'America/Toronto') AS day, type, count() AS n FROM service_events GROUP BY org, day, type`);
}

/** The same rollup as a migration, as another branch would add it: on a cluster it is laid out on every shard. */
async function migrateWithRollup(wh: Warehouse): Promise<void> {
  const schema = fs.mkdtempSync(path.join(os.tmpdir(), 'jalon-idem-schema-'));
  try {
    for (const f of fs.readdirSync(SCHEMA_DIR)) fs.copyFileSync(path.join(SCHEMA_DIR, f), path.join(schema, f));
    fs.writeFileSync(
      path.join(schema, '999_test_rollup.sql'),
      `CREATE TABLE IF NOT EXISTS rollup_events (org LowCardinality(String), day Date, type LowCardinality(String), n UInt64)
       ENGINE = SummingMergeTree ORDER BY (org, day, type);
       CREATE MATERIALIZED VIEW IF NOT EXISTS rollup_events_mv TO rollup_events AS
       SELECT org, toDate(occurred_at, 'America/Toronto') AS day, type, count() AS n FROM service_events GROUP BY org, day, type;`
    );
    await migrate(wh, { dir: schema });
  } finally {
    fs.rmSync(schema, { recursive: true, force: true });
  }
}

interface Counts {
  rows: number;
  distinct: number;
  rollup: number;
  signature: string;
}

/** Waits until the servers run no statement in these databases: a killed client's last INSERT … SELECT goes on without
 *  it, so rows may still land after its death (what lands is what the restart counts as duplicates). */
async function serverDone(servers: readonly Warehouse[], databases: readonly string[]): Promise<void> {
  for (let i = 0; i < 1200; i++) {
    let running = 0;
    for (const wh of servers) {
      const [r] = await wh.query<{ n: number }>(
        "SELECT toUInt64(count()) AS n FROM system.processes WHERE has({dbs:Array(String)}, current_database) AND position(query, 'system.processes') = 0",
        { dbs: databases }
      );
      running += Number(r.n);
    }
    if (running === 0) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('the killed client\'s statements still run after 60 s');
}

async function countsOf(wh: Warehouse): Promise<Counts> {
  const [c] = await wh.query<{ rows: number; distinct: number }>('SELECT toUInt64(count()) AS rows, toUInt64(uniqExact(org, event_id)) AS distinct FROM service_events');
  const [r] = await wh.query<{ rollup: number }>('SELECT toUInt64(sum(n)) AS rollup FROM rollup_events');
  const sig = await wh.query<{ org: string; type: string; n: number }>('SELECT org, type, toUInt64(sum(n)) AS n FROM rollup_events GROUP BY org, type ORDER BY org, type');
  return { rows: Number(c.rows), distinct: Number(c.distinct), rollup: Number(r.rollup), signature: JSON.stringify(sig) };
}

function runCli(args: string[], env: Record<string, string>): { child: ReturnType<typeof spawn>; done: Promise<{ code: number | null; stdout: string; stderr: string }> } {
  const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'jalon.js'), ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe']
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr })));
  return { child, done };
}

describe('ingest idempotence at 1 million events', () => {
  it('embedded: the same file twice gives the counts of one clean run; the second run counts only duplicates', async () => {
    const t: TestWarehouse = await embeddedTestWarehouse();
    try {
      await migrate(t.wh);
      await addRollup(t.wh);
      const first = await runIngest(t.wh, { kind: 'events', inputs: resolveInputs(file, null) });
      expect([first.read, first.inserted, first.duplicates, first.rejected]).toEqual([N, N, 0, 0]);
      const clean = await countsOf(t.wh);
      expect(clean).toMatchObject({ rows: N, distinct: N, rollup: N });
      const second = await runIngest(t.wh, { kind: 'events', inputs: resolveInputs(file, null) });
      expect([second.read, second.inserted, second.duplicates, second.rejected]).toEqual([N, 0, N, 0]);
      expect(await countsOf(t.wh)).toEqual(clean);
    } finally {
      await t.dispose();
    }
  }, 600_000);

  it('server: a `jalon ingest` killed halfway and restarted ends with the counts of one clean run', async () => {
    const url = inject('clickhouseUrl');
    const clean = await serverTestWarehouse(url);
    const killed = await serverTestWarehouse(url);
    try {
      for (const t of [clean, killed]) {
        await migrate(t.wh);
        await addRollup(t.wh);
      }
      const envOf = (t: TestWarehouse) => ({ CLICKHOUSE_URL: url, CLICKHOUSE_DATABASE: t.wh.database, JALON_DATA_DIR: path.join(dir, 'unused') });

      const run = runCli(['ingest', 'events', file, '--json'], envOf(killed));
      // Kill it (SIGKILL: no clean-up at all) as soon as some batches are stored and before the end.
      let partial = 0;
      for (let i = 0; i < 6000 && partial === 0; i++) {
        await new Promise((r) => setTimeout(r, 50));
        const [row] = await killed.wh.query<{ n: number }>('SELECT toUInt64(count()) AS n FROM service_events');
        partial = Number(row.n);
      }
      run.child.kill('SIGKILL');
      await run.done;
      await serverDone([killed.wh], [killed.wh.database]);
      const [after] = await killed.wh.query<{ n: number }>('SELECT toUInt64(count()) AS n FROM service_events');
      partial = Number(after.n);
      expect(partial).toBeGreaterThan(0);
      expect(partial).toBeLessThan(N);

      const restart = await runCli(['ingest', 'events', file, '--json'], envOf(killed)).done;
      expect(restart.code, restart.stderr).toBe(0);
      const summary = JSON.parse(restart.stdout) as { read: number; inserted: number; duplicates: number; rejected: number };
      expect(summary).toMatchObject({ read: N, inserted: N - partial, duplicates: partial, rejected: 0 });

      const once = await runCli(['ingest', 'events', file, '--json'], envOf(clean)).done;
      expect(once.code, once.stderr).toBe(0);
      expect(JSON.parse(once.stdout)).toMatchObject({ read: N, inserted: N, duplicates: 0, rejected: 0, rejects: [], new_codes: expect.any(Array) });

      const a = await countsOf(clean.wh);
      expect(a).toMatchObject({ rows: N, distinct: N, rollup: N });
      expect(await countsOf(killed.wh)).toEqual(a);
      const [runs] = await killed.wh.query<{ statuses: string[] }>("SELECT groupArray(status) AS statuses FROM (SELECT status FROM ingest_runs FINAL ORDER BY started_at)");
      expect(runs.statuses).toEqual(['failed', 'ok']); // the restart found the killed run stopped (ingest/stopped-runs.ts)
    } finally {
      await clean.dispose();
      await killed.dispose();
    }
  }, 600_000);

  it('cluster: the same file twice, and a `jalon ingest` killed halfway then restarted, count once across two shards', async () => {
    const cluster = inject('clickhouseCluster');
    // The file's four organizations all hash to the first of two shards: two of them renamed to organizations of
    // the second, so both shards hold rows.
    const spread = path.join(dir, 'events-two-shards.ndjson');
    const sed = spawnSync('sed', ['-e', 's/"org":"SAAQ"/"org":"CNESST"/', '-e', 's/"org":"MESS"/"org":"MSSS"/', file], { stdio: ['ignore', fs.openSync(spread, 'w'), 'inherit'] });
    expect(sed.status).toBe(0);
    const twice = await clusterTestWarehouse(cluster);
    const killed = await clusterTestWarehouse(cluster);
    try {
      for (const t of [twice, killed]) await migrateWithRollup(t.wh);
      const first = await runIngest(twice.wh, { kind: 'events', inputs: resolveInputs(spread, null) });
      expect([first.read, first.inserted, first.duplicates, first.rejected]).toEqual([N, N, 0, 0]);
      const clean = await countsOf(twice.wh);
      expect(clean).toMatchObject({ rows: N, distinct: N, rollup: N });
      const second = await runIngest(twice.wh, { kind: 'events', inputs: resolveInputs(spread, null) });
      expect([second.read, second.inserted, second.duplicates, second.rejected]).toEqual([N, 0, N, 0]);
      expect(await countsOf(twice.wh)).toEqual(clean);
      // Both shards hold rows, and each shard's own rollup holds exactly its own rows.
      for (const n of await (twice.wh as ClusterWarehouse).nodes()) {
        const [own] = await n.wh.query<{ rows: number; rollup: number }>(
          'SELECT (SELECT toUInt64(count()) FROM service_events) AS rows, (SELECT toUInt64(sum(n)) FROM rollup_events) AS rollup', {}, { database: localDatabaseOf(twice.wh.database) }
        );
        expect(Number(own.rows)).toBeGreaterThan(0);
        expect(Number(own.rollup)).toBe(Number(own.rows));
      }

      const env = { CLICKHOUSE_URL: cluster.url, CLICKHOUSE_CLUSTER: cluster.cluster, CLICKHOUSE_DATABASE: killed.wh.database, JALON_DATA_DIR: path.join(dir, 'unused') };
      const run = runCli(['ingest', 'events', spread, '--json'], env);
      let partial = 0;
      for (let i = 0; i < 6000 && partial === 0; i++) {
        await new Promise((r) => setTimeout(r, 50));
        const [row] = await killed.wh.query<{ n: number }>('SELECT toUInt64(count()) AS n FROM service_events');
        partial = Number(row.n);
      }
      run.child.kill('SIGKILL');
      await run.done;
      await serverDone((await (killed.wh as ClusterWarehouse).nodes()).map((n) => n.wh), [killed.wh.database, localDatabaseOf(killed.wh.database)]);
      const [after] = await killed.wh.query<{ n: number }>('SELECT toUInt64(count()) AS n FROM service_events');
      partial = Number(after.n);
      expect(partial).toBeGreaterThan(0);
      expect(partial).toBeLessThan(N);
      const restart = await runCli(['ingest', 'events', spread, '--json'], env).done;
      expect(restart.code, restart.stderr).toBe(0);
      expect(JSON.parse(restart.stdout)).toMatchObject({ read: N, inserted: N - partial, duplicates: partial, rejected: 0 });
      expect(await countsOf(killed.wh)).toEqual(clean);
    } finally {
      await twice.dispose();
      await killed.dispose();
    }
  }, 900_000);
});
