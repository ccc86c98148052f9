// Shapes shared by the metrics engine and everything that shows its answers (pages, API, CLI, exports).
// The engine itself (loader, compiler, runner, scorecard) lives beside this file.
import type { Caller } from '../access/caller.ts';

export type Grain = 'day' | 'week' | 'month' | 'quarter' | 'fiscal_year' | 'year' | 'all';
export const GRAINS: readonly Grain[] = ['day', 'week', 'month', 'quarter', 'fiscal_year', 'year', 'all'];
export type Dimension = 'org' | 'service' | 'channel' | 'region' | 'client_type';
export const DIMENSIONS: readonly Dimension[] = ['org', 'service', 'channel', 'region', 'client_type'];
export type Comparison = 'none' | 'previous_period' | 'previous_year';
/** `no_target`: a value exists but the strategy sets no target for it in this scope (nothing to judge against). */
export type Status = 'achieved' | 'on_track' | 'at_risk' | 'late' | 'no_target' | 'no_data';
/** Whether a figure may still change (metrics/finality.ts); a change to a final one is a revision. */
export type FigureStatus = 'provisional' | 'final';

export interface Localized {
  fr: string;
  en: string;
}

export interface MetricRequest {
  metric: string;
  from: string; // YYYY-MM-DD, America/Toronto calendar day, inclusive
  to: string; // YYYY-MM-DD, exclusive
  grain: Grain;
  by: readonly Dimension[];
  filters: Partial<Record<Dimension, readonly string[]>>;
  compare: Comparison;
  caller: Caller;
  /** The clock, for windows such as "journeys too recent to judge". */
  now: Date;
}

export interface MetricRow {
  period: string; // '2023-04-01' day, '2023-W14' week, '2023-04' month, '2023-Q2' quarter, '2023-2024' fiscal year, '2023' year, 'all'
  dimensions: Partial<Record<Dimension, string>>;
  value: number | null; // null when suppressed or undefined (denominator 0)
  numerator: number | null;
  denominator: number | null;
  n: number | null;
  suppressed: boolean;
  /** Extra values some metrics carry (e.g. p90 for time_to_complete, distribution for satisfaction). */
  extra?: Record<string, number | null>;
  comparison?: { period: string; value: number | null } | null;
  /** For step metrics (step_drop_off): the step this row measures. */
  step?: { index: number; name: string };
  /** Provisional or final, set by the metrics service (metrics/finality.ts) on every answer it gives. */
  status?: FigureStatus;
}

export interface Provenance {
  formula_version: string;
  effective_from: string;
  sources: readonly string[];
  last_data_at: string | null;
  completeness: { reported: number; expected: number };
  modelled?: boolean;
  /** Which table answered: a rollup or the raw tables (see metrics/table-decider.ts). */
  table?: 'rollup' | 'raw';
  /** Anything left out of the answer and why (e.g. declared data coarser than the grain). */
  notes?: readonly string[];
  /** The request asked for figures only (RunOptions.provenance false): last data time and completeness not read. */
  omitted?: true;
}

export interface MetricAnswer {
  metric: string;
  unit: string;
  grain: Grain;
  rows: MetricRow[];
  provenance: Provenance;
}
