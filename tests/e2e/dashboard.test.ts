// End-to-end: Debian's Chromium (playwright-core) over every dashboard page in French and English, against a
// real `jalon serve` on a demo. Figures shown equal the engine's for the same filters (the HTTP metrics API when it
// and /api/v1/scorecard, or the engine's runMetric in-process when the metrics API is not mounted); filters change the URL and the figures; CSV equals the
// table; back/forward restore the view; axe finds nothing serious; the keyboard reaches every control;
// screenshots of each page at 1366×768 and 390×844 go to test-results/screenshots/.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { chromium } from 'playwright-core';
import { AxeBuilder } from '@axe-core/playwright';
import { ServerWarehouse } from '../../warehouse/server.ts';
import type { Warehouse } from '../../warehouse/warehouse.ts';
import { runMetric } from '../../metrics/run-metric.ts';
import { DEMO_EXECUTIVE } from '../../access/caller.ts';
import type { Dimension, MetricAnswer } from '../../metrics/types.ts';
import { periodRange } from '../../dashboard/lib/filters.ts';
import { i18n } from '../../dashboard/lib/i18n/index.ts';
import { fr as frMessages } from '../../dashboard/lib/i18n/messages-fr.ts';
import { en as enMessages } from '../../dashboard/lib/i18n/messages-en.ts';
import { CHROMIUM, CHROMIUM_ARGS, SCREENSHOTS, requireChromium, startDashboard, type RunningDashboard } from './support/dashboard-server.ts';

requireChromium();

const PAGES: { name: string; fr: string; en: string }[] = [
  { name: 'scorecard', fr: '/fr', en: '/en' },
  { name: 'organizations', fr: '/fr/organisations', en: '/en/organizations' },
  { name: 'organization', fr: '/fr/organisations/RAMQ', en: '/en/organizations/RAMQ' },
  { name: 'service', fr: '/fr/services/RAMQ-CARTE-RENOUV', en: '/en/services/RAMQ-CARTE-RENOUV' },
  { name: 'indicator', fr: '/fr/indicateurs/digital_take_up', en: '/en/indicators/digital_take_up' },
  { name: 'catalogue', fr: '/fr/indicateurs', en: '/en/indicators' }
];

let server: RunningDashboard;
let browser: Browser;
let wh: Warehouse;

beforeAll(async () => {
  const clickhouseUrl = inject('clickhouseUrl');
  server = await startDashboard(clickhouseUrl);
  wh = await ServerWarehouse.open({ url: clickhouseUrl, username: 'default', password: '', database: server.database, createDatabase: false });
  // The home reads every organization's published scorecard: the first request waits for them (the rollups job
  // prepares them after start); warmed here so that page timings measure pages, not the first computation.
  expect((await fetch(`${server.url}/fr`)).status).toBe(200);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
}, 480_000);

afterAll(async () => {
  await browser?.close();
  await wh?.close();
  await server?.stop();
});

async function newPage(viewport = { width: 1366, height: 768 }): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport, locale: 'fr-CA' });
  return { context, page: await context.newPage() };
}

/** The engine's answer for the same request the page made: the HTTP API when mounted, else runMetric in-process. */
async function engine(metric: string, filters: Partial<Record<Dimension, string[]>> = {}, period = '12m'): Promise<MetricAnswer> {
  const now = new Date();
  const { from, to } = periodRange(period, now);
  const q = new URLSearchParams({ from, to, grain: 'all' });
  for (const [d, v] of Object.entries(filters)) q.set(d, v.join(','));
  const res = await fetch(`${server.url}/api/v1/metrics/${metric}?${q}`).catch(() => null);
  if (res && res.ok && (res.headers.get('content-type') ?? '').includes('json')) {
    const body = (await res.json()) as Partial<MetricAnswer>;
    if (Array.isArray(body.rows)) return body as MetricAnswer;
  }
  return runMetric(
    wh,
    { smallCountThreshold: 10, digitalChannels: ['web', 'mobile'] },
    { metric, from, to, grain: 'all', by: [], filters, compare: 'none', caller: DEMO_EXECUTIVE, now }
  );
}

/** Same figure: equal up to float summation order (ClickHouse sums in parallel, in any order). */
function expectSame(shown: number | null, expected: number | null, label = ''): void {
  if (shown === null || expected === null) {
    expect(shown, label).toBe(expected);
    return;
  }
  expect(Math.abs(shown - expected), `${label}: ${shown} vs ${expected}`).toBeLessThanOrEqual(Math.abs(expected) * 1e-12 + 1e-12);
}

/** The scorecard API's value of each indicator (first occurrence), for a scope. */
async function scorecardApi(org: string | null): Promise<Record<string, number | null>> {
  const res = await fetch(`${server.url}/api/v1/scorecard${org ? `?org=${org}` : ''}`);
  expect(res.status).toBe(200);
  const body = (await res.json()) as { characteristics: { indicators: { metric: string; value: number | null }[] }[] };
  const out: Record<string, number | null> = {};
  for (const c of body.characteristics) for (const i of c.indicators) if (!(i.metric in out)) out[i.metric] = i.value;
  return out;
}

/** The scorecard page's value of each indicator row (first occurrence). */
async function scorecardShown(page: Page): Promise<Record<string, number | null>> {
  const pairs = await page
    .locator('section[data-characteristic] td[data-metric]')
    .evaluateAll((cells) => cells.map((c) => [c.getAttribute('data-metric') ?? '', c.getAttribute('data-value') ?? ''] as const));
  const out: Record<string, number | null> = {};
  for (const [m, v] of pairs) if (!(m in out)) out[m] = v === '' ? null : Number(v);
  return out;
}

async function shownValue(page: Page, metric: string): Promise<number | null> {
  const raw = await page.locator(`[data-metric="${metric}"]`).first().getAttribute('data-value');
  return raw === null || raw === '' ? null : Number(raw);
}

describe('dashboard in Chromium', () => {
  for (const p of PAGES) {
    for (const lang of ['fr', 'en'] as const) {
      test(`${p.name} (${lang}): renders, passes axe, screenshots, no untranslated text`, async () => {
        const { context, page } = await newPage();
        const res = await page.goto(server.url + p[lang]);
        expect(res?.status()).toBe(200);
        expect(await page.getAttribute('html', 'lang')).toBe(lang);
        expect(await page.locator('h1').count()).toBe(1);

        const axe = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
        const serious = axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
        expect(serious.map((v) => `${v.id}: ${v.help} (${v.nodes.length}) ${v.nodes.slice(0, 2).map((n) => n.target.join(' ')).join(' | ')}`)).toEqual([]);

        // Messages of the other language must not show (only strings that differ and are long enough to be telling).
        const text = await page.locator('body').innerText();
        const other = lang === 'fr' ? enMessages : frMessages;
        const mine = lang === 'fr' ? frMessages : enMessages;
        const leaks = (Object.keys(other) as (keyof typeof other)[])
          .filter((k) => other[k] !== mine[k] && other[k].length > 12 && !other[k].includes('{'))
          .filter((k) => text.includes(other[k]));
        expect(leaks).toEqual([]);

        await page.screenshot({ path: path.join(SCREENSHOTS, `${p.name}-${lang}-1366x768.png`), fullPage: true });
        await page.setViewportSize({ width: 390, height: 844 });
        await page.screenshot({ path: path.join(SCREENSHOTS, `${p.name}-${lang}-390x844.png`), fullPage: true });
        await context.close();
      });
    }
  }

  test('/ picks the language from Accept-Language', async () => {
    const en = await fetch(`${server.url}/`, { headers: { 'accept-language': 'en-CA,en;q=0.9' }, redirect: 'manual' });
    expect(en.headers.get('location')).toMatch(/\/en$/);
    const fr = await fetch(`${server.url}/`, { headers: { 'accept-language': 'fr-CA,fr;q=0.9,en;q=0.5' }, redirect: 'manual' });
    expect(fr.headers.get('location')).toMatch(/\/fr$/);
  });

  test('scorecard figures equal the API, a filter changes URL and figures, back/forward restore the view', async () => {
    const { context, page } = await newPage();
    await page.goto(`${server.url}/fr`);
    const gov = await scorecardApi(null);
    const shownGov = await scorecardShown(page);
    expect(Object.keys(shownGov).length).toBeGreaterThan(10);
    for (const [metric, value] of Object.entries(shownGov)) expectSame(value, gov[metric] ?? null, metric);
    // Value created over the selected period, from the metrics API.
    const before: Record<string, number | null> = { digital_take_up: shownGov.digital_take_up ?? null };
    for (const m of ['value_time_saved', 'value_cost_avoided']) expectSame(await shownValue(page, m), (await engine(m)).rows[0]?.value ?? null, m);
    // Shown with Intl fr-CA, e.g. « 48,7 % ».
    const cell = (await page.locator('td[data-metric="digital_take_up"]').first().innerText()).trim();
    expect(cell.startsWith(i18n('fr').percent(before.digital_take_up))).toBe(true);
    expect(cell).toMatch(/^\d{1,3},\d\s%/);

    // A change does not navigate by itself (WCAG 3.2.2): « Appliquer » does.
    await page.selectOption('select[name="org"]', 'RQ');
    await page.click('[data-filters] button[type="submit"]');
    await page.waitForURL(/org=RQ/);
    await page.waitForFunction(() => document.querySelector('.loading')?.textContent === '');
    const rq = await scorecardApi('RQ');
    const shownRq = await scorecardShown(page);
    for (const [metric, value] of Object.entries(shownRq)) expectSame(value, rq[metric] ?? null, metric);
    const after = shownRq.digital_take_up ?? null;
    expect(after).not.toBe(before.digital_take_up);
    const hoursRq = await shownValue(page, 'value_time_saved');
    expectSame(hoursRq, (await engine('value_time_saved', { org: ['RQ'] })).rows[0]?.value ?? null);

    await page.selectOption('select[name="period"]', 'all');
    await page.click('[data-filters] button[type="submit"]');
    await page.waitForURL(/period=all/);
    await page.waitForFunction(() => document.querySelector('.loading')?.textContent === '');
    const hoursAll = await shownValue(page, 'value_time_saved');
    expectSame(hoursAll, (await engine('value_time_saved', { org: ['RQ'] }, 'all')).rows[0]?.value ?? null);
    expect(hoursAll).not.toBe(hoursRq);

    await page.goBack();
    await page.waitForURL((u) => !u.search.includes('period=all') && u.search.includes('org=RQ'));
    await page.waitForFunction(() => document.querySelector('.loading')?.textContent === '');
    expectSame(await shownValue(page, 'digital_take_up'), after);
    expectSame(await shownValue(page, 'value_time_saved'), hoursRq);
    expect(await page.inputValue('select[name="period"]')).toBe('12m');
    await page.goBack();
    await page.waitForURL((u) => u.search === '');
    await page.waitForFunction(() => document.querySelector('.loading')?.textContent === '');
    expectSame(await shownValue(page, 'digital_take_up'), before.digital_take_up);
    expect(await page.inputValue('select[name="org"]')).toBe('');
    await page.goForward();
    await page.waitForURL(/org=RQ/);
    await page.waitForFunction(() => document.querySelector('.loading')?.textContent === '');
    expectSame(await shownValue(page, 'digital_take_up'), after);
    expect(await page.inputValue('select[name="org"]')).toBe('RQ');
    await context.close();
  });

  test('organization and service figures equal the engine (English)', async () => {
    const { context, page } = await newPage();
    await page.goto(`${server.url}/en/organizations/RAMQ`);
    // The organization page shows each indicator over the selected period (12 months by default) and filters.
    for (const m of ['digital_take_up', 'satisfaction', 'completion_rate', 'time_to_complete']) {
      expectSame(await shownValue(page, m), (await engine(m, { org: ['RAMQ'] })).rows[0]?.value ?? null, m);
    }
    await page.goto(`${server.url}/en/services/RAMQ-CARTE-RENOUV`);
    const sat = await engine('satisfaction', { org: ['RAMQ'], service: ['RAMQ-CARTE-RENOUV'] });
    const table = page.locator('table[data-table="satisfaction"] tbody tr');
    const counts = await table.evaluateAll((rows) => rows.map((r) => Number(r.querySelectorAll('td')[0]?.getAttribute('data-value') ?? 'NaN')));
    const expected = [5, 4, 3, 2, 1].map((n) => sat.rows[0]?.extra?.[`rated_${n}`] ?? null);
    expect(counts).toEqual(expected.map((v) => (v === null ? 0 : v)));
    await context.close();
  });

  test('CSV export equals the data table (service funnel and indicator series)', async () => {
    const { context, page } = await newPage();
    for (const [url, chart] of [
      ['/fr/services/RAMQ-CARTE-RENOUV', 'funnel'],
      ['/en/indicators/digital_take_up?period=all', 'series']
    ] as const) {
      await page.goto(server.url + url);
      const href = await page.locator(`a[data-csv="${chart}"]`).getAttribute('href');
      expect(href).toMatch(/^data:text\/csv/);
      const csv = decodeURIComponent((href ?? '').split(',').slice(1).join(',')).replace(/^\uFEFF/, '');
      const lines = csv.trim().split(/\r\n/).map(parseCsvLine);
      await page.locator(`figure[data-chart="${chart}"] summary`).click();
      const header = await page.locator(`table[data-table="${chart}"] thead th`).allInnerTexts();
      const cells = await page
        .locator(`table[data-table="${chart}"] tbody tr`)
        .evaluateAll((rows) => rows.map((r) => [...r.children].map((c) => c.getAttribute('data-value') ?? '')));
      expect(lines[0]).toEqual(header.map((h) => h.trim()));
      expect(lines.slice(1)).toEqual(cells);
      expect(cells.length).toBeGreaterThan(0);
    }
    await context.close();
  });

  test('SVG and PNG export download the drawing', async () => {
    const context = await browser.newContext({ acceptDownloads: true });
    const page = await context.newPage();
    await page.goto(`${server.url}/en/services/RAMQ-CARTE-RENOUV`);
    const frame = page.locator('figure[data-chart="times"]');
    const [svg] = await Promise.all([page.waitForEvent('download'), frame.getByRole('button', { name: 'Download SVG' }).click()]);
    expect(svg.suggestedFilename()).toMatch(/\.svg$/);
    const text = fs.readFileSync((await svg.path()) ?? '', 'utf8');
    expect(text).toMatch(/^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    // The box plot: a row per channel, a box for each channel with quartiles, and the legend's sample box.
    expect((text.match(/<g data-box=/g) ?? []).length).toBeGreaterThanOrEqual(4);
    const quartiles = (text.match(/data-q1="\d/g) ?? []).length;
    expect(quartiles).toBeGreaterThanOrEqual(3);
    expect((text.match(/<rect/g) ?? []).length).toBe(quartiles + 1);
    const [png] = await Promise.all([page.waitForEvent('download'), frame.getByRole('button', { name: 'Download PNG' }).click()]);
    expect(png.suggestedFilename()).toMatch(/\.png$/);
    expect(fs.readFileSync((await png.path()) ?? '').subarray(1, 4).toString()).toBe('PNG');
    await context.close();
  });

  test('keyboard alone reaches every control of the service page', async () => {
    const { context, page } = await newPage();
    await page.goto(`${server.url}/fr/services/RAMQ-CARTE-RENOUV`);
    await page.waitForSelector('button:has-text("SVG")');
    const total = await page.evaluate(() => {
      const all = [...document.querySelectorAll<HTMLElement>('a[href], button, select, summary, input, [tabindex]:not([tabindex="-1"])')];
      const visible = all.filter((e) => !e.closest('[hidden]') && e.getClientRects().length > 0 && !(e.closest('details:not([open])') && e.tagName !== 'SUMMARY'));
      visible.forEach((e, k) => e.setAttribute('data-kb', String(k)));
      return visible.length;
    });
    // A date input takes three Tab stops in Chromium (day, month, year), the custom range and before/after fields.
    const dateInputs = await page.locator('input[type="date"]').count();
    const reached = new Set<string>();
    for (let k = 0; k < total + 5 + 2 * dateInputs; k++) {
      await page.keyboard.press('Tab');
      const id = await page.evaluate(() => document.activeElement?.getAttribute('data-kb') ?? null);
      if (id !== null) reached.add(id);
    }
    const missed = await page.evaluate((seen) => [...document.querySelectorAll('[data-kb]')].filter((e) => !seen.includes(e.getAttribute('data-kb') ?? '')).map((e) => e.outerHTML.slice(0, 80)), [...reached]);
    expect(missed).toEqual([]);
    expect(reached.size).toBe(total);
    // The skip link comes first and lands on the main content.
    await page.keyboard.press('Home');
    await page.goto(`${server.url}/fr/services/RAMQ-CARTE-RENOUV`);
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('href'))).toBe('#main');
    await context.close();
  });

  test('pages read without JavaScript (server-rendered figures)', async () => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto(`${server.url}/fr`);
    expectSame(await shownValue(page, 'digital_take_up'), (await scorecardApi(null)).digital_take_up ?? null);
    // The filter form still works: a plain GET.
    await page.selectOption('select[name="org"]', 'RQ');
    await page.click('[data-filters] button[type="submit"]');
    await page.waitForURL(/org=RQ/);
    expectSame(await shownValue(page, 'digital_take_up'), (await scorecardApi('RQ')).digital_take_up ?? null);
    await context.close();
  });

  test('unknown pages say what happened', async () => {
    const { context, page } = await newPage();
    const res = await page.goto(`${server.url}/en/services/NOPE`);
    expect(res?.status()).toBe(404);
    expect(await page.locator('[role="alert"]').innerText()).toContain('NOPE');
    await context.close();
  });
});

function parseCsvLine(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let k = 0; k < line.length; k++) {
    const c = line[k];
    if (quoted) {
      if (c === '"' && line[k + 1] === '"') {
        cur += '"';
        k++;
      } else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}
