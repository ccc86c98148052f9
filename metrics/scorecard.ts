// The strategy scorecard: for a scope (government-wide or one organization) and a day, each characteristic with its
// indicators — every one a catalogue metric answered by runMetric (so caller scope and suppression apply), computed
// or declared alike — their value, series, baseline, target and status. The headline and its series come from the
// same definition, sources, filters and caller. Answers are cached by data version in the service's one cache.
import { scopeOrgs, type Caller } from '../access/caller.ts';
import { suppressionThreshold } from '../access/suppression.ts';
import type { Warehouse } from '../warehouse/warehouse.ts';
import type { Grain, Localized, MetricAnswer, Status } from './types.ts';
import { catalogue, type MetricDefinition } from './definition.ts';
import { isMetricError, MetricError, runMetric, type EngineSettings } from './run-metric.ts';
import type { AnswerCache } from './answer-cache.ts';
import { indicatorStatus, worstStatus } from './status.ts';
import { loadStrategy, type IndicatorSpec, type Strategy } from './strategy.ts';
import { rollupHealth } from './rollups.ts';
import { addDays, isDay, isoDay, parseDay, periodOf, periodRange, torontoDay } from './periods.ts';

export interface TrendPoint {
  period: string;
  value: number | null;
  suppressed: boolean;
}

export interface ScorecardIndicator {
  metric: string;
  source: 'computed' | 'declared';
  title: Localized;
  unit: string;
  direction: 'higher' | 'lower';
  value: number | null;
  period: string | null;
  baseline: { value: number | null; period: string; date: string };
  target: number | null;
  target_date: string;
  status: Status;
  fresh: boolean;
  last_data_at: string | null;
  n: number | null;
  suppressed: boolean;
  completeness: { reported: number; expected: number } | null;
  filters?: Record<string, string[]>;
  modelled?: boolean;
  /** The headline's own series: the same definition, sources, filters and caller, by fiscal year from the strategy's
   *  first fiscal year to the one judged; its point for `period` is the headline. Empty for a metric with no series
   *  (a state such as services fully online). */
  trend: TrendPoint[];
  /** What the engine left out of the figure, if anything (e.g. declared data coarser than the grain). */
  notes?: readonly string[];
}

export interface Scorecard {
  strategy: string;
  title: Localized;
  scope: string; // 'government' or an organization code
  at: string;
  /** The fiscal year every computed indicator is judged on (the last one closed on `at`). */
  judged: string;
  characteristics: { number: number; title: Localized; text: Localized; status: Status; indicators: ScorecardIndicator[] }[];
  note?: Localized;
}

export interface ScorecardRequest {
  caller: Caller;
  /** Organization code, or null for government-wide (within the caller's scope). */
  org: string | null;
  /** Day judged (YYYY-MM-DD, Toronto); defaults to `now`'s day. */
  at: string;
  now: Date;
  strategy?: string;
  public?: boolean;
  forceRaw?: boolean;
}

/** Last fiscal year closed on or before `at`. */
export function lastFiscalYear(at: string): { label: string; from: string; to: string } {
  const current = periodOf('fiscal_year', at);
  const range = periodRange('fiscal_year', current)!;
  const closed = range.to <= at ? current : periodOf('fiscal_year', isoDay(addDays(parseDay(range.from), -1)));
  const r = periodRange('fiscal_year', closed)!;
  return { label: closed, ...r };
}

/** First day of the fiscal year a strategy starts in: where every indicator's series begins. */
export function strategyStart(strategy: Pick<Strategy, 'starts_on'>): string {
  return periodRange('fiscal_year', periodOf('fiscal_year', strategy.starts_on))!.from;
}

function targetValue(spec: IndicatorSpec, baseline: number | null, override?: { value?: number; change?: number }): number | null {
  const t = override ?? spec.target;
  if (t.value !== undefined) return t.value;
  if (t.change !== undefined && baseline !== null) return baseline * (1 + t.change);
  return null;
}

/** How long after its fiscal year ends a declared figure stays recent enough to judge on (a year and a quarter). */
const DECLARED_FRESH_DAYS = 457;

export async function buildScorecard(wh: Warehouse, settings: EngineSettings, req: ScorecardRequest, cache?: AnswerCache): Promise<Scorecard> {
  const { definitions } = catalogue();
  const strategy: Strategy = loadStrategy(req.strategy ?? 'qc-2018', definitions);
  const scope = scopeOrgs(req.caller, req.org ? [req.org] : null); // refuses another organization's scorecard
  if (!isDay(req.at)) throw new MetricError('bad_request', [`at "${req.at}": date AAAA-MM-JJ / date YYYY-MM-DD`]);
  if (!cache) return computeScorecard(wh, settings, req, strategy, definitions);
  const { version } = await rollupHealth(wh);
  // Callers with the same scope and the same threshold share a scorecard (see runMetric).
  const threshold = suppressionThreshold(req.caller, settings.smallCountThreshold, req.public === true);
  const key = JSON.stringify(['scorecard', version, strategy.id, strategy.version, scope, req.org, req.at, isoDay(req.now), threshold, req.forceRaw ?? false, settings]);
  return cache.get(key, () => computeScorecard(wh, settings, req, strategy, definitions, cache));
}

async function computeScorecard(
  wh: Warehouse, settings: EngineSettings, req: ScorecardRequest, strategy: Strategy, definitions: ReadonlyMap<string, MetricDefinition>, cache?: AnswerCache
): Promise<Scorecard> {
  const fy = lastFiscalYear(req.at);
  const seriesFrom = strategyStart(strategy);
  const filters = (spec: IndicatorSpec) => ({ ...(spec.filters ?? {}), ...(req.org ? { org: [req.org] } : {}) });
  const run = (spec: IndicatorSpec, from: string, to: string, grain: Grain, provenance: boolean): Promise<MetricAnswer | null> =>
    from >= to
      ? Promise.resolve(null)
      : runMetric(
          wh, settings,
          { metric: spec.metric, from, to, grain, by: [], filters: filters(spec), compare: 'none', caller: req.caller, now: req.now },
          { public: req.public ?? false, forceRaw: req.forceRaw ?? false, cache, provenance }
        ).catch((err: unknown) => {
          if (isMetricError(err)) return null; // e.g. a grain the scope's data cannot give: no data
          throw err;
        });
  const points = (a: MetricAnswer | null): TrendPoint[] => (a?.rows ?? []).map((r) => ({ period: r.period, value: r.value, suppressed: r.suppressed }));

  const indicator = async (spec: IndicatorSpec): Promise<ScorecardIndicator> => {
    const def = definitions.get(spec.metric)!;
    const override = strategy.overrides?.find((o) => o.metric === spec.metric && o.scope === req.org)?.target;
    const targetDate = override?.date ?? spec.target.date;
    const byYear = def.grains.includes('fiscal_year');
    // A baseline measured over one fiscal year is that year's point of the series (one query fewer, the same figure).
    const baselineYear = periodRange('fiscal_year', periodOf('fiscal_year', spec.baseline.from));
    const baselineInSeries = byYear && baselineYear !== null && baselineYear.from === spec.baseline.from && baselineYear.to === spec.baseline.to && spec.baseline.to <= fy.to;
    const baselineRun = spec.baseline.value === undefined && !baselineInSeries ? run(spec, spec.baseline.from, spec.baseline.to, 'all', false) : Promise.resolve(null);
    let value: number | null = null;
    let period: string | null = null;
    let n: number | null = null;
    let suppressed = false;
    let fresh = false;
    let completeness: ScorecardIndicator['completeness'] = null;
    let last: string | null = null;
    let trend: TrendPoint[] = [];
    let notes: readonly string[] | undefined;
    if (spec.source === 'declared') {
      // Organizations declare a fiscal year after it ends: the headline is the latest year declared, read off the series.
      const series = await run(spec, seriesFrom, fy.to, 'fiscal_year', true);
      trend = points(series);
      const latest = [...(series?.rows ?? [])].reverse().find((r) => r.value !== null) ?? null;
      value = latest?.value ?? null;
      period = latest?.period ?? null;
      n = latest?.n ?? null;
      const end = period ? periodRange('fiscal_year', period)!.to : null;
      fresh = end !== null && isoDay(addDays(parseDay(end), DECLARED_FRESH_DAYS)) >= req.at;
      last = end ? `${isoDay(addDays(parseDay(end), -1))}T23:59:59Z` : null;
      completeness = latest ? { reported: Number(latest.n ?? 0), expected: series?.provenance.completeness.expected ?? Number(latest.n ?? 0) } : null;
      notes = series?.provenance.notes;
    } else {
      const window = byYear ? { from: fy.from, to: fy.to, label: fy.label } : { from: '2000-01-01', to: isoDay(addDays(parseDay(req.at), 1)), label: req.at };
      const [current, series] = await Promise.all([
        run(spec, window.from, window.to, 'all', true),
        byYear ? run(spec, seriesFrom, fy.to, 'fiscal_year', false) : Promise.resolve(null)
      ]);
      const row = current?.rows[0] ?? null;
      value = row?.value ?? null;
      period = window.label;
      n = row?.n ?? null;
      suppressed = row?.suppressed ?? false;
      last = current?.provenance.last_data_at ?? null;
      fresh = last !== null && last.slice(0, 10) >= isoDay(addDays(parseDay(window.to), -31));
      completeness = current?.provenance.completeness ?? null;
      trend = points(series);
      notes = [...new Set([...(current?.provenance.notes ?? []), ...(series?.provenance.notes ?? [])])];
    }
    const fromSeries = baselineInSeries ? trend.find((p) => p.period === periodOf('fiscal_year', spec.baseline.from)) : undefined;
    const base = spec.baseline.value ?? (fromSeries && !fromSeries.suppressed ? fromSeries.value : ((await baselineRun)?.rows[0]?.value ?? (fromSeries ? (await run(spec, spec.baseline.from, spec.baseline.to, 'all', false))?.rows[0]?.value ?? null : null)));
    const target = targetValue(spec, base, override);
    return {
      metric: spec.metric, source: spec.source, title: def.title, unit: def.unit, direction: def.direction,
      value, period, baseline: { value: base, period: spec.baseline.period, date: spec.baseline.date },
      target, target_date: targetDate, fresh, last_data_at: last, n, suppressed, completeness, trend,
      ...(notes?.length ? { notes } : {}),
      ...(spec.filters ? { filters: spec.filters as Record<string, string[]> } : {}),
      ...(def.modelled ? { modelled: true } : {}),
      status: indicatorStatus({ direction: def.direction, baseline: { value: base, date: spec.baseline.date }, target: { value: target, date: targetDate }, current: value, at: req.at, fresh })
    };
  };

  const characteristics = await Promise.all(
    strategy.characteristics.map(async (c) => {
      const indicators = await Promise.all(c.indicators.map(indicator));
      return { number: c.number, title: c.title, text: c.text, status: worstStatus(indicators.map((i) => i.status)), indicators };
    })
  );
  return { strategy: strategy.id, title: strategy.title, scope: req.org ?? 'government', at: req.at, judged: fy.label, characteristics, ...(strategy.note ? { note: strategy.note } : {}) };
}

/**
 * Prepares the scorecards people open first, so that nobody waits for them after data arrives: government-wide and
 * each organization's, as an executive sees them (small counts hidden; the same answers serve the public and service
 * owners of that organization). Already prepared scorecards cost a look-up. Returns how many were built.
 */
export async function warmScorecards(wh: Warehouse, settings: EngineSettings, now: Date, cache?: AnswerCache, signal?: AbortSignal): Promise<number> {
  const orgs = await wh.query<{ code: string }>('SELECT code FROM organizations FINAL WHERE NOT placeholder ORDER BY code');
  const at = torontoDay(now);
  const caller: Caller = { role: 'executive', orgs: [], id: 'jalon-warm' };
  let built = 0;
  for (const org of [null, ...orgs.map((o) => o.code)]) {
    if (signal?.aborted) break;
    await buildScorecard(wh, settings, { caller, org, at, now }, cache);
    built++;
  }
  return built;
}
