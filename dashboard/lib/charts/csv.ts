// CSV of exactly what a chart draws: the same columns and rows as its data table, raw values (dot decimals),
// RFC 4180 quoting, text cells that a spreadsheet would run as formulas neutralized (access/csv-cell.ts, the rule
// every export shares). Built on the server too, so the download link works without JavaScript.
import { neutralizeFormula } from '../../../access/csv-cell.ts';

export interface Column {
  key: string;
  label: string;
  numeric?: boolean;
}

export type Cell = string | number | null;
export interface TableRow {
  /** Raw values by column key (what the CSV holds). */
  values: Record<string, Cell>;
  /** Formatted values by column key (what the table shows); raw value when absent. */
  shown?: Record<string, string>;
}

/** A cell's raw value as text (what the table's data-value holds). */
export function rawCell(v: Cell): string {
  if (v === null) return '';
  return typeof v === 'number' ? String(Number.isInteger(v) ? v : Number(v.toPrecision(12))) : v;
}

function quote(v: Cell): string {
  const s = typeof v === 'string' ? neutralizeFormula(v) : rawCell(v);
  return /[",\n\r;]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

export function toCsv(columns: readonly Column[], rows: readonly TableRow[]): string {
  const lines = [columns.map((c) => quote(c.label)).join(',')];
  for (const r of rows) lines.push(columns.map((c) => quote(r.values[c.key] ?? null)).join(','));
  return lines.join('\r\n') + '\r\n';
}

export function csvDataUri(csv: string): string {
  // A byte-order mark so spreadsheet software reads the accents as UTF-8.
  return `data:text/csv;charset=utf-8,${encodeURIComponent('\uFEFF' + csv)}`;
}

export function slug(s: string): string {
  return s
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 60);
}
