// Definition tests: each fixture in sql/metrics/tests/*.json holds small data and requests with expected values worked
// out by hand. Runs them on a private warehouse: raw tables first (duplicates still unmerged, so FINAL is exercised),
// then — after merging and a rollup backfill — again through the rollups, which must give the same figures.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Caller, Role } from '../access/caller.ts';
import type { Warehouse } from '../warehouse/warehouse.ts';
import { migrate } from '../warehouse/migrate.ts';
import { DIMENSIONS, type Comparison, type Dimension, type Grain, type MetricAnswer, type MetricRequest } from './types.ts';
import { METRICS_DIR, catalogue, type MetricDefinition } from './definition.ts';
import { MetricError, runMetric, type EngineSettings } from './run-metric.ts';
import { ROLLUP_TABLES, backfillRollups, forgetRollupHealth } from './rollups.ts';

export const FIXTURES_DIR = path.join(METRICS_DIR, 'tests');

type TableData = Record<string, unknown>[] | { columns: string[]; rows: unknown[][] };

export interface FixtureCase {
  name: string;
  metric: string;
  why?: string;
  request: { from: string; to: string; grain: Grain; by?: Dimension[]; filters?: Partial<Record<Dimension, string[]>>; compare?: Comparison };
  as?: { role: Role; orgs?: string[] };
  /** Only through raw tables (e.g. a rollup cannot answer this request). */
  raw_only?: boolean;
  expect?: ExpectedRow[];
  error?: string;
}

export interface ExpectedRow {
  period: string;
  dimensions?: Partial<Record<Dimension, string>>;
  step?: number;
  value?: number | null;
  numerator?: number | null;
  denominator?: number | null;
  n?: number | null;
  suppressed?: boolean;
  extra?: Record<string, number | null>;
  /** Value of the comparison period (previous period or year). */
  comparison?: number | null;
}

export interface Fixture {
  file: string;
  description: string;
  now: string;
  data: Record<string, TableData>;
  cases: FixtureCase[];
}

export interface CaseResult {
  fixture: string;
  case: string;
  metric: string;
  table: 'raw' | 'rollup';
  ok: boolean;
  problems: string[];
}

export interface TestReport {
  passed: number;
  failed: number;
  results: CaseResult[];
  /** Catalogue metrics without any definition test. */
  untested: string[];
}

const TABLES = [
  'organizations', 'services', 'service_events', 'survey_responses', 'cases', 'channel_volumes', 'standard_results',
  'declared_indicators', 'costs', 'availability_probes', 'value_parameters', 'value_restatements', ...ROLLUP_TABLES
];

function rowsOf(data: TableData): Record<string, unknown>[] {
  if (Array.isArray(data)) return data;
  return data.rows.map((r) => Object.fromEntries(data.columns.map((c, i) => [c, r[i]]).filter(([, v]) => v !== undefined && v !== null)));
}

/** Fills what fixtures leave out, so each row states only what the test is about. */
function withDefaults(table: string, row: Record<string, unknown>, index: number): Record<string, unknown> {
  switch (table) {
    case 'service_events': {
      const type = String(row.type ?? 'completed');
      return {
        org: 'A', service: 'A-S1', channel: 'web', region: '06', client_type: 'citizen', sign_in: 'none', step: '', step_index: 0,
        outcome: type === 'completed' ? 'success' : '',
        event_id: `${String(row.journey_id ?? `j${index}`)}-${type}-${String(row.step_index ?? 0)}`,
        journey_id: `j${index}`,
        ...row,
        type
      };
    }
    case 'survey_responses':
      return { org: 'A', service: 'A-S1', channel: 'web', response_id: `r${index}`, ...row };
    case 'cases':
      return { org: 'A', service: 'A-S1', channel: 'web', case_id: `c${index}`, ...row };
    case 'availability_probes':
      return { org: 'A', service: 'A-S1', probe: 'p', interval_s: 21600, response_ms: 100, ...row };
    case 'channel_volumes':
    case 'standard_results':
    case 'costs':
    case 'declared_indicators':
      return { org: 'B', service: 'B-S3', ...row };
    case 'services':
      return { name_fr: String(row.code), name_en: String(row.code), launched_on: '2018-05-01', ...row };
    case 'value_parameters':
      // One first report (run `fixture`), in force since 2018, unless the row says otherwise.
      return { effective_from: '2018-01-01', run_id: 'fixture', reported_at: '2018-01-01 00:00:00.000', ...row };
    case 'value_restatements':
      return { service: '', ...row };
    case 'organizations':
      return { name_fr: String(row.code), name_en: String(row.code), ...row };
    default:
      return row;
  }
}

export function loadFixtures(dir: string = FIXTURES_DIR): Fixture[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir).filter((f) => f.endsWith('.json')).sort().map((f) => ({ file: f, ...(JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as Omit<Fixture, 'file'>) }));
}

const close = (a: number | null | undefined, b: number | null | undefined): boolean =>
  a === null || a === undefined || b === null || b === undefined ? (a ?? null) === (b ?? null) : Math.abs(a - b) <= 5e-5 * Math.max(1, Math.abs(b));

function compare(answer: MetricAnswer, expected: ExpectedRow[]): string[] {
  const problems: string[] = [];
  if (answer.rows.length !== expected.length) problems.push(`${answer.rows.length} lignes, ${expected.length} attendues / rows, expected: ${JSON.stringify(answer.rows.map((r) => [r.period, r.dimensions, r.step?.index, r.value]))}`);
  expected.forEach((e, i) => {
    const r = answer.rows[i];
    if (!r) return;
    const where = `ligne / row ${i + 1} (${e.period})`;
    if (r.period !== e.period) problems.push(`${where}: period ${r.period}`);
    for (const d of DIMENSIONS) if ((e.dimensions?.[d] ?? undefined) !== (r.dimensions[d] ?? undefined)) problems.push(`${where}: ${d} = ${String(r.dimensions[d])}, attendu / expected ${String(e.dimensions?.[d])}`);
    if (e.step !== undefined && r.step?.index !== e.step) problems.push(`${where}: step ${String(r.step?.index)}, expected ${e.step}`);
    for (const k of ['value', 'numerator', 'denominator', 'n'] as const) {
      if (e[k] !== undefined && !close(r[k], e[k])) problems.push(`${where}: ${k} = ${String(r[k])}, attendu / expected ${String(e[k])}`);
    }
    if ((e.suppressed ?? false) !== r.suppressed) problems.push(`${where}: suppressed = ${r.suppressed}`);
    if (e.comparison !== undefined && !close(r.comparison?.value, e.comparison)) problems.push(`${where}: comparison = ${String(r.comparison?.value)}, attendu / expected ${String(e.comparison)}`);
    for (const [k, v] of Object.entries(e.extra ?? {})) if (!close(r.extra?.[k], v)) problems.push(`${where}: ${k} = ${String(r.extra?.[k])}, attendu / expected ${String(v)}`);
  });
  return problems;
}

async function load(wh: Warehouse, fixture: Fixture): Promise<void> {
  for (const t of TABLES) await wh.command(`TRUNCATE TABLE ${t}`);
  for (const [table, data] of Object.entries(fixture.data)) {
    if (!TABLES.includes(table)) throw new Error(`${fixture.file}: table inconnue / unknown table ${table}`);
    const rows = rowsOf(data).map((r, i) => withDefaults(table, r, i));
    // Rows carrying `"_resent": true` arrive in a second insert, as a producer resending them would.
    const first = rows.filter((r) => !r._resent);
    const resent = rows.filter((r) => r._resent).map(({ _resent, ...r }) => r);
    if (first.length) await wh.insert(table, first);
    if (resent.length) await wh.insert(table, resent);
  }
  forgetRollupHealth(wh);
}

async function runCase(wh: Warehouse, settings: EngineSettings, fixture: Fixture, c: FixtureCase, forceRaw: boolean, defs: ReadonlyMap<string, MetricDefinition>): Promise<CaseResult> {
  const caller: Caller = { role: c.as?.role ?? 'admin', orgs: c.as?.orgs ?? [], id: 'definition-test' };
  const request: MetricRequest = {
    metric: c.metric, from: c.request.from, to: c.request.to, grain: c.request.grain, by: c.request.by ?? [], filters: c.request.filters ?? {},
    compare: c.request.compare ?? 'none', caller, now: new Date(fixture.now)
  };
  const base = { fixture: fixture.file, case: c.name, metric: c.metric, table: (forceRaw ? 'raw' : 'rollup') as 'raw' | 'rollup' };
  try {
    const answer = await runMetric(wh, settings, request, { forceRaw, definitions: defs });
    if (c.error) return { ...base, ok: false, problems: [`erreur attendue / expected error ${c.error}, got ${answer.rows.length} rows`] };
    const problems = compare(answer, c.expect ?? []);
    if (!forceRaw && answer.provenance.table !== 'rollup') problems.push('la requête devait passer par un agrégat / request should have used a rollup');
    return { ...base, ok: problems.length === 0, problems };
  } catch (err) {
    const code = err instanceof MetricError ? err.code : (err as { code?: unknown }).code;
    if (c.error && (code === c.error || (err instanceof Error && err.name === c.error))) return { ...base, ok: true, problems: [] };
    return { ...base, ok: false, problems: [err instanceof Error ? err.message : String(err)] };
  }
}

/** Runs every fixture (or those whose cases name `only` metrics) on `wh`, or on a temporary embedded warehouse. */
export async function runDefinitionTests(options: { only?: string[]; log?: (line: string) => void; warehouse?: Warehouse; settings?: EngineSettings; fixtures?: Fixture[] } = {}): Promise<TestReport> {
  const log = options.log ?? (() => {});
  const { definitions, problems } = catalogue();
  if (problems.length) throw new MetricError('bad_request', problems.map((p) => `${p.file}:${p.line}: ${p.message}`));
  const settings = options.settings ?? { smallCountThreshold: 10, digitalChannels: ['web', 'mobile'] };
  let wh = options.warehouse;
  let dir: string | null = null;
  if (!wh) {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jalon-metrics-test-'));
    const { EmbeddedWarehouse } = await import('../warehouse/embedded.ts');
    wh = await EmbeddedWarehouse.open({ dataDir: dir, database: 'jalon', holder: 'jalon metrics test' });
  }
  const results: CaseResult[] = [];
  try {
    await migrate(wh);
    for (const fixture of options.fixtures ?? loadFixtures()) {
      const cases = fixture.cases.filter((c) => !options.only || options.only.includes(c.metric));
      if (!cases.length) continue;
      await load(wh, fixture);
      for (const c of cases) results.push(await runCase(wh, settings, fixture, c, true, definitions));
      const viaRollup = cases.filter((c) => !c.raw_only && !c.error && definitions.get(c.metric)?.rollup);
      if (viaRollup.length) {
        for (const t of ['service_events', 'survey_responses']) await wh.command(`OPTIMIZE TABLE ${t} FINAL`);
        await backfillRollups(wh);
        for (const c of viaRollup) results.push(await runCase(wh, settings, fixture, c, false, definitions));
      }
      for (const r of results.filter((x) => x.fixture === fixture.file)) log(`${r.ok ? '✓' : '✗'} ${r.metric} · ${r.case} [${r.table}]${r.ok ? '' : `\n    ${r.problems.join('\n    ')}`}`);
    }
  } finally {
    if (dir) {
      await wh.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
  const tested = new Set(results.map((r) => r.metric));
  const untested = options.only ? [] : [...definitions.keys()].filter((id) => !tested.has(id));
  if (untested.length) log(`✗ sans test de définition / without definition tests: ${untested.join(', ')}`);
  const failed = results.filter((r) => !r.ok).length + untested.length;
  log(`${results.length - results.filter((r) => !r.ok).length} réussis / passed, ${failed} échecs / failed`);
  return { passed: results.length - results.filter((r) => !r.ok).length, failed, results, untested };
}
