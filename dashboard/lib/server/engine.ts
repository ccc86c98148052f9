// The dashboard's one seam to the metrics engine: page loads call these functions, never metric SQL.
// Every figure comes from the engine's runMetric (metrics/run-metric.ts); indicators the catalogue does not define
// yet (declared by organizations) come from the interim runner in the same contract. Shapes that are not metrics
// (completion-time histogram, comments, annotations) are read here.
import { MetricError, engineSettings } from '../../../metrics/run-metric.ts';
import { catalogue as engineCatalogue, declaredOnly, type MetricDefinition } from '../../../metrics/definition.ts';
import type { Caller } from '../../../access/caller.ts';
import { publishedOnly, scopeOrgs, seesSmallCounts } from '../../../access/caller.ts';
import type { Dimension, Grain, MetricAnswer, MetricRequest, MetricRow, Status } from '../../../metrics/types.ts';
import { loadInventory, type OrganizationInventory } from '../../../metrics/inventory.ts';
import { getRuntime } from './runtime.ts';
import { listMetrics, metricInfo as interimInfo, runInterimMetric, type MetricInfo } from './interim-metrics.ts';
import { buildScorecard, type Scorecard, type ScorecardIndicator } from '../../../metrics/scorecard.ts';
import { loadStrategy } from '../../../metrics/strategy.ts';
import { periodRange as fiscalRange, torontoDay } from '../../../metrics/periods.ts';
// Step names of the demo's journeys; a service's own step labels will come with the reference data.
import { STEP_NAMES } from '../../../ingest/demo/catalogue.ts';
import { dimensionFilters, periodRange, type Filters, type Range } from '../filters.ts';

export type { MetricInfo };

export interface Context {
  caller: Caller;
  filters: Filters;
  now: Date;
}

/** Answers are fresh for a minute and served stale for up to a quarter of an hour while a fresh one is computed:
 *  data arrives in batches, and a page must not wait on the warehouse for figures it showed a moment ago. */
const CACHE_MS = 60_000;
const STALE_MS = 15 * 60_000;
const cache = new Map<string, { at: number; value: Promise<unknown>; refreshing?: boolean }>();

/** Memoizes one read by key: fresh for CACHE_MS, then served stale (while one refresh runs) up to STALE_MS. */
function cached<T>(key: string, compute: () => Promise<T>): Promise<T> {
  const hit = cache.get(key);
  const age = hit ? Date.now() - hit.at : Infinity;
  if (hit && age < CACHE_MS) return hit.value as Promise<T>;
  if (hit && age < STALE_MS) {
    if (!hit.refreshing) {
      hit.refreshing = true;
      const fresh = compute();
      fresh.then(() => cache.set(key, { at: Date.now(), value: fresh }), () => (hit.refreshing = false));
    }
    return hit.value as Promise<T>;
  }
  const value = compute();
  cache.set(key, { at: Date.now(), value });
  value.catch(() => cache.delete(key));
  if (cache.size > 5000) cache.delete(cache.keys().next().value as string);
  return value;
}

const COARSER: Record<Grain, Grain | null> = { day: 'week', week: 'month', month: 'quarter', quarter: 'fiscal_year', fiscal_year: 'all', year: 'all', all: null };

/** Like runMetric, but a grain finer than some declared data falls back to the next coarser grain (a chart of
 *  quarters rather than an error page); the answer's `grain` says which grain answered. */
async function runMetricCoarsening(req: MetricRequest, provenance = false): Promise<MetricAnswer> {
  try {
    return await runMetric(req, provenance);
  } catch (err) {
    const next = COARSER[req.grain];
    if (err instanceof MetricError && err.code === 'grain_too_fine' && next) return runMetricCoarsening({ ...req, grain: next }, provenance);
    throw err;
  }
}

/** One figure for a page. `provenance`: whether the page shows its last data time and completeness (a provenance
 *  card, a value card); charts and rankings ask for figures only, one query in three fewer. */
async function runMetric(req: MetricRequest, provenance = false): Promise<MetricAnswer> {
  const key = JSON.stringify({ ...req, now: req.now.toISOString().slice(0, 10), caller: [req.caller.role, ...req.caller.orgs], provenance });
  return cached(`metric:${key}`, () => computeMetric(req, provenance));
}

async function computeMetric(req: MetricRequest, provenance: boolean): Promise<MetricAnswer> {
  const { warehouse, config, metrics } = await getRuntime();
  const def = definitions().get(req.metric);
  const answer = def
    ? metrics.run(req, { provenance }) // the process's service: cached, and each row flagged provisional or final
    : runInterimMetric(warehouse, config, req, provenance);
  return answer;
}

/** The engine's catalogue (metrics/definition.ts finds sql/metrics from source or from the bundled app). */
function definitions(): ReadonlyMap<string, MetricDefinition> {
  return engineCatalogue().definitions;
}

function infoOf(d: MetricDefinition): MetricInfo {
  const declared = declaredOnly(d);
  return {
    id: d.id, title: d.title, description: d.description, unit: d.unit, direction: d.direction === 'higher' ? 'up' : 'down',
    source: declared ? 'declared' : 'computed', sources: d.sources, dimensions: d.dimensions, formulaVersion: d.formulaVersion, modelled: d.modelled,
    ...(d.grains.length ? { grains: d.grains } : {})
  };
}

/** Metrics the dashboard shows: the engine's, then declared indicators it does not define yet. */
export function catalogue(): MetricInfo[] {
  const engine = [...definitions().values()].map(infoOf);
  return [...engine, ...listMetrics().filter((m) => !definitions().has(m.id))];
}

function metricInfo(id: string): MetricInfo | null {
  const d = definitions().get(id);
  return d ? infoOf(d) : interimInfo(id);
}

export async function smallCountThreshold(caller: Caller): Promise<number> {
  const { config } = await getRuntime();
  return seesSmallCounts(caller) ? 0 : config.smallCountThreshold;
}

/** Organizations and services the caller may see (filter lists, names); counted over all events, so cached. */
export async function inventory(caller: Caller): Promise<OrganizationInventory[]> {
  const orgs = scopeOrgs(caller, null);
  const threshold = await smallCountThreshold(caller);
  return cached(`inventory:${JSON.stringify([orgs, threshold])}`, async () => loadInventory((await getRuntime()).warehouse, { orgs, threshold }));
}

/** The organization a service belongs to, whoever asks (codes only), so that another organization's service is
 *  refused (403) rather than reported missing. */
async function serviceOrg(code: string): Promise<string | null> {
  return cached(`service-org:${code}`, async () => {
    const { warehouse } = await getRuntime();
    const [row] = await warehouse.query<{ org: string }>('SELECT org FROM services FINAL WHERE code = {code:String} LIMIT 1', { code });
    return row?.org ?? null;
  });
}

function request(ctx: Context, metric: string, range: Range, grain: Grain, by: readonly Dimension[] = [], filters = dimensionFilters(ctx.filters)): MetricRequest {
  const info = metricInfo(metric);
  const allowed = info?.dimensions ?? [];
  // Filters a metric cannot take (region on survey answers) are dropped for that metric and reported as such.
  const kept: Partial<Record<Dimension, readonly string[]>> = {};
  for (const [d, v] of Object.entries(filters) as [Dimension, readonly string[]][]) if (allowed.includes(d)) kept[d] = v;
  return { metric, from: range.from, to: range.to, grain, by, filters: kept, compare: ctx.filters.compare, caller: ctx.caller, now: ctx.now };
}

/** Filters in force that a metric cannot honour (shown next to its figure). */
function ignoredFilters(metric: string, filters: Filters): Dimension[] {
  const allowed = metricInfo(metric)?.dimensions ?? [];
  return (Object.keys(dimensionFilters(filters)) as Dimension[]).filter((d) => !allowed.includes(d));
}

function rangeOf(ctx: Context): Range {
  return periodRange(ctx.filters.period, ctx.now);
}

function grainFor(range: Range): Grain {
  const days = (Date.parse(range.to) - Date.parse(range.from)) / 86_400_000;
  return days <= 100 ? 'week' : days <= 800 ? 'month' : 'quarter';
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
  comparison: number | null;
  status: Status;
  target: Target | null;
  trend: { period: string; value: number | null }[];
  lastDataAt: string | null;
  stale: boolean;
  completeness: { reported: number; expected: number };
  ignored: Dimension[];
}

/** The engine's scorecard (strategy file, targets, statuses) for the caller's scope, judged today. */
async function engineScorecard(ctx: Context): Promise<Scorecard> {
  const at = torontoDay(ctx.now);
  return cached(`scorecard:${JSON.stringify([ctx.caller.role, ctx.caller.orgs, ctx.filters.org, at])}`, async () => {
    const { warehouse, config } = await getRuntime();
    return buildScorecard(warehouse, engineSettings(config), { caller: ctx.caller, org: ctx.filters.org || null, at, now: ctx.now });
  });
}

function infoFor(ind: ScorecardIndicator): MetricInfo {
  return (
    metricInfo(ind.metric) ?? {
      id: ind.metric, title: ind.title, description: ind.title, unit: (ind.unit as MetricInfo['unit']) ?? 'count', direction: ind.direction === 'higher' ? 'up' : 'down',
      source: ind.source, sources: ['declared_indicators'], dimensions: ['org'], formulaVersion: '—'
    }
  );
}

/** A scorecard row: the engine's value, target and status; a trend over the selected period beside it. */
async function cardOf(ctx: Context, ind: ScorecardIndicator): Promise<IndicatorCard> {
  const info = { ...infoFor(ind), source: ind.source };
  const range = rangeOf(ctx);
  const declared = info.source === 'declared';
  const grain: Grain = declared ? 'fiscal_year' : grainFor(range);
  const canTrend = (declared ? listMetrics().some((m) => m.id === ind.metric) : true) && (info.grains === undefined || info.grains.includes(grain));
  let trend: MetricAnswer | null = null;
  if (canTrend) {
    const filters = { ...dimensionFilters(ctx.filters), ...(ind.filters ?? {}) };
    trend = await runMetricCoarsening({ ...request(ctx, ind.metric, declared ? { from: '2018-04-01', to: range.to } : range, grain, [], filters), compare: 'none' }).catch(() => null);
  }
  return {
    metric: ind.metric, info, value: ind.value, period: ind.period, n: ind.n, suppressed: ind.suppressed, comparison: null, status: ind.status,
    target: ind.target === null ? null : { baseline: { value: ind.baseline.value, date: ind.baseline.date }, target: { value: ind.target, date: ind.target_date } },
    trend: (trend?.rows ?? []).filter((r) => r.period !== 'all').map((r) => ({ period: r.period, value: r.value })),
    lastDataAt: ind.last_data_at, stale: !ind.fresh, completeness: ind.completeness ?? { reported: 0, expected: 0 }, ignored: []
  };
}

/** A figure over the selected period (value created), with the comparison asked for. */
async function periodCard(ctx: Context, metric: string): Promise<IndicatorCard | null> {
  const info = metricInfo(metric);
  if (!info) return null;
  const range = rangeOf(ctx);
  const [current, trend] = await Promise.all([runMetric(request(ctx, metric, range, 'all'), true), runMetricCoarsening({ ...request(ctx, metric, range, grainFor(range)), compare: 'none' })]);
  const row = current.rows[0];
  return {
    metric, info, value: row?.value ?? null, period: null, n: row?.n ?? null, suppressed: row?.suppressed ?? false, comparison: row?.comparison?.value ?? null,
    status: 'no_data', target: null, trend: trend.rows.map((r) => ({ period: r.period, value: r.value })),
    lastDataAt: current.provenance.last_data_at, stale: false, completeness: current.provenance.completeness, ignored: ignoredFilters(metric, ctx.filters)
  };
}

export interface ScorecardView {
  strategy: { id: string; title: { fr: string; en: string }; note: { fr: string; en: string } | null; at: string };
  characteristics: { number: number; title: { fr: string; en: string }; status: Status; indicators: IndicatorCard[] }[];
  value: { hours: IndicatorCard | null; cost: IndicatorCard | null };
  range: Range;
}

export async function loadScorecard(ctx: Context): Promise<ScorecardView> {
  const sc = await engineScorecard(ctx);
  const [characteristics, hours, cost] = await Promise.all([
    Promise.all(sc.characteristics.map(async (c) => ({ number: c.number, title: c.title, status: c.status, indicators: await Promise.all(c.indicators.map((ind) => cardOf(ctx, ind))) }))),
    periodCard(ctx, 'value_time_saved'),
    periodCard(ctx, 'value_cost_avoided')
  ]);
  return { strategy: { id: sc.strategy, title: sc.title, note: sc.note ?? null, at: sc.at }, characteristics, value: { hours, cost }, range: rangeOf(ctx) };
}

/** Target and characteristics of a metric in the strategy, for a scope (from the engine's scorecard). */
async function strategyOf(ctx: Context, metric: string): Promise<{ target: Target | null; characteristics: number[] }> {
  const sc = await engineScorecard(ctx);
  const found = sc.characteristics.flatMap((c) => c.indicators.filter((i) => i.metric === metric).map((i) => ({ c: c.number, i })));
  const first = found.find((f) => f.i.target !== null)?.i;
  return {
    target: first && first.target !== null ? { baseline: { value: first.baseline.value, date: first.baseline.date }, target: { value: first.target, date: first.target_date } } : null,
    characteristics: [...new Set(found.map((f) => f.c))]
  };
}

let strategyMetrics: Map<string, number[]> | null = null;
/** Characteristics each metric serves in the strategy file (for the catalogue). */
export function characteristicsOf(metric: string): number[] {
  if (!strategyMetrics) {
    strategyMetrics = new Map();
    for (const c of loadStrategy('qc-2018', definitions()).characteristics)
      for (const i of c.indicators) strategyMetrics.set(i.metric, [...(strategyMetrics.get(i.metric) ?? []), c.number]);
  }
  return strategyMetrics.get(metric) ?? definitions().get(metric)?.characteristics ?? [];
}

export interface IndicatorView {
  info: MetricInfo;
  series: MetricAnswer;
  breakdowns: { dimension: Dimension; answer: MetricAnswer }[];
  target: Target | null;
  characteristics: number[];
  range: Range;
  ignored: Dimension[];
}

export async function loadIndicator(ctx: Context, metric: string): Promise<IndicatorView | null> {
  const info = metricInfo(metric);
  if (!info) return null;
  const range = rangeOf(ctx);
  const declared = info.source === 'declared';
  const seriesRange = declared ? { from: '2018-04-01', to: range.to } : range;
  const seriesGrain: Grain = declared ? 'fiscal_year' : grainFor(range);
  const series = await runMetricCoarsening(request(ctx, metric, seriesRange, info.grains && !info.grains.includes(seriesGrain) ? 'all' : seriesGrain), true);
  const dims = (['org', 'service', 'channel'] as const).filter((d) => info.dimensions.includes(d));
  const breakdowns = await Promise.all(
    dims.map(async (dimension) => ({ dimension, answer: await runMetric({ ...request(ctx, metric, range, 'all', [dimension]), compare: 'none' }) }))
  );
  const strategy = await strategyOf({ ...ctx, filters: { ...ctx.filters, org: '' } }, metric);
  return { info, series, breakdowns, target: strategy.target, characteristics: strategy.characteristics.length ? strategy.characteristics : characteristicsOf(metric), range, ignored: ignoredFilters(metric, ctx.filters) };
}

interface ServiceRank {
  service: string;
  name: { fr: string; en: string };
  dropOff: number | null;
  satisfaction: number | null;
  withinStandard: number | null;
  gap: number | null;
  attention: number;
}

export interface OrganizationView {
  org: OrganizationInventory;
  cards: IndicatorCard[];
  medians: Record<string, number | null>;
  services: ServiceRank[];
  range: Range;
}

export async function loadOrganization(ctx: Context, code: string): Promise<OrganizationView | null> {
  scopeOrgs(ctx.caller, [code]);
  const orgs = await inventory(ctx.caller);
  const org = orgs.find((o) => o.code === code);
  if (!org) return null;
  const orgCtx: Context = { ...ctx, filters: { ...ctx.filters, org: code, service: '' } };
  const range = rangeOf(ctx);
  // The organization's own scorecard (engine), each indicator once.
  const sc = await engineScorecard(orgCtx);
  const seen = new Set<string>();
  const indicators = sc.characteristics.flatMap((c) => c.indicators).filter((i) => !seen.has(i.metric) && seen.add(i.metric) !== undefined);
  const cards = await Promise.all(indicators.map((ind) => cardOf(orgCtx, ind)));
  // The government median over the same window as the organization's figure: every organization's value, middle one.
  const medians: Record<string, number | null> = {};
  await Promise.all(
    indicators
      .filter((ind) => ind.source === 'computed' && metricInfo(ind.metric)?.dimensions.includes('org'))
      .map(async (ind) => {
        const window = ind.period && /^\d{4}-\d{4}$/.test(ind.period) ? fiscalRange('fiscal_year', ind.period) : { from: '2000-01-01', to: rangeOf(ctx).to };
        if (!window) return;
        const ans = await runMetric({ ...request({ ...ctx, filters: { ...ctx.filters, org: '', service: '' } }, ind.metric, window, 'all', ['org'], { ...(ind.filters ?? {}) }), compare: 'none' }).catch(() => null);
        medians[ind.metric] = ans ? median(ans.rows.map((r) => r.value).filter((v): v is number => v !== null)) : null;
      })
  );
  const byService = async (m: string) => {
    const ans = await runMetric({ ...request(orgCtx, m, range, 'all', ['service']), compare: 'none' });
    return new Map(ans.rows.map((r) => [r.dimensions.service ?? '', r.value]));
  };
  const [completion, satisfaction, standard] = await Promise.all([byService('completion_rate'), byService('satisfaction'), byService('within_service_standard')]);
  const services: ServiceRank[] = org.services.map((s) => {
    const c = completion.get(s.code) ?? null;
    const sat = satisfaction.get(s.code) ?? null;
    const std = standard.get(s.code) ?? null;
    const gap = std === null ? null : Math.max(0, 0.9 - std);
    // Attention: the worst of drop-off, dissatisfaction and distance from the standard, each 0..1.
    const attention = Math.max(c === null ? 0 : 1 - c, sat === null ? 0 : 1 - sat, gap ?? 0);
    return { service: s.code, name: s.name, dropOff: c === null ? null : 1 - c, satisfaction: sat, withinStandard: std, gap, attention };
  });
  services.sort((a, b) => b.attention - a.attention || a.service.localeCompare(b.service));
  return { org, cards, medians, services, range };
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
}

export interface ServiceView {
  org: OrganizationInventory;
  service: { code: string; name: { fr: string; en: string }; steps: string[]; standardDays: number; workingDays: boolean };
  funnel: FunnelStep[];
  times: { channel: string; buckets: { label: string; upper: number | null; count: number | null }[]; median: number | null; n: number | null }[];
  satisfaction: MetricAnswer;
  comments: { at: string; channel: string; language: string; satisfaction: number; text: string }[];
  commentsHidden: boolean;
  /** The caller reads published aggregates only (the public): comments are not shown at all. */
  commentsWithheld: boolean;
  channelShift: MetricAnswer;
  standard: MetricAnswer;
  completion: MetricAnswer;
  annotations: { at: string; kind: string; text: { fr: string; en: string } }[];
  threshold: number;
  range: Range;
}

const TIME_BUCKETS = [5, 10, 20, 40, 80, 160];

/** A count above zero and under the threshold is suppressed (null), as the engine does for metric rows. */
function smallCount(n: number, threshold: number): number | null {
  return n > 0 && n < threshold ? null : n;
}

export async function loadService(ctx: Context, code: string): Promise<ServiceView | null> {
  const owner = await serviceOrg(code);
  if (owner) scopeOrgs(ctx.caller, [owner]); // another organization's service: AccessError → 403
  const key = JSON.stringify([ctx.caller.role, ctx.caller.orgs, ctx.filters, code, torontoDay(ctx.now)]);
  return cached(`service:${key}`, () => readService(ctx, code));
}

async function readService(ctx: Context, code: string): Promise<ServiceView | null> {
  const orgs = await inventory(ctx.caller);
  const org = orgs.find((o) => o.services.some((s) => s.code === code));
  if (!org) return null;
  const { warehouse } = await getRuntime();
  const threshold = await smallCountThreshold(ctx.caller);
  const sctx: Context = { ...ctx, filters: { ...ctx.filters, org: org.code, service: code } };
  const range = rangeOf(ctx);
  const grain = grainFor(range);
  const [ref] = await warehouse.query<{ steps: string[]; standard_days: number; working_days: boolean | number }>(
    'SELECT steps, standard_days, working_days FROM services FINAL WHERE org = {org:String} AND code = {code:String}',
    { org: org.code, code }
  );
  const p = { org: org.code, service: code, from: range.from, to: range.to, channel: ctx.filters.channel, region: ctx.filters.region, client_type: ctx.filters.client_type };
  const sliceFilter = `AND ({channel:String} = '' OR channel = {channel:String}) AND ({region:String} = '' OR region = {region:String}) AND ({client_type:String} = '' OR client_type = {client_type:String})`;
  const window = `org = {org:String} AND service = {service:String} AND occurred_at >= toDateTime64({from:Date}, 3, 'America/Toronto') AND occurred_at < toDateTime64({to:Date}, 3, 'America/Toronto')`;
  const [funnelAnswer, timeRows, satisfaction, channelShift, standard, completion, commentRows, annotationRows] = await Promise.all([
    runMetric({ ...request(sctx, 'step_drop_off', range, 'all'), compare: 'none' }),
    warehouse.query<{ channel: string; bucket: number; n: number; med: number }>(
      `SELECT channel, multiIf(${TIME_BUCKETS.map((b, i) => `m < ${b}, ${i}`).join(', ')}, ${TIME_BUCKETS.length}) AS bucket, count() AS n, any(med) AS med
       FROM (SELECT channel, duration_ms / 60000 AS m, quantileExact(0.5)(duration_ms / 60000) OVER (PARTITION BY channel) AS med FROM service_events
             WHERE ${window} AND type = 'completed' AND duration_ms IS NOT NULL ${sliceFilter})
       GROUP BY channel, bucket ORDER BY channel, bucket`, p),
    runMetric(request(sctx, 'satisfaction', range, 'all')),
    // One grain coarser than the other series: shares per channel need more cases per period before suppression.
    runMetricCoarsening({ ...request({ ...sctx, filters: { ...sctx.filters, channel: '' } }, 'digital_take_up', range, grain === 'week' ? 'month' : grain === 'month' ? 'quarter' : 'fiscal_year', ['channel']), compare: 'none' }),
    runMetricCoarsening(request(sctx, 'within_service_standard', range, grain)),
    runMetricCoarsening(request(sctx, 'completion_rate', range, grain)),
    warehouse.query<{ c_at: string; channel: string; language: string; satisfaction: number; comment: string; total: number }>(
      `SELECT toString(submitted_at) AS c_at, channel, language, satisfaction, comment, count() OVER () AS total FROM survey_responses
       WHERE org = {org:String} AND service = {service:String} AND comment != ''
         AND submitted_at >= toDateTime64({from:Date}, 3, 'America/Toronto') AND submitted_at < toDateTime64({to:Date}, 3, 'America/Toronto')
         AND ({channel:String} = '' OR channel = {channel:String})
       ORDER BY submitted_at DESC LIMIT 8`, p),
    warehouse.query<{ a_at: string; kind: string; text_fr: string; text_en: string }>(
      `SELECT toString(at) AS a_at, kind, text_fr, text_en FROM annotations FINAL
       WHERE org = {org:String} AND (service = {service:String} OR service = '')
         AND at >= toDateTime64({from:Date}, 3, 'America/Toronto') AND at < toDateTime64({to:Date}, 3, 'America/Toronto') ORDER BY at`, p)
  ]);
  const steps = ref?.steps ?? [];
  // One row per step from the engine: denominator = journeys reaching the step, value = share lost before the next.
  const funnel: FunnelStep[] = funnelAnswer.rows
    .filter((r) => r.step)
    .sort((a, b) => (a.step?.index ?? 0) - (b.step?.index ?? 0))
    .map((r) => {
      const name = r.step?.name || steps[(r.step?.index ?? 1) - 1] || '';
      return { index: r.step?.index ?? 0, step: name, label: STEP_NAMES[name] ?? { fr: name, en: name }, reached: r.suppressed ? null : r.denominator, dropOff: r.suppressed ? null : r.value };
    });
  const channels = [...new Set(timeRows.map((r) => r.channel))];
  const times = channels.map((channel) => {
    const rows = timeRows.filter((r) => r.channel === channel);
    const n = rows.reduce((s, r) => s + Number(r.n), 0);
    const hidden = n < threshold;
    return {
      channel,
      n: hidden ? null : n,
      median: hidden ? null : Number(rows[0]?.med ?? 0),
      buckets: [...TIME_BUCKETS, null].map((upper, i) => ({
        label: upper === null ? `≥ ${TIME_BUCKETS.at(-1)}` : `< ${upper}`,
        upper,
        count: hidden ? null : smallCount(Number(rows.find((r) => Number(r.bucket) === i)?.n ?? 0), threshold)
      }))
    };
  });
  const totalComments = Number(commentRows[0]?.total ?? 0);
  // Comments are record-level text, not a published aggregate: the public never reads them (DESIGN §7).
  const commentsWithheld = publishedOnly(ctx.caller);
  const commentsHidden = !commentsWithheld && totalComments > 0 && totalComments < threshold;
  return {
    org,
    service: { code, name: org.services.find((s) => s.code === code)?.name ?? { fr: code, en: code }, steps, standardDays: Number(ref?.standard_days ?? 0), workingDays: Boolean(ref?.working_days) },
    funnel, times, satisfaction, channelShift, standard, completion,
    comments: commentsHidden || commentsWithheld ? [] : commentRows.map((r) => ({ at: r.c_at, channel: r.channel, language: r.language, satisfaction: Number(r.satisfaction), text: r.comment })),
    commentsHidden, commentsWithheld,
    annotations: annotationRows.map((a) => ({ at: a.a_at, kind: a.kind, text: { fr: a.text_fr, en: a.text_en } })),
    threshold, range
  };
}
