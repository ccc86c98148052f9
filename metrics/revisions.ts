// Revisions of final figures (DESIGN §6): each publication hands over its final figures; one that differs from the
// last final value recorded for the same indicator, scope and period is a revision (old, new, reason, when), kept in
// `figure_revisions` and published in every later snapshot's revisions.csv and on the indicator page. Figures are
// never computed here: they come from the metrics service.
import type { Warehouse } from '../warehouse/warehouse.ts';
import type { FigureStatus } from './types.ts';
import { DECLARED_SOURCES, type Source } from './definition.ts';

/** One published figure: `scope` is 'all' or an organization's code (a step metric adds `#step`). */
export interface PublishedFigure {
  indicator: string;
  scope: string;
  period: string;
  value: number | null;
  status: FigureStatus;
  formulaVersion: string;
  /** What the indicator reads and whether it is modelled, for the reason given when it changes. */
  sources: readonly Source[];
  modelled: boolean;
  /** The period's days (`to` exclusive), to find declared reports re-sent for it. */
  range: { from: string; to: string };
}

export interface Revision {
  indicator: string;
  scope: string;
  period: string;
  old_value: number | null;
  new_value: number | null;
  reason: string;
  snapshot: string;
  revised_at: string; // ISO 8601, UTC
}

interface RecordedFigure {
  indicator: string;
  scope: string;
  period: string;
  value: number | null;
  formula_version: string;
  recorded_at: string;
}

const key = (f: { indicator: string; scope: string; period: string }): string => `${f.indicator}\u0000${f.scope}\u0000${f.period}`;
const sqlTime = (d: Date): string => d.toISOString().replace('T', ' ').replace('Z', '');

/** Same figure up to float summation order (ClickHouse sums in parallel, in any order). */
export function sameValue(a: number | null, b: number | null): boolean {
  if (a === null || b === null) return a === b;
  return Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
}

/** Why a final figure moved, as far as the data can tell: a restated formula, a suppression, a declared report
 *  re-sent for the period since the figure was recorded, a modelled parameter, or late or corrected events. */
export async function revisionReason(wh: Warehouse, before: RecordedFigure, after: PublishedFigure): Promise<string> {
  if (before.formula_version !== after.formulaVersion) {
    return `formule révisée / formula restated (${before.formula_version} → ${after.formulaVersion})`;
  }
  if (after.value === null) return 'désormais supprimé (petit nombre) / now suppressed (small count)';
  const org = after.scope.split('#')[0];
  for (const source of after.sources.filter((s) => DECLARED_SOURCES.includes(s))) {
    // `source` comes from the allow-list DECLARED_SOURCES: the only identifier spliced here.
    const [row] = await wh.query<{ n: number }>(
      `SELECT count() AS n FROM ${source} WHERE reported_at > {since:DateTime64(3, 'UTC')} AND period_start < {to:Date} AND period_end >= {from:Date} AND ({all:Bool} OR org = {org:String})`,
      { since: before.recorded_at, from: after.range.from, to: after.range.to, all: org === 'all', org }
    );
    if (Number(row?.n ?? 0) > 0) return 'déclaration corrigée ou tardive / corrected or late declared report';
  }
  if (after.modelled) return 'paramètre révisé ou données tardives / restated parameter or late data';
  return 'données tardives ou corrigées / late or corrected data';
}

/**
 * Compares this publication's final figures with the last recorded ones, records the revisions, and records the final
 * figures that are new or changed. Provisional figures are neither compared nor recorded: they may still move.
 */
export async function recordRevisions(wh: Warehouse, figures: readonly PublishedFigure[], snapshot: string, now: Date): Promise<Revision[]> {
  const finals = figures.filter((f) => f.status === 'final');
  if (!finals.length) return [];
  const indicators = [...new Set(finals.map((f) => f.indicator))];
  const recorded = await wh.query<RecordedFigure>(
    'SELECT indicator, scope, period, value, formula_version, toString(recorded_at) AS recorded_at FROM final_figures FINAL WHERE indicator IN {ids:Array(String)}',
    { ids: indicators }
  );
  const before = new Map(recorded.map((r) => [key(r), { ...r, value: r.value === null ? null : Number(r.value) }]));
  const revisions: Revision[] = [];
  const changed: PublishedFigure[] = [];
  for (const f of finals) {
    const b = before.get(key(f));
    if (b && sameValue(b.value, f.value) && b.formula_version === f.formulaVersion) continue;
    changed.push(f);
    if (b && !sameValue(b.value, f.value)) {
      // A figure now withheld keeps its old value out of the record too: revisions.csv is published with every snapshot
      // and would otherwise go on showing what the suppression now hides.
      const oldValue = f.value === null ? null : b.value;
      revisions.push({ indicator: f.indicator, scope: f.scope, period: f.period, old_value: oldValue, new_value: f.value, reason: await revisionReason(wh, b, f), snapshot, revised_at: now.toISOString() });
    }
  }
  if (revisions.length) {
    await wh.insert('figure_revisions', revisions.map((r) => ({ ...r, revised_at: sqlTime(now) })));
  }
  if (changed.length) {
    await wh.insert('final_figures', changed.map((f) => ({ indicator: f.indicator, scope: f.scope, period: f.period, value: f.value, formula_version: f.formulaVersion, snapshot, recorded_at: sqlTime(now) })));
  }
  return revisions;
}

/** Recorded revisions, newest first: all of them, or one indicator's. */
export async function listRevisions(wh: Warehouse, filter: { indicator?: string; limit?: number } = {}): Promise<Revision[]> {
  const rows = await wh.query<Omit<Revision, 'revised_at'> & { revised_at: string }>(
    `SELECT indicator, scope, period, old_value, new_value, reason, snapshot, toString(revised_at) AS revised_at
     FROM figure_revisions FINAL
     WHERE {all:Bool} OR indicator = {indicator:String}
     ORDER BY revised_at DESC, indicator, scope, period
     LIMIT {limit:UInt32}`,
    { all: filter.indicator === undefined, indicator: filter.indicator ?? '', limit: filter.limit ?? 100_000 }
  );
  return rows.map((r) => ({
    ...r,
    old_value: r.old_value === null ? null : Number(r.old_value),
    new_value: r.new_value === null ? null : Number(r.new_value),
    revised_at: `${r.revised_at.replace(' ', 'T')}Z`
  }));
}
