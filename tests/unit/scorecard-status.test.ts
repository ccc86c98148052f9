// Indicator status from the trajectory between baseline and target and from freshness (metrics/status.ts), and the
// strategy file's shape: 14 characteristics in the strategy's own words, each with at least one indicator.
import { describe, expect, it } from 'vitest';
import { indicatorStatus, worstStatus, type StatusInput } from '../../metrics/status.ts';
import { checkStrategy, loadStrategy } from '../../metrics/strategy.ts';
import { loadDefinitions } from '../../metrics/definition.ts';

// Baseline 0.40 on 2019-03-31, target 0.80 on 2027-03-31: halfway in time is 2023-03-31, where 0.60 is expected.
const base: StatusInput = { direction: 'higher', baseline: { value: 0.4, date: '2019-03-31' }, target: { value: 0.8, date: '2027-03-31' }, current: 0.6, at: '2023-03-31', fresh: true };

describe('indicator status', () => {
  it('is on track on the trajectory, or within 5 % of the distance behind it', () => {
    expect(indicatorStatus(base)).toBe('on_track');
    expect(indicatorStatus({ ...base, current: 0.581 })).toBe('on_track'); // 0.019 behind = 4.75 % of 0.40
  });
  it('is at risk up to 25 % of the distance behind, late beyond', () => {
    expect(indicatorStatus({ ...base, current: 0.55 })).toBe('at_risk'); // 12.5 %
    expect(indicatorStatus({ ...base, current: 0.49 })).toBe('late'); // 27.5 %
  });
  it('is achieved at or past the target, late once the target date has passed without it', () => {
    expect(indicatorStatus({ ...base, current: 0.8 })).toBe('achieved');
    expect(indicatorStatus({ ...base, current: 0.79, at: '2027-04-01' })).toBe('late');
  });
  it('reads "lower is better" the other way round', () => {
    const lower: StatusInput = { direction: 'lower', baseline: { value: 30, date: '2019-03-31' }, target: { value: 10, date: '2027-03-31' }, current: 20, at: '2023-03-31', fresh: true };
    expect(indicatorStatus(lower)).toBe('on_track');
    expect(indicatorStatus({ ...lower, current: 24 })).toBe('at_risk'); // 4 behind of a 20 distance = 20 %
    expect(indicatorStatus({ ...lower, current: 26 })).toBe('late'); // 30 %
  });
  it('has no data without a value or with stale data', () => {
    expect(indicatorStatus({ ...base, current: null })).toBe('no_data');
    expect(indicatorStatus({ ...base, fresh: false })).toBe('no_data');
  });
  it('sums a characteristic up by its worst indicator with data', () => {
    expect(worstStatus(['achieved', 'no_data', 'on_track'])).toBe('on_track');
    expect(worstStatus(['no_data'])).toBe('no_data');
  });
});

describe('strategy file qc-2018', () => {
  const defs = loadDefinitions().definitions;
  it('has the 14 characteristics, in French and English, each with at least one indicator', () => {
    const s = loadStrategy('qc-2018', defs);
    expect(s.characteristics.map((c) => c.number)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14]);
    expect(s.characteristics[11].title.fr).toBe("La confiance du citoyen envers l'État grandit avec le numérique");
    for (const c of s.characteristics) {
      expect(c.indicators.length).toBeGreaterThanOrEqual(1);
      expect(c.text.fr.length).toBeGreaterThan(20);
    }
    expect(checkStrategy(s, defs)).toEqual([]);
  });
  it('lists every problem of a broken strategy at once', () => {
    const s = loadStrategy('qc-2018', defs);
    const broken = { ...s, characteristics: [{ ...s.characteristics[0], indicators: [{ ...s.characteristics[0].indicators[0], metric: 'nope', target: { date: 'soon' } }] }, { ...s.characteristics[1], indicators: [] }] };
    expect(checkStrategy(broken, defs).length).toBeGreaterThanOrEqual(4);
  });
});
