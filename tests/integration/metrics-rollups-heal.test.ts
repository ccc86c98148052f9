// The rollups fed by views, found short or long of their raw tables (what a process stopped between a table's write and
// its view's leaves), are reported not current and rebuilt by the next refresh for exactly the days that differ: on
// seeded random events and survey responses, on the embedded engine, one server and the two-shard cluster, the rollups
// then equal the raw tables group by group, and days nobody touched keep their rows.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { withCluster, testWarehouse, type TestWarehouse } from '../support/warehouses.ts';
import { migrate } from '../../warehouse/migrate.ts';
import { forgetRollupHealth, refreshRollups, rollupHealth } from '../../metrics/rollups.ts';
import type { Warehouse } from '../../warehouse/warehouse.ts';

/** mulberry32: the same rows on every run. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ORGS = ['A', 'B', 'C'];
const pick = <T,>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
/** Any time of 2024, to the second (days straddling Toronto's midnight included). */
const anyTime = (r: () => number) => new Date(Date.UTC(2024, 0, 1) + Math.floor(r() * 366 * 86_400) * 1000).toISOString().replace('T', ' ').replace('Z', '');

function events(n: number, seed: number) {
  const r = random(seed);
  return Array.from({ length: n }, (_, i) => {
    const org = pick(r, ORGS);
    return {
      org, service: `${org}-S${1 + Math.floor(r() * 2)}`, occurred_at: anyTime(r), event_id: `e${seed}-${i}`, journey_id: `j${i % 97}`,
      type: pick(r, ['started', 'step', 'completed', 'failed']), channel: pick(r, ['web', 'mobile', 'phone']),
      sign_in: pick(r, ['none', 'bank', 'clicsequr']), prefilled: r() < 0.3
    };
  });
}

function responses(n: number, seed: number) {
  const r = random(seed);
  return Array.from({ length: n }, (_, i) => {
    const org = pick(r, ORGS);
    return {
      org, service: `${org}-S1`, submitted_at: anyTime(r), response_id: `r${seed}-${i}`, channel: pick(r, ['web', 'phone']),
      satisfaction: 1 + Math.floor(r() * 5), effort: r() < 0.5 ? null : 1 + Math.floor(r() * 7), region: pick(r, ['', '06']), client_type: 'citizen'
    };
  });
}

async function lines(wh: Warehouse, sql: string): Promise<string[]> {
  return (await wh.query<{ r: string }>(sql)).map((x) => x.r);
}

/** Each rollup folded per key, and the same figures grouped from the raw rows. */
async function sides(wh: Warehouse) {
  return {
    events: await lines(wh, `SELECT toString(tuple(toString(org), toString(service), day, toString(channel), sum(events), sum(started), sum(completed), sum(completed_prefilled), sum(sign_ins), sum(sign_ins_partner), max(last_at))) AS r
                             FROM rollup_events_daily GROUP BY org, service, day, channel ORDER BY r`),
    eventsRaw: await lines(wh, `SELECT toString(tuple(org, service, toDate(occurred_at, 'America/Toronto') AS day, channel, count(), countIf(type = 'started'), countIf(type = 'completed'),
                                  countIf(type = 'completed' AND prefilled), countIf(type = 'started' AND sign_in != 'none'), countIf(type = 'started' AND sign_in IN ('bank', 'partner')), max(occurred_at))) AS r
                                FROM service_events GROUP BY org, service, day, channel ORDER BY r`),
    responses: await lines(wh, `SELECT toString(tuple(toString(org), toString(service), day, toString(channel), satisfaction, effort, toString(region), toString(client_type), sum(responses), max(last_at))) AS r
                                FROM rollup_responses_daily GROUP BY org, service, day, channel, satisfaction, effort, region, client_type ORDER BY r`),
    responsesRaw: await lines(wh, `SELECT toString(tuple(org, service, toDate(submitted_at, 'America/Toronto') AS day, channel, satisfaction, ifNull(effort, 0) AS e, region, client_type, count(), max(submitted_at))) AS r
                                   FROM survey_responses GROUP BY org, service, day, channel, satisfaction, e, region, client_type ORDER BY r`)
  };
}

describe.each(withCluster)('rollups fed by views, healed by the refresh — %s', (backend) => {
  let t: TestWarehouse;
  beforeAll(async () => {
    t = await testWarehouse(backend, inject('clickhouseUrl'));
    await migrate(t.wh);
    await t.wh.insert('service_events', events(3000, 11));
    await t.wh.insert('survey_responses', responses(800, 12));
  });
  afterAll(async () => {
    await t?.dispose();
  });

  it('a rollup short of some days and long on others is not current, then the refresh rebuilds only those days', async () => {
    const wh = t.wh;
    const before = await sides(wh);
    expect(before.events).toEqual(before.eventsRaw);
    expect(before.responses).toEqual(before.responsesRaw);
    expect((await refreshRollups(wh)).rollup_events_daily).toBeUndefined(); // nothing to heal

    // Short: organization B's events of March and A's responses of June lost; long: a row of C counted twice.
    await wh.command("DELETE FROM rollup_events_daily WHERE org = 'B' AND toMonth(day) = 3", {}, { eachShard: true });
    await wh.command("DELETE FROM rollup_responses_daily WHERE org = 'A' AND toMonth(day) = 6", {}, { eachShard: true });
    await wh.command(
      `INSERT INTO rollup_events_daily (org, service, day, channel, events, started, completed, completed_prefilled, sign_ins, sign_ins_partner, last_at)
       SELECT org, service, toDate(occurred_at, 'America/Toronto'), channel, 1, type = 'started', type = 'completed', type = 'completed' AND prefilled, 0, 0, occurred_at
       FROM service_events WHERE org = 'C' ORDER BY occurred_at LIMIT 1`,
      {},
      { eachShard: true }
    );
    forgetRollupHealth(wh);
    const { health } = await rollupHealth(wh);
    expect(health).toMatchObject({ rollup_events_daily: false, rollup_responses_daily: false });

    // The days that differ, worked out here from the rows written above.
    const ev = events(3000, 11);
    const torontoDay = (utc: string) => new Intl.DateTimeFormat('en-CA', { timeZone: 'America/Toronto' }).format(new Date(`${utc.replace(' ', 'T')}Z`));
    const shortDays = new Set(ev.filter((e) => e.org === 'B' && torontoDay(e.occurred_at).slice(5, 7) === '03').map((e) => torontoDay(e.occurred_at)));
    const refreshed = await refreshRollups(wh);
    expect(refreshed.rollup_events_daily).toEqual({ mode: 'healed', chunks: shortDays.size + 1, rows: ev.length });
    expect(refreshed.rollup_responses_daily).toMatchObject({ mode: 'healed', rows: 800 });

    forgetRollupHealth(wh);
    expect((await rollupHealth(wh)).health).toMatchObject({ rollup_events_daily: true, rollup_responses_daily: true, rollup_presence_daily: true });
    const after = await sides(wh);
    expect(after.events).toEqual(after.eventsRaw);
    expect(after.responses).toEqual(after.responsesRaw);
    expect(after.events).toEqual(before.events);
    // Current again: the next refresh finds nothing to heal.
    expect((await refreshRollups(wh)).rollup_events_daily).toBeUndefined();
  }, 180_000);
});
