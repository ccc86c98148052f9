// The query pipeline, readable top to bottom: find the definition, apply the caller's scope (access/caller.ts, the
// one place), decide the table, compile, refuse grains finer than the data, run, compare, suppress small counts, and
// attach provenance. Pages, the API, the CLI and the scorecard all answer through `runMetric`.
import { setImmediate } from 'node:timers/promises';
import { scopeOrgs } from '../access/caller.ts';
import { suppressCells, suppressDistribution, suppressionThreshold } from '../access/suppression.ts';
import type { AnswerCache } from './answer-cache.ts';
import type { Warehouse } from '../warehouse/warehouse.ts';
import type { Dimension, MetricAnswer, MetricRequest, MetricRow } from './types.ts';
import { catalogue, declaredOnly, type MetricDefinition } from './definition.ts';
import { clockOf, compileMetric } from './compile.ts';
import { rollupHealth } from './rollups.ts';
import { shiftLabel, shiftRange } from './periods.ts';

export interface EngineSettings {
  smallCountThreshold: number;
  digitalChannels: readonly string[];
  /** The most rows one answer may hold: a request beyond it is refused (422), never computed into memory. */
  maxRows?: number;
}

export const DEFAULT_MAX_ROWS = 20_000;

/** The engine's settings out of the whole configuration (nothing else of it, secrets included, reaches the engine). */
export function engineSettings(config: Pick<EngineSettings, 'smallCountThreshold' | 'digitalChannels'> & { metrics?: { maxRows: number }; maxRows?: number }): EngineSettings {
  return { smallCountThreshold: config.smallCountThreshold, digitalChannels: config.digitalChannels, maxRows: config.metrics?.maxRows ?? config.maxRows ?? DEFAULT_MAX_ROWS };
}

export interface RunOptions {
  /** Reuse an identical earlier answer while no data has arrived since (keyed by the warehouse's data version): the
   *  metrics service's one cache. */
  cache?: AnswerCache;
  /** Published or shared output: small counts are suppressed whoever asks. */
  public?: boolean;
  /** Answer from raw tables even when a rollup could (benchmarks, tests). */
  forceRaw?: boolean;
  definitions?: ReadonlyMap<string, MetricDefinition>;
  /** false: figures only — the provenance's last data time and completeness are not read (a chart's trend). */
  provenance?: boolean;
}

/** A request the engine cannot answer as asked; `problems` lists every reason. */
export class MetricError extends Error {
  readonly code: 'unknown_metric' | 'bad_request' | 'grain_too_fine' | 'dimension_unavailable' | 'too_large';
  readonly problems: readonly string[];
  constructor(code: MetricError['code'], problems: readonly string[]) {
    super(problems.join(' ; '));
    this.name = 'MetricError';
    this.code = code;
    this.problems = problems;
  }
}

interface RawRow {
  period: string;
  numerator: number | null;
  denominator: number | null;
  n: number | null;
  value: number | null;
  [column: string]: unknown;
}

const num = (v: unknown): number | null => {
  if (v === null || v === undefined || v === '') return null;
  const x = Number(v);
  return Number.isFinite(x) ? x : null;
};

function shapeRow(r: RawRow, by: readonly Dimension[]): MetricRow {
  const dimensions: Partial<Record<Dimension, string>> = {};
  for (const d of by) dimensions[d] = String(r[`d_${d}`] ?? '');
  const extra: Record<string, number | null> = {};
  for (const [k, v] of Object.entries(r)) if (k.startsWith('x_')) extra[k.slice(2)] = num(v);
  const row: MetricRow = {
    period: String(r.period),
    dimensions,
    value: num(r.value),
    numerator: num(r.numerator),
    denominator: num(r.denominator),
    n: num(r.n),
    suppressed: false
  };
  if (Object.keys(extra).length) row.extra = extra;
  if (r.step_index !== undefined) row.step = { index: Number(r.step_index), name: String(r.step_name ?? '') };
  return row;
}

const rowKey = (r: MetricRow): string => JSON.stringify([r.period, r.dimensions, r.step?.index ?? null]);

/** The refusal of an answer over the row limit (the same whether a row floor or the answer itself found it). */
function tooLarge(maxRows: number): MetricError {
  return new MetricError('too_large', [
    `réponse de plus de ${maxRows} lignes : choisissez un grain plus large, une période plus courte ou moins de dimensions / answer over ${maxRows} rows: choose a coarser grain, a shorter period or fewer dimensions`
  ]);
}

/** Whether `err` is a MetricError — by name, since the built app and the serving process each load this module. */
export function isMetricError(err: unknown): err is MetricError {
  return err instanceof Error && err.name === 'MetricError' && 'problems' in err;
}

/** HTTP-like status of each refusal, for the API and the CLI's exit message. */
export function metricErrorStatus(err: MetricError): number {
  return err.code === 'unknown_metric' ? 404 : err.code === 'bad_request' ? 400 : 422;
}

/** The dimensions a request splits or filters by that the metric's sources do not carry (one message per dimension). */
function unavailableDimensions(def: MetricDefinition, request: MetricRequest): string[] {
  // An organization filter is the caller's scope, which every metric honours; any other filter needs the dimension.
  const asked = [...request.by, ...Object.entries(request.filters).filter(([d, v]) => d !== 'org' && (v?.length ?? 0) > 0).map(([d]) => d)];
  return [...new Set(asked)]
    .filter((d) => !def.dimensions.includes(d as Dimension))
    .map((d) => `${def.id} : dimension « ${d} » non disponible (sources : ${def.sources.join(', ')}) — retirez-la / ${def.id}: dimension "${d}" not available (its sources have no ${d}) — remove it; available: ${def.dimensions.join(', ') || '—'}`);
}

/** Withholds small counts and their complements (access/suppression.ts, the one rule), per breakdown of the answer. */
function suppressRows(rows: MetricRow[], by: readonly Dimension[], threshold: number, periodIsAxis: boolean): MetricRow[] {
  if (threshold <= 0) return rows;
  const cells = rows.map((r) => ({
    coordinates: [...(periodIsAxis ? [r.period] : []), ...by.map((d) => r.dimensions[d] ?? '')],
    fixed: JSON.stringify([periodIsAxis ? '' : r.period, r.step?.index ?? null]),
    n: r.n,
    suppressed: r.suppressed
  }));
  suppressCells(cells, threshold, by.length + (periodIsAxis ? 1 : 0));
  return rows.map((r, i) =>
    cells[i].suppressed
      ? { ...r, value: null, numerator: null, denominator: null, n: null, suppressed: true, ...(r.extra ? { extra: Object.fromEntries(Object.keys(r.extra).map((k) => [k, null])) } : {}), ...(r.comparison ? { comparison: { period: r.comparison.period, value: null } } : {}) }
      : r.extra
        ? { ...r, extra: suppressDistribution(r.extra, threshold) }
        : r
  );
}

/** Answers one metric request for its caller. Throws AccessError (scope), MetricError (request) or WarehouseError. */
export async function runMetric(wh: Warehouse, settings: EngineSettings, request: MetricRequest, options: RunOptions = {}): Promise<MetricAnswer> {
  const cache = options.cache;
  if (!cache || options.definitions) return computeMetric(wh, settings, request, options);
  const { version } = await rollupHealth(wh);
  // The caller matters only through the organizations it may read and the threshold that applies to it, so callers
  // with the same scope share answers; the clock only as far as the definition reads it (compile.ts clockOf), so that
  // the scorecard of another day of the same fiscal year reuses the years it shares with one already computed.
  // Finality, which moves with the clock, is applied after the cache (service.ts).
  const scope = scopeOrgs(request.caller, request.filters.org?.length ? request.filters.org : null);
  const threshold = suppressionThreshold(request.caller, settings.smallCountThreshold, options.public === true);
  const { caller: _caller, now, ...asked } = request;
  const clock = clockOf(catalogue().definitions.get(request.metric), now);
  const key = JSON.stringify(['metric', version, asked, clock, scope, threshold, settings, options.forceRaw ?? false, options.provenance ?? true]);
  return cache.get(key, () => computeMetric(wh, settings, request, options));
}

/** `figuresOnly`: the previous period of a comparison needs its rows, not its provenance. */
async function computeMetric(wh: Warehouse, settings: EngineSettings, request: MetricRequest, options: RunOptions = {}, figuresOnly = false): Promise<MetricAnswer> {
  const definitions = options.definitions ?? catalogue().definitions;
  const def = definitions.get(request.metric);
  if (!def) throw new MetricError('unknown_metric', [`métrique inconnue / unknown metric "${request.metric}"`]);
  const unavailable = unavailableDimensions(def, request);
  if (unavailable.length) throw new MetricError('dimension_unavailable', unavailable);
  const scope = scopeOrgs(request.caller, request.filters.org?.length ? request.filters.org : null);
  const { health, version } = await rollupHealth(wh);
  const maxRows = settings.maxRows ?? DEFAULT_MAX_ROWS;
  const ctx = { scope, digitalChannels: settings.digitalChannels, rollups: health, forceRaw: options.forceRaw ?? false, limit: maxRows + 1 };
  const compiled = compileMetric(def, request, ctx);
  if (compiled.errors.length || !compiled.main || !compiled.provenance) throw new MetricError('bad_request', compiled.errors);
  const { main, provenance } = compiled;

  const notes: string[] = [];
  const withoutProvenance = figuresOnly || options.provenance === false;
  const grainCheck = () =>
    compiled.grainCheck ? wh.query<{ org: string; service: string; period_grain: string; source: string }>(compiled.grainCheck.sql, compiled.grainCheck.params) : Promise.resolve([]);
  // Metrics of the same sources, period and scope share one provenance (a scorecard asks it for most of its indicators):
  // read once per data version.
  type ProvenanceRow = { last_data_at: string | null; reported: number; expected: number; restatements: number };
  const readProvenance = () => wh.query<ProvenanceRow>(provenance.sql, provenance.params, { settings: provenance.settings });
  const provenanceRows = (): Promise<ProvenanceRow[]> =>
    options.cache ? options.cache.get(JSON.stringify(['provenance', version, provenance.sql, provenance.params]), readProvenance) : readProvenance();
  const figures = () =>
    Promise.all([
      wh.query<RawRow>(main.sql, main.params, { settings: main.settings }),
      withoutProvenance ? Promise.resolve([]) : provenanceRows()
    ]);
  const checkGrain = (coarse: Awaited<ReturnType<typeof grainCheck>>): void => {
    if (!coarse.length) return;
    const names = [...new Set(coarse.map((c) => `${c.org}/${c.service} (${c.source}: ${c.period_grain})`))];
    if (request.filters.org?.length || request.filters.service?.length || declaredOnly(def)) {
      throw new MetricError('grain_too_fine', [
        `grain « ${request.grain} » plus fin que les données déclarées / grain "${request.grain}" is finer than the declared data: ${names.slice(0, 8).join(', ')}${names.length > 8 ? '…' : ''} — choisissez un grain plus large / choose a coarser grain`
      ]);
    }
    notes.push(`données déclarées plus larges que « ${request.grain} », exclues / declared data coarser than "${request.grain}" left out: ${names.slice(0, 8).join(', ')}`);
  };
  let raw: RawRow[];
  let prov: Awaited<ReturnType<typeof figures>>[1];
  if (compiled.rowFloor) {
    // A request answered from raw tables: its row floor, read from a rollup, refuses an oversized answer before the
    // raw rows are grouped (the grain check first, as when both run with the figures).
    const floorQuery = compiled.rowFloor;
    const [coarse, [floor]] = await Promise.all([grainCheck(), wh.query<{ rows: number }>(floorQuery.sql, floorQuery.params)]);
    checkGrain(coarse);
    if (Number(floor?.rows ?? 0) > maxRows) throw tooLarge(maxRows);
    [raw, prov] = await figures();
  } else {
    // The grain check, the figures and their provenance run together; the figures are dropped if the check refuses.
    const [coarse, [r, p]] = await Promise.all([grainCheck(), figures()]);
    checkGrain(coarse);
    [raw, prov] = [r, p];
  }
  if (raw.length > maxRows) throw tooLarge(maxRows);
  let rows = raw.map((r) => shapeRow(r, request.by));
  // Between the steps of shaping a large answer, the server's thread answers other requests (a kept page).
  if (rows.length > 2_000) await setImmediate();

  if (request.compare !== 'none') {
    const range = shiftRange(request.grain, request.from, request.to, request.compare);
    const previous = await computeMetric(wh, settings, { ...request, ...range, compare: 'none' }, options, true);
    const byKey = new Map(previous.rows.map((r) => [rowKey(r), r]));
    rows = rows.map((r) => {
      const label = request.grain === 'all' ? 'all' : shiftLabel(request.grain, r.period, request.compare as 'previous_period' | 'previous_year');
      const match = label ? byKey.get(rowKey({ ...r, period: label })) : undefined;
      return { ...r, comparison: label ? { period: request.grain === 'all' ? `${range.from}/${range.to}` : label, value: match?.value ?? null } : null };
    });
  }

  if (def.suppressSmallCounts) {
    // The period is an axis of the sum too (months add up to the fiscal year another answer publishes).
    rows = suppressRows(rows, request.by, suppressionThreshold(request.caller, settings.smallCountThreshold, options.public === true), request.grain !== 'all');
    if (rows.length > 2_000) await setImmediate();
  }

  const p = prov[0];
  const lastData = p?.last_data_at && !p.last_data_at.startsWith('1970') ? p.last_data_at.replace(' ', 'T') + 'Z' : null;
  return {
    metric: def.id,
    unit: def.unit,
    grain: request.grain,
    rows,
    provenance: {
      // An administrator's restatement of modelled parameters revises the formula (metrics/shared-sql.ts).
      formula_version: Number(p?.restatements ?? 0) > 0 ? `${def.formulaVersion}-r${Number(p.restatements)}` : def.formulaVersion,
      effective_from: def.effectiveFrom,
      sources: def.sources,
      last_data_at: lastData,
      completeness: { reported: Number(p?.reported ?? 0), expected: Number(p?.expected ?? 0) },
      ...(def.modelled ? { modelled: true } : {}),
      table: compiled.main.table,
      ...(notes.length ? { notes } : {}),
      ...(withoutProvenance ? { omitted: true as const } : {})
    }
  };
}
