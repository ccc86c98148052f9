// Status of an indicator against its target: achieved, on track, at risk, late or no data — from where the value stands
// on the straight trajectory between baseline and target date, and from its freshness. Pure.
import type { Status } from './types.ts';

export interface StatusInput {
  direction: 'higher' | 'lower';
  baseline: { value: number | null; date: string };
  target: { value: number | null; date: string };
  current: number | null;
  /** Day the status is judged (YYYY-MM-DD). */
  at: string;
  /** The figure's data is recent enough to judge on. */
  fresh: boolean;
}

/** How far behind the trajectory (share of the whole baseline → target distance) still counts as on track / at risk. */
export const ON_TRACK_GAP = 0.05;
export const AT_RISK_GAP = 0.25;

const days = (s: string): number => Date.parse(`${s}T00:00:00Z`) / 86_400_000;

export function indicatorStatus(i: StatusInput): Status {
  if (i.current === null || !i.fresh) return 'no_data';
  if (i.target.value === null) return 'no_target';
  const sign = i.direction === 'higher' ? 1 : -1;
  if (sign * (i.current - i.target.value) >= 0) return 'achieved';
  if (i.at >= i.target.date) return 'late';
  if (i.baseline.value === null) return 'at_risk'; // no baseline: cannot say it is on track
  const distance = i.target.value - i.baseline.value;
  if (distance === 0 || sign * distance < 0) return 'at_risk'; // target behind baseline yet not achieved
  const span = days(i.target.date) - days(i.baseline.date);
  const elapsed = span > 0 ? Math.min(1, Math.max(0, (days(i.at) - days(i.baseline.date)) / span)) : 1;
  const expected = i.baseline.value + distance * elapsed;
  const gap = (sign * (expected - i.current)) / Math.abs(distance);
  if (gap <= ON_TRACK_GAP) return 'on_track';
  if (gap <= AT_RISK_GAP) return 'at_risk';
  return 'late';
}

/** A characteristic's overall status: the worst of its indicators that have data, else no data. */
export function worstStatus(statuses: readonly Status[]): Status {
  const order: Status[] = ['late', 'at_risk', 'on_track', 'achieved'];
  for (const s of order) if (statuses.includes(s)) return s;
  return 'no_data';
}
