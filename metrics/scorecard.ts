// The strategy scorecard: for a scope (government-wide or one organization) and a day, each characteristic with its
// indicators — computed metrics through runMetric (so caller scope and suppression apply), declared indicators from
// declared_indicators — their value, baseline, target and status. Results are memoized by data version, so a repeated
// request costs nothing until new data arrives.
import { scopeOrgs, seesSmallCounts, type Caller } from '../access/caller.ts';
import type { Warehouse } from '../warehouse/warehouse.ts';
import type { Localized, MetricAnswer, Status } from './types.ts';
import { catalogue } from './definition.ts';
import { engineSettings, runMetric, type EngineSettings } from './run-metric.ts';
import { indicatorStatus, worstStatus } from './status.ts';
import { loadStrategy, type IndicatorSpec, type Strategy } from './strategy.ts';
import { rollupHealth } from './rollups.ts';
import { addDays, isDay, isoDay, parseDay, periodOf, periodRange, torontoDay } from './periods.ts';

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
}

export interface Scorecard {
  strategy: string;
  title: Localized;
  scope: string; // 'government' or an organization code
  at: string;
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

const memo = new Map<string, Scorecard>();

/** Last fiscal year closed on or before `at`. */
function lastFiscalYear(at: string): { label: string; from: string; to: string } {
  const current = periodOf('fiscal_year', at);
  const range = periodRange('fiscal_year', current)!;
  const closed = range.to <= at ? current : periodOf('fiscal_year', isoDay(addDays(parseDay(range.from), -1)));
  const r = periodRange('fiscal_year', closed)!;
  return { label: closed, ...r };
}

interface DeclaredRow {
  indicator: string;
  period: string;
  end_day: string;
  total: number;
  mean: number;
  orgs: number;
}

async function declaredValues(wh: Warehouse, scope: readonly string[] | null, at: string): Promise<DeclaredRow[]> {
  return wh.query<DeclaredRow>(
    `SELECT indicator, period, toString(period_end) AS end_day, sum(value) AS total, avg(value) AS mean, uniqExact(org) AS orgs
     FROM declared_indicators FINAL
     WHERE service = '' AND period_grain = 'fiscal_year' AND period_end < {at:Date}
       AND ({scope_all:Bool} OR org IN {scope_orgs:Array(String)})
     GROUP BY indicator, period, end_day
     ORDER BY indicator, end_day`,
    { at, scope_all: scope === null, scope_orgs: scope ?? [] }
  );
}

function targetValue(spec: IndicatorSpec, baseline: number | null, override?: { value?: number; change?: number }): number | null {
  const t = override ?? spec.target;
  if (t.value !== undefined) return t.value;
  if (t.change !== undefined && baseline !== null) return baseline * (1 + t.change);
  return null;
}

export async function buildScorecard(wh: Warehouse, settings: EngineSettings, req: ScorecardRequest): Promise<Scorecard> {
  const { definitions } = catalogue();
  const strategy: Strategy = loadStrategy(req.strategy ?? 'qc-2018', definitions);
  const scope = scopeOrgs(req.caller, req.org ? [req.org] : null); // refuses another organization's scorecard
  if (!isDay(req.at)) throw new Error(`at "${req.at}": date AAAA-MM-JJ / date YYYY-MM-DD`);
  const { version } = await rollupHealth(wh);
  // Callers with the same scope and the same view of small counts share a scorecard (see runMetric).
  const hide = req.public === true || !seesSmallCounts(req.caller);
  const key = JSON.stringify([version, strategy.id, strategy.version, scope, req.org, req.at, isoDay(req.now), hide, req.forceRaw ?? false, engineSettings(settings)]);
  const hit = memo.get(key);
  if (hit) return hit;

  const fy = lastFiscalYear(req.at);
  const declared = await declaredValues(wh, scope, req.at);
  const filters = (spec: IndicatorSpec) => ({ ...(spec.filters ?? {}), ...(req.org ? { org: [req.org] } : {}) });
  const run = (spec: IndicatorSpec, from: string, to: string): Promise<MetricAnswer | null> =>
    runMetric(
      wh, settings,
      { metric: spec.metric, from, to, grain: 'all', by: [], filters: filters(spec), compare: 'none', caller: req.caller, now: req.now },
      { public: req.public ?? false, forceRaw: req.forceRaw ?? false, cache: true }
    ).catch((err: unknown) => {
      if ((err as { name?: string }).name === 'MetricError') return null; // e.g. a grain the scope's data cannot give: no data
      throw err;
    });

  const indicator = async (spec: IndicatorSpec): Promise<ScorecardIndicator> => {
    const override = strategy.overrides?.find((o) => o.metric === spec.metric && o.scope === req.org)?.target;
    const targetDate = override?.date ?? spec.target.date;
    if (spec.source === 'declared') {
      const rows = declared.filter((r) => r.indicator === spec.metric);
      const pick = (r: DeclaredRow | undefined) => (r ? (spec.aggregate === 'mean' ? Number(r.mean) : Number(r.total)) : null);
      const latest = rows[rows.length - 1];
      const base = spec.baseline.value ?? pick(rows.find((r) => r.period === spec.baseline.period));
      const value = pick(latest);
      const fresh = latest ? isoDay(addDays(parseDay(latest.end_day), 457)) >= req.at : false;
      const target = targetValue(spec, base, override);
      const direction = spec.direction ?? 'higher';
      return {
        metric: spec.metric, source: 'declared', title: spec.title ?? { fr: spec.metric, en: spec.metric }, unit: spec.unit ?? 'count', direction,
        value, period: latest?.period ?? null, baseline: { value: base, period: spec.baseline.period, date: spec.baseline.date },
        target, target_date: targetDate, fresh, last_data_at: latest ? `${latest.end_day}T23:59:59Z` : null, n: null, suppressed: false,
        completeness: latest ? { reported: Number(latest.orgs), expected: scope?.length ?? Number(latest.orgs) } : null,
        status: indicatorStatus({ direction, baseline: { value: base, date: spec.baseline.date }, target: { value: target, date: targetDate }, current: value, at: req.at, fresh })
      };
    }
    const def = definitions.get(spec.metric)!;
    const window = def.grains.includes('fiscal_year') ? { from: fy.from, to: fy.to, label: fy.label } : { from: '2000-01-01', to: isoDay(addDays(parseDay(req.at), 1)), label: req.at };
    const [current, baseAnswer] = await Promise.all([
      run(spec, window.from, window.to),
      spec.baseline.value === undefined ? run(spec, spec.baseline.from, spec.baseline.to) : Promise.resolve(null)
    ]);
    const row = current?.rows[0] ?? null;
    const value = row?.value ?? null;
    const base = spec.baseline.value ?? baseAnswer?.rows[0]?.value ?? null;
    const last = current?.provenance.last_data_at ?? null;
    const fresh = last !== null && last.slice(0, 10) >= isoDay(addDays(parseDay(window.to), -31));
    const target = targetValue(spec, base, override);
    return {
      metric: spec.metric, source: 'computed', title: def.title, unit: def.unit, direction: def.direction,
      value, period: window.label, baseline: { value: base, period: spec.baseline.period, date: spec.baseline.date },
      target, target_date: targetDate, fresh, last_data_at: last, n: row?.n ?? null, suppressed: row?.suppressed ?? false,
      completeness: current?.provenance.completeness ?? null,
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
  const card: Scorecard = { strategy: strategy.id, title: strategy.title, scope: req.org ?? 'government', at: req.at, characteristics, ...(strategy.note ? { note: strategy.note } : {}) };
  if (memo.size > 200) memo.clear();
  memo.set(key, card);
  return card;
}

/**
 * Prepares the scorecards people open first, so that nobody waits for them after data arrives: government-wide and
 * each organization's, as an executive sees them (small counts hidden; the same answers serve the public and service
 * owners of that organization). Already prepared scorecards cost a look-up. Returns how many were built.
 */
export async function warmScorecards(wh: Warehouse, settings: EngineSettings, now: Date): Promise<number> {
  const orgs = await wh.query<{ code: string }>('SELECT code FROM organizations FINAL WHERE NOT placeholder ORDER BY code');
  const at = torontoDay(now);
  const caller: Caller = { role: 'executive', orgs: [], id: 'jalon-warm' };
  let built = 0;
  for (const org of [null, ...orgs.map((o) => o.code)]) {
    await buildScorecard(wh, settings, { caller, org, at, now });
    built++;
  }
  return built;
}
