// The query pipeline, readable top to bottom: find the definition, apply the caller's scope (access/caller.ts, the
// one place), decide the table, compile, refuse grains finer than the data, run, compare, suppress small counts, and
// attach provenance. Pages, the API, the CLI and the scorecard all answer through `runMetric`.
import { scopeOrgs, seesSmallCounts } from '../access/caller.ts';
import type { Warehouse } from '../warehouse/warehouse.ts';
import type { Dimension, MetricAnswer, MetricRequest, MetricRow } from './types.ts';
import { catalogue, declaredOnly, type MetricDefinition } from './definition.ts';
import { compileMetric } from './compile.ts';
import { rollupHealth } from './rollups.ts';
import { shiftLabel, shiftRange } from './periods.ts';

export interface EngineSettings {
  smallCountThreshold: number;
  digitalChannels: readonly string[];
}

/** The engine's settings out of the whole configuration (nothing else of it, secrets included, reaches the engine). */
export function engineSettings(config: EngineSettings): EngineSettings {
  return { smallCountThreshold: config.smallCountThreshold, digitalChannels: config.digitalChannels };
}

export interface RunOptions {
  /** Reuse an identical earlier answer while no data has arrived since (keyed by the warehouse's data version). */
  cache?: boolean;
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
  readonly code: 'unknown_metric' | 'bad_request' | 'grain_too_fine';
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

const answers = new Map<string, Promise<MetricAnswer>>();

/** A row above the threshold can still carry a distribution of people (satisfaction's `rated_N`): each cell of it
 *  under the threshold is suppressed too, or one respondent's rating could be read off the chart. */
function suppressDistribution(extra: Record<string, number | null>, threshold: number): Record<string, number | null> {
  return Object.fromEntries(Object.entries(extra).map(([k, v]) => [k, k.startsWith('rated_') && v !== null && v > 0 && v < threshold ? null : v]));
}

/** Answers one metric request for its caller. Throws AccessError (scope), MetricError (request) or WarehouseError. */
export async function runMetric(wh: Warehouse, settings: EngineSettings, request: MetricRequest, options: RunOptions = {}): Promise<MetricAnswer> {
  if (!options.cache) return computeMetric(wh, settings, request, options);
  const { version } = await rollupHealth(wh);
  // The caller matters only through the organizations it may read and whether small counts are hidden, so callers
  // with the same scope share answers; the clock only through the request's day (windows such as "too recent to
  // judge" move daily).
  const scope = scopeOrgs(request.caller, request.filters.org?.length ? request.filters.org : null);
  const hide = options.public === true || !seesSmallCounts(request.caller);
  const { caller: _caller, ...asked } = request;
  const key = JSON.stringify([version, { ...asked, now: request.now.toISOString().slice(0, 10) }, scope, hide, engineSettings(settings), options.forceRaw ?? false, options.provenance ?? true]);
  let hit = answers.get(key);
  if (!hit) {
    hit = computeMetric(wh, settings, request, options);
    answers.set(key, hit);
    hit.catch(() => answers.delete(key));
    if (answers.size > 2000) answers.delete(answers.keys().next().value as string);
  }
  return hit;
}

/** `figuresOnly`: the previous period of a comparison needs its rows, not its provenance. */
async function computeMetric(wh: Warehouse, settings: EngineSettings, request: MetricRequest, options: RunOptions = {}, figuresOnly = false): Promise<MetricAnswer> {
  const definitions = options.definitions ?? catalogue().definitions;
  const def = definitions.get(request.metric);
  if (!def) throw new MetricError('unknown_metric', [`métrique inconnue / unknown metric "${request.metric}"`]);
  const scope = scopeOrgs(request.caller, request.filters.org?.length ? request.filters.org : null);
  const { health } = await rollupHealth(wh);
  const ctx = { scope, digitalChannels: settings.digitalChannels, rollups: health, forceRaw: options.forceRaw ?? false };
  const compiled = compileMetric(def, request, ctx);
  if (compiled.errors.length || !compiled.main || !compiled.provenance) throw new MetricError('bad_request', compiled.errors);

  // The grain check, the figures and their provenance run together; the figures are dropped if the check refuses.
  const notes: string[] = [];
  const withoutProvenance = figuresOnly || options.provenance === false;
  const [coarse, raw, prov] = await Promise.all([
    compiled.grainCheck ? wh.query<{ org: string; service: string; period_grain: string; source: string }>(compiled.grainCheck.sql, compiled.grainCheck.params) : Promise.resolve([]),
    wh.query<RawRow>(compiled.main.sql, compiled.main.params),
    withoutProvenance ? Promise.resolve([]) : wh.query<{ last_data_at: string | null; reported: number; expected: number; restatements: number }>(compiled.provenance.sql, compiled.provenance.params)
  ]);
  if (coarse.length) {
    const names = [...new Set(coarse.map((c) => `${c.org}/${c.service} (${c.source}: ${c.period_grain})`))];
    if (request.filters.org?.length || request.filters.service?.length || declaredOnly(def)) {
      throw new MetricError('grain_too_fine', [
        `grain « ${request.grain} » plus fin que les données déclarées / grain "${request.grain}" is finer than the declared data: ${names.slice(0, 8).join(', ')}${names.length > 8 ? '…' : ''} — choisissez un grain plus large / choose a coarser grain`
      ]);
    }
    notes.push(`données déclarées plus larges que « ${request.grain} », exclues / declared data coarser than "${request.grain}" left out: ${names.slice(0, 8).join(', ')}`);
  }
  let rows = raw.map((r) => shapeRow(r, request.by));

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

  const hide = def.suppressSmallCounts && (options.public === true || !seesSmallCounts(request.caller));
  if (hide) {
    rows = rows.map((r) =>
      r.n !== null && r.n < settings.smallCountThreshold
        ? { ...r, value: null, numerator: null, denominator: null, n: null, suppressed: true, ...(r.extra ? { extra: Object.fromEntries(Object.keys(r.extra).map((k) => [k, null])) } : {}), ...(r.comparison ? { comparison: { period: r.comparison.period, value: null } } : {}) }
        : r.extra
          ? { ...r, extra: suppressDistribution(r.extra, settings.smallCountThreshold) }
          : r
    );
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
