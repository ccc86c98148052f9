// The cluster layout on the two-shard loopback cluster: Distributed tables over every shard's local tables, each
// organization's rows on one shard, the migration log the same on every node, a migration interrupted after one node
// completed by the next run (and its data inserted once), a later migration of any shape laid out without edits,
// and maintenance (TRUNCATE) reaching every shard.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { clusterTestWarehouse, type TestWarehouse } from '../support/warehouses.ts';
import { SCHEMA_DIR, loadMigrations, migrate } from '../../warehouse/migrate.ts';
import { ClusterWarehouse, type ClusterNode } from '../../warehouse/cluster.ts';
import { localDatabaseOf } from '../../warehouse/cluster-layout.ts';

describe('cluster layout — two shards on loopback', () => {
  let t: TestWarehouse;
  let wh: ClusterWarehouse;
  let nodes: ClusterNode[];
  let dir: string;
  let local: string;
  beforeEach(async () => {
    t = await clusterTestWarehouse();
    wh = t.wh as ClusterWarehouse;
    nodes = await wh.nodes();
    local = localDatabaseOf(wh.database);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jalon-mig-'));
    for (const f of fs.readdirSync(SCHEMA_DIR)) fs.copyFileSync(path.join(SCHEMA_DIR, f), path.join(dir, f));
  });
  afterEach(async () => {
    await t.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** One value per node, in node order. */
  const onEachNode = async <T>(sql: string, pick: (rows: Record<string, unknown>[]) => T, database?: string, params: Record<string, unknown> = {}): Promise<T[]> => {
    const out: T[] = [];
    for (const n of nodes) out.push(pick(await n.wh.query(sql, params, database ? { database } : {})));
    return out;
  };

  it('finds both shards and lays every table out as local tables plus a Distributed table of the same columns', async () => {
    expect(nodes.map((n) => n.shard)).toEqual([1, 2]);
    await migrate(wh, { dir });
    const ids = loadMigrations(dir).map((m) => m.id);
    // The migration log: every node records every migration, with the file's checksum.
    const logs = await onEachNode('SELECT id, checksum FROM schema_migrations FINAL ORDER BY id', (rows) => rows);
    const checksums = loadMigrations(dir).map((m) => ({ id: m.id, checksum: m.checksum }));
    for (const log of logs) expect(log).toEqual(checksums);
    expect(logs[0].map((r) => r.id)).toEqual(ids);

    const tables = await onEachNode(
      `SELECT groupArray(name) AS names FROM (SELECT name FROM system.tables WHERE database = {db:String} AND engine LIKE '%MergeTree' ORDER BY name)`,
      (rows) => rows[0].names as string[], undefined, { db: local }
    );
    expect(tables[0]).toEqual(tables[1]);
    expect(tables[0]).toContain('service_events');
    for (const name of tables[0]) {
      const [d] = await wh.query<{ engine: string; key: string }>(
        "SELECT engine, engine_full AS key FROM system.tables WHERE database = currentDatabase() AND name = {n:String}", { n: name }
      );
      expect(d?.engine, name).toBe('Distributed');
      const columns = async (db: string) =>
        JSON.stringify(await wh.query('SELECT name, type FROM system.columns WHERE database = {db:String} AND table = {n:String} ORDER BY position', { db, n: name }));
      expect(await columns(wh.database), name).toBe(await columns(local));
    }
    const [events] = await wh.query<{ key: string }>("SELECT engine_full AS key FROM system.tables WHERE database = currentDatabase() AND name = 'service_events'");
    expect(events.key).toContain('cityHash64(org)');
    // Materialized views live on the shards, over the shards' tables.
    const views = await onEachNode("SELECT count() AS n FROM system.tables WHERE database = {db:String} AND engine = 'MaterializedView'", (rows) => Number(rows[0].n), undefined, { db: local });
    expect(views).toEqual([2, 2]);
  });

  it('keeps each organization on one shard, feeds the shards\' rollups, and TRUNCATE empties every shard', async () => {
    await migrate(wh, { dir });
    const orgs = ['RAMQ', 'SAAQ', 'RQ', 'CNESST', 'MSSS', 'MTESS', 'MCN', 'ARQ'];
    const rows = Array.from({ length: 800 }, (_, i) => ({
      org: orgs[i % orgs.length], service: 'S', occurred_at: `2025-0${1 + (i % 9)}-15 12:00:00.000`, event_id: `e${i}`,
      journey_id: `j${i}`, type: i % 2 ? 'completed' : 'started', channel: i % 3 ? 'web' : 'phone'
    }));
    await wh.insert('service_events', rows);
    const perShard = await onEachNode('SELECT count() AS n FROM service_events', (r) => Number(r[0].n), local);
    expect(perShard.every((n) => n > 0)).toBe(true);
    expect(perShard[0] + perShard[1]).toBe(800);
    const [spread] = await wh.query<{ split: number }>('SELECT toUInt64(countIf(s > 1)) AS split FROM (SELECT org, uniqExact(shardNum()) AS s FROM service_events GROUP BY org)');
    expect(Number(spread.split)).toBe(0);
    // Each shard's materialized view summed exactly its shard's rows.
    const rolled = await onEachNode('SELECT sum(events) AS n FROM rollup_events_daily', (r) => Number(r[0].n), local);
    expect(rolled).toEqual(perShard);
    const [{ n: completed }] = await wh.query<{ n: number }>('SELECT sum(completed) AS n FROM rollup_events_daily');
    expect(Number(completed)).toBe(400);
    // A resent row (same key, later ingested_at) lands on the same shard: FINAL folds it across the cluster.
    await wh.insert('service_events', [{ ...rows[5], ingested_at: '2030-01-01 00:00:00.000' }]);
    const [{ n: final }] = await wh.query<{ n: number }>('SELECT count() AS n FROM service_events FINAL');
    expect(Number(final)).toBe(800);
    await wh.command('TRUNCATE TABLE service_events');
    await wh.command('TRUNCATE TABLE rollup_events_daily');
    expect(await onEachNode('SELECT count() AS n FROM service_events', (r) => Number(r[0].n), local)).toEqual([0, 0]);
    expect(await onEachNode('SELECT count() AS n FROM rollup_events_daily', (r) => Number(r[0].n), local)).toEqual([0, 0]);
  });

  it('completes, on the next run, a migration interrupted after the first node, and inserts its data once', async () => {
    await migrate(wh, { dir });
    fs.writeFileSync(
      path.join(dir, '998_extra.sql'),
      `CREATE TABLE IF NOT EXISTS extra (org LowCardinality(String), x UInt8) ENGINE = MergeTree ORDER BY (org, x);
ALTER TABLE extra ADD COLUMN y UInt8 DEFAULT 7;
INSERT INTO extra (org, x) VALUES ('RAMQ', 1), ('SAAQ', 2), ('RQ', 3), ('MCN', 4);`
    );
    // The second node refuses the migration's ALTER (it is not re-runnable: no IF NOT EXISTS): the run stops there.
    await nodes[1].wh.command(`CREATE TABLE ${local}.extra (org LowCardinality(String), x UInt8, y UInt8) ENGINE = MergeTree ORDER BY (org, x)`);
    const err = await migrate(wh, { dir }).catch((e: unknown) => e as Error);
    expect(err).toBeInstanceOf(Error);
    expect(String((err as Error).message)).toMatch(/998_extra.*shard 2/s);
    const recorded = await onEachNode("SELECT count() AS n FROM schema_migrations WHERE id = '998_extra'", (r) => Number(r[0].n));
    expect(recorded).toEqual([1, 0]);
    // Someone removes the second node's half-made tables; the next run applies the migration there only (the first
    // node would refuse the ALTER a second time), then inserts the data once.
    await nodes[1].wh.command(`DROP TABLE ${wh.database}.extra`);
    await nodes[1].wh.command(`DROP TABLE ${local}.extra`);
    const again = await migrate(wh, { dir });
    expect(again.applied).toEqual(['998_extra']);
    expect(await onEachNode("SELECT count() AS n FROM schema_migrations WHERE id = '998_extra'", (r) => Number(r[0].n))).toEqual([1, 1]);
    const [sum] = await wh.query<{ x: number; y: number; n: number }>('SELECT sum(x) AS x, sum(y) AS y, count() AS n FROM extra');
    expect(sum).toEqual({ x: 10, y: 28, n: 4 });
    // And a third run changes nothing.
    const third = await migrate(wh, { dir });
    expect(third.applied).toEqual([]);
    const [after] = await wh.query<{ n: number }>('SELECT count() AS n FROM extra');
    expect(Number(after.n)).toBe(4);
  });

  it('lays out a later migration of any shape: new table, column, view over it, materialized view dropped and made again, rename, drop', async () => {
    await migrate(wh, { dir });
    fs.writeFileSync(
      path.join(dir, '997_later.sql'),
      `CREATE TABLE IF NOT EXISTS visits (org LowCardinality(String), day Date, n UInt64) ENGINE = MergeTree ORDER BY (org, day);
CREATE TABLE IF NOT EXISTS visits_daily (org LowCardinality(String), day Date, n SimpleAggregateFunction(sum, UInt64)) ENGINE = AggregatingMergeTree ORDER BY (org, day);
CREATE MATERIALIZED VIEW IF NOT EXISTS visits_daily_mv TO visits_daily AS SELECT org, day, sum(n) AS n FROM visits GROUP BY org, day;
ALTER TABLE visits ADD COLUMN IF NOT EXISTS channel LowCardinality(String) DEFAULT 'web', ADD INDEX IF NOT EXISTS idx_n n TYPE minmax GRANULARITY 1;
CREATE VIEW IF NOT EXISTS visits_by_org AS SELECT org, sum(n) AS n FROM visits GROUP BY org;
DROP VIEW IF EXISTS visits_daily_mv;
CREATE MATERIALIZED VIEW IF NOT EXISTS visits_daily_mv TO visits_daily AS SELECT org, day, sum(n) * 10 AS n FROM visits GROUP BY org, day;
CREATE TABLE IF NOT EXISTS scratch (org String, v UInt8) ENGINE = MergeTree ORDER BY org;
RENAME TABLE scratch TO scratch_renamed;
DROP TABLE IF EXISTS scratch_renamed;`
    );
    expect((await migrate(wh, { dir })).applied).toEqual(['997_later']);
    await wh.insert('visits', [{ org: 'RAMQ', day: '2025-01-01', n: 5, channel: 'phone' }, { org: 'SAAQ', day: '2025-01-01', n: 7 }, { org: 'RAMQ', day: '2025-01-02', n: 1 }]);
    expect(await wh.query('SELECT org, n FROM visits_by_org ORDER BY org')).toEqual([{ org: 'RAMQ', n: 6 }, { org: 'SAAQ', n: 7 }]);
    // The view dropped and made again (a new SELECT) feeds the shards' rollup.
    expect(await wh.query('SELECT org, sum(n) AS n FROM visits_daily GROUP BY org ORDER BY org')).toEqual([{ org: 'RAMQ', n: 60 }, { org: 'SAAQ', n: 70 }]);
    expect(await wh.query("SELECT channel, sum(n) AS n FROM visits GROUP BY channel ORDER BY channel")).toEqual([{ channel: 'phone', n: 5 }, { channel: 'web', n: 8 }]);
    const leftovers = await onEachNode(
      "SELECT count() AS n FROM system.tables WHERE database IN ({a:String}, {b:String}) AND startsWith(name, 'scratch')", (r) => Number(r[0].n), undefined, { a: wh.database, b: local }
    );
    expect(leftovers).toEqual([0, 0]);
    expect((await migrate(wh, { dir })).applied).toEqual([]);
  });
});
