// Issue 11 ("Fail closed"): each finding of the outside security review replayed over real HTTP against the built app
// (adapter-node handler on an embedded warehouse), and now refused. One server at a time on one port, so the app's
// origin stays the same from one configuration to the next: sign-in required (the default), then the open demo.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '../../config/config.ts';
import { EmbeddedWarehouse } from '../../warehouse/embedded.ts';
import { migrate } from '../../warehouse/migrate.ts';
import { serveHttp, ROOT, type RunningHttp } from '../../dashboard/serve.ts';
import { ensureBuiltApp } from '../support/built-app.ts';
import { freePort } from '../support/clickhouse-server.ts';
import { saveAccount } from '../../access/accounts.ts';
import { flushAudit } from '../../access/audit.ts';
import { createToken } from '../../access/tokens.ts';
import { drainPushes } from '../../ingest/push.ts';
import { seedAccessData } from '../support/access-fixtures.ts';

const PASSWORD = 'correct horse battery staple';
let dir: string;
let wh: EmbeddedWarehouse;
let port: number;
let origin: string;
let http: RunningHttp | null = null;

function configWith(env: Record<string, string>): Config {
  return loadConfig({ JALON_DATA_DIR: dir, PORT: String(port), JALON_PUBLIC_URL: origin, JALON_LOG_LEVEL: 'warn', ...env }, dir);
}

async function restart(env: Record<string, string> = {}): Promise<void> {
  await http?.close();
  http = await serveHttp({ config: configWith(env), warehouse: wh });
}

interface Sent {
  status: number;
  headers: Headers;
  text: string;
  json: () => Record<string, unknown>;
}

async function send(method: string, p: string, o: { body?: string | Buffer; headers?: Record<string, string>; cookie?: string } = {}): Promise<Sent> {
  const init: RequestInit = {
    method,
    redirect: 'manual',
    headers: { ...(o.cookie ? { cookie: o.cookie } : {}), ...(o.headers ?? {}) },
    ...(o.body !== undefined ? { body: typeof o.body === 'string' ? o.body : new Uint8Array(o.body) } : {})
  };
  // After a restart on the same port, the first request may go out on a kept-alive socket of the closed server.
  const res = await fetch(new URL(p, origin), init).catch((err: { cause?: { code?: string } }) => {
    if (err.cause?.code !== 'UND_ERR_SOCKET') throw err;
    return fetch(new URL(p, origin), init);
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: () => JSON.parse(text) as Record<string, unknown> };
}

const postJson = (p: string, body: unknown, o: { cookie?: string; headers?: Record<string, string> } = {}) =>
  send('POST', p, { ...o, body: JSON.stringify(body), headers: { 'content-type': 'application/json', origin, ...(o.headers ?? {}) } });

async function signIn(username: string, headers: Record<string, string> = {}): Promise<string> {
  const res = await postJson('/api/v1/auth/login', { username, password: PASSWORD }, { headers });
  expect(res.status, `sign-in ${username}: ${res.text}`).toBe(200);
  return (res.headers.get('set-cookie') ?? '').split(';')[0];
}

const push = (kind: string, token: string, body: string | Buffer, headers: Record<string, string> = {}) =>
  send('POST', `/api/v1/ingest/${kind}`, { body, headers: { 'content-type': 'application/x-ndjson', authorization: `Bearer ${token}`, ...headers } });

beforeAll(async () => {
  await ensureBuiltApp();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jalon-failclosed-'));
  port = await freePort();
  origin = `http://127.0.0.1:${port}`;
  wh = await EmbeddedWarehouse.open({ dataDir: dir, database: 'jalon' });
  await migrate(wh);
  await seedAccessData(wh);
  // Twelve comments on OTH's service: above the small-count threshold, so a reader allowed comments sees them.
  await wh.insert(
    'survey_responses',
    Array.from({ length: 12 }, (_, i) => ({
      org: 'OTH', service: 'oth-permis', submitted_at: '2024-02-02T12:00:00Z', response_id: `c-${i}`, channel: 'web', satisfaction: 4, comment: `COMMENTAIRE-SECRET-${i}`
    }))
  );
  await saveAccount(wh, { username: 'f-executive', role: 'executive', password: PASSWORD });
  await saveAccount(wh, { username: 'f-admin', role: 'admin', password: PASSWORD });
  await saveAccount(wh, { username: 'f-analyst', role: 'analyst', orgs: ['MIN'], password: PASSWORD });
  await saveAccount(wh, { username: 'f-victim', role: 'analyst', orgs: ['OTH'], password: PASSWORD });
  await saveAccount(wh, { username: 'f-oidc@example.org', role: 'executive', password: null });
}, 300_000);

afterAll(async () => {
  await drainPushes();
  await http?.close();
  await wh?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('sign-in required by default (no JALON_AUTH_REQUIRED)', () => {
  beforeAll(async () => {
    await restart({ JALON_TRUSTED_PROXIES: '127.0.0.1', JALON_PUSHES_PER_MINUTE: '30' });
  }, 60_000);

  it('finding 1: an anonymous caller runs no SQL, lists and saves no shared query, reads no comment; pages render as the public', async () => {
    expect(configWith({}).auth.required).toBe(true);
    const query = await postJson('/api/v1/query', { sql: 'SELECT org, comment FROM survey_responses LIMIT 5' });
    expect(query.status).toBe(401);
    expect(query.json()).toMatchObject({ error: { code: 'unauthorized' } });
    expect((await send('GET', '/api/v1/query/saved')).status).toBe(401);
    expect((await postJson('/api/v1/query/saved', { title: 'x', sql: 'SELECT 1', shared: true })).status).toBe(401);
    const me = (await send('GET', '/api/v1/auth/me')).json();
    expect(me).toMatchObject({ role: 'public', signedIn: false });
    const page = await send('GET', '/fr/services/oth-permis?period=all');
    expect(page.status).toBe(200);
    expect(page.text).toContain('data-comments-withheld');
    expect(page.text).not.toContain('COMMENTAIRE-SECRET');
    expect(page.text).not.toContain('data-open-demo');
    // A signed-in executive reads them: the withholding is the caller's, not the data's.
    const exec = await signIn('f-executive');
    expect((await send('GET', '/fr/services/oth-permis?period=all', { cookie: exec })).text).toContain('COMMENTAIRE-SECRET');
  });

  it('finding 3: a token never creates nor changes another organization\'s service, nor files rows under its code', async () => {
    const oth = (await createToken(wh, 'OTH')).token;
    const takeover = await push('services', oth, JSON.stringify({ org: 'OTH', code: 'min-permis', name_fr: 'Usurpation MIN', launched_on: '2020-01-01' }));
    expect(takeover.status).toBe(200);
    expect(takeover.json()).toMatchObject({ inserted: 0, rejected: 1, rejects: [{ reason: 'foreign_service', count: 1 }] });
    const events = await push('events', oth, JSON.stringify({ event_id: 'x1', occurred_at: '2024-03-01T10:00:00Z', service: 'min-permis', channel: 'web', journey_id: 'jx', type: 'started' }));
    expect(events.json()).toMatchObject({ inserted: 0, rejects: [{ reason: 'foreign_service', count: 1 }] });
    const owners = await wh.query<{ org: string; name_fr: string }>("SELECT org, name_fr FROM services FINAL WHERE code = 'min-permis'");
    expect(owners).toEqual([{ org: 'MIN', name_fr: 'Permis' }]);
    // MIN's own analyst still opens MIN's page, with MIN's name.
    const analyst = await signIn('f-analyst');
    const page = await send('GET', '/fr/services/min-permis', { cookie: analyst });
    expect(page.status).toBe(200);
    expect(page.text).not.toContain('Usurpation');
  });

  it('finding 7: the chart CSVs neutralize spreadsheet formulas in names and codes', async () => {
    const oth = (await createToken(wh, 'OTH')).token;
    const code = "=cmd|' /C calc'!A0";
    const svc = await push('services', oth, JSON.stringify({ org: 'OTH', code, name_fr: "+SUM(1+1)*cmd|' /C calc'!A0", name_en: "+SUM(1+1)*cmd|' /C calc'!A0", launched_on: '2020-01-01' }));
    expect(svc.json()).toMatchObject({ inserted: 1, rejected: 0 });
    const rows = Array.from({ length: 30 }, (_, i) =>
      JSON.stringify({ event_id: `f${i}`, occurred_at: '2024-03-05T10:00:00Z', service: code, channel: i % 3 ? 'web' : 'phone', journey_id: `jf${i}`, type: 'completed', outcome: 'success' })
    ).join('\n');
    expect((await push('events', oth, rows)).json()).toMatchObject({ inserted: 30 });
    const exec = await signIn('f-executive');
    const page = await send('GET', '/fr/indicateurs/digital_take_up?period=all&org=OTH', { cookie: exec });
    expect(page.status).toBe(200);
    const csvs = [...page.text.matchAll(/href="data:text\/csv;charset=utf-8,([^"]+)"/gu)].map((m) => decodeURIComponent(m[1].replaceAll('&amp;', '&')));
    expect(csvs.length).toBeGreaterThan(0);
    const all = csvs.join('\n');
    expect(all).toContain("cmd|' /C calc'!A0"); // the service is in the by-service table…
    const cells = csvs.flatMap((c) => c.split(/\r\n/u)).flatMap((line) => line.split(',')).map((c) => c.replace(/^"/u, ''));
    expect(cells.filter((c) => /^[=+@]/u.test(c))).toEqual([]); // …and no cell starts a formula
    expect(all).toMatch(/'[=+](cmd|SUM)/u);
  });

  it('finding 8: a flood of refused sign-ins makes a few audit rows, counted, not one insert each', async () => {
    const before = await wh.query<{ n: number }>("SELECT count() AS n FROM audit_log WHERE action = 'sign_in' AND NOT ok");
    const results = await Promise.all(
      Array.from({ length: 120 }, (_, i) => postJson('/api/v1/auth/login', { username: `ghost${i % 7}`, password: 'wrong password!' }, { headers: { 'x-forwarded-for': '198.51.100.8' } }))
    );
    const statuses = results.map((r) => r.status);
    // JALON_LOGIN_ATTEMPTS_PER_MINUTE (10), plus one per 6 s the burst takes to arrive on a busy machine.
    const refused = statuses.filter((s) => s === 401).length;
    expect(refused).toBeGreaterThanOrEqual(10);
    expect(refused).toBeLessThanOrEqual(13);
    expect(statuses.filter((s) => s === 429).length).toBe(120 - refused);
    await flushAudit(wh);
    const rows = await wh.query<{ rows: number; detail: string }>(
      "SELECT rows, detail FROM audit_log WHERE action = 'sign_in' AND NOT ok AND detail LIKE '%198.51.100.8%'"
    );
    expect(rows.length).toBeLessThanOrEqual(4); // first refusal of each reason, then one count per reason
    expect(rows.reduce((n, r) => n + Math.max(1, Number(r.rows)), 0)).toBe(120);
    const after = await wh.query<{ n: number }>("SELECT count() AS n FROM audit_log WHERE action = 'sign_in' AND NOT ok");
    expect(Number(after[0].n) - Number(before[0].n)).toBe(rows.length);
  });

  it('finding 10: failures from one address lock that address out, never the account\'s owner elsewhere', async () => {
    const attacker = { 'x-forwarded-for': '203.0.113.66' };
    for (let i = 0; i < 5; i++) expect((await postJson('/api/v1/auth/login', { username: 'f-victim', password: 'wrong password!' }, { headers: attacker })).status).toBe(401);
    expect((await postJson('/api/v1/auth/login', { username: 'f-victim', password: PASSWORD }, { headers: attacker })).status).toBe(423);
    await signIn('f-victim', { 'x-forwarded-for': '192.0.2.7' });
  });

  it('forwarded addresses are believed only from a trusted proxy; a forged left part changes nothing', async () => {
    // The proxy (127.0.0.1, trusted here) appends the real client: the right-most untrusted address is the one recorded.
    const res = await postJson('/api/v1/auth/login', { username: 'forwarded-probe', password: 'wrong password!' }, { headers: { 'x-forwarded-for': '6.6.6.6, 198.51.100.77' } });
    expect(res.status).toBe(401);
    await flushAudit(wh);
    const rows = await wh.query<{ detail: string }>("SELECT detail FROM audit_log WHERE actor = 'forwarded-probe'");
    expect(rows.map((r) => (JSON.parse(r.detail) as { address: string }).address)).toEqual(['198.51.100.77']);
  });

  it('finding 11: no path of the machine in any error', async () => {
    const res = await send('GET', '/api/v1/scorecard?strategy=nope');
    expect(res.status).toBe(404);
    expect(res.text).not.toContain(ROOT);
    expect(res.text).not.toContain(dir);
    expect(res.text).not.toMatch(/"\/(home|root|tmp|work|srv|usr|var)\//u);
    expect(res.json()).toMatchObject({ error: { code: 'unknown_strategy' } });
  });

  it('finding 12: invalid UTF-8 is quarantined as bad_encoding and registers no code; deep JSON is refused with 400', async () => {
    const oth = (await createToken(wh, 'OTH')).token;
    const raw = Buffer.concat([
      Buffer.from('{"event_id":"u1","occurred_at":"2024-03-01T10:00:00Z","service":"oth-EXAMEN'),
      Buffer.from([0xff, 0xfe]),
      Buffer.from('","channel":"web","journey_id":"ju","type":"started"}\n'),
      Buffer.from('{"event_id":"u2","occurred_at":"2024-03-01T10:00:00Z","service":"oth-EXAMEN\\udcff","channel":"web","journey_id":"ju","type":"started"}\n')
    ]);
    const res = await push('events', oth, raw);
    expect(res.status).toBe(200);
    // The first line's bytes are not UTF-8; the second's escape decodes to no text (the engine refuses a lone surrogate).
    expect(res.json()).toMatchObject({ inserted: 0, rejected: 2, new_codes: [] });
    expect((res.json().errors as { line: number; reason: string }[])[0]).toMatchObject({ line: 1, reason: 'bad_encoding' });
    const placeholders = await wh.query<{ code: string }>("SELECT code FROM services WHERE startsWith(code, 'oth-EXAMEN')");
    expect(placeholders).toEqual([]);
    const deepArray = `[${'['.repeat(100_000)}${']'.repeat(100_000)}]`;
    const deep = await push('events', oth, deepArray, { 'content-type': 'application/json' });
    expect(deep.status).toBe(400);
    expect(deep.json()).toMatchObject({ error: { code: 'too_deep' } });
    const deepLine = await push('events', oth, `{"event_id":${'['.repeat(5000)}${']'.repeat(5000)}}`);
    expect(deepLine.status).toBe(400);
  });

  it('finding 13: body limits per route — sign-in takes kilobytes, the push limit applies to the push API only', async () => {
    const huge = Buffer.alloc(40 * 1024 * 1024, 0x61);
    const login = await send('POST', '/api/v1/auth/login', { body: huge, headers: { 'content-type': 'application/json', origin } });
    expect(login.status).toBe(413);
    expect(login.json()).toMatchObject({ error: { code: 'payload_too_large' } });
    const query = await send('POST', '/api/v1/query', { body: Buffer.alloc(2 * 1024 * 1024, 0x20), headers: { 'content-type': 'application/json', origin } });
    expect(query.status).toBe(413);
    // A body of unknown length (chunked) is refused outside the push API.
    const chunked = await fetch(new URL('/api/v1/auth/login', origin), {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin },
      body: new ReadableStream({ start: (c) => (c.enqueue(new TextEncoder().encode('{"username":"a","password":"b"}')), c.close()) }),
      duplex: 'half'
    } as RequestInit);
    expect(chunked.status).toBe(411);
    // The push API still takes a 2 MB body.
    const oth = (await createToken(wh, 'OTH')).token;
    const lines = Array.from({ length: 12_000 }, (_, i) => JSON.stringify({ event_id: `big${i}`, occurred_at: '2024-03-02T10:00:00Z', service: 'oth-permis', channel: 'web', journey_id: `jb${i}`, type: 'started', step: 'x'.repeat(80) }));
    const body = lines.join('\n');
    expect(body.length).toBeGreaterThan(2 * 1024 * 1024);
    expect((await push('events', oth, body)).json()).toMatchObject({ inserted: 12_000 });
  });

  it('finding 15: logout refuses another site and a bare POST; pushes have a per-token limit; a wrong secret is limited per address', async () => {
    const exec = await signIn('f-executive');
    const cross = await send('POST', '/api/v1/auth/logout', { cookie: exec, headers: { origin: 'https://evil.example' } });
    expect(cross.status).toBe(403);
    const bare = await send('POST', '/api/v1/auth/logout', { cookie: exec });
    expect(bare.status).toBe(415);
    expect((await send('GET', '/api/v1/auth/me', { cookie: exec })).json()).toMatchObject({ signedIn: true });
    const own = await send('POST', '/api/v1/auth/logout', { cookie: exec, headers: { origin } });
    expect(own.status).toBe(200);
    expect((await send('GET', '/api/v1/auth/me', { cookie: exec })).json()).toMatchObject({ signedIn: false });

    const { token } = await createToken(wh, 'AG1');
    // Sent at once, so the bucket cannot refill between them: 30 pass (JALON_PUSHES_PER_MINUTE=30 here), 2 do not.
    const pushes = await Promise.all(
      Array.from({ length: 32 }, (_, i) => push('volumes', token, JSON.stringify({ period: `2024-${String((i % 12) + 1).padStart(2, '0')}`, service: 'ag1-permis', channel: 'web', volume: i }), { 'x-forwarded-for': '192.0.2.50' }))
    );
    // (A slow machine may refill one token while they arrive: 0.5 per second.)
    const statuses = pushes.map((r) => r.status);
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(30);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(1);
    expect(statuses.filter((s) => s !== 200 && s !== 429)).toEqual([]);
    const wrong = `${token.slice(0, -4)}AAAA`;
    const refused: number[] = [];
    for (let i = 0; i < 16 && !refused.includes(429); i++) refused.push((await push('volumes', wrong, '{}', { 'x-forwarded-for': '192.0.2.99' })).status);
    expect(refused.slice(0, 10).every((s) => s === 401)).toBe(true); // 10 argon2 checks per minute and address…
    expect(refused.at(-1)).toBe(429); // …then refused before any check
  });

  it('administrators disable an account and revoke a token from the app, effective at once', async () => {
    const victim = await signIn('f-analyst');
    expect((await send('GET', '/api/v1/auth/me', { cookie: victim })).json()).toMatchObject({ signedIn: true });
    const admin = await signIn('f-admin');
    expect((await postJson('/api/v1/admin/users/f-analyst', { disabled: true }, { cookie: victim })).status).toBe(403);
    expect((await postJson('/api/v1/admin/users/f-analyst', { disabled: true }, { cookie: admin })).status).toBe(200);
    expect((await send('GET', '/api/v1/auth/me', { cookie: victim })).json()).toMatchObject({ signedIn: false });
    expect((await postJson('/api/v1/admin/users/f-analyst', { disabled: false }, { cookie: admin })).status).toBe(200);

    const { token, token_id } = await createToken(wh, 'MIN');
    expect((await push('volumes', token, JSON.stringify({ period: '2024-05', service: 'min-permis', channel: 'web', volume: 1 }))).status).toBe(200);
    const page = await send('GET', '/fr/admin/comptes', { cookie: admin });
    expect(page.status).toBe(200);
    expect(page.text).toContain(`data-token="${token_id}"`);
    expect((await send('DELETE', `/api/v1/admin/tokens/${token_id}`, { cookie: admin, headers: { origin } })).status).toBe(200);
    expect((await push('volumes', token, JSON.stringify({ period: '2024-06', service: 'min-permis', channel: 'web', volume: 1 }))).status).toBe(401);
  });
});

describe('the open demo (JALON_AUTH_REQUIRED=false, loopback only)', () => {
  beforeAll(async () => {
    await restart({ JALON_AUTH_REQUIRED: 'false' });
  }, 60_000);

  it('refuses to listen beyond loopback, in one line', async () => {
    await expect(serveHttp({ config: { ...configWith({ JALON_AUTH_REQUIRED: 'false', HOST: '0.0.0.0' }) }, warehouse: wh })).rejects.toThrow(/^[^\n]*loopback[^\n]*$/u);
  });

  it('shows an anonymous visitor what an executive sees, with a banner on every page, but never SQL, saved queries nor comments', async () => {
    expect((await send('GET', '/api/v1/auth/me')).json()).toMatchObject({ role: 'executive', signedIn: false });
    for (const p of ['/fr', '/en', '/fr/organisations', '/fr/services/oth-permis?period=fy2023', '/fr/indicateurs', '/en/indicators/digital_take_up']) {
      const page = await send('GET', p);
      expect(page.status, p).toBe(200);
      expect(page.text, p).toContain('data-open-demo');
    }
    expect((await send('GET', '/fr/organisations')).text).toContain('data-org="OTH"');
    // A view no signed-in reader has opened yet in this process (fiscal year 2023-2024 holds the comments).
    const service = await send('GET', '/fr/services/oth-permis?period=fy2023');
    expect(service.text).toContain('data-comments-withheld');
    expect(service.text).not.toContain('COMMENTAIRE-SECRET');
    expect((await postJson('/api/v1/query', { sql: 'SELECT org, comment FROM survey_responses' })).status).toBe(401);
    expect((await send('GET', '/api/v1/query/saved')).status).toBe(401);
    const save = await postJson('/api/v1/query/saved', { title: 'partagée', sql: 'SELECT 1', shared: true });
    expect(save.status).toBe(401);
    const explorer = await send('GET', '/fr/explorer');
    expect(explorer.status).toBe(303);
    expect(explorer.headers.get('location')).toMatch(/^\/fr\/connexion\?next=/u);
    expect((await send('GET', '/fr')).text).not.toContain('href="/fr/explorer"');
  });

  it('withholds comments from the anonymous visitor even on a view a signed-in executive opened first (no answer shared across callers)', async () => {
    const service = await send('GET', '/fr/services/oth-permis?period=all');
    expect(service.text).not.toContain('COMMENTAIRE-SECRET');
  });
});

describe('per-client rate limit on pages and API', () => {
  beforeAll(async () => {
    await restart({ JALON_REQUESTS_PER_MINUTE: '10' });
  }, 60_000);

  it('answers 429 with Retry-After past the limit, in the one error shape, and counts no built asset', async () => {
    const statuses: number[] = [];
    let limited: Sent | null = null;
    for (let i = 0; i < 30 && !limited; i++) {
      const res = await send('GET', i % 2 ? '/api/v1/scorecard' : `/api/v1/metrics/completion_rate?from=2024-01-01&to=2024-02-0${(i % 9) + 1}`);
      if (res.status === 429) limited = res;
      else statuses.push(res.status);
    }
    expect(statuses.length).toBeGreaterThanOrEqual(10); // the burst of 10, plus one per 6 s on a slow machine
    expect(statuses.every((st) => st === 200)).toBe(true);
    if (!limited) throw new Error('never limited');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(limited.json()).toMatchObject({ error: { code: 'rate_limited' } });
    expect(limited.headers.get('x-content-type-options')).toBe('nosniff');
    expect((await send('GET', '/fr')).status).toBe(429);
  });
});
