// Issue 16's done-when, in Chromium against the built app on a small demo (embedded engine), signed in as the demo
// analyst (RAMQ and SAAQ): browse the schema, insert a column from it, run with Ctrl+Enter, see a line chart for a
// weekly series and a bar chart for a breakdown, download the CSV; a syntax error in the page's language with its
// place in the text; a filter on an organization outside the scope says so; axe finds no serious or critical
// violation in French and English at 1366 and 390 px. Screenshots go to test-results/screenshots/.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { AxeBuilder } from '@axe-core/playwright';
import { loadConfig } from '../../config/config.ts';
import { freePort } from '../support/clickhouse-server.ts';
import { EmbeddedWarehouse } from '../../warehouse/embedded.ts';
import { migrate } from '../../warehouse/migrate.ts';
import { serveHttp, type RunningHttp } from '../../dashboard/serve.ts';
import { ensureBuiltApp } from '../support/built-app.ts';
import { generateDemo } from '../../ingest/demo/generate-demo.ts';
import { ensureDemoAccounts } from '../../access/demo-accounts.ts';
import { CHROMIUM, CHROMIUM_ARGS, SCREENSHOTS } from './support/dashboard-server.ts';

const WEEKLY = "SELECT toStartOfWeek(occurred_at) AS week, count() AS completed\nFROM events\nWHERE service = 'RAMQ-CARTE-RENOUV' AND type = 'completed' AND occurred_at >= '2026-01-01'\nGROUP BY week\nORDER BY week";

describe.skipIf(!fs.existsSync(CHROMIUM))('explorer as the demo analyst, in Chromium', () => {
  let dir: string;
  let wh: EmbeddedWarehouse;
  let http: RunningHttp;
  let browser: Browser;
  let password = '';

  beforeAll(async () => {
    await ensureBuiltApp();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jalon-explore16-'));
    wh = await EmbeddedWarehouse.open({ dataDir: dir, database: 'jalon' });
    await migrate(wh);
    await generateDemo(wh, { events: 60_000, seed: 3, now: new Date('2026-11-01T00:00:00Z') });
    const accounts = await ensureDemoAccounts(wh);
    password = accounts.find((a) => a.username === 'demo-analyste')?.password ?? '';
    // A fixed public URL: the sign-in form's origin check compares with it.
    const port = await freePort();
    const config = loadConfig({ JALON_DATA_DIR: dir, PORT: String(port), JALON_PUBLIC_URL: `http://127.0.0.1:${port}`, JALON_AUTH_REQUIRED: 'true' }, dir);
    http = await serveHttp({ config, warehouse: wh });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    fs.mkdirSync(SCREENSHOTS, { recursive: true });
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await http?.close();
    await wh?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  async function signIn(page: Page, lang: 'fr' | 'en') {
    await page.goto(`${http.url}/${lang === 'fr' ? 'fr/explorer' : 'en/explore'}`);
    expect(new URL(page.url()).pathname).toBe(lang === 'fr' ? '/fr/connexion' : '/en/login');
    // The app's header and navigation are on the sign-in page.
    await page.waitForSelector('header nav a');
    await page.fill('#username', 'demo-analyste');
    await page.fill('#password', password);
    await page.click('form[action="/api/v1/auth/login"] button[type="submit"]');
    await page.waitForURL((u) => u.pathname === (lang === 'fr' ? '/fr/explorer' : '/en/explore'));
    await page.waitForSelector('button.primary:not([disabled])');
  }

  async function runWithKeys(page: Page, sql: string) {
    await page.fill('#sql', sql);
    await page.focus('#sql');
    const answered = page.waitForResponse((r) => r.url().endsWith('/api/v1/query'));
    await page.keyboard.press('Control+Enter');
    await answered;
  }

  async function seriousViolations(page: Page): Promise<string[]> {
    const axe = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
    return axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  }

  it('browses the schema, inserts a column, runs with Ctrl+Enter, charts and downloads the result', async () => {
    const context = await browser.newContext({ viewport: { width: 1366, height: 900 }, acceptDownloads: true });
    const page = await context.newPage();
    await signIn(page, 'fr');
    // Header and navigation of the app, with the role in French.
    expect(await page.textContent('header')).toContain('analyste');
    expect(await page.locator('header nav a[aria-current="page"]').textContent()).toBe('Explorer (SQL)');

    // Schema browser: columns, engine types, French descriptions, an example.
    await page.click('details[data-view="events"] summary');
    const events = page.locator('details[data-view="events"]');
    expect(await events.locator('tr', { hasText: 'occurred_at' }).textContent()).toContain("DateTime64(3, 'UTC')");
    expect(await events.locator('tr', { hasText: 'journey_id' }).textContent()).toContain('Parcours (pseudonyme)');
    expect(await events.locator('pre.example').textContent()).toContain('FROM events');

    // Insert a column at the caret, finish the breakdown by keyboard, run with Ctrl+Enter: a bar chart.
    await page.fill('#sql', 'SELECT ');
    await page.focus('#sql');
    await page.keyboard.press('End');
    await events.locator('button[data-insert="channel"]').click();
    expect(await page.inputValue('#sql')).toBe('SELECT channel');
    await page.keyboard.type(', count() AS events FROM events GROUP BY channel ORDER BY events DESC');
    const answered = page.waitForResponse((r) => r.url().endsWith('/api/v1/query'));
    await page.keyboard.press('Control+Enter');
    await answered;
    await page.waitForSelector('figure[data-chart="explore-chart"] svg > g rect');
    const bars = await page.locator('figure[data-chart="explore-chart"] svg > g rect').count();
    const [{ n: channels }] = await wh.query<{ n: number }>("SELECT uniqExact(channel) AS n FROM service_events WHERE org IN ('RAMQ', 'SAAQ')");
    expect(bars).toBe(channels);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'explore-bar-fr-1366.png'), fullPage: true });

    // The chart's CSV holds the same rows as the table.
    const [csvDownload] = await Promise.all([page.waitForEvent('download'), page.click('figure[data-chart="explore-chart"] a[data-csv]')]);
    const chartCsv = fs.readFileSync((await csvDownload.path()) as string, 'utf8').replace(/^\uFEFF/u, '').trim().split(/\r\n/u);
    expect(chartCsv[0]).toBe('channel,events');
    expect(chartCsv).toHaveLength(channels + 1);

    // Weekly series: a line chart with one point per week.
    await runWithKeys(page, WEEKLY);
    await page.waitForSelector('figure[data-chart="explore-chart"] svg path');
    const weeks = await wh.query<{ w: string }>(
      "SELECT DISTINCT toStartOfWeek(occurred_at) AS w FROM service_events WHERE service = 'RAMQ-CARTE-RENOUV' AND type = 'completed' AND occurred_at >= '2026-01-01'"
    );
    expect(await page.locator('figure[data-chart="explore-chart"] table[data-table] tbody tr').count()).toBe(weeks.length);
    expect(await page.textContent('figure[data-chart="explore-chart"] h3')).toBe('completed selon week');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'explore-line-fr-1366.png'), fullPage: true });

    // The whole result as CSV from the server.
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('text=Exporter le résultat en CSV')]);
    const csv = fs.readFileSync((await download.path()) as string, 'utf8').replace(/^\uFEFF/u, '').trim().split(/\r\n/u);
    expect(csv[0]).toBe('week,completed');
    expect(csv).toHaveLength(weeks.length + 1);

    // History keeps what ran, for this user.
    expect(await page.locator('ol.history li').count()).toBe(2);
    await context.close();
  }, 180_000);

  it('shows a syntax error in the page’s language at its place, keeps the text, and names codes outside the scope', async () => {
    for (const lang of ['fr', 'en'] as const) {
      const context = await browser.newContext({ viewport: { width: 1366, height: 900 } });
      const page = await context.newPage();
      await signIn(page, lang);
      const bad = 'SELECT org,, count() FROM events';
      await runWithKeys(page, bad);
      const alert = (await page.textContent('#query-error')) ?? '';
      // ClickHouse stops at `count` (column 14 of line 1).
      expect(alert).toContain(lang === 'fr' ? 'Erreur de syntaxe à la ligne 1, colonne 14' : 'Syntax error at line 1, column 14');
      expect(alert).not.toContain(lang === 'fr' ? 'Syntax error' : 'Erreur');
      expect(await page.inputValue('#sql')).toBe(bad);
      expect(await page.evaluate(() => (document.querySelector('#sql') as HTMLTextAreaElement).selectionStart)).toBe(13);

      await runWithKeys(page, "SELECT count() AS n FROM events WHERE org = 'MESS'");
      const notice = (await page.textContent('[data-scope-notice]')) ?? '';
      expect(notice).toContain(lang === 'fr' ? 'Hors de votre périmètre : MESS' : 'Outside your scope: MESS');
      await page.screenshot({ path: path.join(SCREENSHOTS, `explore-scope-${lang}-1366.png`), fullPage: true });
      await context.close();
    }
  }, 120_000);

  it('has no serious or critical axe violation in French and English at 1366 and 390 px', async () => {
    for (const lang of ['fr', 'en'] as const) {
      for (const width of [1366, 390]) {
        const context = await browser.newContext({ viewport: { width, height: 900 } });
        const page = await context.newPage();
        await page.goto(`${http.url}/${lang === 'fr' ? 'fr/connexion' : 'en/login'}`);
        expect(await seriousViolations(page), `sign-in ${lang} ${width}`).toEqual([]);
        await signIn(page, lang);
        await runWithKeys(page, WEEKLY);
        await page.waitForSelector('figure[data-chart="explore-chart"] svg');
        await page.click('details[data-view="events"] summary');
        expect(await seriousViolations(page), `explorer ${lang} ${width}`).toEqual([]);
        await page.screenshot({ path: path.join(SCREENSHOTS, `explore-${lang}-${width}.png`), fullPage: true });
        await context.close();
      }
    }
  }, 180_000);
});
