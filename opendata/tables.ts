// The published tables of one indicator: the metrics service's public answer shaped into rows with fixed columns (units
// in column names), and the three file formats they are written in — CSV (UTF-8, header row), JSON and Parquet. No
// figure is computed here; rows are the engine's rows, renamed.
import { parquetWriteBuffer } from 'hyparquet-writer';
import type { MetricAnswer, MetricRow } from '../metrics/types.ts';
import type { MetricDefinition } from '../metrics/definition.ts';

export type Cell = string | number | boolean | null;

export interface Column {
  name: string;
  type: 'string' | 'number' | 'boolean';
  /** What the column holds, fr / en (written into the JSON file's schema). */
  title: { fr: string; en: string };
}

/** One published table: the request that produced it (so anyone can ask the API the same question) and its rows. */
export interface PublishedTable {
  /** File stem, e.g. `digital_take_up-by-fiscal-year`. */
  name: string;
  indicator: string;
  by: 'fiscal_year' | 'org_fiscal_year';
  request: { from: string; to: string; grain: MetricAnswer['grain']; by: string[] };
  columns: Column[];
  rows: Record<string, Cell>[];
  answer: MetricAnswer;
}

const PERIOD_COLUMN: Record<string, Column> = {
  fiscal_year: { name: 'fiscal_year', type: 'string', title: { fr: 'Exercice financier (1er avril au 31 mars)', en: 'Fiscal year (April 1 to March 31)' } },
  year: { name: 'year', type: 'string', title: { fr: 'Année civile', en: 'Calendar year' } },
  all: { name: 'period', type: 'string', title: { fr: 'Période (toute la période publiée)', en: 'Period (the whole published period)' } }
};

/** The columns of a table, from the definition and the rows' extra values (sorted, so files of a run agree). */
export function tableColumns(def: MetricDefinition, grain: MetricAnswer['grain'], byOrg: boolean, rows: readonly MetricRow[]): Column[] {
  const extras = [...new Set(rows.flatMap((r) => Object.keys(r.extra ?? {})))].sort();
  const hasStep = rows.some((r) => r.step);
  return [
    PERIOD_COLUMN[grain] ?? PERIOD_COLUMN.all,
    ...(byOrg ? [{ name: 'org', type: 'string' as const, title: { fr: "Code de l'organisation", en: 'Organization code' } }] : []),
    ...(hasStep
      ? [
          { name: 'step_index', type: 'number' as const, title: { fr: "Rang de l'étape", en: 'Step index' } },
          { name: 'step_name', type: 'string' as const, title: { fr: "Nom de l'étape", en: 'Step name' } }
        ]
      : []),
    { name: `value_${def.unit}`, type: 'number', title: { fr: `Valeur (${def.unit})`, en: `Value (${def.unit})` } },
    { name: 'numerator', type: 'number', title: { fr: 'Numérateur', en: 'Numerator' } },
    { name: 'denominator', type: 'number', title: { fr: 'Dénominateur', en: 'Denominator' } },
    { name: 'n_count', type: 'number', title: { fr: 'Effectif (nombre)', en: 'Count (number)' } },
    ...extras.map((k) => ({ name: `extra_${k}`, type: 'number' as const, title: { fr: `Valeur complémentaire ${k}`, en: `Additional value ${k}` } })),
    { name: 'suppressed', type: 'boolean', title: { fr: 'Supprimé (petit nombre)', en: 'Suppressed (small count)' } },
    { name: 'status', type: 'string', title: { fr: 'Statut : provisional (provisoire) ou final (définitif)', en: 'Status: provisional or final' } }
  ];
}

/** One engine row as a published row. */
export function tableRow(def: MetricDefinition, r: MetricRow, columns: readonly Column[]): Record<string, Cell> {
  const out: Record<string, Cell> = {};
  for (const c of columns) {
    if (c.name === 'fiscal_year' || c.name === 'year' || c.name === 'period') out[c.name] = r.period;
    else if (c.name === 'org') out.org = r.dimensions.org ?? '';
    else if (c.name === 'step_index') out.step_index = r.step?.index ?? null;
    else if (c.name === 'step_name') out.step_name = r.step?.name ?? null;
    else if (c.name === `value_${def.unit}`) out[c.name] = r.value;
    else if (c.name === 'numerator') out.numerator = r.numerator;
    else if (c.name === 'denominator') out.denominator = r.denominator;
    else if (c.name === 'n_count') out.n_count = r.n;
    else if (c.name.startsWith('extra_')) out[c.name] = r.extra?.[c.name.slice(6)] ?? null;
    else if (c.name === 'suppressed') out.suppressed = r.suppressed;
    else if (c.name === 'status') out.status = r.status ?? 'provisional';
  }
  return out;
}

const csvCell = (v: Cell): string => {
  if (v === null) return '';
  const s = typeof v === 'number' ? (Number.isFinite(v) ? String(v) : '') : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

/** RFC 4180 CSV, UTF-8, header row, CRLF line ends; empty cell = no value (suppressed or undefined). */
export function toCsv(columns: readonly Pick<Column, 'name'>[], rows: readonly Record<string, Cell>[]): string {
  const lines = [columns.map((c) => csvCell(c.name)).join(',')];
  for (const r of rows) lines.push(columns.map((c) => csvCell(r[c.name] ?? null)).join(','));
  return lines.join('\r\n') + '\r\n';
}

/** Parquet (Snappy-compressed), one column per published column, nulls kept. */
export function toParquet(columns: readonly Column[], rows: readonly Record<string, Cell>[]): Buffer {
  const buffer = parquetWriteBuffer({
    columnData: columns.map((c) => ({
      name: c.name,
      data: rows.map((r) => r[c.name] ?? null),
      type: c.type === 'number' ? ('DOUBLE' as const) : c.type === 'boolean' ? ('BOOLEAN' as const) : ('STRING' as const),
      nullable: true
    })),
    createdBy: 'jalon opendata'
  });
  return Buffer.from(buffer);
}
