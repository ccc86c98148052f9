// Turns loose text parameters (query string, CLI flags) into a MetricRequest, collecting every problem at once.
// Shared by the API and the CLI so both accept the same spellings. Pure.
import type { Caller } from '../access/caller.ts';
import { DIMENSIONS, GRAINS, type Comparison, type Dimension, type Grain, type MetricRequest } from './types.ts';
import { addDays, isDay, isoDay, parseDay, torontoDay } from './periods.ts';

export interface LooseRequest {
  from?: string | null;
  to?: string | null;
  grain?: string | null;
  by?: string | null;
  org?: string | null;
  service?: string | null;
  channel?: string | null;
  region?: string | null;
  client_type?: string | null;
  compare?: string | null;
}

const COMPARISONS: Record<string, Comparison> = { none: 'none', previous_period: 'previous_period', previous: 'previous_period', previous_year: 'previous_year', year: 'previous_year' };
const split = (v: string | null | undefined): string[] => (v ? v.split(',').map((s) => s.trim()).filter(Boolean) : []);

/** Where series of whole fiscal years, years or all data start when no `from` is given: the first fiscal year of the
 *  strategy measured (2018-2019 for Québec's 2018 strategy); callers with a strategy at hand pass its own start. */
export const SERIES_START = '2018-04-01';

/** Defaults: by month; without `from`, the last twelve full months before `now` (Toronto) for day to quarter grains, and
 *  everything since `seriesStart` for fiscal years, years and all (a fiscal-year series must not silently lose years);
 *  no grouping, no comparison. */
export function parseMetricRequest(
  metric: string, loose: LooseRequest, caller: Caller, now: Date,
  defaults: { seriesStart?: string; grains?: readonly Grain[] } = {}
): { request: MetricRequest | null; errors: string[] } {
  const errors: string[] = [];
  const today = torontoDay(now);
  const to = loose.to ?? today;
  // Without a grain: by month, or the finest the metric allows (a declared indicator: by fiscal year).
  const defaultGrain: Grain = !defaults.grains || defaults.grains.includes('month') ? 'month' : (defaults.grains.find((g) => g !== 'all') ?? 'all');
  loose = { ...loose, grain: loose.grain ?? defaultGrain };
  const seriesStart = defaults.seriesStart ?? SERIES_START;
  const long = loose.grain === 'fiscal_year' || loose.grain === 'year' || loose.grain === 'all';
  const from = loose.from ?? (long ? seriesStart : isoDay(addDays(parseDay(today.slice(0, 8) + '01'), -365)).slice(0, 8) + '01');
  if (!isDay(from)) errors.push(`from "${from}": date AAAA-MM-JJ / date YYYY-MM-DD`);
  if (!isDay(to)) errors.push(`to "${to}": date AAAA-MM-JJ / date YYYY-MM-DD`);
  const grain = (loose.grain ?? 'month') as Grain;
  if (!(GRAINS as readonly string[]).includes(grain)) errors.push(`grain "${grain}": ${GRAINS.join('|')}`);
  const by = split(loose.by);
  for (const d of by) if (!(DIMENSIONS as readonly string[]).includes(d)) errors.push(`by "${d}": ${DIMENSIONS.join('|')}`);
  const compare = COMPARISONS[loose.compare ?? 'none'];
  if (!compare) errors.push(`compare "${loose.compare}": none|previous_period|previous_year`);
  const filters: Partial<Record<Dimension, readonly string[]>> = {};
  for (const d of DIMENSIONS) {
    const values = split(loose[d]);
    if (values.length) filters[d] = values;
  }
  if (errors.length) return { request: null, errors };
  return { request: { metric, from, to, grain, by: by as Dimension[], filters, compare, caller, now }, errors };
}
