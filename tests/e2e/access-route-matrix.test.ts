// Done-when 2 of issue 6: every page and API route, requested by every role (and by nobody signed in), answers as
// the matrix below says; every API route is in the OpenAPI document (issue 11), which names no other. Routes are
// discovered from dashboard/routes, so a route added later is requested too: it must then be added to the matrix and
// the document, or at least never fail (5xx) nor serve a restricted page to the public.
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
import { seedAccessData } from '../support/access-fixtures.ts';
import { PUSH_KINDS } from '../../dashboard/lib/server/openapi-access.ts';
import { KINDS } from '../../ingest/kinds.ts';

type Who = 'anonymous' | 'admin' | 'executive' | 'service_owner' | 'analyst' | 'public';
const WHO: readonly Who[] = ['anonymous', 'admin', 'executive', 'service_owner', 'analyst', 'public'];
const PASSWORD = 'correct horse battery staple';

interface Probe {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
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
const adminApi = (ok: number): Record<Who, number> => ({ anonymous: 401, public: 401, admin: ok, executive: 403, service_owner: 403, analyst: 403 });
/** Dashboard pages and metric APIs: everyone reads published aggregates; a scoped caller asking outside their
 *  organizations (service owner of MIN+AG1, analyst of AG1) is refused with 403. */
const scoped = (refused: readonly ('service_owner' | 'analyst')[]): Record<Who, number> => ({
  ...all(200),
  ...Object.fromEntries(refused.map((w) => [w, 403]))
});

// Fixtures (tests/support/access-fixtures.ts): MIN with AG1 below it, and OTH; services min-permis, ag1-permis,
// oth-permis. Accounts: service owner of MIN (and AG1 below it), analyst of AG1.
const MATRIX: readonly Probe[] = [
  // Home: redirects to the French or English scorecard by Accept-Language.
  { method: 'GET', route: '/', path: '/', expect: all(303) },
  // Scorecard, government-wide (a service owner lands on their own organization) and for one organization.
  { method: 'GET', route: '/fr', path: '/fr', expect: all(200) },
  { method: 'GET', route: '/en', path: '/en', expect: all(200) },
  { method: 'GET', route: '/fr', path: '/fr?org=OTH', expect: scoped(['service_owner', 'analyst']) },
  { method: 'GET', route: '/en', path: '/en?org=MIN', expect: scoped(['analyst']) },
  // Organizations list and organization pages.
  { method: 'GET', route: '/fr/organisations', path: '/fr/organisations', expect: all(200) },
  { method: 'GET', route: '/en/organizations', path: '/en/organizations', expect: all(200) },
  { method: 'GET', route: '/fr/organisations/[org]', path: '/fr/organisations/MIN', expect: scoped(['analyst']) },
  { method: 'GET', route: '/fr/organisations/[org]', path: '/fr/organisations/AG1', expect: all(200) },
  { method: 'GET', route: '/en/organizations/[org]', path: '/en/organizations/OTH', expect: scoped(['service_owner', 'analyst']) },
  // Service pages.
  { method: 'GET', route: '/fr/services/[service]', path: '/fr/services/ag1-permis', expect: all(200) },
  { method: 'GET', route: '/fr/services/[service]', path: '/fr/services/oth-permis', expect: scoped(['service_owner', 'analyst']) },
  { method: 'GET', route: '/en/services/[service]', path: '/en/services/min-permis', expect: scoped(['analyst']) },
  { method: 'GET', route: '/en/services/[service]', path: '/en/services/no-such-service', expect: all(404) },
  // Catalogue and indicator pages.
  { method: 'GET', route: '/fr/indicateurs', path: '/fr/indicateurs', expect: all(200) },
  { method: 'GET', route: '/en/indicators', path: '/en/indicators', expect: all(200) },
  { method: 'GET', route: '/fr/indicateurs/[metric]', path: '/fr/indicateurs/completion_rate', expect: all(200) },
  { method: 'GET', route: '/fr/indicateurs/[metric]', path: '/fr/indicateurs/completion_rate?org=OTH', expect: scoped(['service_owner', 'analyst']) },
  { method: 'GET', route: '/en/indicators/[metric]', path: '/en/indicators/satisfaction?org=MIN', expect: scoped(['analyst']) },
  { method: 'GET', route: '/en/indicators/[metric]', path: '/en/indicators/no_such_metric', expect: all(404) },
  // Metric and scorecard APIs (one error shape on refusal).
  { method: 'GET', route: '/api/v1/metrics', path: '/api/v1/metrics', expect: all(200) },
  { method: 'GET', route: '/api/v1/metrics/[id]', path: '/api/v1/metrics/completion_rate?from=2024-01-01&to=2024-02-01', expect: all(200) },
  { method: 'GET', route: '/api/v1/metrics/[id]', path: '/api/v1/metrics/completion_rate?from=2024-01-01&to=2024-02-01&org=OTH', expect: scoped(['service_owner', 'analyst']) },
  { method: 'GET', route: '/api/v1/metrics/[id]', path: '/api/v1/metrics/completion_rate?from=2024-01-01&to=2024-02-01&org=MIN&by=service', expect: scoped(['analyst']) },
  { method: 'GET', route: '/api/v1/metrics/[id]', path: '/api/v1/metrics/no_such_metric', expect: all(404) },
  { method: 'GET', route: '/api/v1/scorecard', path: '/api/v1/scorecard', expect: all(200) },
  { method: 'GET', route: '/api/v1/scorecard', path: '/api/v1/scorecard?org=OTH', expect: scoped(['service_owner', 'analyst']) },
  { method: 'GET', route: '/api/v1/scorecard', path: '/api/v1/scorecard?org=AG1', expect: all(200) },
  { method: 'GET', route: '/api/v1/openapi.json', path: '/api/v1/openapi.json', expect: all(200) },
  // Sign-in pages, ad-hoc SQL, audit.
  { method: 'GET', route: '/fr/connexion', path: '/fr/connexion', expect: all(200) },
  { method: 'GET', route: '/en/login', path: '/en/login', expect: all(200) },
  { method: 'GET', route: '/fr/explorer', path: '/fr/explorer', expect: sqlPage() },
  { method: 'GET', route: '/en/explore', path: '/en/explore', expect: sqlPage() },
  { method: 'GET', route: '/fr/admin/journal', path: '/fr/admin/journal?action=query', expect: adminPage() },
  { method: 'GET', route: '/en/admin/audit', path: '/en/admin/audit', expect: adminPage() },
  { method: 'GET', route: '/fr/admin/comptes', path: '/fr/admin/comptes', expect: adminPage() },
  { method: 'GET', route: '/en/admin/accounts', path: '/en/admin/accounts', expect: adminPage() },
  // Accounts and tokens (issue 11): administrators only; unknown names and ids answer 404.
  { method: 'GET', route: '/api/v1/admin/users', path: '/api/v1/admin/users', expect: adminApi(200) },
  { method: 'POST', route: '/api/v1/admin/users/[name]', path: '/api/v1/admin/users/no-such-account', body: { disabled: true }, expect: adminApi(404) },
  { method: 'GET', route: '/api/v1/admin/tokens', path: '/api/v1/admin/tokens', expect: adminApi(200) },
  { method: 'DELETE', route: '/api/v1/admin/tokens/[id]', path: '/api/v1/admin/tokens/none', expect: adminApi(404) },
  { method: 'POST', route: '/api/v1/query', path: '/api/v1/query', body: { sql: 'SELECT DISTINCT org FROM events ORDER BY org' }, expect: sqlRoles(200) },
  { method: 'POST', route: '/api/v1/query', path: '/api/v1/query', body: { sql: "SELECT count() FROM events WHERE org = 'OTH'" }, expect: sqlRoles(200) },
  { method: 'GET', route: '/api/v1/query/views', path: '/api/v1/query/views', expect: sqlRoles(200) },
  { method: 'GET', route: '/api/v1/query/saved', path: '/api/v1/query/saved', expect: sqlRoles(200) },
  { method: 'POST', route: '/api/v1/query/saved', path: '/api/v1/query/saved', body: { title: 'Volumes', sql: 'SELECT count() FROM events', shared: true }, expect: sqlRoles(201) },
  // An id that is not one of the caller's own saved queries: 404, the same whether it exists or not.
  { method: 'DELETE', route: '/api/v1/query/saved/[id]', path: '/api/v1/query/saved/none', expect: sqlRoles(404) },
  { method: 'GET', route: '/api/v1/audit', path: '/api/v1/audit?action=sign_in', expect: { anonymous: 401, public: 401, admin: 200, executive: 403, service_owner: 403, analyst: 403 } },
  // The development caller switch never applies in a built app with sign-in required.
  { method: 'GET', route: '/api/v1/audit', path: '/api/v1/audit?as=admin', expect: { anonymous: 401, public: 401, admin: 200, executive: 403, service_owner: 403, analyst: 403 } },
  // Annotations: read within the caller's scope; written by administrators and the organization's service owners.
  { method: 'GET', route: '/api/v1/annotations', path: '/api/v1/annotations?org=MIN', expect: scoped(['analyst']) },
  { method: 'POST', route: '/api/v1/annotations', path: '/api/v1/annotations', body: { service: 'min-permis', date: '2024-02-15', kind: 'release', text_fr: 'Nouvelle version' }, expect: { anonymous: 401, public: 401, admin: 201, executive: 403, service_owner: 201, analyst: 403 } },
  { method: 'GET', route: '/api/v1/annotations/[id]', path: '/api/v1/annotations/123', expect: all(404) },
  { method: 'PUT', route: '/api/v1/annotations/[id]', path: '/api/v1/annotations/123', body: { date: '2024-02-15', kind: 'note', text_fr: 'x' }, expect: { ...all(404), anonymous: 401, public: 401 } },
  { method: 'DELETE', route: '/api/v1/annotations/[id]', path: '/api/v1/annotations/123', expect: { ...all(404), anonymous: 401, public: 401 } },
  { method: 'GET', route: '/api/v1/auth/me', path: '/api/v1/auth/me', expect: all(200) },
  { method: 'POST', route: '/api/v1/auth/login', path: '/api/v1/auth/login', body: { username: 'nobody', password: 'wrong password!' }, expect: all(401) },
  { method: 'GET', route: '/api/v1/auth/oidc/start', path: '/api/v1/auth/oidc/start', expect: all(404) },
  { method: 'GET', route: '/api/v1/auth/oidc/callback', path: '/api/v1/auth/oidc/callback?code=x&state=y', expect: all(404) },
  // Open data (issue 13): the page and its files, for everyone, signed in or not; a file not published is a 404.
  { method: 'GET', route: '/donnees-ouvertes', path: '/donnees-ouvertes', expect: all(200) },
  { method: 'GET', route: '/open-data', path: '/open-data', expect: all(200) },
  { method: 'GET', route: '/donnees-ouvertes/fichiers/[...path]', path: '/donnees-ouvertes/fichiers/latest/none.csv', expect: all(404) },
  { method: 'GET', route: '/open-data/files/[...path]', path: '/open-data/files/latest/..%2F..%2Fsecret.csv', expect: all(404) },
  // Alerts, jobs and quarantine (issue 12): alerts for every signed-in role within its scope; jobs for administrators;
  // quarantine for administrators and an organization's service owner (and producer tokens on the API).
  { method: 'GET', route: '/fr/alertes', path: '/fr/alertes', expect: sqlPage() },
  { method: 'GET', route: '/en/alerts', path: '/en/alerts', expect: sqlPage() },
  { method: 'GET', route: '/fr/taches', path: '/fr/taches', expect: adminPage() },
  { method: 'GET', route: '/en/jobs', path: '/en/jobs', expect: adminPage() },
  { method: 'GET', route: '/fr/quarantaine', path: '/fr/quarantaine', expect: { anonymous: 303, public: 303, admin: 200, service_owner: 200, executive: 403, analyst: 403 } },
  { method: 'GET', route: '/en/quarantine', path: '/en/quarantine', expect: { anonymous: 303, public: 303, admin: 200, service_owner: 200, executive: 403, analyst: 403 } },
  { method: 'GET', route: '/api/v1/alerts', path: '/api/v1/alerts?state=all', expect: sqlRoles(200) },
  { method: 'POST', route: '/api/v1/alerts/evaluate', path: '/api/v1/alerts/evaluate', expect: { anonymous: 401, public: 401, admin: 200, executive: 403, service_owner: 403, analyst: 403 } },
  { method: 'GET', route: '/api/v1/quarantine', path: '/api/v1/quarantine?format=json', expect: { anonymous: 401, public: 401, admin: 200, service_owner: 200, executive: 403, analyst: 403 } },
  { method: 'GET', route: '/api/v1/quarantine', path: '/api/v1/quarantine?org=OTH', expect: { anonymous: 401, public: 401, admin: 200, service_owner: 403, executive: 403, analyst: 403 } },
  { method: 'POST', route: '/api/v1/jobs/[id]/run', path: '/api/v1/jobs/no-such-job/run', expect: { anonymous: 401, public: 401, admin: 404, executive: 403, service_owner: 403, analyst: 403 } },
  { method: 'POST', route: '/api/v1/digests/send', path: '/api/v1/digests/send', body: { user: 'nobody' }, expect: { anonymous: 401, public: 401, admin: 400, executive: 403, service_owner: 403, analyst: 403 } },
  { method: 'GET', route: '/api/v1/digests/unsubscribe', path: '/api/v1/digests/unsubscribe?token=x', expect: all(200) },
  { method: 'POST', route: '/api/v1/digests/unsubscribe', path: '/api/v1/digests/unsubscribe', body: {}, expect: all(400) },
  // Last: it ends the session it is sent with.
  { method: 'POST', route: '/api/v1/auth/logout', path: '/api/v1/auth/logout', expect: all(200) },
  // The push API takes producer tokens only (Bearer): a signed-in session of any role gets 401.
  // Token scoping (401/403/413, other organizations' rows) is covered in tests/integration/ingest-push-api.test.ts.
  { method: 'POST', route: '/api/v1/ingest/[kind]', path: '/api/v1/ingest/events', body: [], expect: all(401) }
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
    // Every request comes from one address: the per-client limit (600 a minute, tests/e2e/fail-closed.test.ts) is lifted
    // so that a fast run of some 600 requests is not answered 429 halfway.
    const config = withPort(loadConfig({ JALON_DATA_DIR: dir, JALON_AUTH_REQUIRED: 'true', JALON_LOGIN_ATTEMPTS_PER_MINUTE: '1000', JALON_LOGIN_MAX_FAILURES: '100', JALON_REQUESTS_PER_MINUTE: '100000' }, dir), 0);
    wh = await EmbeddedWarehouse.open({ dataDir: dir, database: 'jalon' });
    await migrate(wh);
    await seedAccessData(wh);
    await saveAccount(wh, { username: 'm-admin', role: 'admin', password: PASSWORD });
    await saveAccount(wh, { username: 'm-executive', role: 'executive', password: PASSWORD });
    await saveAccount(wh, { username: 'm-service_owner', role: 'service_owner', orgs: ['MIN'], withChildren: true, password: PASSWORD });
    await saveAccount(wh, { username: 'm-analyst', role: 'analyst', orgs: ['AG1'], password: PASSWORD });
    await saveAccount(wh, { username: 'm-public', role: 'public', password: PASSWORD });
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
    // A route added later fails here until it has its row (it is still requested generically by the last test).
    expect(missing.map((r) => `${r.method} ${r.route}`)).toEqual([]);
  });

  it('documents every API route in the OpenAPI document, and nothing that is not a route', async () => {
    const doc = (await (await request('anonymous', 'GET', '/api/v1/openapi.json')).json()) as { paths: Record<string, Record<string, unknown>> };
    const documented = new Set(Object.entries(doc.paths).flatMap(([p, ops]) => Object.keys(ops).filter((k) => k !== 'parameters').map((m) => `${m.toUpperCase()} ${p}`)));
    const routes = discoverRoutes()
      .filter((r) => r.route.startsWith('/api/'))
      .map((r) => `${r.method} ${r.route.replace(/\[([^\]]+)\]/gu, '{$1}')}`);
    expect(routes.length).toBeGreaterThan(30);
    expect(routes.filter((r) => !documented.has(r)), 'routes missing from /api/v1/openapi.json').toEqual([]);
    expect([...documented].filter((d) => !routes.includes(d)), 'documented paths the server does not answer').toEqual([]);
    // The push API's kinds, listed in the page server's document without importing ingest/, are ingest's own.
    expect([...PUSH_KINDS].sort()).toEqual([...KINDS].sort());
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

  it('scopes pages and APIs by role: default organization, organization lists, comments, app shell', async () => {
    const text = async (who: Who, p: string) => {
      const res = await request(who, 'GET', p);
      expect(res.status, `${who} ${p}`).toBe(200);
      return res.text();
    };
    const orgsListed = (html: string) => [...new Set([...html.matchAll(/data-org="([^"]+)"/gu)].map((m) => m[1]))].sort();
    // Organizations list: a service owner sees MIN and the agency below it, the analyst only AG1, the public all three.
    expect(orgsListed(await text('service_owner', '/fr/organisations'))).toEqual(['AG1', 'MIN']);
    expect(orgsListed(await text('analyst', '/en/organizations'))).toEqual(['AG1']);
    expect(orgsListed(await text('public', '/fr/organisations'))).toEqual(['AG1', 'MIN', 'OTH']);
    // Scorecard API: a service owner's default scope is their own organization, not government-wide.
    const card = async (who: Who, p = '/api/v1/scorecard') => (await (await request(who, 'GET', p)).json()) as { scope: string };
    expect((await card('service_owner')).scope).toBe('MIN');
    expect((await card('executive')).scope).toBe('government');
    expect((await card('public')).scope).toBe('government');
    // Scorecard page: the organization filter offers only the caller's organizations, MIN selected for its owner.
    const owner = await text('service_owner', '/fr');
    const options = [...owner.matchAll(/<option value="([^"]*)"[^>]*>/gu)].map((m) => m[1]).filter((v) => ['AG1', 'MIN', 'OTH'].includes(v));
    expect(options.sort()).toEqual(['AG1', 'MIN']);
    expect(owner).toMatch(/<option value="MIN" selected/u);
    // The service page: comments are never shown to the public (published aggregates only), shown to the owner.
    expect(await text('public', '/fr/services/min-permis')).toContain('data-comments-withheld');
    expect(await text('anonymous', '/en/services/min-permis')).toContain('data-comments-withheld');
    expect(await text('service_owner', '/fr/services/min-permis')).not.toContain('data-comments-withheld');
    // Small counts (5 survey responses per organization, threshold 10): suppressed for the public and executives,
    // shown to administrators and analysts within their scope.
    const sat = async (who: Who) =>
      ((await (await request(who, 'GET', '/api/v1/metrics/satisfaction?from=2024-01-01&to=2024-03-01&org=AG1')).json()) as { rows: { suppressed: boolean; n: number | null }[] }).rows[0];
    expect(await sat('public')).toMatchObject({ suppressed: true, n: null });
    expect(await sat('anonymous')).toMatchObject({ suppressed: true, n: null });
    expect(await sat('executive')).toMatchObject({ suppressed: true, n: null });
    expect(await sat('admin')).toMatchObject({ suppressed: false, n: 5 });
    expect(await sat('analyst')).toMatchObject({ suppressed: false, n: 5 });
    // App shell: who is signed in with a sign-out button, or a sign-in link; /explore and the audit log by role.
    const admin = await text('admin', '/fr');
    expect(admin).toContain('data-signed-in="m-admin"');
    expect(admin).toMatch(/action="\/api\/v1\/auth\/logout"/u);
    expect(admin).toContain('href="/fr/explorer"');
    expect(admin).toContain('href="/fr/admin/journal"');
    const analyst = await text('analyst', '/en');
    expect(analyst).toContain('href="/en/explore"');
    expect(analyst).not.toContain('href="/en/admin/audit"');
    const anonymous = await text('anonymous', '/fr');
    expect(anonymous).not.toContain('data-signed-in');
    expect(anonymous).toMatch(/href="\/fr\/connexion\?next=%2Ffr"/u);
    expect(anonymous).not.toContain('href="/fr/explorer"');
    // A refused page is an error page that says so.
    const refused = await request('service_owner', 'GET', '/fr/services/oth-permis');
    expect(refused.status).toBe(403);
    expect(refused.headers.get('content-type')).toContain('text/html');
    expect(await refused.text()).toMatch(/OTH/u);
  }, 180_000); // some forty cold page renders: over a minute on a loaded 2-core machine

  it('ignores the development caller switch (?as=, cookie) in a built app with sign-in required', async () => {
    for (const p of ['/api/v1/auth/me?as=admin', '/api/v1/auth/me?as=service_owner:OTH']) {
      const me = await (await request('anonymous', 'GET', p)).json();
      expect(me).toMatchObject({ role: 'public', signedIn: false });
    }
    const withCookie = await fetch(new URL('/api/v1/auth/me', http.url), { headers: { cookie: 'jalon_dev_caller=admin' } });
    expect(await withCookie.json()).toMatchObject({ role: 'public', signedIn: false });
    const owner = await (await request('service_owner', 'GET', '/api/v1/auth/me?as=admin')).json();
    expect(owner).toMatchObject({ role: 'service_owner', orgs: ['AG1', 'MIN'] });
    const page = await request('anonymous', 'GET', '/fr/admin/journal?as=admin');
    await page.arrayBuffer();
    expect(page.status).toBe(303);
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
      } else if (res.status >= 400) {
        expect(res.headers.get('content-type') ?? '', `${who} ${probe.path}: an error page`).toContain('text/html');
        await res.arrayBuffer();
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

