// Dashboard filters: what the URL holds (period preset, organization, service, channel, region, client type,
// comparison) and how a preset becomes a [from, to) day range. Shared by server loads and the browser.
import type { Comparison, Dimension } from '../../metrics/types.ts';

export const CHANNEL_CODES = ['web', 'mobile', 'phone', 'counter', 'mail', 'email', 'fax', 'partner', 'other'] as const;
export const CLIENT_TYPES = ['citizen', 'business'] as const;
export const REGION_CODES = Array.from({ length: 17 }, (_, i) => String(i + 1).padStart(2, '0'));
export const COMPARISONS: readonly Comparison[] = ['none', 'previous_period', 'previous_year'];

export interface Filters {
  /** '12m', '6m', '3m', 'ytd', 'all', a fiscal year 'fy2025' (April 2025 to March 2026), or 'custom' (from, to). */
  period: string;
  /** A custom range's first and last days (YYYY-MM-DD, both included), with period 'custom'; '' otherwise. */
  from: string;
  to: string;
  org: string;
  service: string;
  channel: string;
  region: string;
  client_type: string;
  compare: Comparison;
}

export const DEFAULT_FILTERS: Filters = { period: '12m', from: '', to: '', org: '', service: '', channel: '', region: '', client_type: '', compare: 'none' };
const CODE = /^[A-Za-z0-9_-]{1,64}$/;

/** Reads filters from a query string; anything unknown falls back to the default, never reaches SQL as text. */
export function parseFilters(params: URLSearchParams): Filters {
  const pick = (name: string, ok: (v: string) => boolean): string => {
    const v = params.get(name) ?? '';
    return v !== '' && ok(v) ? v : '';
  };
  const asked = params.get('period') ?? '';
  const compare = params.get('compare') ?? '';
  // A custom range needs both days, real and in order; asked without a preset, the days alone make it custom.
  const from = params.get('from') ?? '';
  const to = params.get('to') ?? '';
  const custom = isCalendarDay(from) && isCalendarDay(to) && from <= to && from >= FIRST_DAY && (asked === 'custom' || asked === '');
  const period = custom ? 'custom' : /^(12m|6m|3m|ytd|all|fy20\d\d)$/.test(asked) ? asked : DEFAULT_FILTERS.period;
  return {
    period,
    from: custom ? from : '',
    to: custom ? to : '',
    org: pick('org', (v) => CODE.test(v)),
    service: pick('service', (v) => CODE.test(v)),
    channel: pick('channel', (v) => (CHANNEL_CODES as readonly string[]).includes(v)),
    region: pick('region', (v) => REGION_CODES.includes(v)),
    client_type: pick('client_type', (v) => (CLIENT_TYPES as readonly string[]).includes(v)),
    compare: (COMPARISONS as readonly string[]).includes(compare) ? (compare as Comparison) : 'none'
  };
}

/** The query string for filters, leaving defaults out so URLs stay short. */
export function filtersToQuery(f: Filters, overrides: Partial<Filters> = {}): string {
  const merged = { ...f, ...overrides };
  const q = new URLSearchParams();
  if (merged.period !== 'custom') {
    merged.from = '';
    merged.to = '';
  }
  for (const key of ['period', 'from', 'to', 'org', 'service', 'channel', 'region', 'client_type', 'compare'] as const) {
    const v = merged[key];
    if (v && v !== DEFAULT_FILTERS[key]) q.set(key, v);
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}

/** Metric filters (dimension → values) from the dashboard filters. */
export function dimensionFilters(f: Filters): Partial<Record<Dimension, readonly string[]>> {
  const out: Partial<Record<Dimension, readonly string[]>> = {};
  if (f.org) out.org = [f.org];
  if (f.service) out.service = [f.service];
  if (f.channel) out.channel = [f.channel];
  if (f.region) out.region = [f.region];
  if (f.client_type) out.client_type = [f.client_type];
  return out;
}

const iso = (d: Date): string => d.toISOString().slice(0, 10);
const utcDay = (y: number, m: number, d: number): Date => new Date(Date.UTC(y, m, d));

/** Fiscal year starting in April of `year` contains `now`? Returns the start year of the fiscal year holding now. */
export function fiscalYearOf(now: Date): number {
  return now.getUTCMonth() >= 3 ? now.getUTCFullYear() : now.getUTCFullYear() - 1;
}

/** The first fiscal year offered: the strategy's (2018-2019). */
export const FIRST_FISCAL_YEAR = 2018;
/** The first day a custom range may start on (the strategy's first fiscal year). */
export const FIRST_DAY = `${FIRST_FISCAL_YEAR}-04-01`;

/** Every fiscal year from the strategy's first to the current one (most recent first), offered as presets. */
export function fiscalYearPresets(now: Date): string[] {
  const fy = fiscalYearOf(now);
  return Array.from({ length: Math.max(1, fy - FIRST_FISCAL_YEAR + 1) }, (_, i) => `fy${fy - i}`);
}

/** A real calendar day written YYYY-MM-DD (not 2025-02-30). */
export function isCalendarDay(v: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(v)) return false;
  const d = new Date(`${v}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === v;
}

export interface Range {
  from: string;
  to: string;
}

/** [from, to) days for a period preset (or the custom range of `filters`), relative to `now` (the clock is a
 *  parameter). Month presets start on the 1st: the last N calendar months, the current one included. */
export function periodRange(period: string, now: Date, custom?: Pick<Filters, 'from' | 'to'>): Range {
  const y = now.getUTCFullYear();
  const m = now.getUTCMonth();
  const d = now.getUTCDate();
  const tomorrow = iso(utcDay(y, m, d + 1));
  if (period === 'custom' && custom && isCalendarDay(custom.from) && isCalendarDay(custom.to)) {
    const last = new Date(`${custom.to}T00:00:00Z`);
    return { from: custom.from, to: iso(utcDay(last.getUTCFullYear(), last.getUTCMonth(), last.getUTCDate() + 1)) };
  }
  const fy = /^fy(\d{4})$/.exec(period);
  if (fy) {
    const start = Number(fy[1]);
    return { from: `${start}-04-01`, to: `${start + 1}-04-01` };
  }
  switch (period) {
    case '3m':
      return { from: iso(utcDay(y, m - 2, 1)), to: tomorrow };
    case '6m':
      return { from: iso(utcDay(y, m - 5, 1)), to: tomorrow };
    case 'ytd':
      return { from: `${fiscalYearOf(now)}-04-01`, to: tomorrow };
    case 'all':
      return { from: FIRST_DAY, to: tomorrow };
    case '12m':
    default:
      return { from: iso(utcDay(y, m - 11, 1)), to: tomorrow };
  }
}

/** The range compared against: the one just before, or the same one a year earlier. */
export function comparisonRange(range: Range, compare: Comparison): Range | null {
  if (compare === 'none') return null;
  const from = new Date(`${range.from}T00:00:00Z`);
  const to = new Date(`${range.to}T00:00:00Z`);
  if (compare === 'previous_year') {
    const shift = (x: Date) => iso(utcDay(x.getUTCFullYear() - 1, x.getUTCMonth(), x.getUTCDate()));
    return { from: shift(from), to: shift(to) };
  }
  const span = to.getTime() - from.getTime();
  return { from: iso(new Date(from.getTime() - span)), to: range.from };
}
