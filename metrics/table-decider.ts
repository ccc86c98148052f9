// The one function that decides which table answers a metric request: a rollup (AggregatingMergeTree fed by a
// materialized view) when the definition has a rollup body, the rollup is complete, and the request only uses what
// the rollup keeps; the raw tables otherwise. Pure; `rollupHealth` (the only I/O) lives in rollups.ts.
import type { Dimension, MetricRequest } from './types.ts';
import type { MetricDefinition, Rollup } from './definition.ts';

export type TableChoice = 'rollup' | 'raw';
/** Per rollup: true when it holds exactly the rows of its raw table (backfilled and fed since). */
export type RollupHealth = Partial<Record<Rollup, boolean>>;

/** Dimensions each rollup keeps. Region and client type stay in the raw tables for events, journeys and cases (they
 *  would multiply rollup rows); survey responses (few per day) and completions (whose exact minutes hold every value
 *  anyway) keep them. */
export const ROLLUP_DIMENSIONS: Record<Rollup, readonly Dimension[]> = {
  rollup_events_daily: ['org', 'service', 'channel'],
  rollup_responses_daily: ['org', 'service', 'channel', 'region', 'client_type'],
  rollup_journeys_daily: ['org', 'service', 'channel'],
  rollup_cases_daily: ['org', 'service', 'channel'],
  rollup_completions_daily: ['org', 'service', 'channel', 'region', 'client_type'],
  rollup_completions_coarse: ['org', 'service', 'channel'],
  rollup_completions_fiscal: ['org', 'service', 'channel'],
  // Read by the provenance only (compile.ts), never by a definition's body.
  rollup_presence_daily: ['org']
};

/** A rollup's coarser twin: the same figures with fewer dimensions, so fewer rows to read (sql/schema/151). */
const COARSER: Partial<Record<Rollup, Rollup>> = { rollup_completions_daily: 'rollup_completions_coarse' };
/** A rollup's twin merged by fiscal year (sql/schema/170): one row per fiscal year instead of one per day, for a request
 *  whose periods are whole fiscal years. */
const BY_FISCAL_YEAR: Partial<Record<Rollup, Rollup>> = { rollup_completions_daily: 'rollup_completions_fiscal' };

/** Whether every period of a request is made of whole fiscal years: by fiscal year or over the whole range, from an
 *  April 1 to an April 1 (the scorecard's series and headlines). */
export function wholeFiscalYears(request: Pick<MetricRequest, 'grain' | 'from' | 'to'>): boolean {
  const april1 = (day: string): boolean => /^\d{4}-04-01$/.test(day);
  return (request.grain === 'fiscal_year' || request.grain === 'all') && april1(request.from) && april1(request.to);
}

/** For a request answered from rollups, the tables its rollup body should read instead: a rollup's twin by fiscal year
 *  when the request's periods are whole fiscal years, else its coarser twin; each only when current and keeping every
 *  dimension the request splits or filters by. */
export function rollupTwins(
  def: MetricDefinition, request: Pick<MetricRequest, 'by' | 'filters' | 'grain' | 'from' | 'to'>, health: RollupHealth
): Partial<Record<Rollup, Rollup>> {
  const used = usedDimensions(request);
  const fits = (twin: Rollup | undefined): twin is Rollup => twin !== undefined && health[twin] === true && used.every((d) => ROLLUP_DIMENSIONS[twin].includes(d));
  const out: Partial<Record<Rollup, Rollup>> = {};
  for (const t of def.rollup?.tables ?? []) {
    const yearly = wholeFiscalYears(request) ? BY_FISCAL_YEAR[t] : undefined;
    const twin = fits(yearly) ? yearly : COARSER[t];
    if (fits(twin)) out[t] = twin;
  }
  return out;
}

/** The dimensions a request splits or filters by. */
function usedDimensions(request: Pick<MetricRequest, 'by' | 'filters'>): Dimension[] {
  return [...request.by, ...Object.entries(request.filters).filter(([, v]) => (v?.length ?? 0) > 0).map(([d]) => d as Dimension)];
}

/** The window the journeys rollup judges journeys by: a definition with another `window_days` reads raw tables. */
export const JOURNEY_WINDOW_DAYS = 30;

/** The dimensions every rollup of a definition keeps (none without a rollup body). */
export function rollupDimensions(def: MetricDefinition): readonly Dimension[] {
  return def.rollup ? def.rollup.tables.map((t) => ROLLUP_DIMENSIONS[t]).reduce((a, b) => a.filter((d) => b.includes(d))) : [];
}

export function decideTable(def: MetricDefinition, request: Pick<MetricRequest, 'by' | 'filters'>, health: RollupHealth, forceRaw: boolean): TableChoice {
  if (forceRaw || !def.rollup || !def.rollup.tables.every((t) => health[t] === true)) return 'raw';
  if (def.rollup.tables.includes('rollup_journeys_daily') && def.windowDays !== JOURNEY_WINDOW_DAYS) return 'raw';
  const kept = rollupDimensions(def);
  const used = usedDimensions(request);
  return used.every((d) => kept.includes(d)) ? 'rollup' : 'raw';
}
