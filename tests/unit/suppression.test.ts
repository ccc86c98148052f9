// The one suppression rule (access/suppression.ts): small counts and their complements, worked out by hand.
import { describe, expect, it } from 'vitest';
import { isSmallCount, suppressCells, suppressDistribution, suppressionThreshold } from '../../access/suppression.ts';

const cell = (coordinates: string[], n: number) => ({ coordinates, n, suppressed: false });

describe('small-count suppression', () => {
  it('withholds counts above zero and under the threshold; zero discloses no one', () => {
    expect([0, 1, 9, 10, null].map((n) => isSmallCount(n, 10))).toEqual([false, true, true, false, false]);
  });
  it('applies to everyone in published output, not to analysts and administrators elsewhere', () => {
    expect(suppressionThreshold({ role: 'executive', orgs: [], id: 'e' }, 10)).toBe(10);
    expect(suppressionThreshold({ role: 'public', orgs: [], id: 'p' }, 10)).toBe(10);
    expect(suppressionThreshold({ role: 'analyst', orgs: ['A'], id: 'a' }, 10)).toBe(0);
    expect(suppressionThreshold({ role: 'analyst', orgs: ['A'], id: 'a' }, 10, true)).toBe(10);
  });
  it('withholds the smallest other cell of a breakdown with one small cell, so the total cannot give it back', () => {
    // web 120, phone 40, partner 8: partner is small; total 168 − 120 − 40 would give 8 back → phone (the smallest) too.
    const cells = [cell(['web'], 120), cell(['phone'], 40), cell(['partner'], 8)];
    expect(suppressCells(cells, 10, 1)).toBe(1);
    expect(cells.map((c) => c.suppressed)).toEqual([false, true, true]);
  });
  it('needs no complement when two cells are already small', () => {
    const cells = [cell(['web'], 120), cell(['phone'], 3), cell(['partner'], 8)];
    expect(suppressCells(cells, 10, 1)).toBe(0);
    expect(cells.map((c) => c.suppressed)).toEqual([false, true, true]);
  });
  it('follows every axis until no row or column has a lone withheld cell', () => {
    // period × channel: (m1, web) = 5 is small. Column web has one withheld cell → (m2, web) 70; row m1 has one →
    // (m1, phone) 50; row m2 then has one → (m2, phone) 60. Every row and column now has two withheld cells.
    const cells = [cell(['m1', 'web'], 5), cell(['m1', 'phone'], 50), cell(['m2', 'web'], 70), cell(['m2', 'phone'], 60)];
    suppressCells(cells, 10, 2);
    expect(cells.map((c) => c.suppressed)).toEqual([true, true, true, true]);
  });
  it('withholds a distribution cell with its complement, leaving the others', () => {
    expect(suppressDistribution({ score: 0.7, rated_1: 2, rated_2: 15, rated_3: 30, rated_4: 40, rated_5: 13 }, 10)).toEqual({ score: 0.7, rated_1: null, rated_2: 15, rated_3: 30, rated_4: 40, rated_5: null });
  });
  it('does nothing when nobody is withheld from', () => {
    const cells = [cell(['web'], 1), cell(['phone'], 2)];
    expect(suppressCells(cells, 0, 1)).toBe(0);
    expect(cells.every((c) => !c.suppressed)).toBe(true);
  });
});

describe('withheld cells that add up to a small count', () => {
  it('withhold one more cell when two small cells together still count fewer than the threshold', () => {
    // 2 + 3 = 5 < 10: total − visible would give 5 people back → the smallest visible (40) is withheld too.
    const cells = [cell(['web'], 120), cell(['phone'], 40), cell(['partner'], 2), cell(['mail'], 3)];
    expect(suppressCells(cells, 10, 1)).toBe(1);
    expect(cells.map((c) => c.suppressed)).toEqual([false, true, true, true]);
  });
  it('stop once the withheld cells count at least the threshold together', () => {
    const cells = [cell(['web'], 120), cell(['phone'], 40), cell(['partner'], 6), cell(['mail'], 7)];
    expect(suppressCells(cells, 10, 1)).toBe(0);
    expect(cells.map((c) => c.suppressed)).toEqual([false, false, true, true]);
  });
});
