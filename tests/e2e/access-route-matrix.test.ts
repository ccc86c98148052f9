// Done-when 2 of issue 6: every page and API route, requested by every role (and by nobody signed in), answers as
// the matrix below says. Routes are discovered from dashboard/routes, so a route added later is requested too: it
// must then be added to the matrix, or at least never fail (5xx) nor serve a restricted page to the public.
// Runs the built app (adapter-node handler) on an embedded warehouse with sign-in required.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, withPort } from '../../config/config.ts';
import { EmbeddedWarehouse } from '../../warehouse/embedded.ts';
import { migrate } from '../../warehouse/migrate.ts';
import { serveHttp, ROOT, type RunningHttp } from '../../dashboard/serve.ts';
import { ensureBuiltApp } from '../support/built-app.ts';
import { saveAccount } from '../../access/accounts.ts';
import { resetAttempts } from '../../access/sign-in.ts';
import { seedAccessData } from '../support/access-fixtures.ts';

type Who = 'anonymous' | 'admin' | 'executive' | 'service_owner' | 'analyst' | 'public';
const WHO: readonly Who[] = ['anonymous', 'admin', 'executive', 'service_owner', 'analyst', 'public'];
const PASSWORD = 'correct horse battery staple';

interface Probe {
  method: 'GET' | 'POST' | 'DELETE';
  /** Route id as in dashboard/routes (e.g. /api/v1/query/saved/[id]). */
  route: string;
  path: string;
  body?: unknown;
  /** Expected status per caller. */
  expect: Record<Who, number>;
}

const all = (status: number): Record<Who, number> => ({ anonymous: status, admin: status, executive: status, service_owner: status, analyst: status, public: status });
const sqlRoles = (ok: number): Record<Who, number> => ({ anonymous: 401, public: 401, admin: ok, executive: ok, service_owner: ok, analyst: ok });
const sqlPage = (): Record<Who, number> => ({ anonymous: 303, public: 303, admin: 200, executive: 200, service_owner: 200, analyst: 200 });
const adminPage = (): Record<Who, number> => ({ anonymous: 303, public: 303, admin: 200, executive: 403, service_owner: 403, analyst: 403 });

const MATRIX: readonly Probe[] = [
  { method: 'GET', route: '/', path: '/', expect: all(200) },
  { method: 'GET', route: '/fr/connexion', path: '/fr/connexion', expect: all(200) },
  { method: 'GET', route: '/en/login', path: '/en/login', expect: all(200) },
  { method: 'GET', route: '/fr/explorer', path: '/fr/explorer', expect: sqlPage() },
  { method: 'GET', route: '/en/explore', path: '/en/explore', expect: sqlPage() },
  { method: 'GET', route: '/fr/admin/journal', path: '/fr/admin/journal?action=query', expect: adminPage() },
  { method: 'GET', route: '/en/admin/audit', path: '/en/admin/audit', expect: adminPage() },
  { method: 'POST', route: '/api/v1/query', path: '/api/v1/query', body: { sql: 'SELECT DISTINCT org FROM events ORDER BY org' }, expect: sqlRoles(200) },
  { method: 'GET', route: '/api/v1/query/views', path: '/api/v1/query/views', expect: sqlRoles(200) },
  { method: 'GET', route: '/api/v1/query/saved', path: '/api/v1/query/saved', expect: sqlRoles(200) },
  { method: 'POST', route: '/api/v1/query/saved', path: '/api/v1/query/saved', body: { title: 'Volumes', sql: 'SELECT count() FROM events', shared: true }, expect: sqlRoles(201) },
  { method: 'DELETE', route: '/api/v1/query/saved/[id]', path: '/api/v1/query/saved/none', expect: sqlRoles(200) },
  { method: 'GET', route: '/api/v1/audit', path: '/api/v1/audit?action=sign_in', expect: { anonymous: 401, public: 401, admin: 200, executive: 403, service_owner: 403, analyst: 403 } },
  { method: 'GET', route: '/api/v1/auth/me', path: '/api/v1/auth/me', expect: all(200) },
  { method: 'POST', route: '/api/v1/auth/login', path: '/api/v1/auth/login', body: { username: 'nobody', password: 'wrong password!' }, expect: all(401) },
  { method: 'GET', route: '/api/v1/auth/oidc/start', path: '/api/v1/auth/oidc/start', expect: all(404) },
  { method: 'GET', route: '/api/v1/auth/oidc/callback', path: '/api/v1/auth/oidc/callback?code=x&state=y', expect: all(404) },
  // Last: it ends the session it is sent with.
  { method: 'POST', route: '/api/v1/auth/logout', path: '/api/v1/auth/logout', expect: all(200) }
];

/** Every route under dashboard/routes with its methods: pages answer GET, endpoints what they export. */
function discoverRoutes(): { route: string; method: string }[] {
  const base = path.join(ROOT, 'dashboard', 'routes');
  const out: { route: string; method: string }[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(p);
      const route = '/' + path.relative(base, dir).split(path.sep).filter((s) => s && !/^\(.*\)$/u.test(s)).join('/');
      if (entry.name === '+page.svelte') out.push({ route, method: 'GET' });
      if (entry.name === '+server.ts') {
        const text = fs.readFileSync(p, 'utf8');
        for (const m of text.matchAll(/export const (GET|POST|PUT|PATCH|DELETE)\b/gu)) out.push({ route, method: m[1] });
      }
    }
  };
  walk(base);
  return out;
}

/** A sample path for a route id: parameters filled with a harmless value. */
function samplePath(route: string): string {
  return route.replace(/\[\.\.\.[^\]]+\]/gu, 'x').replace(/\[\[?[^\]]+\]?\]/gu, 'x');
}

describe('role-by-route matrix (sign-in required)', () => {
  let dir: string;
  let wh: EmbeddedWarehouse;
  let http: RunningHttp;
  const cookies = new Map<Who, string>();

  const request = (who: Who, method: string, p: string, body?: unknown) =>
    fetch(new URL(p, http.url), {
      method,
      redirect: 'manual',
      headers: {
        ...(cookies.has(who) ? { cookie: cookies.get(who) as string } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        origin: new URL(http.url).origin
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {})
    });

  const signIn = async (who: Exclude<Who, 'anonymous'>) => {
    const res = await fetch(new URL('/api/v1/auth/login', http.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: new URL(http.url).origin },
      body: JSON.stringify({ username: `m-${who}`, password: PASSWORD })
    });
    expect(res.status, `sign-in ${who}`).toBe(200);
    const set = res.headers.get('set-cookie') ?? '';
    expect(set).toMatch(/HttpOnly/iu);
    expect(set).toMatch(/SameSite=Lax/iu);
    cookies.set(who, set.split(';')[0]);
  };

  beforeAll(async () => {
    await ensureBuiltApp();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jalon-matrix-'));
    const config = withPort(loadConfig({ JALON_DATA_DIR: dir, JALON_AUTH_REQUIRED: 'true', JALON_LOGIN_ATTEMPTS_PER_MINUTE: '1000', JALON_LOGIN_MAX_FAILURES: '100' }, dir), 0);
    wh = await EmbeddedWarehouse.open({ dataDir: dir, database: 'jalon' });
    await migrate(wh);
    await seedAccessData(wh);
    await saveAccount(wh, { username: 'm-admin', role: 'admin', password: PASSWORD });
    await saveAccount(wh, { username: 'm-executive', role: 'executive', password: PASSWORD });
    await saveAccount(wh, { username: 'm-service_owner', role: 'service_owner', orgs: ['MIN'], withChildren: true, password: PASSWORD });
    await saveAccount(wh, { username: 'm-analyst', role: 'analyst', orgs: ['AG1'], password: PASSWORD });
    await saveAccount(wh, { username: 'm-public', role: 'public', password: PASSWORD });
    resetAttempts();
    http = await serveHttp({ config, warehouse: wh });
    for (const who of WHO) if (who !== 'anonymous') await signIn(who);
  }, 300_000);

  afterAll(async () => {
    await http?.close();
    await wh?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('has a row for every page and API route', () => {
    const known = new Set(MATRIX.map((p) => `${p.method} ${p.route}`));
    const missing = discoverRoutes().filter((r) => !known.has(`${r.method} ${r.route}`));
    // Routes from other work may appear before their row: they are still requested by the next test.
    if (missing.length) process.stdout.write(`routes without a matrix row (checked generically): ${missing.map((r) => `${r.method} ${r.route}`).join(', ')}\n`);
    const mine = missing.filter((r) => /^\/(api\/v1\/(query|auth|audit)|fr\/(connexion|explorer|admin)|en\/(login|explore|admin))/u.test(r.route));
    expect(mine).toEqual([]);
  });

  it('scopes query results by role, and sends security headers', async () => {
    const orgsOf = async (who: Who) => {
      const res = await request(who, 'POST', '/api/v1/query', { sql: 'SELECT DISTINCT org FROM events ORDER BY org' });
      const body = (await res.json()) as { rows: { org: string }[] };
      return body.rows.map((r) => r.org);
    };
    expect(await orgsOf('executive')).toEqual(['AG1', 'MIN', 'OTH']);
    expect(await orgsOf('admin')).toEqual(['AG1', 'MIN', 'OTH']);
    expect(await orgsOf('service_owner')).toEqual(['AG1', 'MIN']); // MIN and the agency below it
    expect(await orgsOf('analyst')).toEqual(['AG1']);
    const me = await (await request('service_owner', 'GET', '/api/v1/auth/me')).json();
    expect(me).toMatchObject({ role: 'service_owner', orgs: ['AG1', 'MIN'], signedIn: true });

    const page = await request('analyst', 'GET', '/fr/explorer');
    await page.arrayBuffer();
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toMatch(/script-src 'self'/u);
    expect(csp).not.toContain("'unsafe-eval'");
    expect(page.headers.get('referrer-policy')).toBe('same-origin');
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    const api = await request('analyst', 'GET', '/api/v1/auth/me');
    await api.arrayBuffer();
    expect(api.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(api.headers.get('cache-control')).toContain('no-store');
  });

  it.each(MATRIX.map((p) => [`${p.method} ${p.path}`, p] as const))('%s', async (_label, probe) => {
    const got: Partial<Record<Who, number>> = {};
    for (const who of WHO) {
      const res = await request(who, probe.method, probe.path, probe.body);
      got[who] = res.status;
      if (res.status >= 400 && probe.path.startsWith('/api/')) {
        const body = (await res.json()) as { error?: { code?: unknown; message?: unknown } };
        expect(typeof body.error?.code, `${who} ${probe.path}: one error shape`).toBe('string');
        expect(typeof body.error?.message).toBe('string');
      } else await res.arrayBuffer();
    }
    expect(got).toEqual(probe.expect);
    if (probe.route === '/api/v1/auth/logout') {
      for (const who of WHO.filter((w) => w !== 'anonymous')) {
        const me = await (await request(who, 'GET', '/api/v1/auth/me')).json();
        expect(me.signedIn, `${who} is signed out`).toBe(false);
      }
    }
  });

  it('requests routes that have no matrix row: never a server error, never a restricted answer to the public', async () => {
    const known = new Set(MATRIX.map((p) => `${p.method} ${p.route}`));
    for (const r of discoverRoutes().filter((x) => !known.has(`${x.method} ${x.route}`))) {
      for (const who of ['anonymous', 'public'] as const) {
        const res = await request(who, r.method, samplePath(r.route), r.method === 'GET' ? undefined : {});
        await res.arrayBuffer();
        expect(res.status, `${who} ${r.method} ${r.route}`).toBeLessThan(500);
      }
    }
  });
});

