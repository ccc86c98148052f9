// Every CSV export neutralizes cells a spreadsheet would run as formulas (access/csv-cell.ts): the chart CSVs and the
// sandbox's, through the one helper (finding 7, issue 11).
import { describe, expect, it } from 'vitest';
import { neutralizeFormula } from '../../access/csv-cell.ts';
import { toCsv } from '../../dashboard/lib/charts/csv.ts';
import { resultToCsv } from '../../access/result-csv.ts';

describe('CSV formula neutralization', () => {
  it('prefixes formula starts, keeps numbers and plain text', () => {
    expect(neutralizeFormula("=cmd|' /C calc'!A0")).toBe("'=cmd|' /C calc'!A0");
    expect(neutralizeFormula('+SUM(1+1)')).toBe("'+SUM(1+1)");
    expect(neutralizeFormula('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(neutralizeFormula('\t=1')).toBe("'\t=1");
    expect(neutralizeFormula('-12.5')).toBe('-12.5');
    expect(neutralizeFormula('-1e-3')).toBe('-1e-3');
    expect(neutralizeFormula('Permis de conduire')).toBe('Permis de conduire');
  });

  it('applies to chart CSVs and sandbox CSVs alike', () => {
    const chart = toCsv([{ key: 'code', label: 'Service' }, { key: 'v', label: 'Valeur', numeric: true }], [{ values: { code: '=HYPERLINK("x")', v: -3 } }]);
    expect(chart).toBe('Service,Valeur\r\n"\'=HYPERLINK(""x"")",-3\r\n');
    expect(resultToCsv(['s'], [{ s: '+1+1' }])).toBe("\ufeffs\r\n'+1+1\r\n");
  });
});
