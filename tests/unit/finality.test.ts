// The provisional/final rule (metrics/finality.ts), on hand-picked dates: open periods, the delay, complete sources.
import { describe, expect, it } from 'vitest';
import { periodStatus, sourcesComplete, withFinality } from '../../metrics/finality.ts';
import type { MetricAnswer } from '../../metrics/types.ts';

const settings = { finalAfterDays: 90 };
const at = (day: string) => new Date(`${day}T17:00:00Z`); // noon in Toronto
const provenance = (reported: number, expected: number, last: string | null): MetricAnswer['provenance'] => ({
  formula_version: '1.0', effective_from: '2018-01-01', sources: ['service_events'], last_data_at: last, completeness: { reported, expected }
});
const request = { from: '2022-04-01', to: '2025-01-01' };

describe('periodStatus', () => {
  it('keeps an open period provisional', () => {
    expect(periodStatus('fiscal_year', '2024-2025', request, at('2025-03-31'), settings)).toBe('provisional');
    expect(periodStatus('month', '2024-12', request, at('2024-12-31'), settings)).toBe('provisional');
  });
  it('makes a closed period final once the delay has passed (fiscal year 2023-2024 ends 2024-04-01; + 90 days = 2024-06-30)', () => {
    expect(periodStatus('fiscal_year', '2023-2024', request, at('2024-06-30'), settings)).toBe('final');
    expect(periodStatus('fiscal_year', '2023-2024', request, at('2024-06-29'), settings)).toEqual({ closedOn: '2024-04-01', from: '2023-04-01' });
  });
  it('counts from the request end when the request stops inside the period', () => {
    // Request ends 2025-01-01 inside fiscal year 2024-2025; the period itself is closed on 2025-04-01.
    // The delay counts from 2025-01-01: 120 days is 2025-05-01.
    expect(periodStatus('fiscal_year', '2024-2025', request, at('2025-03-31'), { finalAfterDays: 120 })).toBe('provisional');
    expect(periodStatus('fiscal_year', '2024-2025', request, at('2025-04-02'), { finalAfterDays: 120 })).toEqual({ closedOn: '2025-01-01', from: '2024-04-01' });
    expect(periodStatus('fiscal_year', '2024-2025', request, at('2025-05-01'), { finalAfterDays: 120 })).toBe('final');
  });
});

describe('sourcesComplete', () => {
  it('needs every organization and data from the period end on', () => {
    expect(sourcesComplete(provenance(3, 3, '2024-04-02T10:00:00Z'), '2024-04-01')).toBe(true);
    expect(sourcesComplete(provenance(3, 3, '2024-03-31T10:00:00Z'), '2024-04-01')).toBe(true); // declared: last day of the period
    expect(sourcesComplete(provenance(3, 3, '2024-03-30T10:00:00Z'), '2024-04-01')).toBe(false);
    expect(sourcesComplete(provenance(2, 3, '2024-05-01T10:00:00Z'), '2024-04-01')).toBe(false);
    expect(sourcesComplete(provenance(0, 0, '2024-05-01T10:00:00Z'), '2024-04-01')).toBe(false);
    expect(sourcesComplete(provenance(3, 3, null), '2024-04-01')).toBe(false);
  });
});

describe('withFinality', () => {
  it('flags each row and asks for provenance only for periods inside the delay', async () => {
    const answer: MetricAnswer = {
      metric: 'm', unit: 'ratio', grain: 'fiscal_year', provenance: provenance(1, 3, null),
      rows: ['2022-2023', '2023-2024', '2024-2025'].map((period) => ({ period, dimensions: {}, value: 0.5, numerator: 5, denominator: 10, n: 10, suppressed: false }))
    };
    const asked: { from: string; to: string }[] = [];
    const flagged = await withFinality(answer, { ...request, now: at('2024-05-15') }, settings, async (range) => {
      asked.push(range);
      return provenance(3, 3, '2024-05-01T00:00:00Z');
    });
    expect(flagged.rows.map((r) => r.status)).toEqual(['final', 'final', 'provisional']);
    expect(asked).toEqual([{ from: '2023-04-01', to: '2024-04-01' }]);
    expect(answer.rows.every((r) => r.status === undefined)).toBe(true); // the cached answer is not changed
  });
});
