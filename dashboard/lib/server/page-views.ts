// What each page shows, shaped from the metrics service's answers (metrics/service.ts, reached through the runtime):
// this file asks the engine for figures and arranges them; it holds no SQL, no cache of its own and no suppression
// rule. Filters the page cannot honour for a figure are said next to it ("not available for this filter"), never
// silently dropped.
import type { Caller } from '../../../access/caller.ts';
import { defaultOrg, PUBLIC_CALLER, scopeOrgs } from '../../../access/caller.ts';
import { isDeclaredIndicator, DECLARED_SOURCES, type MetricDefinition } from '../../../metrics/definition.ts';
import { isMetricError } from '../../../metrics/run-metric.ts';
import type { Dimension, Grain, MetricAnswer, MetricRequest, Status } from '../../../metrics/types.ts';
import type { OrganizationInventory } from '../../../metrics/inventory.ts';
import type { Scorecard, ScorecardIndicator } from '../../../metrics/scorecard.ts';
import { loadStrategy } from '../../../metrics/strategy.ts';
import { stepLabel } from '../../../metrics/read-models.ts';
import { periodOf, periodRange as labelRange, torontoDay } from '../../../metrics/periods.ts';
import type { MetricsService } from '../../../metrics/service.ts';
import type { Annotation, AnnotationInput } from '../../../metrics/annotations.ts';
import type { BeforeAfter } from '../../../metrics/before-after.ts';
import { mayAnnotate } from '../../../access/annotation-access.ts';
import { dimensionFilters, parseFilters, periodRange, type Filters, type Range } from '../filters.ts';
import { getRuntime } from './runtime.ts';

export type Unit = MetricDefinition['unit'];

/** A metric as the pages describe it (title, unit, sources, what it can be split by). */
export interface MetricInfo {
  id: string;
  title: { fr: string; en: string };
  description: { fr: string; en: string };
  unit: Unit;
  direction: 'up' | 'down';
  source: 'computed' | 'declared';
  sources: readonly string[];
  dimensions: readonly Dimension[];
  formulaVersion: string;
  modelled?: boolean;
  grains?: readonly Grain[];
}

export interface Context {
  caller: Caller;
  filters: Filters;
  now: Date;
}

async function service(): Promise<MetricsService> {
  return (await getRuntime()).metrics;
}

export function infoOf(d: MetricDefinition): MetricInfo {
  return {
    id: d.id, title: d.title, description: d.description, unit: d.unit, direction: d.direction === 'higher' ? 'up' : 'down',
    source: isDeclaredIndicator(d) ? 'declared' : 'computed', sources: d.sources, dimensions: d.dimensions, formulaVersion: d.formulaVersion, modelled: d.modelled,
    ...(d.grains.length ? { grains: d.grains } : {})
  };
}

/** Every metric of the catalogue, computed and declared alike (the same list as the API and `jalon metrics list`). */
export async function catalogue(): Promise<MetricInfo[]> {
  return [...(await service()).definitions().values()].map(infoOf);
}

async function metricInfo(id: string): Promise<MetricInfo | null> {
  const d = (await service()).definitions().get(id);
  return d ? infoOf(d) : null;
}

export async function smallCountThreshold(caller: Caller): Promise<number> {
  return (await service()).threshold(caller);
}

/** Organizations and services the caller may see (filter lists, names), with event counts. */
export async function inventory(caller: Caller): Promise<OrganizationInventory[]> {
  return (await service()).inventory(caller);
}

/** Filters in force that a metric's sources cannot honour: its figure is not shown under them (and the page says so). */
export function unavailableFilters(info: Pick<MetricInfo, 'dimensions'>, filters: Filters): Dimension[] {
  return (Object.keys(dimensionFilters(filters)) as Dimension[]).filter((d) => d !== 'org' && !info.dimensions.includes(d));
}

function request(ctx: Context, metric: string, range: Range, grain: Grain, by: readonly Dimension[] = [], extra: Partial<Record<Dimension, readonly string[]>> = {}): MetricRequest {
  return {
    metric, from: range.from, to: range.to, grain, by, filters: { ...dimensionFilters(ctx.filters), ...extra }, compare: ctx.filters.compare, caller: ctx.caller, now: ctx.now
  };
}

function rangeOf(ctx: Context): Range {
  return periodRange(ctx.filters.period, ctx.now, ctx.filters);
}

export function grainFor(range: Range): Grain {
  const days = (Date.parse(range.to) - Date.parse(range.from)) / 86_400_000;
  return days <= 100 ? 'week' : days <= 800 ? 'month' : 'quarter';
}

/** Whether a metric reads data declared per period (fiscal years, quarters): its figures follow whole fiscal years. */
function readsDeclared(info: MetricInfo): boolean {
  return info.sources.some((s) => (DECLARED_SOURCES as readonly string[]).includes(s));
}

/** The selected range widened to whole fiscal years, for figures declared per fiscal year. */
export function fiscalYearsCovering(range: Range): Range {
  const first = labelRange('fiscal_year', periodOf('fiscal_year', range.from))!;
  const lastDay = new Date(Date.parse(`${range.to}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
  const last = labelRange('fiscal_year', periodOf('fiscal_year', lastDay))!;
  return { from: first.from, to: last.to };
}

const COARSER: Record<Grain, Grain | null> = { day: 'week', week: 'month', month: 'quarter', quarter: 'fiscal_year', fiscal_year: 'all', year: 'all', all: null };

/** A grain finer than some declared data falls back to the next coarser grain (a chart of quarters rather than an error
 *  page); the answer's `grain` says which grain answered. */
async function runCoarsening(req: MetricRequest, provenance = false): Promise<MetricAnswer> {
  try {
    return await (await service()).run(req, { provenance });
  } catch (err) {
    const next = COARSER[req.grain];
    if (isMetricError(err) && err.code === 'grain_too_fine' && next) return runCoarsening({ ...req, grain: next }, provenance);
    throw err;
  }
}

export interface Target {
  baseline: { value: number | null; date: string };
  target: { value: number; date: string };
}

export interface IndicatorCard {
  metric: string;
  info: MetricInfo;
  value: number | null;
  /** Period the value measures (the strategy judges the last closed fiscal year). */
  period: string | null;
  n: number | null;
  suppressed: boolean;
  /** The value one period before (the previous fiscal year on the scorecard), when a comparison is asked for. */
  comparison: number | null;
  comparisonPeriod: string | null;
  status: Status;
  target: Target | null;
  /** The headline's own series (same definition, sources, filters, caller): its point for `period` is the headline. */
  trend: { period: string; value: number | null; suppressed: boolean }[];
  lastDataAt: string | null;
  stale: boolean;
  completeness: { reported: number; expected: number };
  /** Filters in force this figure cannot honour (then it is not shown). */
  unavailable: Dimension[];
  /** Scorecard filters of the strategy itself (e.g. satisfaction on phone, counter and mail only). */
  scope: Partial<Record<Dimension, string[]>>;
  notes: readonly string[];
}

/** A scorecard row as a card: value, target, status and the series the headline belongs to, all from the engine. */
function cardOf(ind: ScorecardIndicator, info: MetricInfo, compare: Filters['compare']): IndicatorCard {
  const at = ind.trend.findIndex((p) => p.period === ind.period);
  const before = compare !== 'none' && at > 0 ? ind.trend[at - 1] : null;
  return {
    metric: ind.metric, info: { ...info, source: ind.source }, value: ind.value, period: ind.period, n: ind.n, suppressed: ind.suppressed,
    comparison: before?.value ?? null, comparisonPeriod: before?.period ?? null, status: ind.status,
    target: ind.target === null ? null : { baseline: { value: ind.baseline.value, date: ind.baseline.date }, target: { value: ind.target, date: ind.target_date } },
    trend: ind.trend, lastDataAt: ind.last_data_at, stale: !ind.fresh, completeness: ind.completeness ?? { reported: 0, expected: 0 },
    unavailable: [], scope: ind.filters ?? {}, notes: ind.notes ?? []
  };
}

/** A figure over the selected period and filters (value created), with the comparison asked for. */
async function periodCard(ctx: Context, metric: string): Promise<IndicatorCard | null> {
  const info = await metricInfo(metric);
  if (!info) return null;
  const range = rangeOf(ctx);
  const unavailable = unavailableFilters(info, ctx.filters);
  const base: IndicatorCard = {
    metric, info, value: null, period: null, n: null, suppressed: false, comparison: null, comparisonPeriod: null, status: 'no_data', target: null,
    trend: [], lastDataAt: null, stale: false, completeness: { reported: 0, expected: 0 }, unavailable, scope: {}, notes: []
  };
  if (unavailable.length) return base;
  const m = await service();
  const [current, trend] = await Promise.all([
    m.run(request(ctx, metric, range, 'all'), { provenance: true }),
    runCoarsening({ ...request(ctx, metric, range, grainFor(range)), compare: 'none' })
  ]);
  const row = current.rows[0];
  return {
    ...base, value: row?.value ?? null, n: row?.n ?? null, suppressed: row?.suppressed ?? false,
    comparison: row?.comparison?.value ?? null, comparisonPeriod: row?.comparison?.period ?? null,
    trend: trend.rows.map((r) => ({ period: r.period, value: r.value, suppressed: r.suppressed })),
    lastDataAt: current.provenance.last_data_at, completeness: current.provenance.completeness, notes: current.provenance.notes ?? []
  };
}

/** How many indicators of the scope stand at each status (the home's summary strip). */
export type StatusCounts = Record<Status, number>;

/** One organization's row of the home grid: the status of each characteristic in its own scorecard. */
export interface GridRow {
  org: string;
  name: { fr: string; en: string };
  statuses: { number: number; status: Status }[];
}

export interface ScorecardView {
  strategy: { id: string; title: { fr: string; en: string }; note: { fr: string; en: string } | null; at: string; judged: string };
  characteristics: { number: number; title: { fr: string; en: string }; status: Status; indicators: IndicatorCard[] }[];
  value: { hours: IndicatorCard | null; cost: IndicatorCard | null };
  /** Value created over the same period a year earlier (the summary strip's change), whatever the comparison asked. */
  yearBefore: { hours: number | null; cost: number | null; period: string | null };
  /** Indicators of the scope by status (each indicator row of the strategy once). */
  summary: StatusCounts;
  /** Organization × characteristic statuses, for every organization the caller may see. */
  grid: GridRow[];
  range: Range;
}

async function scorecardFor(ctx: Context, org: string | null): Promise<Scorecard> {
  return (await service()).scorecard({ caller: ctx.caller, org, at: torontoDay(ctx.now), now: ctx.now });
}

async function cardsOf(sc: Scorecard, compare: Filters['compare']) {
  const m = await service();
  return sc.characteristics.map((c) => ({
    number: c.number, title: c.title, status: c.status,
    indicators: c.indicators.map((ind) => cardOf(ind, infoOf(m.definitions().get(ind.metric)!), compare))
  }));
}

const STATUSES: readonly Status[] = ['achieved', 'on_track', 'at_risk', 'late', 'no_target', 'no_data'];

export function countStatuses(sc: Scorecard): StatusCounts {
  const counts = Object.fromEntries(STATUSES.map((st) => [st, 0])) as StatusCounts;
  for (const c of sc.characteristics) for (const ind of c.indicators) counts[ind.status] += 1;
  return counts;
}

/** Each visible organization's scorecard (cached by the service, warmed by the rollups job), as characteristic statuses. */
export async function statusGrid(ctx: Context): Promise<GridRow[]> {
  const m = await service();
  const orgs = await m.inventory(ctx.caller);
  // The grid is the published overview (shown to every role, the public included): each organization's scorecard as
  // published, small counts withheld, so every role shares the answers the rollups job prepares.
  return Promise.all(
    orgs.map(async (o) => {
      const sc = await m.scorecard({ caller: ctx.caller, org: o.code, at: torontoDay(ctx.now), now: ctx.now, public: true });
      return { org: o.code, name: o.name, statuses: sc.characteristics.map((c) => ({ number: c.number, status: c.status })) };
    })
  );
}

export async function loadScorecard(ctx: Context): Promise<ScorecardView> {
  const sc = await scorecardFor(ctx, ctx.filters.org || null);
  // Value created follows the selected period, for the scorecard's scope (organization or all), with its change on the
  // same period a year earlier unless another comparison is asked for.
  const valueCtx: Context = { ...ctx, filters: { ...ctx.filters, service: '', channel: '', region: '', client_type: '', compare: ctx.filters.compare === 'none' ? 'previous_year' : ctx.filters.compare } };
  const [characteristics, hoursYoy, costYoy, grid] = await Promise.all([
    cardsOf(sc, ctx.filters.compare), periodCard(valueCtx, 'value_time_saved'), periodCard(valueCtx, 'value_cost_avoided'), statusGrid(ctx)
  ]);
  // The year-earlier figure feeds the summary's change; the cards show a comparison only when one is asked for.
  const asAsked = (c: IndicatorCard | null): IndicatorCard | null => (c && ctx.filters.compare === 'none' ? { ...c, comparison: null, comparisonPeriod: null } : c);
  const yearEarlier = ctx.filters.compare === 'previous_period'
    ? await Promise.all([periodCard({ ...valueCtx, filters: { ...valueCtx.filters, compare: 'previous_year' } }, 'value_time_saved'), periodCard({ ...valueCtx, filters: { ...valueCtx.filters, compare: 'previous_year' } }, 'value_cost_avoided')])
    : [hoursYoy, costYoy];
  return {
    strategy: { id: sc.strategy, title: sc.title, note: sc.note ?? null, at: sc.at, judged: sc.judged },
    characteristics, value: { hours: asAsked(hoursYoy), cost: asAsked(costYoy) },
    yearBefore: { hours: yearEarlier[0]?.comparison ?? null, cost: yearEarlier[1]?.comparison ?? null, period: yearEarlier[0]?.comparisonPeriod ?? null },
    summary: countStatuses(sc), grid, range: rangeOf(ctx)
  };
}

/** Target and characteristics of a metric in the strategy, for a scope (from the engine's scorecard). */
async function strategyOf(ctx: Context, metric: string): Promise<{ target: Target | null; characteristics: number[] }> {
  const sc = await scorecardFor(ctx, null);
  const found = sc.characteristics.flatMap((c) => c.indicators.filter((i) => i.metric === metric).map((i) => ({ c: c.number, i })));
  const first = found.find((f) => f.i.target !== null && Object.keys(f.i.filters ?? {}).length === 0)?.i ?? found.find((f) => f.i.target !== null)?.i;
  return {
    target: first && first.target !== null ? { baseline: { value: first.baseline.value, date: first.baseline.date }, target: { value: first.target, date: first.target_date } } : null,
    characteristics: [...new Set(found.map((f) => f.c))]
  };
}

/** Characteristics each metric serves in the strategy file (for the catalogue), else the definition's own. */
export async function characteristicsOf(metric: string): Promise<number[]> {
  const m = await service();
  const numbers = loadStrategy('qc-2018', m.definitions()).characteristics.filter((c) => c.indicators.some((i) => i.metric === metric)).map((c) => c.number);
  return numbers.length ? numbers : (m.definitions().get(metric)?.characteristics ?? []);
}

/** The strategy's characteristics, numbered and titled (the catalogue groups indicators under them). */
export async function strategyCharacteristics(): Promise<{ number: number; title: { fr: string; en: string } }[]> {
  const m = await service();
  return loadStrategy('qc-2018', m.definitions()).characteristics.map((c) => ({ number: c.number, title: c.title }));
}

export interface IndicatorView {
  info: MetricInfo;
  series: MetricAnswer | null;
  breakdowns: { dimension: Dimension; answer: MetricAnswer }[];
  target: Target | null;
  characteristics: number[];
  range: Range;
  /** The range the figures measure when it differs from the selected one (declared data: whole fiscal years). */
  measured: Range | null;
  unavailable: Dimension[];
  /** A step metric's steps as people read them, by internal step name (the rows carry the name). */
  stepLabels?: Record<string, { fr: string; en: string }>;
}

export async function loadIndicator(ctx: Context, metric: string): Promise<IndicatorView | null> {
  const info = await metricInfo(metric);
  if (!info) return null;
  const selected = rangeOf(ctx);
  const unavailable = unavailableFilters(info, ctx.filters);
  const strategy = await strategyOf({ ...ctx, filters: { ...ctx.filters, org: '' } }, metric);
  const characteristics = strategy.characteristics.length ? strategy.characteristics : await characteristicsOf(metric);
  if (unavailable.length) return { info, series: null, breakdowns: [], target: strategy.target, characteristics, range: selected, measured: null, unavailable };
  // Figures declared per fiscal year are read over whole fiscal years, by fiscal year (said on the page).
  const declared = readsDeclared(info);
  const range = declared ? fiscalYearsCovering(selected) : selected;
  const grainOk = (g: Grain) => !info.grains || info.grains.includes(g);
  const seriesGrain: Grain = declared ? (grainOk('fiscal_year') ? 'fiscal_year' : 'all') : grainOk(grainFor(range)) ? grainFor(range) : 'all';
  const series = await runCoarsening(request(ctx, metric, range, seriesGrain), true);
  const m = await service();
  // A breakdown the definition makes constant (digital take-up by channel: 100 % or 0 %) is not drawn.
  const byDefinition: readonly string[] = m.definitions().get(metric)?.constantBy ?? [];
  const dims = (['org', 'service', 'channel'] as const).filter((d) => info.dimensions.includes(d) && !byDefinition.includes(d));
  const breakdowns = await Promise.all(dims.map(async (dimension) => ({ dimension, answer: await m.run({ ...request(ctx, metric, range, 'all', [dimension]), compare: 'none' }) })));
  const stepNames = new Set([...series.rows, ...breakdowns.flatMap((b) => b.answer.rows)].flatMap((r) => (r.step?.name ? [r.step.name] : [])));
  return {
    info, series, breakdowns, target: strategy.target, characteristics, range: selected, measured: declared && (range.from !== selected.from || range.to !== selected.to) ? range : null, unavailable,
    stepLabels: Object.fromEntries([...stepNames].map((n) => [n, stepLabel(n)]))
  };
}

interface ServiceRank {
  service: string;
  name: { fr: string; en: string };
  dropOff: number | null;
  satisfaction: number | null;
  withinStandard: number | null;
  /** The service's own standard target (services.standard_target). */
  standardTarget: number | null;
  gap: number | null;
  attention: number;
  /** Which of the three parts gives the score (the worst one), or null when none is known. */
  driver: 'drop_off' | 'dissatisfaction' | 'standard_gap' | null;
}

/** An indicator of an organization over the selected period and filters, beside the government median. */
export interface PeriodFigure {
  metric: string;
  info: MetricInfo;
  value: number | null;
  suppressed: boolean;
  comparison: number | null;
  median: number | null;
  unavailable: Dimension[];
}

export interface OrganizationView {
  org: OrganizationInventory;
  /** The organization's scorecard: statuses judged on the last closed fiscal year (`judged`). */
  cards: IndicatorCard[];
  /** The government's status for each of these indicators (same strategy rows, government-wide scorecard). */
  government: Record<string, Status>;
  /** The characteristics' statuses, the organization's beside the government's. */
  characteristics: { number: number; title: { fr: string; en: string }; status: Status; government: Status }[];
  judged: string;
  /** Computed indicators over the selected period and filters, with the government median of the same request. */
  figures: PeriodFigure[];
  services: ServiceRank[];
  range: Range;
  /** Each metric's sources, named in the context of an exported chart. */
  sources: Record<string, readonly string[]>;
}

export async function loadOrganization(ctx: Context, code: string): Promise<OrganizationView | null> {
  scopeOrgs(ctx.caller, [code]);
  const m = await service();
  const org = (await m.inventory(ctx.caller)).find((o) => o.code === code);
  if (!org) return null;
  const orgCtx: Context = { ...ctx, filters: { ...ctx.filters, org: code, service: '' } };
  const range = rangeOf(ctx);
  const [sc, gov] = await Promise.all([scorecardFor(ctx, code), scorecardFor(ctx, null)]);
  const government: Record<string, Status> = {};
  for (const c of gov.characteristics) for (const ind of c.indicators) if (!ind.filters && !(ind.metric in government)) government[ind.metric] = ind.status;
  const characteristics = sc.characteristics.map((c) => ({ number: c.number, title: c.title, status: c.status, government: gov.characteristics.find((g) => g.number === c.number)?.status ?? 'no_data' }));
  const seen = new Set<string>();
  const indicators = sc.characteristics.flatMap((c) => c.indicators).filter((i) => !seen.has(i.metric) && seen.add(i.metric) !== undefined);
  const cards = indicators.map((ind) => cardOf(ind, infoOf(m.definitions().get(ind.metric)!), ctx.filters.compare));
  // Figures over the selected period and filters: the organization's, and every organization's for the median (the
  // median of what the caller may see of each organization, from the same request split by organization).
  // Figures that follow any period (by month or finer); those measured by fiscal year only (costs, declared
  // indicators) show their scorecard value, labelled with its fiscal year.
  const computed = indicators.filter((ind) => ind.source === 'computed' && !ind.filters && (m.definitions().get(ind.metric)?.grains.includes('month') ?? false));
  const figures = await Promise.all(
    computed.map(async (ind): Promise<PeriodFigure> => {
      const info = infoOf(m.definitions().get(ind.metric)!);
      const unavailable = unavailableFilters(info, ctx.filters);
      if (unavailable.length) return { metric: ind.metric, info, value: null, suppressed: false, comparison: null, median: null, unavailable };
      const [own, all] = await Promise.all([
        m.run(request(orgCtx, ind.metric, range, 'all')).catch(() => null),
        info.dimensions.includes('org') ? m.run({ ...request({ ...ctx, filters: { ...ctx.filters, org: '', service: '' } }, ind.metric, range, 'all', ['org']), compare: 'none' }).catch(() => null) : Promise.resolve(null)
      ]);
      const row = own?.rows[0];
      return {
        metric: ind.metric, info, value: row?.value ?? null, suppressed: row?.suppressed ?? false, comparison: row?.comparison?.value ?? null,
        median: all ? median(all.rows.map((r) => r.value).filter((v): v is number => v !== null)) : null, unavailable
      };
    })
  );
  const byService = async (metric: string) => {
    const info = await metricInfo(metric);
    if (!info || unavailableFilters(info, ctx.filters).length) return new Map<string, number | null>();
    const ans = await m.run({ ...request(orgCtx, metric, range, 'all', ['service']), compare: 'none' }).catch(() => null);
    return new Map((ans?.rows ?? []).map((r) => [r.dimensions.service ?? '', r.value]));
  };
  const [completion, satisfaction, standard, targets] = await Promise.all([byService('completion_rate'), byService('satisfaction'), byService('within_service_standard'), m.standardTargets(ctx.caller, code)]);
  const services: ServiceRank[] = org.services.map((s) => {
    const c = completion.get(s.code) ?? null;
    const sat = satisfaction.get(s.code) ?? null;
    const std = standard.get(s.code) ?? null;
    const target = targets.get(s.code) ?? null;
    const gap = std === null || target === null ? null : Math.max(0, target - std);
    // Attention: the worst of drop-off, dissatisfaction and distance from the service's own standard target, each 0..1.
    const parts = [
      { driver: 'drop_off' as const, v: c === null ? null : 1 - c },
      { driver: 'dissatisfaction' as const, v: sat === null ? null : 1 - sat },
      { driver: 'standard_gap' as const, v: gap }
    ].filter((p): p is { driver: ServiceRank['driver'] & string; v: number } => p.v !== null);
    const worst = parts.reduce<(typeof parts)[number] | null>((w, p) => (w === null || p.v > w.v ? p : w), null);
    const attention = worst?.v ?? 0;
    return { service: s.code, name: s.name, dropOff: c === null ? null : 1 - c, satisfaction: sat, withinStandard: std, standardTarget: target, gap, attention, driver: worst?.driver ?? null };
  });
  services.sort((a, b) => b.attention - a.attention || a.service.localeCompare(b.service));
  return { org, cards, government, characteristics, judged: sc.judged, figures, services, range, sources: sourcesOf(m) };
}

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

interface FunnelStep {
  index: number;
  step: string;
  label: { fr: string; en: string };
  reached: number | null;
  dropOff: number | null;
  /** Drop-off at this step in the compared period (previous period or year), when a comparison is asked for. */
  previous: number | null;
}

/** A figure of the service page, or why it is not shown under the filters in force. */
export interface ServiceFigure<T> {
  data: T | null;
  unavailable: Dimension[];
}

/** Each metric's sources, for the source line of a chart's export. */
function sourcesOf(m: MetricsService): Record<string, readonly string[]> {
  return Object.fromEntries([...m.definitions().values()].map((d) => [d.id, d.sources]));
}

export interface ServiceView {
  /** Each metric's sources, named in the context of an exported chart. */
  sources: Record<string, readonly string[]>;
  org: OrganizationInventory;
  service: { code: string; name: { fr: string; en: string }; steps: string[]; standardDays: number; workingDays: boolean; standardTarget: number };
  funnel: FunnelStep[];
  /** Time to complete per channel: the box plot's five figures (10th, 25th, 50th, 75th, 90th percentiles) and the bands. */
  times: { channel: string; buckets: { label: string; upper: number | null; count: number | null }[]; median: number | null; p10: number | null; p25: number | null; p75: number | null; p90: number | null; n: number | null }[];
  satisfaction: MetricAnswer | null;
  satisfactionUnavailable: Dimension[];
  comments: { at: string; channel: string; language: string; satisfaction: number; text: string }[];
  commentsHidden: boolean;
  /** The caller reads published aggregates only (the public): comments are not shown at all. */
  commentsWithheld: boolean;
  channelShift: MetricAnswer;
  standard: MetricAnswer | null;
  standardUnavailable: Dimension[];
  completion: MetricAnswer;
  /** Drop-off at each step per period of the selected range (step_drop_off by grain). */
  stepTrend: MetricAnswer | null;
  /** The funnel split by channel and by client type (step_drop_off by dimension), or the filters that prevent it. */
  split: { dimension: 'channel' | 'client_type'; answer: MetricAnswer | null }[];
  annotations: Annotation[];
  /** Whether the caller may write annotations for this service's organization. */
  mayAnnotate: boolean;
  /** Before and after a day (an annotation's or one chosen), when asked for (`around` in the URL). */
  beforeAfter: BeforeAfter | null;
  beforeAfterError: string | null;
  threshold: number;
  range: Range;
}

/** What the service page is asked besides the filters: a before/after view around a day, with a window length. */
export interface ServiceOptions {
  around?: string;
  days?: number;
}

const BUCKETS: { key: string; upper: number | null }[] = [
  { key: 'bucket_lt_5', upper: 5 }, { key: 'bucket_lt_10', upper: 10 }, { key: 'bucket_lt_20', upper: 20 }, { key: 'bucket_lt_40', upper: 40 },
  { key: 'bucket_lt_80', upper: 80 }, { key: 'bucket_lt_160', upper: 160 }, { key: 'bucket_ge_160', upper: null }
];

export async function loadService(ctx: Context, code: string, opts: ServiceOptions = {}): Promise<ServiceView | null> {
  const m = await service();
  const owner = await m.serviceOwner(code);
  if (!owner) return null;
  scopeOrgs(ctx.caller, [owner]); // another organization's service: AccessError → 403
  const ref = await m.serviceReference(ctx.caller, code);
  const org = (await m.inventory(ctx.caller)).find((o) => o.code === owner);
  if (!ref || !org) return null;
  const sctx: Context = { ...ctx, filters: { ...ctx.filters, org: owner, service: code } };
  const range = rangeOf(ctx);
  const grain = grainFor(range);
  const defs = m.definitions();
  const missing = (metric: string) => unavailableFilters(infoOf(defs.get(metric)!), ctx.filters);
  const satisfactionUnavailable = missing('satisfaction');
  const standardUnavailable = missing('within_service_standard');
  const satInfo = infoOf(defs.get('satisfaction')!);
  const [funnelAnswer, times, satisfaction, channelShift, standard, completion, comments, annotations] = await Promise.all([
    m.run(request(sctx, 'step_drop_off', range, 'all')),
    m.run({ ...request(sctx, 'completion_time_distribution', range, 'all', ['channel']), compare: 'none' }),
    satisfactionUnavailable.length ? Promise.resolve(null) : m.run(request(sctx, 'satisfaction', range, 'all')),
    // One grain coarser than the other series: shares per channel need more cases per period before suppression.
    runCoarsening({ ...request({ ...sctx, filters: { ...sctx.filters, channel: '' } }, 'digital_take_up', range, grain === 'week' ? 'month' : grain === 'month' ? 'quarter' : 'fiscal_year', ['channel']), compare: 'none' }),
    standardUnavailable.length ? Promise.resolve(null) : runCoarsening(request(sctx, 'within_service_standard', range, grain)),
    runCoarsening(request(sctx, 'completion_rate', range, grain)),
    m.comments({
      caller: ctx.caller, org: owner, service: code, from: range.from, to: range.to,
      filters: Object.fromEntries(Object.entries(dimensionFilters(ctx.filters)).filter(([d]) => d !== 'org' && d !== 'service' && satInfo.dimensions.includes(d as Dimension)))
    }),
    m.annotations(ctx.caller, { org: owner, service: code, from: range.from, to: range.to })
  ]);
  const stepFilters = unavailableFilters(infoOf(defs.get('step_drop_off')!), ctx.filters);
  const splitBy = (['channel', 'client_type'] as const);
  const [stepTrend, splits, ba] = await Promise.all([
    stepFilters.length ? Promise.resolve(null) : runCoarsening({ ...request(sctx, 'step_drop_off', range, grain), compare: 'none' }).catch(() => null),
    Promise.all(splitBy.map(async (dimension) => ({
      dimension,
      // A split by a dimension already filtered on would show one column: the filter is lifted for that split only.
      answer: await m.run({ ...request({ ...sctx, filters: { ...sctx.filters, [dimension]: '' } }, 'step_drop_off', range, 'all', [dimension]), compare: 'none' }).catch(() => null)
    }))),
    opts.around
      ? m.beforeAfter({
          caller: ctx.caller, org: owner, service: code, at: opts.around, ...(opts.days ? { days: opts.days } : {}), now: ctx.now,
          filters: Object.fromEntries(Object.entries(dimensionFilters(ctx.filters)).filter(([d]) => d !== 'org' && d !== 'service'))
        }).then((r) => ({ ok: r, err: null }), (err: unknown) => {
          if (isMetricError(err)) return { ok: null, err: err.message };
          throw err;
        })
      : Promise.resolve({ ok: null, err: null })
  ]);
  // One row per step from the engine: denominator = journeys reaching the step, value = share lost before the next.
  const funnel: FunnelStep[] = funnelAnswer.rows
    .filter((r) => r.step)
    .sort((a, b) => (a.step?.index ?? 0) - (b.step?.index ?? 0))
    .map((r) => {
      const index = r.step?.index ?? 0;
      const known = ref.steps[index - 1];
      const name = r.step?.name || known?.name || '';
      return { index, step: name, label: known && known.name === name ? known.label : { fr: name, en: name }, reached: r.suppressed ? null : r.denominator, dropOff: r.suppressed ? null : r.value, previous: r.comparison?.value ?? null };
    });
  return {
    org,
    service: { code, name: ref.name, steps: ref.steps.map((s) => s.name), standardDays: ref.standardDays, workingDays: ref.workingDays, standardTarget: ref.standardTarget },
    funnel,
    times: times.rows.map((r) => ({
      channel: r.dimensions.channel ?? '', n: r.n, median: r.value,
      ...Object.fromEntries((['p10', 'p25', 'p75', 'p90'] as const).map((q) => [q, r.suppressed ? null : (r.extra?.[q] ?? null)])) as Record<'p10' | 'p25' | 'p75' | 'p90', number | null>,
      buckets: BUCKETS.map((b) => ({ label: b.key, upper: b.upper, count: r.suppressed ? null : (r.extra?.[b.key] ?? null) }))
    })),
    satisfaction, satisfactionUnavailable, channelShift, standard, standardUnavailable, completion,
    comments: comments.items, commentsHidden: comments.hidden, commentsWithheld: comments.withheld,
    stepTrend, split: splits, annotations, mayAnnotate: mayAnnotate(ctx.caller),
    beforeAfter: ba.ok, beforeAfterError: ba.err,
    threshold: m.threshold(ctx.caller), range, sources: sourcesOf(m)
  };
}

/** Creates (id null) or edits an annotation for the caller: the engine checks the scope and audits the write. */
/**
 * What the pages ask first, asked once after each delivery (the rollups job, through the metrics service's warmers), so
 * that a first view reads prepared answers: the home, every organization's page, every indicator's page and every
 * service's page with their default filters, for the public and for an executive (the two scopes everybody shares; a
 * service owner's pages are their organization's, a subset of the executive's answers for the scorecards only).
 */
export async function warmPages(now: Date, signal?: AbortSignal): Promise<number> {
  const m = await service();
  const callers: Caller[] = [PUBLIC_CALLER, { role: 'executive', orgs: [], id: 'jalon-warm' }];
  const ids = [...m.definitions().keys()];
  let prepared = 0;
  for (const caller of callers) {
    // The filters a page opened without any has (pages.ts `shell`): the defaults, on the caller's own organization if any.
    const filters: Filters = { ...parseFilters(new URLSearchParams()), org: defaultOrg(caller) ?? '' };
    const ctx: Context = { caller, filters, now };
    const orgs = await m.inventory(caller);
    const pages: (() => Promise<unknown>)[] = [
      () => loadScorecard(ctx),
      ...orgs.map((o) => () => loadOrganization(ctx, o.code)),
      ...ids.map((id) => () => loadIndicator(ctx, id)),
      ...orgs.flatMap((o) => o.services.map((sv) => () => loadService(ctx, sv.code)))
    ];
    // One page at a time: the service's read limit already spreads each page's reads over the cores, and a person
    // opening a page meanwhile waits behind at most one page's reads, not the whole list's.
    for (const page of pages) {
      if (signal?.aborted) return prepared; // the server is stopping
      await page().catch(() => undefined); // a page that fails to prepare is computed when opened, and says why then
      prepared++;
    }
  }
  return prepared;
}

export async function saveAnnotation(caller: Caller, id: string | null, input: AnnotationInput): Promise<Annotation> {
  const m = await service();
  return id ? m.updateAnnotation(caller, id, input) : m.createAnnotation(caller, input);
}

export async function removeAnnotation(caller: Caller, id: string): Promise<void> {
  await (await service()).deleteAnnotation(caller, id);
}
