// The chart text helpers (dashboard/lib/charts/text-fit.ts) and durations in the unit that reads (i.duration):
// labels pushed apart never come closer than the gap and keep their order, a cut label ends in an ellipsis and fits,
// wrapping keeps every word until the last line; a legend's items stack without overlapping; a narrow row's value
// follows its label or goes under it; 12 803,5 minutes read as days, 90 minutes as hours; axis graduations are round.
import { describe, expect, test } from 'vitest';
import { fitText, layoutLegend, spreadLabels, stackLabel, textWidth, wrapText } from '../../dashboard/lib/charts/text-fit.ts';
import { i18n } from '../../dashboard/lib/i18n/index.ts';

describe('chart text', () => {
  test('spreadLabels: at least the gap apart, inside the band, in the order wanted', () => {
    const ys = spreadLabels([100, 101, 99, 200, 260], 15, 10, 250);
    const sorted = [...ys].sort((a, b) => a - b);
    for (let k = 1; k < sorted.length; k++) expect(sorted[k] - sorted[k - 1]).toBeGreaterThanOrEqual(15 - 1e-9);
    expect(Math.min(...ys)).toBeGreaterThanOrEqual(10);
    expect(Math.max(...ys)).toBeLessThanOrEqual(250);
    // 99 < 100 < 101 keep their order; 200 is untouched; 260 is brought back to the bottom.
    expect(ys[2]).toBeLessThan(ys[0]);
    expect(ys[0]).toBeLessThan(ys[1]);
    expect(ys[3]).toBe(200);
    expect(ys[4]).toBe(250);
  });

  test('fitText cuts with an ellipsis to fit, wrapText keeps the words', () => {
    const long = 'Authentification par un partenaire de confiance';
    const cut = fitText(long, 12, 120, false);
    expect(cut.endsWith('…')).toBe(true);
    expect(textWidth(cut, 12, false)).toBeLessThanOrEqual(120);
    expect(fitText('Web', 12, 120, false)).toBe('Web');
    const lines = wrapText(long, 12, 150, false, 3);
    expect(lines.join(' ')).toBe(long);
    for (const l of lines) expect(textWidth(l, 12, false)).toBeLessThanOrEqual(150);
    const two = wrapText(long, 12, 100, false, 2);
    expect(two).toHaveLength(2);
    expect(two[1].endsWith('…')).toBe(true);
  });

  test('layoutLegend stacks items line by line; stackLabel puts the value after the label when it fits', () => {
    const short = 'Boîte : la moitié des parcours';
    const long = 'Moustaches : du 10e au 90e centile (8 parcours sur 10 entre les deux), et encore des mots';
    const { rows, height } = layoutLegend([{ text: short }, { text: long }, { text: short }], 12, 200, false);
    // 16 px a line, 4 px between items, 4 px above, 6 below: 4 + 16 + 4 = 24; the long one takes two lines.
    expect(rows.map((r) => r.lines.length)).toEqual([1, 2, 1]);
    expect(rows.map((r) => r.y)).toEqual([4, 24, 60]);
    expect(height).toBe(60 + 16 + 4 - 4 + 6);
    expect(layoutLegend([], 12, 200, false).height).toBe(0);
    const beside = stackLabel('Web', '10 min', 12, 300, false);
    expect(beside).toMatchObject({ lines: ['Web'], textLines: 1, valueLine: 0, cut: false });
    expect(beside.valueX).toBeCloseTo(4 + textWidth('Web', 12, false) + 10);
    const under = stackLabel('Authentification par un partenaire de confiance', '12 min', 12, 200, false);
    expect(under.lines).toHaveLength(2);
    expect(under.textLines).toBe(3);
    expect(under).toMatchObject({ valueX: 4, valueLine: 2 });
  });

  test('durations read in minutes, hours or days', () => {
    const fr = i18n('fr');
    const en = i18n('en');
    expect(fr.duration(7.94)).toBe('7,9\u00a0min');
    expect(fr.duration(5)).toBe('5\u00a0min');
    expect(fr.duration(47.2)).toBe('47\u00a0min');
    expect(fr.duration(90)).toBe('1,5\u00a0h');
    // 12 803,5 min = 8,89 days.
    expect(fr.duration(12_803.5)).toBe('8,9\u00a0jours');
    expect(en.duration(12_803.5)).toBe('8.9\u00a0days');
    expect(fr.value(12_803.5, 'minutes')).toBe('8,9\u00a0jours');
    expect(fr.duration(null)).toBe('—');
    // An axis graduation is a round number in its own unit (not « 1,0 h » nor « 24,0 h »).
    expect([1, 30, 60, 240, 1440, 43_200].map((m) => fr.durationTick(m))).toEqual(['1\u00a0min', '30\u00a0min', '1\u00a0h', '4\u00a0h', '1\u00a0jour', '30\u00a0jours']);
    expect(en.durationTick(1440)).toBe('1\u00a0day');
    expect(en.durationTick(10_080)).toBe('7\u00a0days');
  });
});
