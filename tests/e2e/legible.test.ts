// Issue 15 in real Chromium on the open demo. On every page type, in French and in English, at 1366 px and 390 px
// (and 640 px, between the phone's cards and the wide layout, for the cheap checks): the browser's text boxes show no
// two chart texts overlapping, none sticking out of its SVG and none under 11 px; no label drawn at 1366 px is gone at
// 390 or 640 px unless it went to a legend or is in the data table; axe finds nothing serious; the page never scrolls
// sideways at 390 or 640 px, and at 390 px (cards) and 1366 px no table outside a chart's data table scrolls sideways
// inside its own region and every status is in sight. Every chart export (SVG, and a PNG drawn from it) carries its title,
// scope, period, source and date as text; a chart CSV names its unit in the header and its filters in the file name.
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { chromium } from 'playwright-core';
import { AxeBuilder } from '@axe-core/playwright';
import { i18n, type Lang } from '../../dashboard/lib/i18n/index.ts';
import { CHROMIUM, CHROMIUM_ARGS, requireChromium, startDashboard, type RunningDashboard } from './support/dashboard-server.ts';
import { readCharts, type ChartReading } from './support/text-boxes.ts';

requireChromium();

// One address per page type and language: the page types with charts, and a duration and a step indicator, whose
// charts differ from a proportion's.
const PAGES: { name: string; fr: string; en: string }[] = [
  { name: 'scorecard', fr: '/fr', en: '/en' },
  { name: 'organizations', fr: '/fr/organisations', en: '/en/organizations' },
  { name: 'organization', fr: '/fr/organisations/RAMQ', en: '/en/organizations/RAMQ' },
  // The fiscal year holding the demo's release note on this service (1 June 2021), with the before/after view around
  // it: the page then shows every table it can (split funnel, before/after, annotations).
  { name: 'service', fr: '/fr/services/RAMQ-CARTE-RENOUV?period=fy2021&around=2021-06-01', en: '/en/services/RAMQ-CARTE-RENOUV?period=fy2021&around=2021-06-01' },
  { name: 'indicator', fr: '/fr/indicateurs/digital_take_up', en: '/en/indicators/digital_take_up' },
  { name: 'indicator-duration', fr: '/fr/indicateurs/time_to_complete', en: '/en/indicators/time_to_complete' },
  { name: 'indicator-steps', fr: '/fr/indicateurs/step_drop_off', en: '/en/indicators/step_drop_off' },
  { name: 'catalogue', fr: '/fr/indicateurs', en: '/en/indicators' },
  { name: 'open-data', fr: '/donnees-ouvertes', en: '/open-data' }
];
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
/** Page types whose axe check at 1366 px is dashboard.test.ts's (same pages, both languages). */
const AXED_AT_1366 = ['scorecard', 'organizations', 'organization', 'service', 'indicator', 'catalogue'];
/** Tables each page type must show, which the phone check reads (so that it cannot pass on a page without them). */
const PHONE_TABLES: Record<string, string[]> = {
  scorecard: ['table.status-grid', 'section[data-characteristic] table'],
  organization: ['section[data-org-characteristics] table'],
  service: ['table[data-split-table="channel"]', 'table[data-split-table="client_type"]', 'table[data-ba-table]', 'section[data-annotations] table']
};
/** A width between the phone's cards (under 600 px) and the wide layout, where charts draw stacked at their widest. */
const MIDDLE = 640;

// Fiscal year 2025 runs from 1 April 2025 to 31 March 2026: the range [2025-04-01, 2026-04-01).
const INDICATOR = '/fr/indicateurs/digital_take_up?org=RAMQ&period=fy2025';
const FILE = 'digital_take_up_RAMQ_2025-04-01_2026-04-01';

let server: RunningDashboard;
let browser: Browser;

beforeAll(async () => {
  server = await startDashboard(inject('clickhouseUrl'));
  // The home reads every organization's scorecard: warmed here, so that the browser's first visit does not wait.
  expect((await fetch(`${server.url}/fr`)).status).toBe(200);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}, 480_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

/** A page loaded and its charts redrawn for the measured width (chart-frame.svelte sets data-width once mounted). */
async function open(page: Page, url: string): Promise<void> {
  const res = await page.goto(server.url + url);
  expect(res?.status(), url).toBe(200);
  await page.waitForFunction(() => [...document.querySelectorAll('figure[data-chart] .drawing')].every((d) => d.hasAttribute('data-width')), undefined, { timeout: 30_000 });
}

/** The page at another width, once every chart has redrawn for its new measured width (no new page load). */
async function resize(page: Page, width: number): Promise<void> {
  await page.setViewportSize({ width, height: 900 });
  await page.waitForFunction(
    () => [...document.querySelectorAll('figure[data-chart] .drawing')].every((d) => d.getAttribute('data-width') === String(Math.floor(d.clientWidth))),
    undefined,
    { timeout: 30_000 }
  );
}

/** Where the document is wider than the window: its scroll width and the first elements sticking out. */
function pageWidth(): { scroll: number; inner: number; out: string[] } {
  const out = [...document.querySelectorAll('body *')]
    .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 0.5)
    .slice(0, 3)
    .map((e) => `${e.tagName.toLowerCase()}.${[...e.classList].join('.')} → ${Math.round(e.getBoundingClientRect().right)}`);
  return { scroll: document.documentElement.scrollWidth, inner: window.innerWidth, out };
}

/** Tables outside a chart's data table that scroll sideways inside a region of their own, and statuses out of sight
 *  (a status badge or grid cell past the window's edge, or cut by its scrolling region). Checked at 390 px, where
 *  tables are cards, and at 1366 px; between the two a wide table may still scroll in its region. `wanted`: selectors
 *  of tables the page must hold; one missing is reported too. Runs in the page. */
function pageTables(wanted: string[]): string[] {
  const problems: string[] = [];
  for (const sel of wanted) if (!document.querySelector(sel)) problems.push(`no ${sel} on the page`);
  const name = (t: Element) => `table${t.className ? `.${[...t.classList].join('.')}` : ''}${[...t.attributes].filter((a) => a.name.startsWith('data-')).map((a) => `[${a.name}="${a.value}"]`).join('')}`;
  for (const table of document.querySelectorAll('main table')) {
    if (table.closest('details.table-view')) continue;
    for (let e = table.parentElement; e && e !== document.body; e = e.parentElement) {
      const o = getComputedStyle(e).overflowX;
      if ((o === 'auto' || o === 'scroll') && e.scrollWidth > e.clientWidth + 1) {
        problems.push(`${name(table)} scrolls sideways inside its region (${e.scrollWidth} px in ${e.clientWidth} px)`);
        break;
      }
    }
  }
  const statuses = [...document.querySelectorAll('main [data-status], main [data-org-status], main [data-gov-status]')].filter((e) => !e.closest('details.table-view'));
  const cut = statuses.filter((e) => {
    const r = e.getBoundingClientRect();
    return r.width > 0 && (r.right > window.innerWidth + 0.5 || r.left < -0.5);
  });
  if (cut.length) problems.push(`${cut.length} of ${statuses.length} statuses out of sight (first: ${cut[0].textContent?.trim()})`);
  return problems;
}

async function newContext(width: number): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: { width, height: 900 }, acceptDownloads: true });
  // Test helpers compiled with "keep names" call a __name helper inside page.evaluate: harmless in the page.
  await context.addInitScript('window.__name = (f) => f');
  return context;
}

describe('legible on a phone and in exports', () => {
  test('every page, both languages, 1366, 640 and 390 px: chart texts neither overlap nor stick out, labels survive the phone, axe passes, no sideways scroll, phone tables are cards', async () => {
    const wide = await newContext(1366);
    const narrow = await newContext(390);
    const [pw, pn] = [await wide.newPage(), await narrow.newPage()];
    const problems: string[] = [];
    const check = (where: string, charts: ChartReading[]) => {
      for (const c of charts) {
        for (const o of c.overlaps) problems.push(`${where} ${c.chart}: overlap ${o}`);
        for (const o of c.clipped) problems.push(`${where} ${c.chart}: clipped ${o}`);
        for (const o of c.small) problems.push(`${where} ${c.chart}: small ${o}`);
        if (c.scrolls) problems.push(`${where} ${c.chart}: the drawing scrolls sideways`);
      }
    };
    const axe = async (where: string, page: Page) => {
      const result = await new AxeBuilder({ page }).withTags(AXE_TAGS).analyze();
      for (const v of result.violations.filter((x) => x.impact === 'serious' || x.impact === 'critical')) {
        problems.push(`${where} axe ${v.id} (${v.nodes.length}): ${v.nodes.slice(0, 2).map((n) => n.target.join(' ')).join(' | ')}`);
      }
    };
    // The reader itself sees what it must: two texts drawn over each other, one past the SVG's edge, one at 7 px.
    await pn.setContent(`<figure data-chart="probe"><div class="drawing"><svg viewBox="0 0 200 60" width="200" height="60">
      <text x="10" y="20" font-size="12">Comptoir</text><text x="14" y="22" font-size="12">Web</text>
      <text x="170" y="45" font-size="12">Cible 75 %</text><text x="10" y="55" font-size="7">tiny</text></svg></div></figure>`);
    const probe = (await pn.evaluate(readCharts))[0];
    expect(probe.overlaps).toHaveLength(1);
    expect(probe.clipped.map((c) => c.split(' [')[0])).toEqual(['Cible 75 %']);
    expect(probe.small.map((c) => c.split(' (')[0])).toEqual(['tiny']);

    let charts = 0;
    for (const p of PAGES) {
      for (const lang of ['fr', 'en'] as const) {
        const url = p[lang];
        // Both widths at once (two pages of one browser; the phone's page is then widened to 640 px, which costs a
        // redraw, not a load). Axe at 1366 px runs here only on the page types that dashboard.test.ts does not
        // already check at that width, to keep the suite within its time.
        const [at1366, at390] = await Promise.all([
          (async () => {
            await open(pw, url);
            const read = await pw.evaluate(readCharts);
            check(`${url} @1366`, read);
            if (!AXED_AT_1366.includes(p.name)) await axe(`${url} @1366`, pw);
            // Wide, the page's tables fit too (the home's 14 characteristics among them).
            for (const t of await pw.evaluate(pageTables, PHONE_TABLES[p.name] ?? [])) problems.push(`${url} @1366: ${t}`);
            return read;
          })(),
          (async () => {
            await open(pn, url);
            const read = await pn.evaluate(readCharts);
            check(`${url} @390`, read);
            await axe(`${url} @390`, pn);
            // Open every data table too: a table opened on a phone must scroll inside its wrapper, not the page.
            await pn.locator('details.table-view > summary').evaluateAll((els) => els.forEach((e) => (e as HTMLElement).click()));
            const m = await pn.evaluate(pageWidth);
            if (m.scroll > m.inner) problems.push(`${url} @390: the page is ${m.scroll} px wide (${m.out.join('; ')})`);
            // The page's own tables (not the charts' data tables) are cards on a phone: nothing scrolls sideways.
            for (const t of await pn.evaluate(pageTables, PHONE_TABLES[p.name] ?? [])) problems.push(`${url} @390: ${t}`);
            // The same page at 640 px, redrawn without a new load: texts and page width again (axe is not rerun).
            await resize(pn, MIDDLE);
            const mid = await pn.evaluate(readCharts);
            check(`${url} @${MIDDLE}`, mid);
            const w = await pn.evaluate(pageWidth);
            if (w.scroll > w.inner) problems.push(`${url} @${MIDDLE}: the page is ${w.scroll} px wide (${w.out.join('; ')})`);
            await pn.setViewportSize({ width: 390, height: 900 });
            return [read, mid];
          })()
        ]);

        // Same charts at every width; each label drawn at 1366 px is drawn at 390 and 640 px (or in its legend) or in
        // its table.
        for (const [width, narrower] of [[390, at390[0]], [MIDDLE, at390[1]]] as const) {
          expect(narrower.map((c) => c.chart), `${url} @${width}`).toEqual(at1366.map((c) => c.chart));
          at1366.forEach((c, k) => {
            const there = new Set(narrower[k].labels);
            for (const label of c.labels) if (!there.has(label) && !narrower[k].elsewhere.includes(label)) problems.push(`${url} ${c.chart}: « ${label} » is gone at ${width} px`);
          });
        }
        charts += at1366.length;
      }
    }
    await wide.close();
    await narrow.close();
    expect(problems).toEqual([]);
    // The pages above do draw charts (organization, service and indicators), so the checks had something to read.
    expect(charts).toBeGreaterThan(20);
  }, 600_000);

  test('every chart export on the organization, service and indicator pages carries title, scope, period, source and date', async () => {
    const catalogue = (await (await fetch(`${server.url}/api/v1/metrics`)).json()) as { metrics: { id: string; sources: string[] }[] };
    const sources = new Map(catalogue.metrics.map((m) => [m.id, m.sources]));
    const known = new Set(catalogue.metrics.flatMap((m) => m.sources));
    // The metric each chart draws, where one metric draws it: its source line names exactly that metric's sources.
    const METRIC: Record<string, string> = {
      funnel: 'step_drop_off', 'step-trend': 'step_drop_off', times: 'completion_time_distribution', satisfaction: 'satisfaction',
      'channel-shift': 'digital_take_up', standard: 'within_service_standard', completion: 'completion_rate'
    };
    const context = await newContext(1366);
    const page = await context.newPage();
    let exported = 0;
    for (const [lang, url, subject, scope] of [
      ['fr', '/fr/organisations/RAMQ', 'h1', 'RAMQ'],
      ['en', '/en/services/RAMQ-CARTE-RENOUV', 'h1', 'RAMQ'],
      ['fr', '/fr/services/RAMQ-CARTE-RENOUV', 'h1', 'RAMQ'],
      ['en', '/en/indicators/time_to_complete?org=RAMQ', 'h1', 'RAMQ']
    ] as const) {
      const i = i18n(lang as Lang);
      await open(page, url);
      const [from, to] = ((await page.locator('[data-range]').first().getAttribute('data-range')) ?? '').split('/');
      const last = new Date(Date.parse(`${to}T12:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
      const period = i.t('period_range', { from: i.date(from), to: i.date(last) });
      const today = i.t('chart_exported', { date: i.date(new Date().toISOString()) });
      // The page's own name (the service, the organization or the indicator) without its code.
      const name = (await page.locator(subject).evaluate((h) => h.childNodes[0]?.textContent ?? '')).trim();
      const frames = page.locator('figure[data-chart]:has(.drawing)');
      for (let k = 0; k < (await frames.count()); k++) {
        const frame = frames.nth(k);
        const id = (await frame.getAttribute('data-chart')) ?? '';
        const title = (await frame.locator('h3').innerText()).trim();
        const [svg] = await Promise.all([page.waitForEvent('download'), frame.getByRole('button', { name: i.t('chart_svg') }).click()]);
        expect(svg.suggestedFilename(), `${url} ${id}`).toMatch(/\.svg$/);
        const text = fs.readFileSync((await svg.path()) ?? '', 'utf8');
        const texts = await page.evaluate((s) => {
          const doc = new DOMParser().parseFromString(s, 'image/svg+xml');
          return [...doc.querySelectorAll('text')].map((t) => (t.textContent ?? '').replace(/\s+/g, ' ').trim());
        }, text);
        const where = `${url} ${id}`;
        expect(texts[0], where).toBe(`${name} — ${title}`);
        expect(texts[1], where).toContain(scope);
        expect(texts[2], where).toBe(period);
        const source = texts.at(-2) ?? '';
        expect(source, where).toMatch(/^Jalon — \S/);
        const named = source.replace(/^Jalon — /, '').split(', ');
        for (const s of named) expect(known.has(s), `${where}: ${s}`).toBe(true);
        if (METRIC[id]) expect(named, where).toEqual([...new Set(sources.get(METRIC[id]))]);
        expect(texts.at(-1), where).toBe(today);
        exported += 1;
      }
      // The PNG is the same drawing rasterized: one per page.
      const [png] = await Promise.all([page.waitForEvent('download'), frames.first().getByRole('button', { name: i.t('chart_png') }).click()]);
      expect(png.suggestedFilename()).toMatch(/\.png$/);
      expect(fs.readFileSync((await png.path()) ?? '').subarray(1, 4).toString()).toBe('PNG');
    }
    await context.close();
    // Organization (2 charts), service (7, both languages) and indicator (series and breakdowns).
    expect(exported).toBeGreaterThanOrEqual(2 + 7 + 7 + 2);
  }, 300_000);

  test('the SVG export carries title, scope, period, source and date; the PNG is drawn from it', async () => {
    const api = await fetch(`${server.url}/api/v1/metrics/digital_take_up?from=2025-04-01&to=2026-04-01&grain=all&org=RAMQ`);
    expect(api.ok).toBe(true);
    const answer = (await api.json()) as { provenance: { sources: string[] } };
    expect(answer.provenance.sources.length).toBeGreaterThan(0);

    const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1366, height: 900 } });
    const page = await context.newPage();
    await page.goto(server.url + INDICATOR);
    const metric = (await page.locator('h1').innerText()).trim();
    const frame = page.locator('figure[data-chart="series"]');
    const [svg] = await Promise.all([page.waitForEvent('download'), frame.getByRole('button', { name: 'Télécharger en SVG' }).click()]);
    expect(svg.suggestedFilename()).toBe(`${FILE}_series.svg`);
    const text = fs.readFileSync((await svg.path()) ?? '', 'utf8');
    const texts = await page.evaluate((s) => {
      const doc = new DOMParser().parseFromString(s, 'image/svg+xml');
      return [...doc.querySelectorAll('text')].map((t) => (t.textContent ?? '').replace(/\s+/g, ' ').trim());
    }, text);
    const chartTitle = (await frame.locator('h3').innerText()).trim();
    const today = new Intl.DateTimeFormat('fr-CA', { year: 'numeric', month: 'long', day: 'numeric', timeZone: 'America/Toronto' })
      .format(new Date())
      .replace(/^1 /, '1er ');
    expect(texts).toContain(`${metric} — ${chartTitle}`);
    expect(texts.some((t) => t.includes('RAMQ'))).toBe(true);
    expect(texts).toContain('Du 1er avril 2025 au 31 mars 2026');
    expect(texts).toContain(`Jalon — ${answer.provenance.sources.join(', ')}`);
    expect(texts).toContain(`Exporté le ${today}`);

    const [png] = await Promise.all([page.waitForEvent('download'), frame.getByRole('button', { name: 'Télécharger en PNG' }).click()]);
    expect(png.suggestedFilename()).toBe(`${FILE}_series.png`);
    const bytes = fs.readFileSync((await png.path()) ?? '');
    expect([...bytes.subarray(1, 4)].map((b) => String.fromCharCode(b)).join('')).toBe('PNG');
    await context.close();
  }, 120_000);

  test('a chart CSV names its unit in the header and its filters in the file name; ratios are written in %', async () => {
    const context = await browser.newContext({ viewport: { width: 1366, height: 900 } });
    const page = await context.newPage();
    await page.goto(server.url + INDICATOR);
    const metric = (await page.locator('h1').innerText()).trim();
    const link = page.locator('a[data-csv="series"]');
    expect(await link.getAttribute('download')).toBe(`${FILE}_series.csv`);
    const href = (await link.getAttribute('href')) ?? '';
    const csv = decodeURIComponent(href.split(',').slice(1).join(',')).replace(/^\uFEFF/, '');
    const lines = csv.trim().split(/\r\n/).map((l) => l.split(','));
    const header = lines[0];
    const col = header.indexOf(`${metric} (%)`);
    expect(col, header.join(' | ')).toBeGreaterThan(0);
    // Each CSV value is the table's shown percentage (one decimal), unrounded: 100 × the proportion.
    await page.locator('figure[data-chart="series"] summary').click();
    const shown = await page.locator('table[data-table="series"] tbody tr').evaluateAll((rows, k) => rows.map((r) => r.children[k]?.textContent ?? ''), col);
    const rows = lines.slice(1);
    expect(rows.length).toBe(shown.length);
    let compared = 0;
    rows.forEach((r, k) => {
      const pct = /^(-?[\d\s\u00a0\u202f]+(?:,\d+)?)\s*%$/.exec(shown[k].trim());
      if (!pct || r[col] === '') return;
      const expected = Number(pct[1].replace(/[\s\u00a0\u202f]/g, '').replace(',', '.'));
      expect(Math.abs(Number(r[col]) - expected), `${r.join(',')} vs ${shown[k]}`).toBeLessThanOrEqual(0.05 + 1e-9);
      compared += 1;
    });
    expect(compared).toBeGreaterThan(0);
    await context.close();
  }, 120_000);
});
