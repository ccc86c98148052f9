// Provisional or final (DESIGN §6): the one rule that says whether a figure may still move. A figure is provisional while
// its period is open, and after it ends until its sources are complete or `finalAfterDays` have passed; then it is
// final, and any later change to it is a revision (metrics/revisions.ts). Pure: the answer and the clock in, flags out.
import type { FigureStatus, MetricAnswer, MetricRequest } from './types.ts';
import { addDays, isoDay, parseDay, periodRange, torontoDay } from './periods.ts';

export interface FinalitySettings {
  /** Days after a period's end when its figures become final even if some sources never reported. */
  finalAfterDays: number;
}

export const DEFAULT_FINAL_AFTER_DAYS = 90;

/**
 * Whether sources are complete for a period that ended on `periodEnd` (exclusive): every expected organization
 * reported in the request's range, and the newest data is from the period's end or later (nothing is still on its way
 * for that period). Declared sources give their period's last day as their data time.
 */
export function sourcesComplete(provenance: MetricAnswer['provenance'], periodEnd: string): boolean {
  const { reported, expected } = provenance.completeness;
  if (provenance.omitted || expected === 0 || reported < expected || !provenance.last_data_at) return false;
  return provenance.last_data_at.slice(0, 10) >= isoDay(addDays(parseDay(periodEnd), -1));
}

/** The status of one period label of an answer at `now` (Toronto calendar). `all` ends where the request ends. */
export function periodStatus(grain: MetricAnswer['grain'], period: string, request: Pick<MetricRequest, 'to'>, provenance: MetricAnswer['provenance'], now: Date, settings: FinalitySettings): FigureStatus {
  const periodEnd = (grain === 'all' ? null : periodRange(grain, period)?.to) ?? request.to;
  const today = torontoDay(now);
  if (today < periodEnd) return 'provisional'; // still open
  // A request cut short inside the period covers up to its own end: the delay and completeness count from there.
  const end = periodEnd < request.to ? periodEnd : request.to;
  if (today >= isoDay(addDays(parseDay(end), settings.finalAfterDays))) return 'final';
  return sourcesComplete(provenance, end) ? 'final' : 'provisional';
}

/** The answer with each row's `status` set; the answer itself (possibly shared by the cache) is not changed. */
export function withFinality(answer: MetricAnswer, request: Pick<MetricRequest, 'to' | 'now'>, settings: FinalitySettings): MetricAnswer {
  const memo = new Map<string, FigureStatus>();
  const statusOf = (period: string): FigureStatus => {
    let s = memo.get(period);
    if (!s) memo.set(period, (s = periodStatus(answer.grain, period, request, answer.provenance, request.now, settings)));
    return s;
  };
  return { ...answer, rows: answer.rows.map((r) => ({ ...r, status: statusOf(r.period) })) };
}
