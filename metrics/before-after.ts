// Before and after a date (a release, an incident, any chosen day) for one service: two windows of the same length on
// either side of the day, each answered by the catalogue's completion rate (runMetric: scope, suppression and the
// definition's own window apply), then the difference of the two rates and its 95 % interval (normal approximation for
// two independent proportions). The "after" window never reaches starts too recent to judge (the definition's
// window_days): both windows shrink to the days that can be judged, so they stay the same length.
import type { Caller } from '../access/caller.ts';
import type { Warehouse } from '../warehouse/warehouse.ts';
import type { Dimension, MetricAnswer, MetricRequest } from './types.ts';
import { catalogue } from './definition.ts';
import { MetricError, runMetric, type EngineSettings, type RunOptions } from './run-metric.ts';
import { addDays, isDay, isoDay, parseDay, torontoDay } from './periods.ts';

export const BEFORE_AFTER_METRIC = 'completion_rate';
/** Two-sided 95 %: the standard normal's 0.975 quantile. */
export const Z_95 = 1.959963984540054;
export const DEFAULT_WINDOW_DAYS = 56;
const MIN_WINDOW_DAYS = 7;
const MAX_WINDOW_DAYS = 366;

export interface BeforeAfterRequest {
  caller: Caller;
  org: string;
  service: string;
  /** The day the change happened (YYYY-MM-DD, Toronto): the first day of the "after" window. */
  at: string;
  /** Length of each window in days (shortened when the "after" window would reach starts too recent to judge). */
  days?: number;
  /** Other filters in force (channel, region, client type), applied to both windows. */
  filters?: Partial<Record<Dimension, readonly string[]>>;
  now: Date;
}

export interface BeforeAfterWindow {
  from: string;
  /** Exclusive. */
  to: string;
  /** Journeys started (the completion rate's denominator) and completed within the window (its numerator). */
  started: number | null;
  completed: number | null;
  rate: number | null;
  suppressed: boolean;
}

export interface BeforeAfter {
  metric: string;
  at: string;
  /** Days in each window (asked for, or fewer when the "after" window had to be shortened). */
  days: number;
  asked: number;
  before: BeforeAfterWindow;
  after: BeforeAfterWindow | null;
  /** after.rate − before.rate, with its 95 % interval; null when either rate is missing or withheld. */
  difference: number | null;
  interval: [number, number] | null;
  /** Why there is no "after" window: the day is too recent for any journey after it to be judged. */
  tooRecent: boolean;
}

/** Difference of two proportions and its 95 % interval (Wald): d ± z·√(p₁(1−p₁)/n₁ + p₂(1−p₂)/n₂). */
export function proportionDifference(before: { completed: number; started: number }, after: { completed: number; started: number }): { difference: number; interval: [number, number] } | null {
  if (before.started <= 0 || after.started <= 0) return null;
  const p1 = before.completed / before.started;
  const p2 = after.completed / after.started;
  const se = Math.sqrt((p1 * (1 - p1)) / before.started + (p2 * (1 - p2)) / after.started);
  const d = p2 - p1;
  return { difference: d, interval: [d - Z_95 * se, d + Z_95 * se] };
}

export async function beforeAfter(wh: Warehouse, settings: EngineSettings, req: BeforeAfterRequest, options: Pick<RunOptions, 'cache'> = {}): Promise<BeforeAfter> {
  if (!isDay(req.at)) throw new MetricError('bad_request', [`around « ${req.at} » : une date AAAA-MM-JJ / around "${req.at}": a date YYYY-MM-DD`]);
  const asked = Math.round(req.days ?? DEFAULT_WINDOW_DAYS);
  if (!Number.isFinite(asked) || asked < MIN_WINDOW_DAYS || asked > MAX_WINDOW_DAYS) {
    throw new MetricError('bad_request', [`days ${req.days} : entre ${MIN_WINDOW_DAYS} et ${MAX_WINDOW_DAYS} / days ${req.days}: between ${MIN_WINDOW_DAYS} and ${MAX_WINDOW_DAYS}`]);
  }
  const def = catalogue().definitions.get(BEFORE_AFTER_METRIC)!;
  // The last day whose starts can be judged: starts younger than window_days are left out by the definition.
  const judgeable = addDays(parseDay(torontoDay(req.now)), -def.windowDays);
  const at = parseDay(req.at);
  const room = Math.floor((judgeable.getTime() - at.getTime()) / 86_400_000);
  const days = Math.min(asked, Math.max(0, room));
  const tooRecent = days < MIN_WINDOW_DAYS;
  const span = tooRecent ? asked : days;
  const run = async (from: string, to: string): Promise<BeforeAfterWindow> => {
    const request: MetricRequest = {
      metric: BEFORE_AFTER_METRIC, from, to, grain: 'all', by: [], compare: 'none', caller: req.caller, now: req.now,
      filters: { ...(req.filters ?? {}), org: [req.org], service: [req.service] }
    };
    const answer: MetricAnswer = await runMetric(wh, settings, request, { ...options, provenance: false });
    const row = answer.rows[0];
    return {
      from, to, started: row?.denominator ?? (row ? null : 0), completed: row?.numerator ?? (row ? null : 0),
      rate: row?.value ?? null, suppressed: row?.suppressed ?? false
    };
  };
  const beforeWindow = run(isoDay(addDays(at, -span)), req.at);
  const afterWindow = tooRecent ? Promise.resolve(null) : run(req.at, isoDay(addDays(at, days)));
  const [before, afterW] = await Promise.all([beforeWindow, afterWindow]);
  const both = afterW && !before.suppressed && !afterW.suppressed && before.started !== null && before.completed !== null && afterW.started !== null && afterW.completed !== null
    ? proportionDifference({ completed: before.completed, started: before.started }, { completed: afterW.completed, started: afterW.started })
    : null;
  return {
    metric: BEFORE_AFTER_METRIC, at: req.at, days: span, asked, before, after: afterW,
    difference: both?.difference ?? null, interval: both?.interval ?? null, tooRecent
  };
}
