// One metrics engine, end to end (issue 10): on a real `jalon serve` over a demo, the figure a page shows equals the
// API's and the CLI's for the same caller; every control of the scorecard, organization, service and indicator pages
// changes the figures it claims to, or the page says the figure is not available for it; a dimension a metric cannot
// split by is 422 over HTTP and a non-zero exit with that message from the CLI; the step drop-off and cost pages render
// in both languages with no console error and nothing serious for axe.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { chromium, type Browser } from 'playwright-core';
import { AxeBuilder } from '@axe-core/playwright';
import { CHROMIUM, CHROMIUM_ARGS, requireChromium, startDashboard, type RunningDashboard } from './support/dashboard-server.ts';

requireChromium();

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const JALON = path.join(ROOT, 'bin', 'jalon.js');

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

async function html(pathAndQuery: string): Promise<string> {
  const r = await fetch(`${server.url}${pathAndQuery}`);
  expect(r.status, pathAndQuery).toBe(200);
  return r.text();
}

async function api<T>(pathAndQuery: string): Promise<{ status: number; body: T }> {
  const r = await fetch(`${server.url}${pathAndQuery}`);
  return { status: r.status, body: (await r.json()) as T };
}

/** `jalon` against the same database as the server (a ClickHouse server: no lock to share), as the given role. */
async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [JALON, ...args], { cwd: ROOT, env: server.env, maxBuffer: 16 << 20 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/** Runs `work` over `items`, `width` at a time (each CLI call is its own process). */
async function inBatches<T, R>(items: readonly T[], width: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let k = 0; k < items.length; k += width) out.push(...(await Promise.all(items.slice(k, k + width).map(work))));
  return out;
}

/** Indicator figures of a page's tables: each `data-indicator` row's `data-metric` cell with its raw `data-value` (the
 *  first row of an indicator shown twice; value-created cards outside the tables are left out). */
function rowFigures(page: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of page.matchAll(/<tr[^>]*data-indicator="([a-z_]+)"[^>]*>[\s\S]*?data-metric="([a-z_]+)"[^>]*?data-value="([^"]*)"/g)) if (m[1] === m[2] && !out.has(m[1])) out.set(m[1], m[3]);
  return out;
}

/** Indicator figures a page shows: `data-metric` cells with their raw `data-value`. */
function figures(page: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of page.matchAll(/data-metric="([a-z_]+)"[^>]*?data-value="([^"]*)"/g)) if (!out.has(m[1])) out.set(m[1], m[2]);
  return out;
}

/** Every chart table's raw values (`data-table` → the data-value of each cell, in order), plus unavailable notes. */
function tables(page: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of page.matchAll(/<table data-table="([a-z0-9-]+)"[\s\S]*?<\/table>/g)) {
    out.set(m[1], [...m[0].matchAll(/data-value="([^"]*)"/g)].map((v) => v[1]).join('|'));
  }
  for (const m of page.matchAll(/data-unavailable(?:="([a-z_]*)")?/g)) out.set(`unavailable:${m[1] ?? ''}`, 'yes');
  return out;
}

interface ScorecardIndicator {
  metric: string;
  value: number | null;
  period: string | null;
  suppressed: boolean;
  trend: { period: string; value: number | null; suppressed: boolean }[];
  notes?: string[];
}
interface Scorecard {
  judged: string;
  characteristics: { indicators: ScorecardIndicator[]; number: number }[];
}

describe('the same figure on every path', () => {
  test('scorecard page = /api/v1/scorecard = jalon metrics run, for each computed indicator of the strategy', async () => {
    const page = rowFigures(await html('/fr'));
    const { body: card } = await api<Scorecard>('/api/v1/scorecard');
    const fyFrom = `${card.judged.slice(0, 4)}-04-01`;
    const fyTo = `${card.judged.slice(5, 9)}-04-01`;
    const seen = new Set<string>();
    const judged: ScorecardIndicator[] = [];
    for (const ind of card.characteristics.flatMap((c) => c.indicators)) {
      if (seen.has(ind.metric)) continue; // the second satisfaction row (phone, counter, mail) is checked through the API below
      seen.add(ind.metric);
      const shown = page.get(ind.metric);
      expect(shown, ind.metric).toBeDefined();
      expect(shown === '' ? null : Number(shown), ind.metric).toBe(ind.value);
      if (ind.period === card.judged && ind.value !== null) judged.push(ind);
    }
    await inBatches(judged, 4, async (ind) => {
      const run = await cli(['metrics', 'run', ind.metric, '--from', fyFrom, '--to', fyTo, '--grain', 'all', '--as', 'executive', '--json']);
      expect(run.code, run.stderr).toBe(0);
      const answer = JSON.parse(run.stdout) as { rows: { value: number | null }[] };
      expect(answer.rows[0]?.value ?? null, ind.metric).toBeCloseTo(ind.value!, 9);
      const viaApi = await api<{ rows: { value: number | null }[] }>(`/api/v1/metrics/${ind.metric}?from=${fyFrom}&to=${fyTo}&grain=all`);
      expect(viaApi.body.rows[0]?.value ?? null, ind.metric).toBeCloseTo(ind.value!, 9);
    });
    const compared = judged.length;
    expect(compared).toBeGreaterThanOrEqual(6);
  }, 480_000);

  test('each scorecard headline equals its own series at the period it measures, or the card names what the series leaves out', async () => {
    for (const org of ['', 'RAMQ', 'SAAQ']) {
      const { body: card } = await api<Scorecard>(`/api/v1/scorecard${org ? `?org=${org}` : ''}`);
      for (const ind of card.characteristics.flatMap((c) => c.indicators)) {
        if (ind.value === null || ind.trend.length === 0) continue;
        const point = ind.trend.find((p) => p.period === ind.period);
        if (point && !point.suppressed) expect(point.value, `${org} ${ind.metric}`).toBeCloseTo(ind.value, 9);
        else expect((ind.notes ?? []).length + (point?.suppressed ? 1 : 0), `${org} ${ind.metric}: no point for ${ind.period} and no note`).toBeGreaterThan(0);
      }
    }
  }, 120_000);

  test('organization page figures = the API for the same organization and period', async () => {
    const page = await html('/fr/organisations/RAMQ?period=all');
    const shown = figures(page);
    const to = new Date().toISOString().slice(0, 10);
    let compared = 0;
    for (const metric of ['digital_take_up', 'completion_rate', 'satisfaction', 'time_to_complete']) {
      const { body } = await api<{ rows: { value: number | null }[] }>(`/api/v1/metrics/${metric}?org=RAMQ&from=2018-04-01&to=${to}&grain=all`);
      const value = shown.get(metric);
      if (value === undefined || value === '') continue;
      expect(Number(value), metric).toBeCloseTo(body.rows[0]?.value ?? NaN, 9);
      compared++;
    }
    expect(compared).toBeGreaterThanOrEqual(3);
  }, 120_000);
});

describe('controls change what they claim to', () => {
  const differs = (a: Map<string, string>, b: Map<string, string>) => JSON.stringify([...a]) !== JSON.stringify([...b]);

  test('scorecard: organization changes the indicators, period changes value created, comparison adds the previous year', async () => {
    const base = await html('/fr');
    expect(differs(figures(base), figures(await html('/fr?org=RAMQ')))).toBe(true);
    const valueOf = (p: string) => /data-metric="value_time_saved" data-value="([^"]*)"/.exec(p)?.[1];
    expect(valueOf(base)).not.toBe(valueOf(await html('/fr?period=all')));
    expect(base.includes('data-comparison')).toBe(false);
    expect((await html('/fr?compare=previous_year')).includes('data-comparison')).toBe(true);
    // The page says what the period drives: value created; the statuses are judged on the last closed fiscal year.
    expect(base).toMatch(/data-judged="\d{4}-\d{4}"/);
  }, 120_000);

  test('organization page: period, channel, region, client type and comparison', async () => {
    const base = await html('/fr/organisations/RAMQ');
    const baseFigures = figures(base);
    for (const q of ['period=all', 'channel=web', 'region=06', 'client_type=business']) {
      const other = await html(`/fr/organisations/RAMQ?${q}`);
      expect(differs(baseFigures, figures(other)) || other.includes('data-unavailable'), q).toBe(true);
    }
    expect((await html('/fr/organisations/RAMQ?compare=previous_year')).match(/\(Comparaison/g)?.length ?? 0).toBeGreaterThan(0);
  }, 120_000);

  test('service page: every chart follows period, channel, region, client type, or says it cannot', async () => {
    const url = '/fr/services/RAMQ-CARTE-RENOUV';
    const base = tables(await html(url));
    expect(base.size).toBeGreaterThanOrEqual(4);
    for (const q of ['period=all', 'channel=web', 'region=06', 'client_type=business']) {
      const other = tables(await html(`${url}?${q}`));
      for (const [id, values] of base) {
        if (id === 'channel-shift' && q === 'channel=web') continue; // shares between channels: the channel filter is the split itself
        if (id.startsWith('unavailable')) continue;
        const changed = other.get(id) !== values || [...other.keys()].some((k) => k.startsWith('unavailable'));
        expect(changed, `${id} under ${q}`).toBe(true);
      }
    }
    const cmp = tables(await html(`${url}?compare=previous_year`));
    expect(cmp.get('completion')).not.toBe(base.get('completion'));
  }, 240_000);

  test('indicator page: every control changes the series, or the page says the indicator has no such dimension', async () => {
    const base = tables(await html('/fr/indicateurs/satisfaction'));
    for (const q of ['period=all', 'org=RAMQ', 'service=RAMQ-CARTE-RENOUV', 'channel=web', 'region=06', 'client_type=business', 'compare=previous_year']) {
      const other = tables(await html(`/fr/indicateurs/satisfaction?${q}`));
      expect(differs(base, other), q).toBe(true);
    }
  }, 240_000);
});

describe('dimensions a metric cannot split by', () => {
  test('the API answers 422 naming the dimension', async () => {
    const r = await api<{ error: { code: string; message: string } }>('/api/v1/metrics/within_service_standard?by=region');
    expect(r.status).toBe(422);
    expect(r.body.error.code).toBe('dimension_unavailable');
    expect(r.body.error.message).toContain('region');
    const f = await api<{ error: { code: string; message: string } }>('/api/v1/metrics/digital_specialists?channel=web&grain=fiscal_year');
    expect(f.status).toBe(422);
    expect(f.body.error.message).toContain('channel');
  });
  test('the CLI exits non-zero with that message, in one line', async () => {
    const run = await cli(['metrics', 'run', 'within_service_standard', '--by', 'region']);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain('region');
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });
  test('every strategy indicator answers 200 with rows from the API and the CLI by default, and both list it', async () => {
    const { body: list } = await api<{ metrics: { id: string }[] }>('/api/v1/metrics');
    const listed = new Set(list.metrics.map((m) => m.id));
    const cliList = await cli(['metrics', 'list', '--json']);
    const cliIds = new Set((JSON.parse(cliList.stdout) as { id: string }[]).map((m) => m.id));
    const { body: card } = await api<Scorecard>('/api/v1/scorecard');
    const ids = [...new Set(card.characteristics.flatMap((c) => c.indicators.map((i) => i.metric)))];
    await inBatches(ids, 4, async (id) => {
      expect(listed.has(id), id).toBe(true);
      expect(cliIds.has(id), id).toBe(true);
      const r = await api<{ rows: unknown[] }>(`/api/v1/metrics/${id}`);
      expect(r.status, id).toBe(200);
      expect(r.body.rows.length, id).toBeGreaterThan(0);
      const run = await cli(['metrics', 'run', id, '--json']);
      expect(run.code, `${id}: ${run.stderr}`).toBe(0);
      expect((JSON.parse(run.stdout) as { rows: unknown[] }).rows.length, id).toBeGreaterThan(0);
    });
  }, 480_000);
  test('a fiscal-year series without --from covers every fiscal year since the data starts, and says its range', async () => {
    const run = await cli(['metrics', 'run', 'digital_take_up', '--grain', 'fiscal_year', '--json']);
    expect(run.code).toBe(0);
    const periods = (JSON.parse(run.stdout) as { rows: { period: string }[] }).rows.map((r) => r.period);
    expect(periods.slice(0, 2)).toEqual(['2018-2019', '2019-2020']);
    expect(periods).toContain('2024-2025');
    expect(run.stderr).toContain('2018-04-01');
  });
});

describe('pages that were broken', () => {
  for (const [lang, paths] of [['fr', ['/fr/indicateurs/step_drop_off', '/fr/indicateurs/cost_per_transaction']], ['en', ['/en/indicators/step_drop_off', '/en/indicators/cost_per_transaction']]] as const) {
    for (const p of paths) {
      test(`${p} renders with its navigation, no console error, nothing serious for axe`, async () => {
        const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: lang === 'fr' ? 'fr-CA' : 'en-CA' });
        const page = await context.newPage();
        const errors: string[] = [];
        page.on('console', (m) => (m.type() === 'error' ? errors.push(m.text()) : undefined));
        page.on('pageerror', (e) => errors.push(e.message));
        await page.goto(`${server.url}${p}`, { waitUntil: 'networkidle' });
        await page.waitForTimeout(500); // hydration
        expect(errors).toEqual([]);
        expect(await page.locator('h1').count()).toBe(1);
        expect(await page.locator('nav').count()).toBeGreaterThan(0);
        expect(await page.locator('[data-filters]').count()).toBe(1);
        // Figures, not "no data": the series table has values.
        expect(await page.locator('table[data-table="series"] td[data-value]:not([data-value=""])').count()).toBeGreaterThan(0);
        const axe = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
        expect(axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id)).toEqual([]);
        await context.close();
      }, 60_000);
    }
  }
});
