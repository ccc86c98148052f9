// The chart text helpers (dashboard/lib/charts/text-fit.ts) and durations in the unit that reads (i.duration):
// labels pushed apart never come closer than the gap and keep their order, a cut label ends in an ellipsis and fits,
// wrapping keeps every word until the last line; 12 803,5 minutes read as days, 90 minutes as hours.
import { describe, expect, test } from 'vitest';
import { fitText, spreadLabels, textWidth, wrapText } from '../../dashboard/lib/charts/text-fit.ts';
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
  });
});
