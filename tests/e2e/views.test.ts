// Done-when of issue 14 in Chromium, against real `jalon serve` processes on one demo (a ClickHouse server on
// loopback): the home's organization × characteristic grid (open demo, and the public with sign-in required); RAMQ's
// demo service owner finding the worst step of the worst service, annotating a release and opening the before/after
// view, whose counts equal the metrics API's for the two windows; annotations created, edited and deleted through the
// app and the API, each audited, and a 15 February note drawn in February; the period drop-down changed with the
// keyboard without navigating, one « Appliquer » = one history entry, a custom range and every fiscal year since
// 2018-2019; axe on the new and changed pages in both languages. Screenshots go to test-results/screenshots/.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { chromium } from 'playwright-core';
import { AxeBuilder } from '@axe-core/playwright';
import { ServerWarehouse } from '../../warehouse/server.ts';
import { ensureDemoAccounts, formatDemoAccounts } from '../../access/demo-accounts.ts';
import { fiscalYearOf } from '../../dashboard/lib/filters.ts';
import { CHROMIUM, CHROMIUM_ARGS, SCREENSHOTS, requireChromium, startDashboard, type RunningDashboard } from './support/dashboard-server.ts';

requireChromium();

let signed: RunningDashboard; // sign-in required
let open: RunningDashboard; // the open demo, same database
let browser: Browser;
let wh: ServerWarehouse;
const passwords = new Map<string, string>();
let orgCount = 0;

beforeAll(async () => {
  const clickhouseUrl = inject('clickhouseUrl');
  signed = await startDashboard(clickhouseUrl, { env: { JALON_AUTH_REQUIRED: 'true', JALON_LOGIN_ATTEMPTS_PER_MINUTE: '1000' } });
  open = await startDashboard(clickhouseUrl, { database: signed.database, env: { JALON_AUTH_REQUIRED: 'false' } });
  wh = await ServerWarehouse.open({ url: clickhouseUrl, username: 'default', password: '', database: signed.database, createDatabase: false });
  // The accounts `npm start` prints, read back from the printed lines (as a newcomer would copy them).
  const printed = formatDemoAccounts(await ensureDemoAccounts(wh), signed.url);
  for (const m of printed.matchAll(/^\s+(\S+)\s.*password: (\S+)$/gmu)) passwords.set(m[1], m[2]);
  expect(printed).toMatch(/demo-responsable\s+service_owner\s+RAMQ/u);
  orgCount = Number((await wh.query<{ n: number }>('SELECT toUInt64(count()) AS n FROM organizations FINAL WHERE NOT placeholder'))[0].n);
  // The home reads every organization's scorecard: the rollups job prepares them after start; the first request
  // waits for them (each process has its own answer cache), so both servers are warmed before the browser comes.
  for (const base of [signed.url, open.url]) expect((await fetch(`${base}/fr`, { redirect: 'manual' })).status).toBeLessThan(400);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
}, 600_000);

afterAll(async () => {
  await browser?.close();
  await open?.stop();
  await wh?.close();
  await signed?.stop();
});

async function newPage(locale = 'fr-CA'): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale });
  const page = await context.newPage();
  page.setDefaultTimeout(120_000); // a shared 2-core machine: a cold scorecard for one organization takes seconds
  return { context, page };
}

/** Signs in through the sign-in page; lands on a light page (a first home for a role whose small-count threshold differs
 *  computes every organization's scorecard for it, which is not what these tests measure). */
async function signIn(page: Page, username: string, next = '/fr/indicateurs'): Promise<void> {
  await page.goto(`${signed.url}/fr/connexion?next=${encodeURIComponent(next)}`);
  await page.fill('#username', username);
  await page.fill('#password', passwords.get(username) ?? '');
  await page.click('form[action="/api/v1/auth/login"] button[type="submit"]');
  await page.waitForURL((u) => !u.pathname.includes('connexion') && !u.pathname.startsWith('/api/'));
  const me = (await (await page.request.get(`${signed.url}/api/v1/auth/me`)).json()) as { signedIn?: boolean; username?: string };
  expect(me, `signed in as ${username}`).toMatchObject({ signedIn: true });
}

async function shots(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(SCREENSHOTS, `views-${name}-1366x768.png`), fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: path.join(SCREENSHOTS, `views-${name}-390x844.png`), fullPage: true });
  await page.setViewportSize({ width: 1366, height: 768 });
}

async function expectNoSeriousAxe(page: Page): Promise<void> {
  const axe = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  const serious = axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(serious.map((v) => `${v.id}: ${v.help} (${v.nodes.length}) ${v.nodes.slice(0, 2).map((n) => n.target.join(' ')).join(' | ')}`)).toEqual([]);
}

/** The grid holds every organization and the 14 characteristics; a late cell leads to that organization's card. */
async function checkGrid(page: Page, base: string, name: string): Promise<void> {
  await page.goto(`${base}/fr`);
  const grid = page.locator('table.status-grid');
  await expect.poll(() => grid.locator('thead th[data-grid-characteristic]').count()).toBe(14);
  expect(await grid.locator('tbody tr[data-grid-org]').count()).toBe(orgCount);
  for (const row of await grid.locator('tbody tr[data-grid-org]').all()) expect(await row.locator('td[data-status]').count()).toBe(14);
  // Each cell says its status in words and a symbol, not colour alone.
  const firstCell = (await grid.locator('td[data-status] a').first().innerText()).trim();
  // (On a wide screen the symbol stands above its word, so the text breaks between them.)
  expect(firstCell).toMatch(/^[✔▲◆✖–○]\s+\S/u);
  await shots(page, `home-grid-${name}`);

  const late = grid.locator('td[data-status="late"]').first();
  expect(await late.count()).toBe(1);
  const n = Number(await late.getAttribute('data-n'));
  const org = (await late.locator('xpath=..').getAttribute('data-grid-org')) ?? '';
  await late.locator('a').click();
  await page.waitForURL((u) => u.searchParams.get('org') === org && u.hash === `#ch-${n}`);
  // That organization's card: the characteristic's section, with the same status the grid showed.
  const section = page.locator(`section[data-characteristic="${n}"]`);
  expect(await section.locator('h2 [data-status]').first().getAttribute('data-status')).toBe('late');
  expect(await page.locator('[data-filters] select[name="org"]').inputValue()).toBe(org);
}

describe('issue 14 views in Chromium', () => {
  test('(1a) the home grid: anonymously in the open demo, and as the public with sign-in required', async () => {
    const a = await newPage();
    await checkGrid(a.page, open.url, 'open-demo');
    await a.context.close();

    const p = await newPage();
    await signIn(p.page, 'demo-public');
    await checkGrid(p.page, signed.url, 'public');
    // The summary strip: indicator counts per status add up to the strategy's indicator rows.
    await p.page.goto(`${signed.url}/fr`);
    const api = (await (await p.page.request.get(`${signed.url}/api/v1/scorecard`)).json()) as { characteristics: { indicators: { status: string }[] }[] };
    const count = (st: string) => api.characteristics.flatMap((c) => c.indicators).filter((i) => i.status === st).length;
    for (const st of ['achieved', 'on_track', 'at_risk', 'late']) {
      expect(Number(await p.page.locator(`[data-count="${st}"] .count`).innerText()), st).toBe(count(st));
    }
    await p.context.close();
  }, 240_000);

  test('(1b, 2) RAMQ service owner: worst step of the worst service, a release annotation, before/after equal to the API; annotations through the app and the API, audited', async () => {
    const { context, page } = await newPage();
    await signIn(page, 'demo-responsable');
    await page.goto(`${signed.url}/fr/organisations/RAMQ`);
    // The worst service heads "services à surveiller" (score explained beside it).
    expect(await page.locator('[data-watch-explained]').count()).toBe(1);
    const worstLink = page.locator('ol.services li a').first();
    const service = decodeURIComponent(((await worstLink.getAttribute('href')) ?? '').split('/services/')[1].split('?')[0]);
    await worstLink.click();
    await page.waitForURL(new RegExp(`/services/${service}`, 'u'));
    // The worst step: the funnel's largest drop-off, equal to the metrics API's for the same period.
    const range = ((await page.locator('[data-range]').first().getAttribute('data-range')) ?? '').split('/');
    const drops = await page.locator('table[data-table="funnel"] tbody tr').evaluateAll((rows) =>
      rows.map((r) => ({ step: Number(r.querySelector('th')?.getAttribute('data-value')), drop: Number(r.querySelectorAll('td')[2]?.getAttribute('data-value') ?? 'NaN') }))
    );
    const worst = drops.filter((d) => Number.isFinite(d.drop)).sort((x, y) => y.drop - x.drop)[0];
    const funnelApi = (await (await page.request.get(`${signed.url}/api/v1/metrics/step_drop_off?grain=all&from=${range[0]}&to=${range[1]}&org=RAMQ&service=${service}`)).json()) as { rows: { value: number | null; step?: { index: number } }[] };
    const apiWorst = funnelApi.rows.filter((r) => r.value !== null).sort((x, y) => (y.value ?? 0) - (x.value ?? 0))[0];
    expect(worst.step).toBe(apiWorst.step?.index);
    // The table's data-value is the CSV's: a ratio written in % (csv.ts).
    expect(worst.drop).toBeCloseTo((apiWorst.value ?? NaN) * 100, 9);
    await shots(page, 'service-owner-service');

    // A release annotation through the page form (the whole history shown, so the test does not depend on today's date).
    const day = '2026-06-01';
    await page.goto(`${signed.url}/fr/services/${service}?period=all`);
    await page.click('details.add summary');
    const create = page.locator('form[data-annotation-create]');
    await create.locator('input[name="date"]').fill(day);
    await create.locator('select[name="kind"]').selectOption('release');
    await create.locator('input[name="text_fr"]').fill('Nouvelle étape de paiement');
    await create.locator('input[name="text_en"]').fill('New payment step');
    await create.locator('button[type="submit"]').click();
    await page.waitForURL((u) => u.hash === '#annotations-title');
    const row = page.locator(`tr[data-annotation][data-day="${day}"][data-kind="release"]`);
    expect(await row.count()).toBe(1);
    const id = (await row.getAttribute('data-annotation')) ?? '';

    // Before/after around it: same-length windows whose counts equal the API's.
    await row.locator('a[data-ba-link]').click();
    await page.waitForURL((u) => u.searchParams.get('around') === day);
    const windows = await page.locator('tr[data-ba-window]').evaluateAll((rows) =>
      rows.map((r) => ({ key: r.getAttribute('data-ba-window'), from: r.getAttribute('data-from') ?? '', to: r.getAttribute('data-to') ?? '', started: Number(r.getAttribute('data-started')), completed: Number(r.getAttribute('data-completed')) }))
    );
    expect(windows.map((w) => w.key)).toEqual(['before', 'after']);
    const length = (w: { from: string; to: string }) => (Date.parse(w.to) - Date.parse(w.from)) / 86_400_000;
    expect(length(windows[0])).toBe(length(windows[1]));
    expect(windows[0].to).toBe(day);
    expect(windows[1].from).toBe(day);
    for (const w of windows) {
      const ans = (await (await page.request.get(`${signed.url}/api/v1/metrics/completion_rate?grain=all&from=${w.from}&to=${w.to}&org=RAMQ&service=${service}`)).json()) as { rows: { numerator: number; denominator: number }[] };
      expect({ started: w.started, completed: w.completed }, w.key ?? '').toEqual({ started: ans.rows[0].denominator, completed: ans.rows[0].numerator });
    }
    // The difference and its 95 % interval, worked out here from the counts.
    const [b, a] = windows;
    const p1 = b.completed / b.started;
    const p2 = a.completed / a.started;
    const half = 1.959963984540054 * Math.sqrt((p1 * (1 - p1)) / b.started + (p2 * (1 - p2)) / a.started);
    const diff = page.locator('[data-ba-difference]');
    expect(Number(await diff.getAttribute('data-ba-difference'))).toBeCloseTo(p2 - p1, 12);
    expect(Number(await diff.getAttribute('data-ba-low'))).toBeCloseTo(p2 - p1 - half, 12);
    expect(Number(await diff.getAttribute('data-ba-high'))).toBeCloseTo(p2 - p1 + half, 12);
    await page.locator('#before-after').scrollIntoViewIfNeeded();
    await shots(page, 'before-after');

    // Edit through the app: the text changes, the id stays (same day and kind).
    await page.locator(`tr[data-annotation="${id}"] details summary`).click();
    const edit = page.locator(`form[data-annotation-edit="${id}"]`);
    await edit.locator('input[name="text_fr"]').fill('Nouvelle étape de paiement (v2)');
    await edit.locator('button[type="submit"]').click();
    await page.waitForURL((u) => u.hash === '#annotations-title');
    expect(await page.locator(`tr[data-annotation="${id}"] td[data-note]`).innerText()).toBe('Nouvelle étape de paiement (v2)');
    // Delete through the app.
    await page.locator(`form[data-annotation-delete="${id}"] button`).click();
    await page.waitForURL((u) => u.hash === '#annotations-title');
    expect(await page.locator(`tr[data-annotation="${id}"]`).count()).toBe(0);

    // The same through the API, with the same session: create (a 15 February note), edit, delete; another
    // organization's service is refused.
    const api = (method: string, p: string, body?: unknown) =>
      page.request.fetch(`${signed.url}/api/v1/annotations${p}`, { method, headers: { origin: signed.url, 'content-type': 'application/json' }, ...(body ? { data: JSON.stringify(body) } : {}) });
    const created = await api('POST', '', { service, date: '2023-02-15', kind: 'policy', text_fr: 'Nouvelle règle', text_en: 'New rule' });
    expect(created.status()).toBe(201);
    const note = (await created.json()) as { id: string; day: string };
    expect(note.day).toBe('2023-02-15');
    // Drawn in February on a monthly chart (fiscal year 2022-2023: months), in the first quarter on a quarterly one.
    await page.goto(`${signed.url}/fr/services/${service}?period=fy2022`);
    const k = await page.locator('section[data-annotations] tbody tr').evaluateAll((rows, nid) => rows.findIndex((r) => r.getAttribute('data-annotation') === nid), note.id);
    expect(k).toBeGreaterThanOrEqual(0);
    expect(await page.locator(`[data-chart="completion"] [data-mark="${k + 1}"]`).getAttribute('data-mark-period')).toBe('2023-02');
    expect(await page.locator(`[data-chart="channel-shift"] [data-mark="${k + 1}"]`).getAttribute('data-mark-period')).toBe('2023-Q1');
    await shots(page, 'annotation-february');

    const edited = await api('PUT', `/${note.id}`, { date: '2023-02-15', kind: 'policy', text_fr: 'Règle modifiée', text_en: 'Rule changed' });
    expect(edited.status()).toBe(200);
    expect(((await (await api('GET', `/${note.id}`)).json()) as { text: { fr: string } }).text.fr).toBe('Règle modifiée');
    expect((await api('DELETE', `/${note.id}`)).status()).toBe(200);
    expect((await api('GET', `/${note.id}`)).status()).toBe(404);
    expect((await api('POST', '', { service: 'SAAQ-TRANSFERT', date: '2023-02-15', kind: 'release', text_fr: 'x' })).status()).toBe(403);
    expect((await api('POST', '', { service, date: '2023-02-30', kind: 'release', text_fr: 'x' })).status()).toBe(400);
    await context.close();
    // Nobody signed in (sign-in required): 401, nothing written.
    expect((await fetch(`${signed.url}/api/v1/annotations`, { method: 'POST', headers: { origin: signed.url, 'content-type': 'application/json' }, body: JSON.stringify({ service, date: '2023-03-01', kind: 'note', text_fr: 'x' }) })).status).toBe(401);

    // Every write audited, in order, with its outcome: app create, edit, delete; API create, edit, delete; the refusal.
    const audit = await wh.query<{ target: string; ok: boolean | number; detail: string }>(
      "SELECT target, ok, detail FROM audit_log WHERE action = 'annotation' AND actor = 'demo-responsable' ORDER BY at, detail"
    );
    const ops = audit.map((r) => `${(JSON.parse(r.detail) as { op: string }).op}:${Number(r.ok) ? 'ok' : 'refused'}`);
    expect(ops).toEqual(['create:ok', 'update:ok', 'delete:ok', 'create:ok', 'update:ok', 'delete:ok', 'create:refused', 'create:refused']);
    expect(audit.slice(0, 3).map((r) => r.target)).toEqual([`annotation:${id}`, `annotation:${id}`, `annotation:${id}`]);
  }, 240_000);

  test('(3) the period drop-down does not navigate on keyboard changes; one « Appliquer » = one history entry; custom range; every fiscal year', async () => {
    const { context, page } = await newPage();
    await page.goto(`${open.url}/fr`);
    const select = page.locator('[data-filters] select[name="period"]');
    await select.focus();
    const before = { url: page.url(), history: await page.evaluate(() => history.length) };
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    await page.waitForTimeout(1500);
    expect(page.url()).toBe(before.url);
    expect(await page.evaluate(() => history.length)).toBe(before.history);
    expect(await select.inputValue()).toBe('3m');
    await page.click('[data-filters] button[type="submit"]');
    await page.waitForURL(/period=3m/u);
    expect(await page.evaluate(() => history.length)).toBe(before.history + 1);
    // Presets start on the 1st.
    expect(((await page.locator('[data-range]').first().getAttribute('data-range')) ?? '').slice(8, 10)).toBe('01');

    // Every fiscal year since 2018-2019 can be chosen.
    const offered = await select.locator('option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
    const current = fiscalYearOf(new Date());
    for (let fy = 2018; fy <= current; fy++) expect(offered).toContain(`fy${fy}`);
    await select.selectOption('fy2018');
    await page.click('[data-filters] button[type="submit"]');
    await page.waitForURL(/period=fy2018/u);
    expect(await page.locator('[data-range]').first().getAttribute('data-range')).toBe('2018-04-01/2019-04-01');
    expect(await page.evaluate(() => history.length)).toBe(before.history + 2);

    // A custom range, both days included.
    await page.fill('[data-filters] input[name="from"]', '2022-09-01');
    await page.fill('[data-filters] input[name="to"]', '2022-12-31');
    expect(await select.inputValue()).toBe('custom');
    await page.click('[data-filters] button[type="submit"]');
    await page.waitForURL((u) => u.searchParams.get('from') === '2022-09-01' && u.searchParams.get('to') === '2022-12-31');
    expect(await page.locator('[data-range]').first().getAttribute('data-range')).toBe('2022-09-01/2023-01-01');
    expect(await page.evaluate(() => history.length)).toBe(before.history + 3);
    await shots(page, 'custom-range');
    await context.close();
  }, 120_000);

  test('(4) axe: no serious or critical violation on the new and changed pages, in French and English', async () => {
    const owner = await newPage();
    await signIn(owner.page, 'demo-responsable');
    const admin = await newPage();
    await signIn(admin.page, 'demo-admin');
    const pub = await newPage();
    await pub.page.goto(`${open.url}/fr`);
    const pages: { page: Page; url: string; name: string }[] = [
      { page: pub.page, url: `${open.url}/fr`, name: 'home-fr' },
      { page: pub.page, url: `${open.url}/en`, name: 'home-en' },
      { page: owner.page, url: `${signed.url}/fr/organisations/RAMQ`, name: 'organization-fr' },
      { page: owner.page, url: `${signed.url}/en/organizations/RAMQ`, name: 'organization-en' },
      { page: owner.page, url: `${signed.url}/fr/services/RAMQ-CARTE-RENOUV?period=fy2021&around=2021-06-01`, name: 'service-fr' },
      { page: owner.page, url: `${signed.url}/en/services/RAMQ-CARTE-RENOUV?from=2021-01-01&to=2021-12-31&around=2021-06-01&days=28`, name: 'service-en' },
      { page: admin.page, url: `${signed.url}/fr/admin/comptes`, name: 'accounts-fr' },
      { page: admin.page, url: `${signed.url}/en/admin/accounts`, name: 'accounts-en' }
    ];
    for (const p of pages) {
      const started = Date.now();
      const res = await p.page.goto(p.url);
      expect(res?.status(), p.name).toBe(200);
      await expectNoSeriousAxe(p.page);
      await shots(p.page, `axe-${p.name}`);
      process.stdout.write(`axe ${p.name}: ${Date.now() - started} ms\n`);
    }
    // The administrator resets the service owner's password in the app; the new one signs in.
    await admin.page.goto(`${signed.url}/fr/admin/comptes`);
    await admin.page.locator('tr[data-account="demo-responsable"] form[action="?/reset"] button').click();
    const fresh = (await admin.page.locator('[data-new-password]').innerText()).trim();
    expect(fresh.length).toBeGreaterThanOrEqual(12);
    passwords.set('demo-responsable', fresh);
    const again = await newPage();
    await signIn(again.page, 'demo-responsable');
    expect(again.page.url()).not.toContain('connexion');
    for (const c of [owner, admin, pub, again]) await c.context.close();
  }, 600_000);
});
