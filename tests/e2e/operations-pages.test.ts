// The alerts, jobs and quarantine pages in Chromium, in French and English, each as the roles that may open them:
// alerts fired by a real evaluation (rejected rows at ingest), quarantined rows with their raw text scrubbed and their
// CSV download, the organization page's open alerts, an administrator's "run now" (recorded in job_runs and the audit
// log) and a stored rule saved from the page. Each page passes axe (WCAG 2.1 AA); screenshots at 1366 and 390 px.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';
import { AxeBuilder } from '@axe-core/playwright';
import { loadConfig, type Config } from '../../config/config.ts';
import { EmbeddedWarehouse } from '../../warehouse/embedded.ts';
import { migrate } from '../../warehouse/migrate.ts';
import { serveHttp, ROOT, type RunningHttp } from '../../dashboard/serve.ts';
import { ensureBuiltApp } from '../support/built-app.ts';
import { saveAccount } from '../../access/accounts.ts';
import { freePort } from '../support/clickhouse-server.ts';
import { seedAccessData } from '../support/access-fixtures.ts';
import { runIngest } from '../../ingest/run-ingest.ts';
import { createMetricsService } from '../../metrics/service.ts';
import { evaluateAlerts } from '../../jobs/alert-evaluate.ts';

const CHROMIUM = '/usr/bin/chromium';
const PASSWORD = 'mot de passe de test 42';
const SCREENSHOTS = path.join(ROOT, 'test-results', 'screenshots');
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

describe.skipIf(!fs.existsSync(CHROMIUM))('alerts, jobs and quarantine pages in Chromium', () => {
  let dir: string;
  let wh: EmbeddedWarehouse;
  let app: RunningHttp;
  let browser: Browser;
  let appUrl: string;
  let config: Config;

  const ingestFor = async (org: string, lines: string[]) =>
    runIngest(wh, {
      kind: 'events',
      inputs: [{ source: { type: 'stream', stream: Readable.from([Buffer.from(lines.join('\n') + '\n')]), name: `${org}.ndjson` }, name: `${org}.ndjson`, format: 'ndjson' }],
      mapping: null,
      org,
      pseudonymKey: null,
      now: () => new Date()
    });

  const as = async (username: string): Promise<BrowserContext> => {
    const context = await browser.newContext({ viewport: { width: 1366, height: 768 } });
    // Generous: on a machine shared by many processes an organization page or a job run can take tens of seconds.
    context.setDefaultTimeout(150_000);
    context.setDefaultNavigationTimeout(150_000);
    const res = await context.request.post(`${appUrl}/api/v1/auth/login`, { data: { username, password: PASSWORD }, headers: { origin: appUrl } });
    expect(res.status(), `sign-in ${username}`).toBe(200);
    return context;
  };

  beforeAll(async () => {
    await ensureBuiltApp();
    fs.mkdirSync(SCREENSHOTS, { recursive: true });
    const port = await freePort();
    appUrl = `http://127.0.0.1:${port}`;
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jalon-ops-pages-'));
    const rules = path.join(dir, 'alerts.json');
    fs.writeFileSync(rules, JSON.stringify({ rules: [{ id: 'rejets', type: 'ingest', max_rejected_share: 0.1, notify: [] }] }));
    config = loadConfig({ JALON_DATA_DIR: dir, PORT: String(port), JALON_PUBLIC_URL: appUrl, JALON_AUTH_REQUIRED: 'true', JALON_ALERTS_FILE: rules, JALON_LOGIN_ATTEMPTS_PER_MINUTE: '1000' }, dir);
    wh = await EmbeddedWarehouse.open({ dataDir: dir, database: 'jalon' });
    await migrate(wh);
    await seedAccessData(wh);
    await saveAccount(wh, { username: 'admin', role: 'admin', password: PASSWORD });
    await saveAccount(wh, { username: 'dirigeant', role: 'executive', password: PASSWORD });
    await saveAccount(wh, { username: 'resp-min', role: 'service_owner', orgs: ['MIN'], withChildren: true, password: PASSWORD });
    await saveAccount(wh, { username: 'analyste', role: 'analyst', orgs: ['AG1'], password: PASSWORD });
    // One good and one bad row for MIN (the bad one carries an e-mail address, which must never be shown), two bad for OTH.
    const good = (id: string, org: string) => JSON.stringify({ event_id: id, occurred_at: '2024-03-01T10:00:00-05:00', org, service: `${org.toLowerCase()}-permis`, channel: 'web', journey_id: id, type: 'started' });
    await ingestFor('MIN', [good('g1', 'MIN'), '{"event_id": "b1", "occurred_at": "écrire à jean.tremblay@exemple.qc.ca", "org": "MIN"}']);
    await ingestFor('OTH', [good('g2', 'OTH'), '{"event_id": "b2", "channel": "pigeon"}', 'pas du JSON']);
    const result = await evaluateAlerts({ warehouse: wh, config, metrics: createMetricsService(wh, config), now: () => new Date(), log: () => undefined });
    expect(result.fired.map((f) => f.scope).sort()).toEqual(['MIN/events', 'OTH/events']);
    app = await serveHttp({ config, warehouse: wh });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'] });
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await wh?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  const check = async (context: BrowserContext, url: string, shot: string) => {
    const page = await context.newPage();
    const res = await page.goto(`${appUrl}${url}`);
    expect(res?.status(), url).toBe(200);
    const axe = await new AxeBuilder({ page }).withTags(AXE_TAGS).analyze();
    expect(axe.violations.map((v) => `${url} ${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
    await page.screenshot({ path: path.join(SCREENSHOTS, `${shot}-1366x768.png`), fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: path.join(SCREENSHOTS, `${shot}-390x844.png`), fullPage: true });
    await page.setViewportSize({ width: 1366, height: 768 });
    return page;
  };

  it('alerts: each role sees the alerts of what it may see, in both languages, axe clean', async () => {
    const admin = await as('admin');
    for (const [lang, url] of [['fr', '/fr/alertes'], ['en', '/en/alerts']] as const) {
      const page = await check(admin, url, `alerts-admin-${lang}`);
      expect((await page.locator('[data-table="open"] tr[data-org]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-org')))).sort()).toEqual(['MIN', 'OTH']);
      expect(await page.locator('[data-rule="rejets"]').getAttribute('data-origin')).toBe('file');
      expect(await page.locator('[data-rule="rejets"] button').count()).toBe(0); // the file's rule is read-only
      expect(await page.locator('html').getAttribute('lang')).toBe(lang);
    }
    // An administrator saves a stored rule from the page.
    const page = await admin.newPage();
    await page.goto(`${appUrl}/fr/alertes`);
    await page.fill('#rule-json', JSON.stringify({ id: 'taux-min', type: 'threshold', metric: 'completion_rate', org: 'MIN', grain: 'month', below: 0.2, notify: ['mailto:ops@exemple.qc.ca'] }));
    await page.click('text=Enregistrer la règle');
    await page.waitForSelector('[data-rule="taux-min"][data-origin="stored"]');
    await page.fill('#rule-json', '{"id": "x", "type": "threshold", "metric": "nope"}');
    await page.click('text=Enregistrer la règle');
    await page.waitForSelector('.problem[role="status"]');
    expect(await page.textContent('.problem[role="status"]')).toContain('metric "nope"');
    const [audited] = await wh.query<{ n: number }>("SELECT count() AS n FROM audit_log WHERE action = 'alert_rule' AND target = 'taux-min' AND actor = 'admin'");
    expect(Number(audited.n)).toBe(1);
    await admin.close();

    const owner = await as('resp-min');
    for (const [lang, url] of [['fr', '/fr/alertes'], ['en', '/en/alerts']] as const) {
      const p = await check(owner, url, `alerts-service-owner-${lang}`);
      expect(await p.locator('[data-table="open"] tr[data-org]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-org')))).toEqual(['MIN']);
      expect(await p.locator('#rules-title').count()).toBe(0); // rules are for administrators
    }
    // The organization page shows MIN's open alert to its owner.
    const org = await owner.newPage();
    await org.goto(`${appUrl}/fr/organisations/MIN`);
    expect(await org.locator('[data-open-alerts]').getAttribute('data-open-alerts')).toBe('1');
    expect(await org.textContent('[data-open-alerts]')).toContain('MIN (events)');
    await owner.close();

    const analyst = await as('analyste');
    const ap = await analyst.newPage();
    await ap.goto(`${appUrl}/en/alerts`);
    expect(await ap.locator('[data-empty="open"]').count()).toBe(1); // AG1 has no alert
    await analyst.close();
  }, 600_000);

  it('quarantine: an organization’s owner sees its rows scrubbed and downloads them as CSV; others are refused', async () => {
    const owner = await as('resp-min');
    for (const [lang, url] of [['fr', '/fr/quarantaine'], ['en', '/en/quarantine']] as const) {
      const page = await check(owner, url, `quarantine-service-owner-${lang}`);
      const text = await page.textContent('[data-table="quarantine"]');
      expect(text).toContain('bad_date');
      expect(text).toContain('[courriel]');
      expect(text).not.toContain('jean.tremblay');
      expect(text).not.toContain('pigeon'); // OTH's rows
    }
    const csv = await owner.request.get(`${appUrl}/api/v1/quarantine?format=csv`);
    expect(csv.status()).toBe(200);
    expect(csv.headers()['content-type']).toContain('text/csv');
    const body = await csv.text();
    expect(body.split('\r\n')[0]).toBe('\ufeffat,org,kind,source,line,reason,message,raw_text');
    expect(body).toContain('[courriel]');
    expect(body).not.toContain('jean.tremblay');
    expect(body.trim().split('\r\n')).toHaveLength(2);
    expect((await owner.request.get(`${appUrl}/api/v1/quarantine?org=OTH`)).status()).toBe(403);
    await owner.close();

    const admin = await as('admin');
    const page = await check(admin, '/en/quarantine', 'quarantine-admin-en');
    expect(await page.locator('[data-table="quarantine"] tbody tr').count()).toBe(3);
    await admin.close();

    const exec = await as('dirigeant');
    const refused = await exec.newPage();
    expect((await refused.goto(`${appUrl}/fr/quarantaine`))?.status()).toBe(403);
    await exec.close();
  }, 300_000);

  it('jobs: administrators see every job and run one now (recorded and audited); others are refused', async () => {
    const admin = await as('admin');
    const fr = await check(admin, '/fr/taches', 'jobs-admin-fr');
    expect(await fr.locator('tr[data-job]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-job')))).toEqual(['inbox', 'rollups', 'opendata', 'digests']);
    await fr.click('tr[data-job="rollups"] button');
    await fr.waitForSelector('[data-ran="rollups"]');
    expect(await fr.textContent('[data-ran="rollups"]')).toContain('réussie');
    expect(await fr.locator('tr[data-job="rollups"] [data-status]').getAttribute('data-status')).toBe('ok');
    const [audited] = await wh.query<{ n: number }>("SELECT count() AS n FROM audit_log WHERE action = 'job_run' AND target = 'rollups' AND actor = 'admin' AND ok");
    expect(Number(audited.n)).toBe(1);
    const [ran] = await wh.query<{ n: number }>("SELECT count() AS n FROM job_runs FINAL WHERE job_id = 'rollups' AND status = 'ok'");
    expect(Number(ran.n)).toBe(1);
    await check(admin, '/en/jobs', 'jobs-admin-en');
    await admin.close();

    const owner = await as('resp-min');
    const page = await owner.newPage();
    expect((await page.goto(`${appUrl}/en/jobs`))?.status()).toBe(403);
    expect(await page.locator('nav a[href="/en/jobs"]').count()).toBe(0);
    await owner.close();
  }, 300_000);
});
