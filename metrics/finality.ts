// Provisional or final (DESIGN §6): the one rule that says whether a figure may still move. A figure is provisional while
// its period is open, and after it ends until its sources are complete or `finalAfterDays` have passed; then it is
// final, and any later change to it is a revision (metrics/revisions.ts). Pure: the answer, the clock and a way to read
// one period's provenance in, flags out.
import type { FigureStatus, MetricAnswer, MetricRequest } from './types.ts';
import { addDays, isoDay, parseDay, periodRange, torontoDay } from './periods.ts';

export interface FinalitySettings {
  /** Days after a period's end when its figures become final even if some sources never reported. */
  finalAfterDays: number;
}

export const DEFAULT_FINAL_AFTER_DAYS = 90;

/**
 * Whether sources are complete for a period that ended on `periodEnd` (exclusive): every expected organization
 * reported in the period (the provenance of the request narrowed to it), and the newest data is from the period's end or later (nothing is still on its way
 * for that period). Declared sources give their period's last day as their data time.
 */
export function sourcesComplete(provenance: MetricAnswer['provenance'], periodEnd: string): boolean {
  const { reported, expected } = provenance.completeness;
  if (provenance.omitted || expected === 0 || reported < expected || !provenance.last_data_at) return false;
  return provenance.last_data_at.slice(0, 10) >= isoDay(addDays(parseDay(periodEnd), -1));
}

/** Provenance of the same request narrowed to one period (the service answers it, cached); null when it cannot say. */
export type PeriodProvenance = (range: { from: string; to: string }) => Promise<MetricAnswer['provenance'] | null>;

type Decision = FigureStatus | { closedOn: string; from: string };

/** The status of one period label at `now` (Toronto calendar), or the range whose sources decide it. `all` ends where
 *  the request ends. */
export function periodStatus(grain: MetricAnswer['grain'], period: string, request: Pick<MetricRequest, 'from' | 'to'>, now: Date, settings: FinalitySettings): Decision {
  const range = grain === 'all' ? null : periodRange(grain, period);
  const periodEnd = range?.to ?? request.to;
  const today = torontoDay(now);
  if (today < periodEnd) return 'provisional'; // still open
  // A request cut short inside the period covers up to its own end: the delay and completeness count from there.
  const end = periodEnd < request.to ? periodEnd : request.to;
  if (today >= isoDay(addDays(parseDay(end), settings.finalAfterDays))) return 'final';
  const from = range && range.from > request.from ? range.from : request.from;
  return { closedOn: end, from };
}

/**
 * The answer with each row's `status` set; the answer itself (possibly shared by the cache) is not changed. Only periods
 * closed for less than the delay need their sources: `provenanceOf` gives them for that period alone (one request per
 * such period, usually the last one or two).
 */
export async function withFinality(answer: MetricAnswer, request: Pick<MetricRequest, 'from' | 'to' | 'now'>, settings: FinalitySettings, provenanceOf: PeriodProvenance): Promise<MetricAnswer> {
  const statuses = new Map<string, FigureStatus>();
  for (const period of new Set(answer.rows.map((r) => r.period))) {
    const d = periodStatus(answer.grain, period, request, request.now, settings);
    if (typeof d === 'string') statuses.set(period, d);
    else {
      const provenance = await provenanceOf({ from: d.from, to: d.closedOn });
      statuses.set(period, provenance && sourcesComplete(provenance, d.closedOn) ? 'final' : 'provisional');
    }
  }
  return { ...answer, rows: answer.rows.map((r) => ({ ...r, status: statuses.get(r.period) ?? 'provisional' })) };
}
