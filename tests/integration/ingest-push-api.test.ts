// The push API over real HTTP: the built app served by `serveHttp` on a free port, on its own database of the
// loopback ClickHouse server. Token scoping, 401/403/404/413, JSON arrays and NDJSON, idempotent retries.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig, withPort } from '../../config/config.ts';
import { buildDashboard, buildIsStale, serveHttp, type RunningHttp } from '../../dashboard/serve.ts';
import { migrate } from '../../warehouse/migrate.ts';
import { createToken, revokeToken } from '../../access/tokens.ts';
import { drainPushes } from '../../ingest/push.ts';
import { serverTestWarehouse, type TestWarehouse } from '../support/warehouses.ts';

let t: TestWarehouse;
let http: RunningHttp;
let ramq: string;
let saaq: string;

const ev = (id: string, o: Record<string, unknown> = {}) => ({
  event_id: id, occurred_at: '2024-04-01T10:00:00-04:00', service: 'carte', channel: 'web', journey_id: 'j', type: 'started', ...o
});

async function post(kind: string, body: string, token: string | null, extra: Record<string, string> = {}, query = ''): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${http.url}/api/v1/ingest/${kind}${query}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-ndjson', ...(token ? { authorization: `Bearer ${token}` } : {}), ...extra },
    body
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

beforeAll(async () => {
  if (buildIsStale()) await buildDashboard(() => undefined);
  t = await serverTestWarehouse(inject('clickhouseUrl'));
  await migrate(t.wh);
  const config = withPort(loadConfig({ CLICKHOUSE_URL: inject('clickhouseUrl'), CLICKHOUSE_DATABASE: t.wh.database, JALON_INGEST_MAX_BODY_BYTES: '20000', JALON_INGEST_PUSH_INTERVAL_MS: '1500' }), 0);
  http = await serveHttp({ config, warehouse: t.wh });
  ramq = (await createToken(t.wh, 'RAMQ')).token;
  saaq = (await createToken(t.wh, 'SAAQ')).token;
}, 180_000);

afterAll(async () => {
  await drainPushes();
  await http?.close();
  await t?.dispose();
});

describe('POST /api/v1/ingest/{kind}', () => {
  it('refuses requests without a valid token (401) and stores tokens only as hashes', async () => {
    const rows = JSON.stringify(ev('a1'));
    const none = await post('events', rows, null);
    expect(none.status).toBe(401);
    expect(none.body).toMatchObject({ error: { code: 'unauthorized' } });
    expect((await post('events', rows, 'jalon_000000000000_' + 'x'.repeat(43))).status).toBe(401);
    expect((await post('events', rows, ramq.slice(0, -1) + (ramq.endsWith('A') ? 'B' : 'A'))).status).toBe(401);
    const stored = await t.wh.query<{ hash: string }>('SELECT hash FROM ingest_tokens');
    expect(stored.every((r) => r.hash.startsWith('$argon2') && !ramq.includes(r.hash))).toBe(true);
  });

  it('scopes rows to the token organization: other organizations are rejected row by row, ?org= of another is 403', async () => {
    const body = [JSON.stringify(ev('b1', { org: 'RAMQ' })), JSON.stringify(ev('b2')), JSON.stringify(ev('b3', { org: 'SAAQ' })), '{broken'].join('\n');
    const res = await post('events', body, ramq);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ kind: 'events', read: 4, inserted: 2, duplicates: 0, rejected: 2, status: 'partial' });
    const errors = res.body.errors as { line: number; reason: string; message: string }[];
    expect(errors.map((e) => [e.line, e.reason])).toEqual([[3, 'foreign_org'], [4, 'malformed_row']]);
    const rows = await t.wh.query<{ org: string; event_id: string }>("SELECT org, event_id FROM service_events WHERE event_id LIKE 'b%' ORDER BY event_id");
    expect(rows).toEqual([{ org: 'RAMQ', event_id: 'b1' }, { org: 'RAMQ', event_id: 'b2' }]);
    expect((await post('events', JSON.stringify(ev('b4')), ramq, {}, '?org=SAAQ')).status).toBe(403);
    expect((await post('organizations', JSON.stringify({ code: 'X', name_fr: 'X' }), ramq)).status).toBe(403);
    const unknown = await post('widgets', '{}', ramq);
    expect(unknown.status).toBe(404);
  });

  it('accepts a JSON array, and a retried request counts only duplicates', async () => {
    // SAAQ's own service code: 'carte' is RAMQ's since the test above (codes are unique across organizations).
    const body = JSON.stringify([ev('c1', { org: 'SAAQ', service: 'saaq-carte' }), ev('c2', { org: 'SAAQ', service: 'saaq-carte', type: 'completed', outcome: 'success' })]);
    const first = await post('events', body, saaq, { 'content-type': 'application/json' });
    expect(first.body).toMatchObject({ read: 2, inserted: 2, duplicates: 0, rejected: 0 });
    const retry = await post('events', body, saaq, { 'content-type': 'application/json' });
    expect(retry.body).toMatchObject({ read: 2, inserted: 0, duplicates: 2, rejected: 0 });
    const [n] = await t.wh.query<{ n: number }>("SELECT toUInt64(count()) AS n FROM service_events WHERE org = 'SAAQ'");
    expect(Number(n.n)).toBe(2);
    const bad = await post('events', '[{"event_id":', saaq, { 'content-type': 'application/json' });
    expect(bad.status).toBe(400);
  });

  it('buffers concurrent pushes into one run (interval batching), each answered with its own counts and lines', async () => {
    const bodies = [
      [JSON.stringify(ev('e1')), JSON.stringify(ev('e2'))].join('\n'),
      [JSON.stringify(ev('e3', { channel: 'pigeon' })), JSON.stringify(ev('e1'))].join('\n'),
      JSON.stringify(ev('e4'))
    ];
    const answers = await Promise.all(bodies.map((b) => post('events', b, ramq)));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
    expect(new Set(answers.map((a) => a.body.run_id)).size).toBe(1);
    // Arrival order decides which copy of e1 is first: count per request, totals fixed.
    const counts = answers.map((a) => [a.body.read, a.body.inserted, a.body.duplicates, a.body.rejected] as number[]);
    expect(counts.map((c) => c[0])).toEqual([2, 2, 1]);
    expect(counts.map((c) => c[3])).toEqual([0, 1, 0]);
    expect(counts.reduce((n, c) => n + c[1], 0)).toBe(3);
    expect(counts.reduce((n, c) => n + c[2], 0)).toBe(1);
    expect(counts[2]).toEqual([1, 1, 0, 0]);
    expect((answers[1].body.errors as { line: number; reason: string }[]).map((e) => [e.line, e.reason])).toEqual([[1, 'unknown_channel']]);
    expect(answers[1].body.rejects).toEqual([{ reason: 'unknown_channel', count: 1 }]);
  });

  it('answers 413 over the body limit, with the one error shape', async () => {
    const big = Array.from({ length: 200 }, (_, i) => JSON.stringify(ev(`d${i}`))).join('\n');
    expect(big.length).toBeGreaterThan(20000);
    const res = await post('events', big, ramq);
    expect(res.status).toBe(413);
    expect(res.body).toMatchObject({ error: { code: 'payload_too_large' } });
    const [n] = await t.wh.query<{ n: number }>("SELECT toUInt64(count()) AS n FROM service_events WHERE event_id LIKE 'd%'");
    expect(Number(n.n)).toBe(0);
  });

  it('stops accepting a revoked token', async () => {
    const { token, token_id } = await createToken(t.wh, 'RQ');
    expect((await post('volumes', JSON.stringify({ period: '2024-04', service: 'impot', channel: 'web', volume: 5 }), token)).body).toMatchObject({ inserted: 1 });
    await revokeToken(t.wh, token_id);
    expect((await post('volumes', '{}', token)).status).toBe(401);
  });
});
