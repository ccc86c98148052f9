// The sign-in form and the /explore page in Chromium: password sign-in through the plain HTML form, a query run
// from the editor (scoped rows, result table), a refused query shown as an alert, a shared saved query, and no
// WCAG 2.1 AA violations found by axe on either page. Runs the built app on an embedded warehouse.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser } from 'playwright-core';
import { AxeBuilder } from '@axe-core/playwright';
import { loadConfig } from '../../config/config.ts';
import { EmbeddedWarehouse } from '../../warehouse/embedded.ts';
import { migrate } from '../../warehouse/migrate.ts';
import { serveHttp, type RunningHttp } from '../../dashboard/serve.ts';
import { ensureBuiltApp } from '../support/built-app.ts';
import { saveAccount } from '../../access/accounts.ts';
import { freePort } from '../support/clickhouse-server.ts';
import { seedAccessData } from '../support/access-fixtures.ts';

const CHROMIUM = '/usr/bin/chromium';
const PASSWORD = 'mot de passe de test 42';

describe.skipIf(!fs.existsSync(CHROMIUM))('sign-in form and explore page in Chromium', () => {
  let dir: string;
  let wh: EmbeddedWarehouse;
  let app: RunningHttp;
  let browser: Browser;
  let appUrl: string;

  beforeAll(async () => {
    await ensureBuiltApp();
    const port = await freePort();
    appUrl = `http://127.0.0.1:${port}`;
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jalon-explore-'));
    const config = loadConfig({ JALON_DATA_DIR: dir, PORT: String(port), JALON_PUBLIC_URL: appUrl, JALON_AUTH_REQUIRED: 'true' }, dir);
    wh = await EmbeddedWarehouse.open({ dataDir: dir, database: 'jalon' });
    await migrate(wh);
    await seedAccessData(wh);
    await saveAccount(wh, { username: 'analyste', role: 'analyst', orgs: ['AG1'], password: PASSWORD });
    app = await serveHttp({ config, warehouse: wh });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run']
    });
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await wh?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('signs in with the form, runs a scoped query, shows refusals, saves a shared query, passes axe', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const cspErrors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' && /Content Security Policy/iu.test(m.text())) cspErrors.push(m.text());
    });

    await page.goto(`${appUrl}/fr/explorer`);
    expect(new URL(page.url()).pathname).toBe('/fr/connexion');
    const loginAxe = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
    expect(loginAxe.violations.map((v) => v.id)).toEqual([]);

    await page.fill('#username', 'analyste');
    await page.fill('#password', 'mauvais mot de passe');
    await page.click('button[type="submit"]');
    await page.waitForSelector('[role="alert"]');
    expect(await page.textContent('[role="alert"]')).toContain('incorrect');

    await page.fill('#username', 'analyste');
    await page.fill('#password', PASSWORD);
    await page.click('button[type="submit"]');
    await page.waitForURL((u) => u.pathname === '/fr/explorer');

    await page.fill('#sql', 'SELECT org, count() AS n FROM events GROUP BY org ORDER BY org');
    await page.click('button:text-is("Exécuter")');
    await page.waitForSelector('.table-wrap table tbody tr');
    const cells = await page.locator('.table-wrap table tbody tr td:first-child').allTextContents();
    expect(cells).toEqual(['AG1']);

    await page.fill('#sql', "SELECT file('/etc/passwd')");
    await page.click('button:text-is("Exécuter")');
    await page.waitForSelector('[role="alert"]');
    expect(await page.textContent('[role="alert"]')).toContain('file()');

    await page.fill('#sql', 'SELECT channel, count() AS n FROM events GROUP BY channel');
    await page.fill('#title', 'Volumes par canal');
    await page.check('input[type="checkbox"]');
    await page.click('text=Enregistrer >> nth=-1');
    await page.waitForSelector('text=Volumes par canal');
    const [saved] = await wh.query<{ shared: boolean; org: string; owner: string }>('SELECT shared, org, owner FROM saved_queries FINAL');
    expect(saved).toEqual({ shared: true, org: 'AG1', owner: 'analyste' });

    const exploreAxe = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
    expect(exploreAxe.violations.map((v) => `${v.id}: ${v.nodes.length}`)).toEqual([]);
    expect(cspErrors).toEqual([]);
    await context.close();
  }, 120_000);
});
