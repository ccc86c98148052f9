// CSV of a sandbox result (RFC 4180, UTF-8 with BOM for spreadsheets). Cells that a spreadsheet would run as a
// formula are neutralized by the rule every export shares (access/csv-cell.ts).
import { neutralizeFormula } from './csv-cell.ts';

export function resultToCsv(columns: readonly string[], rows: readonly Record<string, unknown>[]): string {
  const cell = (v: unknown): string => {
    const s = neutralizeFormula(v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v));
    return /[",\r\n]/u.test(s) ? `"${s.replace(/"/gu, '""')}"` : s;
  };
  return '\ufeff' + [columns.map(cell).join(','), ...rows.map((r) => columns.map((c) => cell(r[c])).join(','))].join('\r\n') + '\r\n';
}
