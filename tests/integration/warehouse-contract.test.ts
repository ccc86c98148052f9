// The adapter contract: the same expectations, run against the embedded chDB adapter and a real ClickHouse
// server on loopback. Each test gets its own warehouse (folder or database).
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { tableFromArrays } from 'apache-arrow';
import { backends, withCluster, testWarehouse, type TestWarehouse } from '../support/warehouses.ts';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { WarehouseError } from '../../warehouse/warehouse.ts';
import { EmbeddedWarehouse } from '../../warehouse/embedded.ts';
import { ServerWarehouse } from '../../warehouse/server.ts';
import { loadConfig } from '../../config/config.ts';

describe.each(withCluster)('warehouse contract — %s', (backend) => {
  let t: TestWarehouse;
  beforeEach(async () => {
    t = await testWarehouse(backend, inject('clickhouseUrl'));
  });
  afterEach(async () => {
    await t.dispose();
  });

  it('answers ping with a ClickHouse 26.x version', async () => {
    const { version } = await t.wh.ping();
    expect(version).toMatch(/^26\./);
    expect(t.wh.kind).toBe(backend);
  });

  it('binds typed parameters: values never become SQL', async () => {
    const hostile = "x'); DROP TABLE t; --";
    const rows = await t.wh.query<{ s: string; n: number; a: string[]; d: string }>(
      'SELECT {s:String} AS s, {n:UInt32} * 2 AS n, {a:Array(String)} AS a, toString({d:DateTime64(3, \'UTC\')}) AS d',
      { s: hostile, n: 21, a: ['web', "mo'bile"], d: new Date(Date.UTC(2024, 3, 1, 2, 30)) }
    );
    expect(rows).toEqual([{ s: hostile, n: 42, a: ['web', "mo'bile"], d: '2024-04-01 02:30:00.000' }]);
  });

  it('inserts a JSONEachRow batch and reads it back in the database it was opened on', async () => {
    await t.wh.command('CREATE TABLE ev (org LowCardinality(String), at DateTime64(3, \'UTC\'), n UInt64) ENGINE = MergeTree ORDER BY (org, at)');
    const summary = await t.wh.insert('ev', [
      { org: 'RAMQ', at: '2024-04-01T02:30:00.000Z', n: 1 },
      { org: 'SAAQ', at: '2024-03-31T12:00:00-04:00', n: 2 },
      { org: 'RAMQ', at: '2024-04-02 10:00:00', n: 3 }
    ]);
    expect(summary.rowsWritten).toBe(3);
    const rows = await t.wh.query<{ org: string; total: number; day: string }>(
      "SELECT org, sum(n) AS total, toString(min(toDate(at, 'America/Toronto'))) AS day FROM ev WHERE org = {org:String} GROUP BY org",
      { org: 'RAMQ' }
    );
    // 2024-04-01 02:30 UTC is 2024-03-31 22:30 in Toronto (EDT, UTC-4).
    expect(rows).toEqual([{ org: 'RAMQ', total: 4, day: '2024-03-31' }]);
    const [db] = await t.wh.query<{ db: string }>('SELECT currentDatabase() AS db');
    expect(db.db).toBe(t.wh.database);
  });

  it('inserts raw JSONEachRow payloads and 64-bit counts come back as numbers', async () => {
    await t.wh.command('CREATE TABLE c (k String, v UInt64) ENGINE = MergeTree ORDER BY k');
    const payload = Buffer.from('{"k":"a","v":5000000000}\n{"k":"b","v":7}\n');
    expect((await t.wh.insertRaw('c', payload, 'JSONEachRow')).rowsWritten).toBe(2);
    const rows = await t.wh.query<{ total: number; n: number }>('SELECT sum(v) AS total, count() AS n FROM c');
    expect(rows).toEqual([{ total: 5000000007, n: 2 }]);
  });

  it('round-trips Arrow: insertArrow then queryArrow', async () => {
    await t.wh.command('CREATE TABLE a (org String, volume UInt32) ENGINE = MergeTree ORDER BY org');
    const data = tableFromArrays({ org: ['RQ', 'SAAQ', 'RAMQ'], volume: Uint32Array.from([10, 20, 30]) });
    expect((await t.wh.insertArrow('a', data)).rowsWritten).toBe(3);
    const table = await t.wh.queryArrow('SELECT org, volume FROM a WHERE volume >= {min:UInt32} ORDER BY org', { min: 15 });
    expect(table.numRows).toBe(2);
    expect(table.getChild('org')?.toArray().map(String)).toEqual(['RAMQ', 'SAAQ']);
    expect(Array.from(table.getChild('volume')?.toArray() as Uint32Array)).toEqual([30, 20]);
  });

  it('applies per-query settings', async () => {
    const err = await t.wh
      .query('SELECT number FROM numbers(100)', {}, { settings: { max_result_rows: 10, result_overflow_mode: 'throw' } })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WarehouseError);
    expect((err as WarehouseError).code).toBe(396);
  });

  it('turns ClickHouse failures into typed errors with a code and a hint', async () => {
    const err = await t.wh.query('SELECT * FROM no_such_table').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WarehouseError);
    const we = err as WarehouseError;
    expect(we.code).toBe(60);
    expect(we.type).toBe('UNKNOWN_TABLE');
    expect(we.hint).toContain('jalon migrate');
  });

  it('refuses identifiers that are not plain names', async () => {
    await expect(t.wh.insert('ev; DROP TABLE x', [{ a: 1 }])).rejects.toThrow(/identifier not allowed/);
  });
});

// Issue 18: the engine's query threads run below the server's JavaScript thread (JALON_ENGINE_NICE), so a kept page is
// served while heavy reads run. Read from the kernel: the nice value of this process's threads during a heavy query.
describe('engine threads yield to the server', () => {
  /** Nice values of this process's threads other than the main one, from /proc (Linux). */
  const threadNices = (): number[] =>
    fs.readdirSync('/proc/self/task').filter((t) => Number(t) !== process.pid).flatMap((t) => {
      try {
        const stat = fs.readFileSync(`/proc/self/task/${t}/stat`, 'utf8');
        return [Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16])];
      } catch {
        return []; // the thread ended meanwhile
      }
    });
  /** CAP_SYS_NICE (bit 23 of the effective set): without it the engine leaves its threads' nice alone. */
  const canNice = (): boolean => (BigInt(`0x${/CapEff:\s*([0-9a-f]+)/u.exec(fs.readFileSync('/proc/self/status', 'utf8'))![1]}`) >> 23n) % 2n === 1n;

  it('runs query threads at the configured nice value, and at 0 when none is set', async () => {
    for (const threadNice of [10, undefined]) {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jalon-nice-'));
      const wh = await EmbeddedWarehouse.open({ dataDir: dir, database: 'jalon', ...(threadNice ? { threadNice } : {}) });
      try {
        const [row] = await wh.query<{ n: number }>("SELECT toInt32(getSetting('os_threads_nice_value_query')) AS n");
        expect(row.n).toBe(threadNice ?? 0);
        const before = new Set(threadNices());
        let seen: number[] = [];
        let done = false;
        const heavy = wh.query('SELECT count() FROM (SELECT number % 1000003 AS k, sum(cityHash64(number)) FROM numbers(80000000) GROUP BY k)').finally(() => (done = true));
        while (!done && !seen.includes(threadNice ?? -1)) {
          await new Promise((r) => setTimeout(r, 50));
          seen = [...seen, ...threadNices()];
        }
        await heavy;
        if (threadNice && canNice()) expect(seen).toContain(threadNice);
        if (!threadNice) expect(seen.filter((n) => n > 0 && !before.has(n))).toEqual([]);
      } finally {
        await wh.close();
        fs.rmSync(dir, { recursive: true, force: true });
      }
    }
  }, 120_000);

  it('sends the nice value to a ClickHouse server with every query when it is set, and nothing otherwise', async () => {
    for (const threadNice of [12, undefined]) {
      const wh = await ServerWarehouse.open({ url: inject('clickhouseUrl'), username: 'default', password: '', database: 'default', ...(threadNice ? { threadNice } : {}) });
      try {
        const [row] = await wh.query<{ n: number }>("SELECT toInt32(getSetting('os_threads_nice_value_query')) AS n");
        expect(row.n).toBe(threadNice ?? 0);
      } finally {
        await wh.close();
      }
    }
    expect(loadConfig({ CLICKHOUSE_URL: 'http://ch:8123' }).warehouse).not.toHaveProperty('threadNice');
    expect(loadConfig({ CLICKHOUSE_URL: 'http://ch:8123', JALON_ENGINE_NICE: '12' }).warehouse).toMatchObject({ threadNice: 12 });
  });
});
