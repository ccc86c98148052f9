// Issue 18: a large API answer is written in slices (the server's thread free between them). The text must be exactly
// JSON.stringify's, whatever the rows hold and wherever `rows` sits among the answer's keys.
import { describe, expect, it } from 'vitest';
import { stringified } from '../../dashboard/lib/server/metrics-api.ts';
import { parseJsonEachRow } from '../../warehouse/json-rows.ts';

describe('answers written in slices', () => {
  it('gives JSON.stringify\'s text for small and large answers, rows first, last or in the middle', async () => {
    const row = (i: number) => ({ period: `2026-${String((i % 12) + 1).padStart(2, '0')}`, dimensions: { org: i % 3 ? 'RQ' : 'Québec « ÉQ »\u0000' }, value: i % 7 ? i / 7 : null, n: i, suppressed: i % 5 === 0, extra: { p90: i * 1.5 } });
    for (const count of [0, 1, 999, 1_000, 1_001, 2_500, 7_321]) {
      const rows = Array.from({ length: count }, (_, i) => row(i));
      for (const body of [{ rows, metric: 'm' }, { metric: 'm', rows }, { metric: 'm', rows, provenance: { notes: ['"rows"', '\u0000rows\u0000'] } }]) {
        expect(await stringified(body)).toBe(JSON.stringify(body));
      }
    }
    expect(await stringified(null)).toBe('null');
  });

  it('reads JSONEachRow text in slices into the same rows as parsing each line', async () => {
    const rows = Array.from({ length: 20_000 }, (_, i) => ({ k: i, s: `ligne ${i} « é »`, v: i % 3 ? i / 3 : null }));
    const text = rows.map((r) => JSON.stringify(r)).join('\n') + '\n';
    expect(text.length).toBeGreaterThan(3 * 256 * 1024); // several slices
    expect(await parseJsonEachRow(text)).toEqual(rows);
    expect(await parseJsonEachRow('')).toEqual([]);
  });
});
