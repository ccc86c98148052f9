// Issue 18 ("Speed where people feel it"): rendered pages kept per caller and data version, ETags on pages and API,
// and the rollups job's preparation of the default pages, over real HTTP against the built app on an embedded warehouse.
// What must hold besides speed: one person's page is never served to another, new data shows, nothing is stale after
// a write through the app.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import http from 'node:http';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/config.ts';
import { EmbeddedWarehouse } from '../../warehouse/embedded.ts';
import { migrate } from '../../warehouse/migrate.ts';
import { serveHttp, type RunningHttp } from '../../dashboard/serve.ts';
import { getRuntime } from '../../dashboard/lib/server/runtime.ts';
import { saveAccount } from '../../access/accounts.ts';
import { ensureBuiltApp } from '../support/built-app.ts';
import { freePort } from '../support/clickhouse-server.ts';
import { seedAccessData } from '../support/access-fixtures.ts';

const PASSWORD = 'correct horse battery staple';
let dir: string;
let wh: EmbeddedWarehouse;
let origin: string;
let server: RunningHttp;

interface Got {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** A raw request (node:http, not fetch): the bytes as sent, gzip or not, and every header. */
function get(p: string, headers: Record<string, string> = {}): Promise<Got> {
  return new Promise((resolve, reject) => {
    const req = http.request(new URL(p, origin), { method: 'GET', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function signIn(username: string): Promise<string> {
  const res = await fetch(new URL('/api/v1/auth/login', origin), {
    method: 'POST', headers: { 'content-type': 'application/json', origin }, body: JSON.stringify({ username, password: PASSWORD })
  });
  expect(res.status, await res.clone().text()).toBe(200);
  return (res.headers.get('set-cookie') ?? '').split(';')[0];
}

const pages = async () => (await getRuntime()).pages!.stats();
const answers = async () => (await getRuntime()).metrics.cacheStats();

beforeAll(async () => {
  await ensureBuiltApp();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jalon-page-cache-'));
  const port = await freePort();
  origin = `http://127.0.0.1:${port}`;
  wh = await EmbeddedWarehouse.open({ dataDir: dir, database: 'jalon' });
  await migrate(wh);
  await seedAccessData(wh);
  for (const username of ['pc-alice', 'pc-bruno']) await saveAccount(wh, { username, role: 'executive', password: PASSWORD });
  const config = loadConfig({ JALON_DATA_DIR: dir, PORT: String(port), JALON_PUBLIC_URL: origin, JALON_LOG_LEVEL: 'warn', JALON_REQUESTS_PER_MINUTE: '100000' }, dir);
  server = await serveHttp({ config, warehouse: wh });
}, 300_000);

afterAll(async () => {
  await server?.close();
  await wh?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('rendered pages kept per caller and data version', () => {
  it('serves a page seen once from the cache: same bytes, an ETag, 304 on revalidation, gzip when accepted', async () => {
    const before = await pages();
    const first = await get('/fr/organisations/MIN?period=all');
    expect(first.status).toBe(200);
    expect(first.body.toString()).toContain('Ministère');
    const second = await get('/fr/organisations/MIN?period=all');
    expect(second.body.equals(first.body)).toBe(true);
    expect(second.headers.etag).toBe(first.headers.etag);
    expect(second.headers['content-security-policy']).toContain("'sha256-"); // hashes, no nonce served twice
    expect(second.headers['content-security-policy']).not.toContain('nonce-');
    const after = await pages();
    expect(after.misses - before.misses).toBe(1);
    expect(after.hits - before.hits).toBe(1);
    // The order of the query's parameters does not make another page.
    const reordered = await get('/fr/organisations/MIN?period=all&compare=none');
    const again = await get('/fr/organisations/MIN?compare=none&period=all');
    expect(again.headers.etag).toBe(reordered.headers.etag);
    const revalidated = await get('/fr/organisations/MIN?period=all', { 'if-none-match': String(first.headers.etag) });
    expect(revalidated.status).toBe(304);
    expect(revalidated.body.length).toBe(0);
    const gzipped = await get('/fr/organisations/MIN?period=all', { 'accept-encoding': 'gzip, br' });
    expect(gzipped.headers['content-encoding']).toBe('gzip');
    expect(gzipped.body.length).toBeLessThan(first.body.length / 3);
    expect(zlib.gunzipSync(gzipped.body).equals(first.body)).toBe(true);
    // A client-side navigation's data is kept the same way, under its own key: never the page's HTML for the data,
    // nor the data for the page, whichever is asked first.
    const data = await get('/fr/organisations/MIN/__data.json?period=all');
    expect(data.status).toBe(200);
    expect(data.headers['content-type']).toMatch(/^application\/json/u);
    expect(data.headers.etag).toBeTruthy();
    expect(JSON.parse(data.body.toString()).type).toBe('data');
    const dataFirst = await get('/fr/organisations/MIN/__data.json?period=ytd');
    expect(dataFirst.headers['content-type']).toMatch(/^application\/json/u);
    for (let i = 0; i < 2; i++) {
      const page = await get('/fr/organisations/MIN?period=ytd');
      expect(page.headers['content-type']).toMatch(/^text\/html/u);
      expect(page.body.toString()).toMatch(/^<!doctype html>/iu);
      expect((await get('/fr/organisations/MIN/__data.json?period=ytd')).headers['content-type']).toMatch(/^application\/json/u);
    }
  }, 240_000);

  it('never serves one person\'s page to another: each signed-in executive sees their own name, the public neither', async () => {
    const alice = await signIn('pc-alice');
    const bruno = await signIn('pc-bruno');
    for (let round = 0; round < 2; round++) {
      const a = (await get('/fr', { cookie: alice })).body.toString();
      const b = (await get('/fr', { cookie: bruno })).body.toString();
      const anonymous = (await get('/fr')).body.toString();
      expect(a).toContain('pc-alice');
      expect(a).not.toContain('pc-bruno');
      expect(b).toContain('pc-bruno');
      expect(b).not.toContain('pc-alice');
      expect(anonymous).not.toContain('pc-alice');
      expect(anonymous).not.toContain('pc-bruno');
    }
    // A signed-in person's page is not stored by the browser or a proxy.
    expect((await get('/fr', { cookie: alice })).headers['cache-control']).toBe('private, no-store');
    expect((await get('/fr')).headers['cache-control']).toBe('no-cache');
  }, 240_000);

  it('shows new data: a renamed organization appears once the data version is read again (at most 5 s)', async () => {
    const seen = (await get('/fr/organisations/OTH')).body.toString();
    expect(seen).toContain('<title>Autre — Jalon</title>');
    await wh.insert('organizations', [{ code: 'OTH', name_fr: 'Autre organisme renommé', name_en: 'Renamed other', parent_code: '', kind: 'organisme' }]);
    // The data version is read again at most 5 s after it was last read: past that, the first request sees the change.
    await new Promise((r) => setTimeout(r, 5_200));
    const page = (await get('/fr/organisations/OTH')).body.toString();
    expect(page).toContain('<title>Autre organisme renommé — Jalon</title>');
    expect(page).not.toContain('<title>Autre — Jalon</title>');
  }, 240_000);

  it('serves a kept page to people not signed in before the app, with the very headers the app gave it', async () => {
    const p = '/en/organizations/AG1?period=all';
    const before = await pages();
    const first = await get(p); // a miss: rendered by the app, then kept
    const second = await get(p); // a hit for the same caller (the public): written before the app
    const afterHit = await pages();
    expect([afterHit.misses - before.misses, afterHit.peeked - before.peeked]).toEqual([1, 1]);
    expect(second.body.equals(first.body)).toBe(true);
    const comparable = (h: http.IncomingHttpHeaders) =>
      Object.fromEntries(Object.entries(h).filter(([k]) => !['date', 'connection', 'keep-alive', 'transfer-encoding'].includes(k)));
    expect(comparable(second.headers)).toEqual(comparable(first.headers));
    expect(second.headers['x-frame-options']).toBe('DENY');
    expect(second.headers['content-security-policy']).toContain("'sha256-");
    // Revalidation and gzip as the app answers them.
    expect((await get(p, { 'if-none-match': String(first.headers.etag) })).status).toBe(304);
    expect((await get(p, { 'accept-encoding': 'gzip' })).headers['content-encoding']).toBe('gzip');
    // With a cookie (anyone's, even an unknown one) the app decides, as for any signed-in request.
    const peeked = (await pages()).peeked;
    const withCookie = await get(p, { cookie: 'jalon_session=not-a-session' });
    expect(withCookie.status).toBe(200);
    expect((await pages()).peeked).toBe(peeked);
    // An API answer kept for the public is served the same way, with the endpoint's own caching rule.
    await get('/api/v1/scorecard?at=2024-03-01');
    const api = await get('/api/v1/scorecard?at=2024-03-01');
    expect((await pages()).peeked).toBe(peeked + 1);
    expect(api.headers['content-type']).toMatch(/^application\/json/u);
    expect(api.headers['content-security-policy']).toBe("default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'");
  }, 240_000);

  it('keeps no page that is not a figure page, nor an error', async () => {
    const before = await pages();
    expect((await get('/fr/connexion')).status).toBe(200);
    expect((await get('/fr/organisations/NOPE')).status).toBe(404);
    expect((await get('/fr/organisations/NOPE')).status).toBe(404);
    const after = await pages();
    expect(after.entries).toBe(before.entries);
    expect(after.hits).toBe(before.hits);
  }, 240_000);
});

describe('API answers: ETags, and figure answers kept', () => {
  it('answers 304 to a revalidation of the same answer', async () => {
    const first = await get('/api/v1/scorecard');
    expect(first.status).toBe(200);
    expect(first.headers.etag).toMatch(/^"[\w-]+"$/);
    const again = await get('/api/v1/scorecard', { 'if-none-match': String(first.headers.etag) });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);
    expect((await get('/api/v1/scorecard', { 'if-none-match': '"something-else"' })).status).toBe(200);
  }, 240_000);

  it('keeps figure answers like pages: same bytes once computed, one entry per caller, gzip, errors never kept', async () => {
    const p = '/api/v1/metrics/digital_take_up?grain=month&by=org&from=2024-01-01&to=2024-02-01';
    const before = await pages();
    const first = await get(p);
    expect(first.status).toBe(200);
    const rows = (JSON.parse(first.body.toString()) as { rows: unknown[] }).rows;
    expect(rows.length).toBeGreaterThan(0);
    const second = await get(p);
    expect(second.body.equals(first.body)).toBe(true);
    expect(second.headers.etag).toBe(first.headers.etag);
    expect(second.headers['cache-control']).toBe('private, max-age=60'); // the endpoint's own rule is kept
    let after = await pages();
    expect([after.misses - before.misses, after.hits - before.hits]).toEqual([1, 1]);
    // Another caller gets an entry of its own, never the public's.
    const alice = await signIn('pc-alice');
    const hers = await get(p, { cookie: alice });
    expect(hers.status).toBe(200);
    expect(hers.headers['cache-control']).toBe('private, no-store');
    after = await pages();
    expect(after.misses - before.misses).toBe(2);
    const gzipped = await get(p, { 'accept-encoding': 'gzip' });
    expect(gzipped.headers['content-encoding']).toBe('gzip');
    expect(zlib.gunzipSync(gzipped.body).equals(first.body)).toBe(true);
    // A refused request is answered each time and never kept.
    const entries = (await pages()).entries;
    for (let i = 0; i < 2; i++) {
      const bad = await get('/api/v1/metrics/digital_take_up?grain=fortnight');
      expect(bad.status).toBe(400);
      expect(JSON.parse(bad.body.toString()).error.code).toBe('bad_request');
    }
    expect((await pages()).entries).toBe(entries);
  }, 240_000);
});

describe('first views after the rollups job', () => {
  it('prepares every default page: a first view afterwards computes no answer, for the public and an executive', async () => {
    const runtime = await getRuntime();
    const prepared = await runtime.metrics.warm(new Date());
    // Scorecards (government + 3 organizations), then per caller: the home, 3 organizations, every indicator, 3 services.
    const indicators = runtime.metrics.definitions().size;
    expect(prepared).toBe(4 + 2 * (1 + 3 + indicators + 3));
    const alice = await signIn('pc-alice');
    const before = await answers();
    for (const cookie of [undefined, alice]) {
      const headers: Record<string, string> = cookie ? { cookie } : {};
      for (const p of ['/en', '/en/organizations/AG1', '/en/services/ag1-permis', '/en/indicators/digital_take_up', '/en/indicators/satisfaction']) {
        const res = await get(p, headers);
        expect(res.status, p).toBe(200);
      }
    }
    const after = await answers();
    expect(after.misses - before.misses).toBe(0);
    expect(after.hits).toBeGreaterThan(before.hits);
  }, 240_000);
});
