// Periods of the dashboard (issue 14): presets start on the 1st, every fiscal year since 2018-2019 is offered, a custom
// range reads from the URL with both days included and refuses impossible days; annotations land on the period holding
// their day at every grain; the before/after difference and its 95 % interval, worked out by hand.
import { describe, expect, it } from 'vitest';
import { fiscalYearPresets, filtersToQuery, parseFilters, periodRange } from '../../dashboard/lib/filters.ts';
import { periodOfDate } from '../../dashboard/lib/charts/periods.ts';
import { proportionDifference } from '../../metrics/before-after.ts';

const NOW = new Date('2026-11-30T15:00:00Z');

describe('period presets and custom ranges', () => {
  it('month presets start on the 1st and end today', () => {
    expect(periodRange('12m', NOW)).toEqual({ from: '2025-12-01', to: '2026-12-01' });
    expect(periodRange('6m', NOW)).toEqual({ from: '2026-06-01', to: '2026-12-01' });
    expect(periodRange('3m', NOW)).toEqual({ from: '2026-09-01', to: '2026-12-01' });
    // Across a year boundary, from a 31st.
    expect(periodRange('6m', new Date('2027-03-31T12:00:00Z'))).toEqual({ from: '2026-10-01', to: '2027-04-01' });
  });

  it('offers every fiscal year from 2018-2019 to the current one', () => {
    expect(fiscalYearPresets(NOW)).toEqual(['fy2026', 'fy2025', 'fy2024', 'fy2023', 'fy2022', 'fy2021', 'fy2020', 'fy2019', 'fy2018']);
    expect(periodRange('fy2018', NOW)).toEqual({ from: '2018-04-01', to: '2019-04-01' });
    expect(parseFilters(new URLSearchParams('period=fy2018')).period).toBe('fy2018');
  });

  it('reads a custom range with both days included, and falls back on a bad one', () => {
    const f = parseFilters(new URLSearchParams('from=2022-09-01&to=2022-12-31'));
    expect(f).toMatchObject({ period: 'custom', from: '2022-09-01', to: '2022-12-31' });
    expect(periodRange(f.period, NOW, f)).toEqual({ from: '2022-09-01', to: '2023-01-01' });
    expect(filtersToQuery(f)).toBe('?period=custom&from=2022-09-01&to=2022-12-31');
    // A preset chosen wins over leftover days, which leave the URL.
    const preset = parseFilters(new URLSearchParams('period=6m&from=2022-09-01&to=2022-12-31'));
    expect(preset).toMatchObject({ period: '6m', from: '', to: '' });
    expect(filtersToQuery({ ...f, period: '3m' })).toBe('?period=3m');
    for (const bad of ['from=2022-02-30&to=2022-03-10', 'from=2022-12-31&to=2022-09-01', 'from=2017-01-01&to=2017-02-01', 'from=2022-09-01']) {
      expect(parseFilters(new URLSearchParams(bad)), bad).toMatchObject({ period: '12m', from: '', to: '' });
    }
  });
});

describe('annotations on a time axis', () => {
  it('a 15 February note sits in February, the first quarter, fiscal year 2022-2023 and its ISO week', () => {
    expect(periodOfDate('2023-02-15', '2023-01')).toBe('2023-02');
    expect(periodOfDate('2023-02-15', '2023-Q1')).toBe('2023-Q1');
    expect(periodOfDate('2023-02-15', '2022-2023')).toBe('2022-2023');
    expect(periodOfDate('2023-02-15', '2023-W01')).toBe('2023-W07');
    expect(periodOfDate('2023-03-31', '2023-01')).toBe('2023-03');
    expect(periodOfDate('2023-04-01', '2022-2023')).toBe('2023-2024');
  });
});

describe('before/after difference', () => {
  it('gives the difference of two proportions and its 95 % Wald interval', () => {
    // Before 80/100 = 0.8, after 45/50 = 0.9: d = 0.1; se = √(0.8·0.2/100 + 0.9·0.1/50) = √(0.0016 + 0.0018) = √0.0034.
    const r = proportionDifference({ completed: 80, started: 100 }, { completed: 45, started: 50 });
    const se = Math.sqrt(0.0034);
    expect(r?.difference).toBeCloseTo(0.1, 12);
    expect(r?.interval[0]).toBeCloseTo(0.1 - 1.959963984540054 * se, 12);
    expect(r?.interval[1]).toBeCloseTo(0.1 + 1.959963984540054 * se, 12);
    expect(r?.interval[0]).toBeCloseTo(-0.01428, 4);
    expect(proportionDifference({ completed: 0, started: 0 }, { completed: 1, started: 2 })).toBeNull();
  });
});
