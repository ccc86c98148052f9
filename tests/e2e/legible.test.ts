// Issue 15, first slice, in real Chromium on the open demo: no page scrolls sideways on a 390-px phone (both
// languages), a chart's SVG export carries its title, scope, period, source and date as text, and its CSV names
// its unit in the header and its filters in the file name.
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import type { Browser } from 'playwright-core';
import { chromium } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS, requireChromium, startDashboard, type RunningDashboard } from './support/dashboard-server.ts';

requireChromium();

const PAGES = [
  '/fr', '/en',
  '/fr/organisations', '/en/organizations',
  '/fr/organisations/RAMQ', '/en/organizations/RAMQ',
  '/fr/services/RAMQ-CARTE-RENOUV', '/en/services/RAMQ-CARTE-RENOUV',
  '/fr/indicateurs/digital_take_up', '/en/indicators/digital_take_up',
  '/fr/indicateurs', '/en/indicators'
];

// Fiscal year 2025 runs from 1 April 2025 to 31 March 2026: the range [2025-04-01, 2026-04-01).
const INDICATOR = '/fr/indicateurs/digital_take_up?org=RAMQ&period=fy2025';
const FILE = 'digital_take_up_RAMQ_2025-04-01_2026-04-01';

let server: RunningDashboard;
let browser: Browser;

beforeAll(async () => {
  server = await startDashboard(inject('clickhouseUrl'));
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

describe('legible on a phone and in exports', () => {
  test('no page scrolls sideways at 390 × 844, in French and in English', async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
    const page = await context.newPage();
    const wide: string[] = [];
    for (const url of PAGES) {
      const res = await page.goto(server.url + url);
      expect(res?.status(), url).toBe(200);
      // Open every data table too: a table opened on a phone must scroll inside its wrapper, not the page.
      await page.locator('details.table-view > summary').evaluateAll((els) => els.forEach((e) => (e as HTMLElement).click()));
      const m = await page.evaluate(() => {
        const doc = document.documentElement;
        // Names the widest culprits so a failure says where to look.
        const out = [...document.querySelectorAll('body *')]
          .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 0.5)
          .slice(0, 5)
          .map((e) => `${e.tagName.toLowerCase()}.${[...e.classList].join('.')} → ${Math.round(e.getBoundingClientRect().right)}`);
        return { scroll: doc.scrollWidth, inner: window.innerWidth, out };
      });
      if (m.scroll > m.inner) wide.push(`${url}: ${m.scroll} px > ${m.inner} px (${m.out.join('; ')})`);
    }
    await context.close();
    expect(wide).toEqual([]);
  }, 180_000);

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
