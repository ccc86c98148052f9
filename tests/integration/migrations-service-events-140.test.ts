// Migrations 140–141 rebuild service_events (plain strings, the partition a function of the sorting key) by copy and
// swap: on each engine (embedded, server, two-shard cluster) a warehouse migrated up to 130 and holding events —
// among them two versions of one event on a Toronto day straddling New Year's Eve in UTC — reads the same rows with FINAL, its
// events rollup still equals the raw table, the view feeds it again, and the two versions now share a partition.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { withCluster, testWarehouse, type TestWarehouse } from '../support/warehouses.ts';
import { SCHEMA_DIR, migrate } from '../../warehouse/migrate.ts';
import { rng } from '../support/random-data-sets.ts';
import { backfillRollups, forgetRollupHealth, rollupHealth } from '../../metrics/rollups.ts';

const CHANNELS = ['web', 'mobile', 'phone', 'counter'];
const TYPES = ['started', 'step', 'completed', 'failed', 'abandoned'];

/** Seeded events over two years around New Year, for two organizations (one per shard, as it happens, or both). */
function events(seed: number, n: number): Record<string, unknown>[] {
  const r = rng(seed);
  const base = Date.parse('2023-12-20T00:00:00Z');
  return Array.from({ length: n }, (_, i) => {
    const type = TYPES[Math.floor(r() * TYPES.length)];
    return {
      org: i % 3 === 0 ? 'B' : 'A', service: i % 2 ? 'S1' : 'S2', event_id: `e${seed}-${i}`, journey_id: `j${Math.floor(i / 3)}`,
      occurred_at: new Date(base + Math.floor(r() * 30 * 86_400_000)).toISOString().replace('T', ' ').replace('Z', ''),
      type, step: type === 'step' ? 'a' : '', step_index: type === 'step' ? 1 : 0, outcome: type === 'completed' ? 'success' : '',
      channel: CHANNELS[Math.floor(r() * CHANNELS.length)], client_type: r() < 0.2 ? 'business' : 'citizen', region: String(1 + Math.floor(r() * 17)).padStart(2, '0'),
      sign_in: r() < 0.5 ? 'none' : 'bank', assisted: r() < 0.1, prefilled: r() < 0.3, duration_ms: type === 'completed' && r() < 0.5 ? Math.floor(r() * 1e6) : null,
      run_id: 'r1'
    };
  });
}

/** Every column of every row, ordered, as FINAL reads it (the versions of a row folded) or as stored. */
const ROWS = (final: boolean) => `SELECT org, service, toString(occurred_at) AS occurred_at, event_id, journey_id, toString(type) AS type, toString(step) AS step,
  step_index, toString(outcome) AS outcome, toString(channel) AS channel, toString(client_type) AS client_type, toString(region) AS region,
  toString(sign_in) AS sign_in, assisted, prefilled, toString(duration_ms) AS duration_ms, run_id, toString(ingested_at) AS ingested_at
FROM service_events${final ? ' FINAL' : ''} ORDER BY org, event_id, occurred_at`;

describe.each(withCluster)('service_events rebuilt by migrations 140–141 — %s', (backend) => {
  let t: TestWarehouse;
  let dir: string;
  beforeEach(async () => {
    t = await testWarehouse(backend, inject('clickhouseUrl'));
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jalon-mig140-'));
    for (const f of fs.readdirSync(SCHEMA_DIR)) if (f < '140') fs.copyFileSync(path.join(SCHEMA_DIR, f), path.join(dir, f));
  });
  afterEach(async () => {
    await t.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('reads the same rows with FINAL, keeps the rollup equal to the raw table, and feeds it again', { timeout: 240_000 }, async () => {
    await migrate(t.wh, { dir });
    const rows = events(140, 3_000);
    // Two versions of one event on Toronto day 2023-12-31: 15:00 UTC (UTC year 2023) and 01:00 UTC on the 1st (2024).
    const straddle = { ...rows[0], org: 'A', service: 'S1', event_id: 'straddle', occurred_at: '2023-12-31 15:00:00.000' };
    await t.wh.insert('service_events', [...rows, straddle]);
    await t.wh.insert('service_events', [{ ...straddle, occurred_at: '2024-01-01 01:00:00.000', channel: 'mobile' }]);
    const before = await t.wh.query(ROWS(false));
    const beforeFinal = await t.wh.query(ROWS(true));
    expect(before).toHaveLength(3_002);
    expect(beforeFinal).toHaveLength(3_001);
    const oldParts = await t.wh.query<{ p: string }>(`SELECT DISTINCT _partition_id AS p FROM service_events WHERE event_id = 'straddle' ORDER BY p`);
    expect(oldParts.map((x) => x.p)).toEqual(['2023', '2024']);

    for (const f of fs.readdirSync(SCHEMA_DIR)) if (f >= '140') fs.copyFileSync(path.join(SCHEMA_DIR, f), path.join(dir, f));
    const result = await migrate(t.wh, { dir });
    expect(result.applied).toContain('140_service_events_plain');
    expect(result.applied).toContain('141_service_events_swap');

    // FINAL reads the same rows; stored, the copy may already have folded the two versions (they met in one block).
    expect(await t.wh.query(ROWS(true))).toEqual(beforeFinal);
    const stored = await t.wh.query<{ event_id: string }>(ROWS(false));
    expect(stored.filter((r) => r.event_id !== 'straddle')).toEqual(before.filter((r) => (r as { event_id: string }).event_id !== 'straddle'));
    const types = await t.wh.query<{ name: string; type: string }>(
      `SELECT name, type FROM system.columns WHERE database = currentDatabase() AND table = 'service_events' AND name IN ('org', 'channel', 'type') ORDER BY name`
    );
    expect(types.map((c) => c.type)).toEqual(['String', 'String', 'String']);
    const parts = await t.wh.query<{ p: string }>(`SELECT DISTINCT _partition_id AS p FROM service_events WHERE event_id = 'straddle'`);
    expect(parts.map((x) => x.p)).toEqual(['2023']);
    const tables = (await t.wh.query<{ name: string }>(`SELECT name FROM system.tables WHERE database = currentDatabase() AND name LIKE 'service_events%'`)).map((x) => x.name);
    expect(tables).toEqual(['service_events']);

    // The rollup kept its rows. Where the copy folded versions of a row, the raw count fell below the rollup's, which
    // is then stale (not used) until rebuilt, as after any merge that folds them.
    forgetRollupHealth(t.wh);
    const healthy = (await rollupHealth(t.wh)).health.rollup_events_daily;
    expect(healthy).toBe(stored.length === before.length);
    if (!healthy) await backfillRollups(t.wh);
    forgetRollupHealth(t.wh);
    expect((await rollupHealth(t.wh)).health.rollup_events_daily).toBe(true);
    const perKey = `SELECT org, service, toDate(occurred_at, 'America/Toronto') AS day, toString(channel) AS channel, toUInt64(count()) AS events,
      toUInt64(countIf(type = 'started')) AS started, toUInt64(countIf(type = 'completed' AND prefilled)) AS prefilled FROM service_events GROUP BY org, service, day, channel ORDER BY org, service, day, channel`;
    const rolled = `SELECT org, service, day, toString(channel) AS channel, toUInt64(sum(events)) AS events, toUInt64(sum(started)) AS started, toUInt64(sum(completed_prefilled)) AS prefilled
      FROM rollup_events_daily GROUP BY org, service, day, channel ORDER BY org, service, day, channel`;
    expect(await t.wh.query(rolled)).toEqual(await t.wh.query(perKey));
    await t.wh.insert('service_events', events(141, 500));
    forgetRollupHealth(t.wh);
    expect((await rollupHealth(t.wh)).health.rollup_events_daily).toBe(true);
    expect(await t.wh.query(rolled)).toEqual(await t.wh.query(perKey));

    // A second run changes nothing.
    expect((await migrate(t.wh, { dir })).applied).toEqual([]);
  });
});
