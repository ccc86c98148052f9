// Done-when 3 of issue 6: sign in through a real OpenID Connect provider (oidc-provider, started here on loopback)
// in Chromium, with the authorization code flow and PKCE, and land on the scorecard (/fr) with the account's scope:
// a service owner of MIN (and the agency below it) sees MIN's scorecard, not government-wide, and cannot switch to OTH.
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Provider from 'oidc-provider';
import { chromium, type Browser } from 'playwright-core';
import { loadConfig } from '../../config/config.ts';
import { EmbeddedWarehouse } from '../../warehouse/embedded.ts';
import { migrate } from '../../warehouse/migrate.ts';
import { serveHttp, type RunningHttp } from '../../dashboard/serve.ts';
import { ensureBuiltApp } from '../support/built-app.ts';
import { saveAccount } from '../../access/accounts.ts';
import { freePort } from '../support/clickhouse-server.ts';
import { seedAccessData } from '../support/access-fixtures.ts';

const CHROMIUM = '/usr/bin/chromium';
const SECRET = 'test-client-secret-0123456789abcdef';
const EMAIL = 'proprietaire@min.example';
/** Where a sign-in lands: the French scorecard, the home page. */
const LANDING = '/fr';

describe.skipIf(!fs.existsSync(CHROMIUM))('OpenID Connect sign-in in Chromium', () => {
  let dir: string;
  let wh: EmbeddedWarehouse;
  let app: RunningHttp;
  let idp: http.Server;
  let browser: Browser;
  let appUrl: string;

  beforeAll(async () => {
    await ensureBuiltApp();
    const [idpPort, appPort] = [await freePort(), await freePort()];
    const issuer = `http://127.0.0.1:${idpPort}`;
    appUrl = `http://127.0.0.1:${appPort}`;
    const provider = new Provider(issuer, {
      clients: [
        {
          client_id: 'jalon',
          client_secret: SECRET,
          redirect_uris: [`${appUrl}/api/v1/auth/oidc/callback`],
          grant_types: ['authorization_code'],
          response_types: ['code'],
          token_endpoint_auth_method: 'client_secret_basic'
        }
      ],
      claims: { openid: ['sub'], email: ['email', 'email_verified'] },
      pkce: { required: () => true },
      async findAccount(_ctx, sub) {
        // Logins starting with "unverified" stand for addresses the provider has not verified.
        return { accountId: sub, claims: async () => ({ sub, email: sub, email_verified: !sub.startsWith('unverified') }) };
      }
    });
    idp = http.createServer(provider.callback());
    await new Promise<void>((resolve) => idp.listen(idpPort, '127.0.0.1', resolve));

    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jalon-oidc-'));
    const config = loadConfig(
      {
        JALON_DATA_DIR: dir,
        PORT: String(appPort),
        JALON_PUBLIC_URL: appUrl,
        JALON_OIDC_ISSUER: issuer,
        JALON_OIDC_CLIENT_ID: 'jalon',
        JALON_OIDC_CLIENT_SECRET: SECRET,
        JALON_REQUESTS_PER_MINUTE: '100000' // the last test starts a thousand sign-ins
      },
      dir
    );
    expect(config.auth.required).toBe(true); // OpenID Connect configured: visitors must sign in
    wh = await EmbeddedWarehouse.open({ dataDir: dir, database: 'jalon' });
    await migrate(wh);
    await seedAccessData(wh);
    await saveAccount(wh, { username: EMAIL, role: 'service_owner', orgs: ['MIN'], withChildren: true, password: null });
    await saveAccount(wh, { username: 'pw@example.org', role: 'admin', password: 'un mot de passe assez long' });
    await saveAccount(wh, { username: 'unverified@example.org', role: 'admin', password: null });
    app = await serveHttp({ config, warehouse: wh });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run']
    });
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await new Promise<void>((resolve) => (idp ? idp.close(() => resolve()) : resolve()));
    idp?.closeAllConnections();
    await wh?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('signs in with the authorization code flow and PKCE, and lands with the right scope', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const providerRequests: string[] = [];
    page.on('request', (r) => {
      if (r.url().includes('/auth?')) providerRequests.push(r.url());
    });

    // Nobody signed in: a restricted page sends to the sign-in page.
    await page.goto(`${appUrl}/fr/explorer`);
    expect(new URL(page.url()).pathname).toBe('/fr/connexion');

    await page.goto(`${appUrl}/fr/connexion?next=${encodeURIComponent(LANDING)}`);
    await page.click('a.oidc');
    // The provider's own sign-in and consent pages.
    await page.waitForSelector('input[name="login"]');
    await page.fill('input[name="login"]', EMAIL);
    await page.fill('input[name="password"]', 'anything');
    await page.click('button[type="submit"]');
    await page.waitForSelector('button[type="submit"]');
    if (page.url().startsWith(`http://127.0.0.1`) && !page.url().startsWith(appUrl)) await page.click('button[type="submit"]');
    await page.waitForURL((u) => u.href.startsWith(appUrl) && u.pathname === LANDING, { timeout: 30_000 });

    const auth = new URL(providerRequests[0]);
    expect(auth.searchParams.get('code_challenge_method')).toBe('S256');
    expect(auth.searchParams.get('response_type')).toBe('code');
    expect(auth.searchParams.get('state')).toBeTruthy();

    // Landed on the scorecard of the service owner's own organization, signed in (app shell), with an organization
    // filter that offers only MIN and the agency below it.
    expect(await page.locator('h1').count()).toBe(1);
    expect(await page.locator('select[name="org"]').inputValue()).toBe('MIN');
    const offered = await page.locator('select[name="org"] option').evaluateAll((els) => els.map((e) => (e as HTMLOptionElement).value).filter((v) => v !== ''));
    expect(offered.sort()).toEqual(['AG1', 'MIN']);
    expect(await page.locator('[data-signed-in]').getAttribute('data-signed-in')).toBe(EMAIL);
    const scope = await page.evaluate(async () => ((await (await fetch('/api/v1/scorecard')).json()) as { scope: string }).scope);
    expect(scope).toBe('MIN');
    // Switching to another organization by hand is refused, page and API.
    const other = await page.goto(`${appUrl}/fr?org=OTH`);
    expect(other?.status()).toBe(403);
    const otherApi = await page.evaluate(async () => {
      const res = await fetch('/api/v1/scorecard?org=OTH');
      return { status: res.status, body: (await res.json()) as { error: { code: string } } };
    });
    expect(otherApi).toEqual({ status: 403, body: { error: { code: 'forbidden', message: expect.any(String) } } });
    await page.goto(`${appUrl}${LANDING}`);
    const me = await page.evaluate(async () => (await fetch('/api/v1/auth/me')).json());
    expect(me).toMatchObject({ username: EMAIL, role: 'service_owner', orgs: ['AG1', 'MIN'], signedIn: true });
    const cookies = await context.cookies();
    const session = cookies.find((c) => c.name === 'jalon_session');
    expect(session?.httpOnly).toBe(true);
    expect(session?.sameSite).toBe('Lax');

    // The same scope holds in ad-hoc SQL.
    const rows = await page.evaluate(async () => {
      const res = await fetch('/api/v1/query', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sql: 'SELECT DISTINCT org FROM events ORDER BY org' }) });
      return ((await res.json()) as { rows: { org: string }[] }).rows.map((r) => r.org);
    });
    expect(rows).toEqual(['AG1', 'MIN']);

    const [audit] = await wh.query<{ n: number }>("SELECT count() AS n FROM audit_log WHERE action = 'sign_in' AND target = 'oidc' AND ok AND actor = {a:String}", { a: EMAIL });
    expect(audit.n).toBe(1);
    await context.close();
  }, 120_000);

  it('refuses an identity without a Jalon account', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${appUrl}/api/v1/auth/oidc/start?next=/`);
    await page.waitForSelector('input[name="login"]');
    await page.fill('input[name="login"]', 'inconnu@example.org');
    await page.fill('input[name="password"]', 'anything');
    await page.click('button[type="submit"]');
    await page.waitForSelector('button[type="submit"]');
    const answer = page.waitForResponse((r) => r.url().startsWith(`${appUrl}/api/v1/auth/oidc/callback`), { timeout: 30_000 });
    await page.click('button[type="submit"]');
    const res = await answer;
    expect(res.status()).toBe(403);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('no_account');
    expect((await context.cookies()).some((c) => c.name === 'jalon_session')).toBe(false);
    await context.close();
  }, 120_000);

  /** Signs in at the provider as `login` and returns the app's answer to the callback. */
  async function callbackFor(login: string): Promise<{ status: number; code: string; session: boolean }> {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${appUrl}/api/v1/auth/oidc/start?next=/`);
    await page.waitForSelector('input[name="login"]');
    await page.fill('input[name="login"]', login);
    await page.fill('input[name="password"]', 'anything');
    await page.click('button[type="submit"]');
    await page.waitForSelector('button[type="submit"]');
    const answer = page.waitForResponse((r) => r.url().startsWith(`${appUrl}/api/v1/auth/oidc/callback`), { timeout: 30_000 });
    await page.click('button[type="submit"]');
    const res = await answer;
    const body = (await res.json().catch(() => ({}))) as { error?: { code: string } };
    const session = (await context.cookies()).some((c) => c.name === 'jalon_session');
    await context.close();
    return { status: res.status(), code: body.error?.code ?? '', session };
  }

  it('never opens a password account from an OpenID Connect identity (issue 11, finding 14)', async () => {
    expect(await callbackFor('pw@example.org')).toEqual({ status: 403, code: 'no_account', session: false });
  }, 120_000);

  it('refuses an e-mail the provider has not verified (issue 11, finding 14)', async () => {
    expect(await callbackFor('unverified@example.org')).toEqual({ status: 401, code: 'oidc_failed', session: false });
  }, 120_000);

  it('bounds the sign-ins pending at once (issue 11, finding 14)', async () => {
    const start = () => fetch(`${appUrl}/api/v1/auth/oidc/start?next=/`, { redirect: 'manual' }).then((r) => r.status);
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) statuses.push(...(await Promise.all(Array.from({ length: 100 }, start))));
    expect(statuses.filter((s) => s === 303).length).toBeLessThanOrEqual(1000);
    expect(await start()).toBe(429);
  }, 120_000);
});
