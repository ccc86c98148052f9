// Done-when 1, 2 and 4 of issue 13, on a demo warehouse (a database of its own on the loopback ClickHouse server):
// `jalon opendata publish --out DIR --json` writes a catalog.jsonld that parses as JSON-LD (offline: the loader refuses
// every fetch) with one dcat:Dataset per catalogue indicator, whose files exist with the stated size and checksum;
// every published figure equals GET /api/v1/metrics/{id} for the public role over real HTTP, none is under the
// threshold and none can be recovered by subtraction; the open-data page renders without sign-in in both languages,
// axe clean, and links every file; the file route serves nothing outside the folder.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import http from 'node:http';
import { createHash, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import jsonld from 'jsonld';
import { parquetReadObjects } from 'hyparquet';
import { chromium, type Browser } from 'playwright-core';
import { AxeBuilder } from '@axe-core/playwright';
import { loadConfig, withPort } from '../../config/config.ts';
import { ServerWarehouse } from '../../warehouse/server.ts';
import { serveHttp, type RunningHttp } from '../../dashboard/serve.ts';
import { catalogue } from '../../metrics/definition.ts';
import type { MetricAnswer } from '../../metrics/types.ts';
import type { Source } from '../../metrics/definition.ts';
import { recordRevisions, type PublishedFigure } from '../../metrics/revisions.ts';
import { ensureBuiltApp } from '../support/built-app.ts';
import { runJalon } from '../support/cli.ts';
import { testDatabaseName } from '../support/database-name.ts';
import { CHROMIUM, CHROMIUM_ARGS, SCREENSHOTS, requireChromium } from './support/dashboard-server.ts';

requireChromium();

const DCAT = 'http://www.w3.org/ns/dcat#';
const DCT = 'http://purl.org/dc/terms/';
const SPDX = 'http://spdx.org/rdf/terms#';
const PUBLIC_URL = 'https://donnees.example.org';
const THRESHOLD = 10;

type Cell = string | number | boolean | null;
interface TableFile {
  indicator: string;
  request: { from: string; to: string; grain: string; by: string[] };
  suppression: { threshold: number; applies: boolean };
  columns: { name: string }[];
  rows: Record<string, Cell>[];
}

let database: string;
let out: string;
let env: Record<string, string>;
let summary: { snapshot: string; datasets: number; files: number; dir: string };
let wh: ServerWarehouse;
let server: RunningHttp;
let base: string;
let browser: Browser;

beforeAll(async () => {
  const clickhouseUrl = inject('clickhouseUrl');
  database = testDatabaseName();
  out = fs.mkdtempSync(path.join(os.tmpdir(), 'jalon-od-e2e-'));
  env = { CLICKHOUSE_URL: clickhouseUrl, CLICKHOUSE_DATABASE: database, JALON_OPENDATA_DIR: out, JALON_PUBLIC_URL: PUBLIC_URL, JALON_AUTH_REQUIRED: 'true', JALON_LOG_LEVEL: 'warn' };
  const built = ensureBuiltApp();
  const demo = await runJalon(['demo', '--events', '60000', '--seed', '11', '--now', '2026-11-01', '--json'], env);
  expect(demo.code, demo.stderr).toBe(0);
  const published = await runJalon(['opendata', 'publish', '--out', out, '--json'], env);
  expect(published.code, published.stderr).toBe(0);
  summary = JSON.parse(published.stdout) as typeof summary;
  await built;
  wh = await ServerWarehouse.open({ url: clickhouseUrl, username: 'default', password: '', database, createDatabase: false });
  // The catalogue names the public address; the test server listens on loopback and answers the same paths.
  const { JALON_PUBLIC_URL: _public, ...serverEnv } = env;
  server = await serveHttp({ config: withPort(loadConfig(serverEnv), 0), warehouse: wh });
  base = server.url.replace('localhost', '127.0.0.1');
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await wh?.command(`DROP DATABASE IF EXISTS ${database}`).catch(() => undefined);
  await wh?.close();
  if (out) fs.rmSync(out, { recursive: true, force: true });
});

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const snapshotDir = () => path.join(out, summary.snapshot);

/** The site path of a catalogue URL (the catalogue names the public address; the test server answers the same path). */
const sitePath = (url: string): string => {
  expect(url.startsWith(`${PUBLIC_URL}/donnees-ouvertes/fichiers/`), url).toBe(true);
  return url.slice(PUBLIC_URL.length);
};

function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  for (const line of text.trimEnd().split('\r\n')) {
    const cells: string[] = [];
    let cur = '';
    let quoted = false;
    for (let k = 0; k < line.length; k++) {
      const c = line[k];
      if (quoted) {
        if (c === '"' && line[k + 1] === '"') (cur += '"'), k++;
        else if (c === '"') quoted = false;
        else cur += c;
      } else if (c === '"') quoted = true;
      else if (c === ',') cells.push(cur), (cur = '');
      else cur += c;
    }
    cells.push(cur);
    rows.push(cells);
  }
  return rows;
}

/** A request whose path is sent byte for byte (fetch would resolve `..` before sending). */
function rawGet(url: string, rawPath: string): Promise<{ status: number; body: string }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: u.port, path: rawPath, method: 'GET' }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const tableFiles = (): string[] => fs.readdirSync(snapshotDir()).filter((f) => /-by-.*\.json$/.test(f)).sort();
const readTable = (file: string): TableFile => JSON.parse(fs.readFileSync(path.join(snapshotDir(), file), 'utf8')) as TableFile;

describe('Done-when 1: catalog.jsonld', () => {
  it('prints the summary and writes one dcat:Dataset per catalogue indicator, offline, with files of the stated size and checksum', async () => {
    const ids = [...catalogue().definitions.keys()].sort();
    expect(summary.snapshot).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(summary.dir).toBe(snapshotDir());
    expect(summary.files).toBe(fs.readdirSync(snapshotDir()).length);
    expect(summary.datasets).toBe(ids.length + 1); // and the revisions

    for (const folder of [summary.snapshot, 'latest']) {
      const doc = JSON.parse(fs.readFileSync(path.join(out, folder, 'catalog.jsonld'), 'utf8')) as object;
      // Any fetch fails the parse: the context must be inline.
      const documentLoader = async (url: string): Promise<never> => {
        throw new Error(`le contexte doit être en ligne / the context must be inline: ${url} was fetched`);
      };
      // No context given: the flattened, expanded graph (full IRIs), one node per subject.
      const nodes = (await jsonld.flatten(doc as jsonld.JsonLdDocument, undefined, { documentLoader })) as unknown as Record<string, unknown>[];
      const quads = (await jsonld.toRDF(doc as jsonld.JsonLdDocument, { format: 'application/n-quads', documentLoader })) as unknown as string;
      expect(quads.split('\n').length).toBeGreaterThan(1000);
      const byId = new Map(nodes.map((n) => [n['@id'] as string, n]));
      const values = (n: Record<string, unknown>, p: string) => (n[p] as { '@value'?: string; '@id'?: string; '@language'?: string }[] | undefined) ?? [];
      const catalogs = nodes.filter((n) => (n['@type'] as string[] | undefined)?.includes(`${DCAT}Catalog`));
      expect(catalogs).toHaveLength(1);
      const datasets = nodes.filter((n) => (n['@type'] as string[] | undefined)?.includes(`${DCAT}Dataset`));
      expect(values(catalogs[0], `${DCAT}dataset`).map((d) => d['@id']).sort()).toEqual(datasets.map((d) => d['@id']).sort());
      const identifiers = datasets.map((d) => values(d, `${DCT}identifier`)[0]?.['@value']);
      expect(identifiers.filter((i) => i !== 'revisions').sort()).toEqual(ids);
      expect(identifiers.filter((i) => i === 'revisions')).toHaveLength(1);

      for (const d of datasets) {
        const id = values(d, `${DCT}identifier`)[0]['@value'];
        const titles = values(d, `${DCT}title`);
        expect(titles.map((t) => t['@language']).sort(), id).toEqual(['en', 'fr']);
        expect(titles.every((t) => (t['@value'] ?? '').length > 3), id).toBe(true);
        expect(values(d, `${DCT}description`).map((t) => t['@language']).sort(), id).toEqual(['en', 'fr']);
        expect(values(d, `${DCT}license`).map((l) => l['@id']), id).toEqual(['https://creativecommons.org/licenses/by/4.0/']);
        expect(values(d, `${DCT}accrualPeriodicity`)[0]['@id']).toBe('http://publications.europa.eu/resource/authority/frequency/DAILY');
        expect(values(d, `${DCAT}keyword`).length).toBeGreaterThan(1);
        expect(values(d, `${DCAT}contactPoint`)).toHaveLength(1);
        const temporal = byId.get(values(d, `${DCT}temporal`)[0]['@id']!)!;
        expect(values(temporal, `${DCAT}startDate`)[0]['@value']).toBe('2018-04-01');
        const distributions = values(d, `${DCAT}distribution`).map((x) => byId.get(x['@id']!)!);
        expect(distributions.length, id).toBeGreaterThan(0);
        for (const dist of distributions) {
          const url = values(dist, `${DCAT}downloadURL`)[0]['@id']!;
          expect(url.startsWith(`${PUBLIC_URL}/donnees-ouvertes/fichiers/${folder}/`), url).toBe(true);
          const file = path.join(out, folder, url.slice(url.lastIndexOf('/') + 1));
          const bytes = fs.readFileSync(file);
          expect(Number(values(dist, `${DCAT}byteSize`)[0]['@value']), url).toBe(bytes.byteLength);
          const checksum = byId.get(values(dist, `${SPDX}checksum`)[0]['@id']!)!;
          expect(values(checksum, `${SPDX}algorithm`)[0]['@id']).toBe(`${SPDX}checksumAlgorithm_sha256`);
          expect(values(checksum, `${SPDX}checksumValue`)[0]['@value'], url).toBe(sha256(bytes));
          const media = values(dist, `${DCAT}mediaType`)[0]['@id']!;
          expect(media).toBe(`https://www.iana.org/assignments/media-types/${url.endsWith('.csv') ? 'text/csv' : url.endsWith('.json') ? 'application/json' : 'application/vnd.apache.parquet'}`);
          // The same bytes over HTTP, without sign-in.
          const res = await fetch(`${base}${sitePath(url)}`);
          expect(res.status, url).toBe(200);
          expect(sha256(Buffer.from(await res.arrayBuffer())), url).toBe(sha256(bytes));
        }
      }
    }
  }, 120_000);
});

describe('Done-when 2: published figures', () => {
  it('equal GET /api/v1/metrics/{id} for the public role, in every format', async () => {
    const files = tableFiles();
    expect(files.length).toBeGreaterThan(20);
    for (const file of files) {
      const t = readTable(file);
      const q = new URLSearchParams({ from: t.request.from, to: t.request.to, grain: t.request.grain });
      if (t.request.by.length) q.set('by', t.request.by.join(','));
      const res = await fetch(`${base}/api/v1/metrics/${t.indicator}?${q}`); // nobody signed in: the public role
      expect(res.status, file).toBe(200);
      const api = (await res.json()) as MetricAnswer;
      const periodCol = t.columns[0].name;
      const valueCol = t.columns.find((c) => c.name.startsWith('value_'))!.name;
      expect(t.rows.length, file).toBe(api.rows.length);
      api.rows.forEach((r, k) => {
        const p = t.rows[k];
        const label = `${file} row ${k}`;
        expect(p[periodCol], label).toBe(r.period);
        if (t.request.by.includes('org')) expect(p.org, label).toBe(r.dimensions.org);
        expect(p.suppressed, label).toBe(r.suppressed);
        expect(p.status, label).toBe(r.status);
        // Counts exactly; sums of hours or dollars up to float summation order (ClickHouse sums in parallel, in any order).
        expect(p.n_count, label).toBe(r.n);
        for (const [mine, theirs] of [[p.numerator, r.numerator], [p.denominator, r.denominator]] as const) {
          if (theirs === null || mine === null) expect(mine, label).toBe(theirs);
          else expect(Math.abs((mine as number) - theirs), label).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(theirs)));
        }
        if (r.value === null) expect(p[valueCol], label).toBeNull();
        else expect(p[valueCol] as number, label).toBeCloseTo(r.value, 9);
      });

      // The CSV and the Parquet file hold the same rows as the JSON file.
      const csv = parseCsv(fs.readFileSync(path.join(snapshotDir(), file.replace(/\.json$/, '.csv')), 'utf8'));
      expect(csv[0], file).toEqual(t.columns.map((c) => c.name));
      expect(csv.slice(1), file).toEqual(t.rows.map((r) => t.columns.map((c) => (r[c.name] === null ? '' : String(r[c.name])))));
      const parquetFile = path.join(snapshotDir(), file.replace(/\.json$/, '.parquet'));
      if (t.request.by.includes('org')) {
        const buf = fs.readFileSync(parquetFile);
        const rows = await parquetReadObjects({ file: buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer });
        expect(rows, file).toEqual(t.rows);
      }
    }
  }, 180_000);

  it('publishes no count under the threshold', () => {
    let checked = 0;
    for (const file of tableFiles()) {
      const t = readTable(file);
      expect(t.suppression.threshold).toBe(THRESHOLD);
      if (!t.suppression.applies) continue;
      for (const r of t.rows) {
        if (r.suppressed) {
          expect([r.numerator, r.denominator, r.n_count], file).toEqual([null, null, null]);
          continue;
        }
        checked++;
        expect(r.n_count as number, `${file} ${JSON.stringify(r)}`).toBeGreaterThanOrEqual(THRESHOLD);
      }
    }
    expect(checked).toBeGreaterThan(100);
  });

  it('lets no suppressed count be recovered by subtracting published organizations from the published total', () => {
    // For each indicator and fiscal year (and step): the national row and the rows by organization, which add up to
    // it. When the total is published, a lone withheld organization would be recovered as total − Σ published.
    const problems: string[] = [];
    let periodsWithSuppression = 0;
    for (const file of tableFiles().filter((f) => f.includes('-by-org-and-'))) {
      const byOrg = readTable(file);
      if (!byOrg.suppression.applies) continue;
      const national = readTable(file.replace('-by-org-and-', '-by-'));
      const periodCol = byOrg.columns[0].name;
      for (const total of national.rows) {
        // Same period (and same step, for step drop-off).
        const orgs = byOrg.rows.filter((r) => r[periodCol] === total[periodCol] && (r.step_index ?? null) === (total.step_index ?? null));
        const hidden = orgs.filter((r) => r.suppressed);
        if (!hidden.length) {
          // Where nothing is hidden, organizations add up to the total: the subtraction below is meaningful.
          if (!total.suppressed) expect(orgs.reduce((s, r) => s + (r.n_count as number), 0), `${file} ${total[periodCol]}`).toBe(total.n_count);
          continue;
        }
        periodsWithSuppression++;
        if (total.suppressed) continue;
        // The count the engine suppresses on (n, people or transactions): with a single organization withheld, the
        // total minus the published ones is its count. With two or more, only their sum comes back, never one count.
        const rest = (total.n_count as number) - orgs.filter((r) => !r.suppressed).reduce((s, r) => s + (r.n_count as number), 0);
        if (hidden.length === 1) problems.push(`${byOrg.indicator} ${total[periodCol]}: n of ${hidden[0].org} = ${total.n_count} − published = ${rest}`);
      }
    }
    expect(periodsWithSuppression, 'the demo has small organizations: the check is exercised').toBeGreaterThan(0);
    expect(problems).toEqual([]);
  });
});

describe('Done-when 4: the open-data page', () => {
  for (const lang of ['fr', 'en'] as const) {
    it(`renders without sign-in in ${lang}, axe clean, and links every file`, async () => {
      const pagePath = lang === 'fr' ? '/donnees-ouvertes' : '/open-data';
      const filesPath = lang === 'fr' ? '/donnees-ouvertes/fichiers/' : '/open-data/files/';
      for (const viewport of [{ width: 1366, height: 768 }, { width: 390, height: 844 }]) {
        const context = await browser.newContext({ viewport, locale: lang === 'fr' ? 'fr-CA' : 'en-CA' });
        const page = await context.newPage();
        const res = await page.goto(`${base}${pagePath}`);
        expect(res?.status()).toBe(200);
        expect(await page.getAttribute('html', 'lang')).toBe(lang);
        expect((await page.locator('h1').innerText()).trim()).toBe(lang === 'fr' ? 'Données ouvertes' : 'Open data');
        const axe = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
        expect(axe.violations.map((v) => `${v.id}: ${v.help} ${v.nodes.slice(0, 2).map((n) => n.target.join(' ')).join(' | ')}`)).toEqual([]);
        const hrefs = new Set(await page.locator('a[href]').evaluateAll((as) => as.map((a) => a.getAttribute('href') ?? '')));
        for (const name of fs.readdirSync(path.join(out, 'latest'))) expect(hrefs.has(`${filesPath}latest/${name}`), `${lang}: ${name}`).toBe(true);
        expect(hrefs.has(`${filesPath}${summary.snapshot}/catalog.jsonld`)).toBe(true);
        // The language switch leads to the other page.
        expect(hrefs.has(lang === 'fr' ? '/open-data' : '/donnees-ouvertes')).toBe(true);
        fs.mkdirSync(SCREENSHOTS, { recursive: true });
        await page.screenshot({ path: path.join(SCREENSHOTS, `open-data-${lang}-${viewport.width}.png`), fullPage: false });
        await context.close();
      }
      // Every link of the page answers, without sign-in.
      for (const name of fs.readdirSync(path.join(out, 'latest'))) {
        const res = await fetch(`${base}${filesPath}latest/${name}`);
        expect(res.status, name).toBe(200);
        await res.arrayBuffer();
      }
    }, 120_000);
  }
});

describe('revisions on the indicator page', () => {
  it('shows "révisé le …" with the history once a final figure changed, in both languages, axe clean', async () => {
    // A period never published by the demo, so only these two records count.
    const figure = (value: number): PublishedFigure => ({
      indicator: 'digital_take_up', scope: 'all', period: '2010-2011', value, status: 'final', formulaVersion: '1.0',
      sources: ['service_events'] as Source[], modelled: false, range: { from: '2010-04-01', to: '2011-04-01' }
    });
    expect(await recordRevisions(wh, [figure(0.25)], '2026-01-01', new Date('2026-01-01T17:00:00Z'))).toEqual([]);
    const revised = await recordRevisions(wh, [figure(0.3)], '2026-01-02', new Date('2026-01-02T17:00:00Z'));
    expect(revised.map((r) => [r.old_value, r.new_value, r.reason])).toEqual([[0.25, 0.3, 'données tardives ou corrigées / late or corrected data']]);
    for (const [lang, url, summary, cells] of [
      ['fr', '/fr/indicateurs/digital_take_up', 'révisé le 2 janvier 2026', ['2010-2011', 'ensemble', '25,0 %', '30,0 %']],
      ['en', '/en/indicators/digital_take_up', 'revised on January 2, 2026', ['2010-2011', 'all', '25.0%', '30.0%']]
    ] as const) {
      const context = await browser.newContext({ viewport: { width: 1366, height: 768 } });
      const page = await context.newPage();
      expect((await page.goto(`${base}${url}`))?.status()).toBe(200); // nobody signed in
      const note = page.locator('details.revisions');
      expect((await note.locator('summary').innerText()).trim()).toBe(summary);
      await note.locator('summary').click();
      const row = (await note.locator('tbody tr').first().locator('td').allInnerTexts()).map((c) => c.replace(/\u00a0|\u202f/gu, ' ').trim());
      expect(row.slice(0, 4)).toEqual([...cells]);
      const axe = await new AxeBuilder({ page }).include('details.revisions').withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
      expect(axe.violations.map((v) => v.id), lang).toEqual([]);
      await context.close();
    }
  }, 120_000);
});

describe('the file route', () => {
  it('serves nothing outside the open-data folder', async () => {
    const secret = `jalon-secret-${randomUUID()}`;
    fs.writeFileSync(path.join(out, 'secret.csv'), `${secret}\r\n`);
    const elsewhere = fs.mkdtempSync(path.join(os.tmpdir(), 'jalon-od-elsewhere-'));
    fs.writeFileSync(path.join(elsewhere, 'outside.csv'), `${secret}\r\n`);
    fs.symlinkSync(path.join(elsewhere, 'outside.csv'), path.join(out, 'latest', 'link.csv'));
    fs.symlinkSync(path.join(out, 'secret.csv'), path.join(out, 'latest', 'inside-link.csv'));
    const good = await rawGet(base, '/open-data/files/latest/revisions.csv');
    expect(good.status).toBe(200);
    for (const p of [
      '/donnees-ouvertes/fichiers/../../../../etc/passwd',
      '/donnees-ouvertes/fichiers/latest/../secret.csv',
      '/donnees-ouvertes/fichiers/latest/..%2Fsecret.csv',
      '/donnees-ouvertes/fichiers/latest/..%2F..%2F..%2F..%2Fetc%2Fpasswd',
      '/donnees-ouvertes/fichiers/%2e%2e/secret.csv',
      '/donnees-ouvertes/fichiers/latest/%2e%2e%2fsecret.csv',
      '/open-data/files/latest/..%5csecret.csv',
      '/open-data/files/latest/revisions.csv%00.csv',
      '/open-data/files/secret.csv',
      '/open-data/files/latest',
      '/open-data/files/latest/',
      '/open-data/files/latest/link.csv',
      '/open-data/files/latest/inside-link.csv',
      `/open-data/files/${encodeURIComponent(out)}/secret.csv`,
      '/open-data/files/%2Fetc/passwd'
    ]) {
      const res = await rawGet(base, p);
      // 308: SvelteKit's trailing-slash redirect to the same path without it (itself a 404).
      expect([308, 400, 404], `${p} → ${res.status}`).toContain(res.status);
      // The 404 page may repeat the asked path; never a byte of the files outside.
      expect(res.body.includes(secret) || res.body.includes('root:x:0:0'), p).toBe(false);
    }
    fs.rmSync(elsewhere, { recursive: true, force: true });
  });
});
