// CSV of exactly what a chart draws: the same columns and rows as its data table, raw values (dot decimals),
// RFC 4180 quoting, text cells that a spreadsheet would run as formulas neutralized (access/csv-cell.ts, the rule
// every export shares). Built on the server too, so the download link works without JavaScript.
import { neutralizeFormula } from '../../../access/csv-cell.ts';

export interface Column {
  key: string;
  label: string;
  numeric?: boolean;
  /** The metric unit of a numeric column (metrics/definition.ts): the CSV header names it and writes ratios as %. */
  unit?: string;
}

/** What a chart's exports say about themselves (chart-frame.svelte); `file` names the downloads (exportName). */
export interface ExportContext {
  /** What the chart is about when its own title is generic (e.g. the indicator's name above "Évolution"). */
  subject?: string;
  scope: string;
  period: string;
  source: string;
  file?: string;
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

/** How a CSV writes a metric unit: the suffix its header carries and the factor its raw values take (ratio → %). */
export function csvUnit(unit: string | undefined): { suffix: string; scale: number } | null {
  switch (unit) {
    case 'ratio':
      return { suffix: '%', scale: 100 };
    case 'percent':
      return { suffix: '%', scale: 1 };
    case 'minutes':
      return { suffix: 'min', scale: 1 };
    case 'hours':
      return { suffix: 'h', scale: 1 };
    case 'cad':
      return { suffix: '$ CA', scale: 1 };
    default:
      return null;
  }
}

/** A column's header with its unit, in the CSV and the data table alike. */
export function csvHeader(c: Column): string {
  const u = csvUnit(c.unit);
  return u ? `${c.label} (${u.suffix})` : c.label;
}

/** A raw value as the CSV writes it (ratios as %), in the CSV and the table's data-value alike. */
export function csvValue(c: Column, v: Cell): Cell {
  const u = csvUnit(c.unit);
  return u && typeof v === 'number' ? Number((v * u.scale).toPrecision(12)) : v;
}

export function toCsv(columns: readonly Column[], rows: readonly TableRow[]): string {
  const lines = [columns.map((c) => quote(csvHeader(c))).join(',')];
  for (const r of rows) lines.push(columns.map((c) => quote(csvValue(c, r.values[c.key] ?? null))).join(','));
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

/** An export's file name from what produced it (metric, organization, service, period…): e.g.
 *  digital_take_up_RAMQ_2025-04-01_2026-04-01. Empty parts drop out; codes keep their case. */
export function exportName(parts: readonly (string | null | undefined)[]): string {
  return parts
    .map((p) => (p ?? '').normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/[^A-Za-z0-9_.-]+/g, '-').replace(/^-+|-+$/g, ''))
    .filter((p) => p.length > 0)
    .join('_')
    .slice(0, 120);
}
