// The one small-count suppression rule (DESIGN §7), applied by the metrics engine to every answer it gives: a count
// above zero and under the threshold is withheld, and so is a second cell of any breakdown where one cell alone is
// withheld (complementary suppression), so no total minus the visible cells gives a withheld count back.
// Pure: who sees small counts is decided here, the threshold comes from configuration.
import { seesSmallCounts, type Caller } from './caller.ts';

/** The threshold that applies to a caller: 0 (nothing withheld) for roles that see small counts, unless the output is
 *  published or shared, where it applies whoever asks. */
export function suppressionThreshold(caller: Caller, configured: number, published = false): number {
  return published || !seesSmallCounts(caller) ? configured : 0;
}

/** A count is small when it counts someone (above zero) but fewer than the threshold. Zero discloses no one. */
export function isSmallCount(n: number | null | undefined, threshold: number): boolean {
  return n !== null && n !== undefined && n > 0 && n < threshold;
}

/** A cell of a breakdown: its coordinates (one value per axis), its count, and whether it is withheld. */
export interface Cell {
  coordinates: readonly string[];
  /** Coordinates that are not axes of a sum (e.g. the step of a funnel): cells only group with the same ones. */
  fixed?: string;
  n: number | null;
  suppressed: boolean;
}

/**
 * Marks the cells to withhold, in place of `suppressed`: every small count, then, along each axis, wherever a group of
 * cells that sum to a published total has exactly one withheld cell, or withheld cells that together count fewer than
 * the threshold, the smallest visible cell of that group too — repeated until no group has a lone or small withheld
 * remainder (a second suppression can leave another group with one).
 * Returns how many cells were withheld as complements.
 */
export function suppressCells(cells: Cell[], threshold: number, axes: number): number {
  if (threshold <= 0) return 0;
  for (const c of cells) if (isSmallCount(c.n, threshold)) c.suppressed = true;
  let complements = 0;
  // The groups along each axis do not change between rounds (only which cells are withheld): made once, in the order
  // of the cells, so each round visits them as before.
  const groupsByAxis: Cell[][][] = [];
  for (let axis = 0; axis < axes; axis++) {
    const groups = new Map<string, Cell[]>();
    for (const c of cells) {
      const key = JSON.stringify([c.fixed ?? '', c.coordinates.filter((_, k) => k !== axis)]);
      const g = groups.get(key);
      if (g) g.push(c);
      else groups.set(key, [c]);
    }
    groupsByAxis.push([...groups.values()].filter((g) => g.length >= 2));
  }
  for (let changed = true; changed; ) {
    changed = false;
    for (const groups of groupsByAxis) {
      for (const group of groups) {
        // A lone withheld cell is given back by subtraction; so is a small sum of withheld cells (two cells of 2 and 3
        // give 5 people back): withhold more until the withheld cells count at least the threshold together.
        const withheld = group.filter((c) => c.suppressed);
        const withheldSum = withheld.reduce((s, c) => s + (c.n ?? 0), 0);
        if (withheld.length === 0 || (withheld.length >= 2 && withheldSum >= threshold)) continue;
        const visible = group.filter((c) => !c.suppressed && (c.n ?? 0) > 0);
        if (!visible.length) continue;
        // The smallest visible cell (ties: the first coordinates in order), found in one pass.
        let smallest = visible[0];
        for (const c of visible) if (smaller(c, smallest)) smallest = c;
        smallest.suppressed = true;
        complements++;
        changed = true;
      }
    }
  }
  return complements;
}

const smaller = (a: Cell, b: Cell): boolean =>
  (a.n ?? 0) - (b.n ?? 0) < 0 || ((a.n ?? 0) === (b.n ?? 0) && a.coordinates.join('\u0000').localeCompare(b.coordinates.join('\u0000')) < 0);

/** A distribution of people carried by a row (satisfaction's `rated_N`, a duration's `bucket_…`, which sum to the row's
 *  n): each cell of it under the threshold is withheld, with its complement, or one person could be read off a chart. */
export function suppressDistribution(extra: Record<string, number | null>, threshold: number): Record<string, number | null> {
  const cells = Object.entries(extra)
    .filter(([k]) => k.startsWith('rated_') || k.startsWith('bucket_'))
    .map(([k, v]) => ({ key: k, coordinates: [k], n: v, suppressed: false }));
  suppressCells(cells, threshold, 1);
  const withheld = new Set(cells.filter((c) => c.suppressed).map((c) => c.key));
  return Object.fromEntries(Object.entries(extra).map(([k, v]) => [k, withheld.has(k) ? null : v]));
}
