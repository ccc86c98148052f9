// Migrations: applied in order once, recorded with checksums, idempotent, and an edited applied file refused by name.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { backends, testWarehouse, type TestWarehouse } from '../support/warehouses.ts';
import { SCHEMA_DIR, loadMigrations, migrate, splitStatements } from '../../warehouse/migrate.ts';
import { WarehouseError } from '../../warehouse/warehouse.ts';
import { localDatabaseOf } from '../../warehouse/cluster-layout.ts';

describe('splitStatements', () => {
  it('splits on semicolons outside strings and comments', () => {
    const sql = "CREATE TABLE a (x String DEFAULT ';') ENGINE = Memory; -- a comment; with semicolon\nSELECT 'it''s; fine', `we;ird`;\n/* block; */ SELECT 2";
    expect(splitStatements(sql)).toEqual([
      "CREATE TABLE a (x String DEFAULT ';') ENGINE = Memory",
      "SELECT 'it''s; fine', `we;ird`",
      'SELECT 2'
    ]);
  });

  it('reads the shipped migrations in numeric order', () => {
    const ids = loadMigrations().map((m) => m.id);
    expect(ids.length).toBeGreaterThanOrEqual(4);
    expect([...ids].sort()).toEqual(ids);
    expect(ids[0]).toBe('001_reference');
  });
});

describe.each(backends)('migrate — %s', (backend) => {
  let t: TestWarehouse;
  let dir: string;
  beforeEach(async () => {
    t = await testWarehouse(backend, inject('clickhouseUrl'));
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jalon-mig-'));
    for (const f of fs.readdirSync(SCHEMA_DIR)) fs.copyFileSync(path.join(SCHEMA_DIR, f), path.join(dir, f));
  });
  afterEach(async () => {
    await t.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('creates the whole data model, and a second run changes nothing', async () => {
    const all = loadMigrations(dir).map((m) => m.id);
    const first = await migrate(t.wh, { dir });
    expect(first.applied).toEqual(all);
    const tables = (await t.wh.query<{ name: string }>('SELECT name FROM system.tables WHERE database = currentDatabase() ORDER BY name')).map((r) => r.name);
    for (const expected of [
      'organizations', 'services', 'annotations', 'service_events', 'survey_responses', 'cases', 'channel_volumes', 'standard_results',
      'declared_indicators', 'costs', 'availability_probes', 'strategies', 'strategy_characteristics', 'strategy_targets',
      'ingest_runs', 'quarantine', 'job_runs', 'audit_log', 'schema_migrations'
    ]) {
      expect(tables).toContain(expected);
    }
    const [{ n: before }] = await t.wh.query<{ n: number }>('SELECT count() AS n FROM schema_migrations');
    const second = await migrate(t.wh, { dir });
    expect(second.applied).toEqual([]);
    expect(second.alreadyApplied).toEqual(all);
    const [{ n: after }] = await t.wh.query<{ n: number }>('SELECT count() AS n FROM schema_migrations');
    expect(after).toBe(before);
  });

  it('sorts facts by organization, service, then date, and stores time in UTC', async () => {
    await migrate(t.wh, { dir });
    // On a cluster the sorted table is each shard's local table; Jalon's database holds the Distributed one.
    const db = t.wh.kind === 'cluster' ? localDatabaseOf(t.wh.database) : t.wh.database;
    const [row] = await t.wh.query<{ sorting_key: string }>("SELECT sorting_key FROM system.tables WHERE database = {db:String} AND name = 'service_events'", { db });
    expect(row.sorting_key.startsWith('org, service, toDate(occurred_at')).toBe(true);
    const [col] = await t.wh.query<{ type: string }>("SELECT type FROM system.columns WHERE database = currentDatabase() AND table = 'service_events' AND name = 'occurred_at'");
    expect(col.type).toBe("DateTime64(3, 'UTC')");
  });

  it('refuses an applied migration that was edited, naming the file, and applies nothing', async () => {
    await migrate(t.wh, { dir });
    fs.appendFileSync(path.join(dir, '002_facts.sql'), '\n-- an innocent-looking edit\n');
    fs.writeFileSync(path.join(dir, '999_new.sql'), 'CREATE TABLE IF NOT EXISTS never_created (x UInt8) ENGINE = Memory;');
    const err = await migrate(t.wh, { dir }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WarehouseError);
    expect((err as WarehouseError).type).toBe('MIGRATION_EDITED');
    expect((err as WarehouseError).message).toContain('002_facts.sql');
    const [{ n }] = await t.wh.query<{ n: number }>("SELECT count() AS n FROM system.tables WHERE database = currentDatabase() AND name = 'never_created'");
    expect(n).toBe(0);
  });

  it('applies a new migration added later, and only that one', async () => {
    await migrate(t.wh, { dir });
    fs.writeFileSync(path.join(dir, '998_extra.sql'), 'CREATE TABLE IF NOT EXISTS extra (x UInt8) ENGINE = MergeTree ORDER BY x;\nINSERT INTO extra VALUES (1), (2);');
    const result = await migrate(t.wh, { dir });
    expect(result.applied).toEqual(['998_extra']);
    const [{ s }] = await t.wh.query<{ s: number }>('SELECT sum(x) AS s FROM extra');
    expect(s).toBe(3);
  });
});
