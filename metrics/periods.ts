// Periods in America/Toronto: the SQL that turns a local calendar day into a period label for each grain, and the
// pure date arithmetic on labels (shift for comparisons, label → first/last day). No I/O.
import type { Grain } from './types.ts';

/** Order of grains from finest to coarsest; `week` and `fiscal_year` do not nest in every coarser grain. */
export const GRAIN_ORDER: Record<Grain, number> = { day: 0, week: 1, month: 2, quarter: 3, fiscal_year: 4, year: 4, all: 5 };

/** SQL expression labelling a Date expression (already a Toronto calendar day) with its period at `grain`. */
export function periodSql(grain: Grain, day: string): string {
  switch (grain) {
    case 'day':
      return `toString(${day})`;
    case 'week':
      return `concat(toString(toISOYear(${day})), '-W', leftPad(toString(toISOWeek(${day})), 2, '0'))`;
    case 'month':
      return `formatDateTime(${day}, '%Y-%m')`;
    case 'quarter':
      return `concat(toString(toYear(${day})), '-Q', toString(toQuarter(${day})))`;
    case 'fiscal_year':
      return `concat(toString(toYear(${day}) - if(toMonth(${day}) < 4, 1, 0)), '-', toString(toYear(${day}) - if(toMonth(${day}) < 4, 1, 0) + 1))`;
    case 'year':
      return `toString(toYear(${day}))`;
    case 'all':
      return `'all'`;
    default: {
      const never: never = grain;
      throw new Error(`unknown grain ${String(never)}`);
    }
  }
}

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');
export const isoDay = (d: Date): string => `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
export const parseDay = (s: string): Date => new Date(`${s}T00:00:00Z`);
export const addDays = (d: Date, n: number): Date => new Date(d.getTime() + n * 86_400_000);
const addMonths = (d: Date, n: number): Date => new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + n, d.getUTCDate()));

/** The Toronto calendar day of an instant (e.g. 2024-04-01 02:30 UTC → 2024-03-31). */
export function torontoDay(at: Date): string {
  return TORONTO_DAY.format(at); // en-CA formats as YYYY-MM-DD
}
/** Made once: building a formatter costs more than the request it serves (every answer's finality asks the day). */
const TORONTO_DAY = new Intl.DateTimeFormat('en-CA', { timeZone: 'America/Toronto', year: 'numeric', month: '2-digit', day: '2-digit' });

export const isDay = (s: string): boolean => /^\d{4}-\d{2}-\d{2}$/.test(s) && !Number.isNaN(parseDay(s).getTime()) && isoDay(parseDay(s)) === s;

/** ISO week start (Monday) of the week containing `d`. */
function isoWeekStart(year: number, week: number): Date {
  const jan4 = new Date(Date.UTC(year, 0, 4));
  const dow = (jan4.getUTCDay() + 6) % 7;
  return addDays(jan4, -dow + (week - 1) * 7);
}

/** First day (inclusive) and day after the last (exclusive) of a period label at `grain`; null when malformed. */
export function periodRange(grain: Grain, label: string): { from: string; to: string } | null {
  let m: RegExpExecArray | null;
  switch (grain) {
    case 'day':
      return isDay(label) ? { from: label, to: isoDay(addDays(parseDay(label), 1)) } : null;
    case 'week':
      if (!(m = /^(\d{4})-W(\d{2})$/.exec(label))) return null;
      {
        const s = isoWeekStart(Number(m[1]), Number(m[2]));
        return { from: isoDay(s), to: isoDay(addDays(s, 7)) };
      }
    case 'month':
      if (!(m = /^(\d{4})-(\d{2})$/.exec(label)) || Number(m[2]) < 1 || Number(m[2]) > 12) return null;
      return { from: `${label}-01`, to: isoDay(new Date(Date.UTC(Number(m[1]), Number(m[2]), 1))) };
    case 'quarter':
      if (!(m = /^(\d{4})-Q([1-4])$/.exec(label))) return null;
      return { from: isoDay(new Date(Date.UTC(Number(m[1]), (Number(m[2]) - 1) * 3, 1))), to: isoDay(new Date(Date.UTC(Number(m[1]), Number(m[2]) * 3, 1))) };
    case 'fiscal_year':
      if (!(m = /^(\d{4})-(\d{4})$/.exec(label)) || Number(m[2]) !== Number(m[1]) + 1) return null;
      return { from: `${m[1]}-04-01`, to: `${m[2]}-04-01` };
    case 'year':
      if (!(m = /^(\d{4})$/.exec(label))) return null;
      return { from: `${label}-01-01`, to: `${Number(label) + 1}-01-01` };
    case 'all':
      return null;
    default:
      return null;
  }
}

/** Label of the period containing a day, computed in JS the same way as `periodSql` (used for comparisons and tests). */
export function periodOf(grain: Grain, day: string): string {
  const d = parseDay(day);
  const y = d.getUTCFullYear();
  const mo = d.getUTCMonth() + 1;
  switch (grain) {
    case 'day':
      return day;
    case 'week': {
      const thursday = addDays(d, 3 - ((d.getUTCDay() + 6) % 7));
      const wy = thursday.getUTCFullYear();
      const week = Math.floor((thursday.getTime() - Date.UTC(wy, 0, 1)) / 86_400_000 / 7) + 1;
      return `${wy}-W${pad(week)}`;
    }
    case 'month':
      return `${y}-${pad(mo)}`;
    case 'quarter':
      return `${y}-Q${Math.floor((mo - 1) / 3) + 1}`;
    case 'fiscal_year': {
      const fy = mo < 4 ? y - 1 : y;
      return `${fy}-${fy + 1}`;
    }
    case 'year':
      return String(y);
    case 'all':
      return 'all';
    default:
      return day;
  }
}

/** The comparison period of a label: one period earlier, or the same period a year before. */
export function shiftLabel(grain: Grain, label: string, compare: 'previous_period' | 'previous_year'): string | null {
  const r = periodRange(grain, label);
  if (!r) return null;
  const from = parseDay(r.from);
  if (compare === 'previous_year') {
    if (grain === 'week') {
      const m = /^(\d{4})-W(\d{2})$/.exec(label)!;
      return `${Number(m[1]) - 1}-W${m[2]}`;
    }
    return periodOf(grain, isoDay(addMonths(from, -12)));
  }
  return periodOf(grain, isoDay(addDays(from, -1)));
}

/** The date range a comparison needs: the request's range moved back one period (or one year). */
export function shiftRange(grain: Grain, from: string, to: string, compare: 'previous_period' | 'previous_year'): { from: string; to: string } {
  const f = parseDay(from);
  const t = parseDay(to);
  if (compare === 'previous_year') return { from: isoDay(addMonths(f, -12)), to: isoDay(addMonths(t, -12)) };
  switch (grain) {
    case 'day':
      return { from: isoDay(addDays(f, -1)), to: isoDay(addDays(t, -1)) };
    case 'week':
      return { from: isoDay(addDays(f, -7)), to: isoDay(addDays(t, -7)) };
    case 'month':
      return { from: isoDay(addMonths(f, -1)), to: isoDay(addMonths(t, -1)) };
    case 'quarter':
      return { from: isoDay(addMonths(f, -3)), to: isoDay(addMonths(t, -3)) };
    case 'fiscal_year':
    case 'year':
      return { from: isoDay(addMonths(f, -12)), to: isoDay(addMonths(t, -12)) };
    case 'all': {
      const len = Math.round((t.getTime() - f.getTime()) / 86_400_000);
      return { from: isoDay(addDays(f, -len)), to: from };
    }
    default:
      return { from, to };
  }
}
