// Mappings (`--mapping m.json`) turn any CSV, Parquet, Arrow or Excel file into a kind's canonical fields: a column per
// field, an optional conversion (`as`), a values map, constants, and keyed hashing of direct identifiers.
import fs from 'node:fs';
import { createHmac } from 'node:crypto';
import { isKind, KIND_SPECS, type Kind } from './kinds.ts';

export const FORMATS = ['ndjson', 'csv', 'parquet', 'arrow', 'excel'] as const;
export type Format = (typeof FORMATS)[number];
export const CONVERSIONS = ['string', 'number', 'date', 'datetime', 'month', 'quarter', 'fiscal_year', 'year', 'bool'] as const;
export type Conversion = (typeof CONVERSIONS)[number];

export interface FieldMapping {
  column: string;
  as?: Conversion;
  /** For `as: date`: the source layout with YYYY, MM, DD, HH, mm, ss (e.g. `DD/MM/YYYY`). */
  format?: string;
  values?: Record<string, string>;
  /** A direct identifier: replaced by a keyed hash (JALON_PSEUDONYM_KEY) before it is stored. */
  direct_identifier?: boolean;
}

export interface Mapping {
  kind?: Kind;
  format?: Format;
  csv?: { delimiter?: string; encoding?: 'utf-8' | 'windows-1252'; quote?: string };
  /** Excel: the sheet to read (default: the first). */
  excel?: { sheet?: string };
  fields: Record<string, FieldMapping>;
  constants?: Record<string, string | number | boolean>;
}

export class MappingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MappingError';
  }
}

/** Checks a parsed mapping, listing every problem at once. */
export function parseMapping(value: unknown, source = 'mapping'): Mapping {
  const problems: string[] = [];
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new MappingError(`${source}: objet JSON attendu / JSON object expected`);
  const m = value as Record<string, unknown>;
  if (m.kind !== undefined && (typeof m.kind !== 'string' || !isKind(m.kind))) problems.push(`kind "${String(m.kind)}" inconnu / unknown`);
  if (m.format !== undefined && !(FORMATS as readonly unknown[]).includes(m.format)) problems.push(`format "${String(m.format)}": ${FORMATS.join(', ')}`);
  const fields = (m.fields ?? {}) as Record<string, unknown>;
  if (typeof fields !== 'object' || Array.isArray(fields)) problems.push('fields: objet attendu / object expected');
  const known = m.kind && isKind(String(m.kind)) ? new Set(KIND_SPECS[m.kind as Kind].fields.map((f) => f.name)) : null;
  for (const [name, f] of Object.entries(fields)) {
    if (known && !known.has(name)) problems.push(`fields.${name}: champ inconnu pour ${String(m.kind)} / unknown field (permis / allowed: ${[...known].join(', ')})`);
    const fm = f as Record<string, unknown>;
    if (typeof fm !== 'object' || fm === null || typeof fm.column !== 'string') {
      problems.push(`fields.${name}.column: nom de colonne attendu / column name expected`);
      continue;
    }
    if (fm.as !== undefined && !(CONVERSIONS as readonly unknown[]).includes(fm.as)) problems.push(`fields.${name}.as "${String(fm.as)}": ${CONVERSIONS.join(', ')}`);
    if (fm.values !== undefined && (typeof fm.values !== 'object' || fm.values === null)) problems.push(`fields.${name}.values: objet attendu / object expected`);
  }
  const excel = m.excel as Record<string, unknown> | undefined;
  if (excel !== undefined && (typeof excel !== 'object' || excel === null || (excel.sheet !== undefined && typeof excel.sheet !== 'string'))) {
    problems.push('excel: {"sheet": "Nom de la feuille"} attendu / expected');
  }
  if (m.constants !== undefined && (typeof m.constants !== 'object' || m.constants === null)) problems.push('constants: objet attendu / object expected');
  if (problems.length) throw new MappingError(`${source}:\n  - ${problems.join('\n  - ')}`);
  return { ...(m as unknown as Mapping), fields: fields as Record<string, FieldMapping> };
}

export function loadMapping(file: string): Mapping {
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new MappingError(`${file}: JSON illisible / unreadable JSON (${(err as Error).message})`);
  }
  return parseMapping(parsed, file);
}

/** Parses `6,400,000`, `6 400 000`, French `1 234,5` and plain numbers; returns the input when it is not a number. */
export function parseLooseNumber(raw: string): number | string {
  const s = raw.trim().replace(/[\s\u00a0\u202f$]/g, '');
  if (s === '') return '';
  let n: string;
  if (/^-?\d{1,3}(,\d{3})+(\.\d+)?$/.test(s)) n = s.replace(/,/g, ''); // 6,400,000.5
  else if (/^-?\d+(,\d+)$/.test(s)) n = s.replace(',', '.'); // 1234,5
  else if (/^-?\d{1,3}(\.\d{3})+(,\d+)?$/.test(s)) n = s.replace(/\./g, '').replace(',', '.'); // 1.234,5
  else n = s;
  return /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(n) ? Number(n) : raw;
}

/** Normalizes a period label for a conversion; returns the input untouched when it does not fit (validation rejects it). */
export function normalizePeriod(raw: string, as: 'month' | 'quarter' | 'fiscal_year' | 'year'): string {
  const s = raw.trim();
  let m: RegExpExecArray | null;
  switch (as) {
    case 'month':
      if ((m = /^(\d{4})[-/](\d{1,2})(?:[-/]\d{1,2})?$/.exec(s))) return `${m[1]}-${m[2].padStart(2, '0')}`;
      if ((m = /^(\d{1,2})[-/](\d{4})$/.exec(s))) return `${m[2]}-${m[1].padStart(2, '0')}`;
      return s;
    case 'quarter':
      if ((m = /^(\d{4})[- ]?[QqTt]([1-4])$/.exec(s))) return `${m[1]}-Q${m[2]}`;
      if ((m = /^[QqTt]([1-4])[- ]?(\d{4})$/.exec(s))) return `${m[2]}-Q${m[1]}`;
      return s;
    case 'fiscal_year':
      if ((m = /^(\d{4})[-/](\d{2}|\d{4})$/.exec(s))) {
        const start = Number(m[1]);
        const end = m[2].length === 2 ? Math.floor((start + 1) / 100) * 100 + Number(m[2]) : Number(m[2]);
        return end === start + 1 ? `${start}-${end}` : s;
      }
      return s;
    case 'year':
      return s;
    default: {
      const never: never = as;
      throw new MappingError(`conversion ${String(never)}`);
    }
  }
}

/** Turns a date written in `layout` (YYYY, MM, DD, HH, mm, ss) into ISO text (local time, no offset). */
export function parseDateWithLayout(raw: string, layout: string): string {
  const tokens: string[] = [];
  const pattern = layout.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/YYYY|MM|DD|HH|mm|ss/g, (t) => {
    tokens.push(t);
    return t === 'YYYY' ? '(\\d{4})' : '(\\d{1,2})';
  });
  const m = new RegExp(`^${pattern}$`).exec(raw.trim());
  if (!m) return raw;
  const part: Record<string, string> = { YYYY: '0000', MM: '01', DD: '01', HH: '00', mm: '00', ss: '00' };
  tokens.forEach((t, i) => (part[t] = m[i + 1].padStart(2, '0')));
  return `${part.YYYY}-${part.MM}-${part.DD}T${part.HH}:${part.mm}:${part.ss}`;
}

export type CanonicalValue = string | number | boolean | null;

/** Builds the function that turns one source record into a canonical document. */
export function compileMapping(mapping: Mapping | null, pseudonymKey: string | null): (record: Record<string, unknown>) => Record<string, CanonicalValue> {
  if (!mapping) {
    return (record) => {
      const out: Record<string, CanonicalValue> = {};
      for (const [k, v] of Object.entries(record)) out[k.trim()] = toCanonical(v);
      return out;
    };
  }
  const needsKey = Object.entries(mapping.fields).filter(([, f]) => f.direct_identifier).map(([n]) => n);
  if (needsKey.length && !pseudonymKey) {
    throw new MappingError(`champs ${needsKey.join(', ')} marqués direct_identifier : définissez JALON_PSEUDONYM_KEY / fields marked direct_identifier: set JALON_PSEUDONYM_KEY`);
  }
  const entries = Object.entries(mapping.fields);
  const constants = Object.entries(mapping.constants ?? {});
  return (record) => {
    const out: Record<string, CanonicalValue> = {};
    for (const [k, v] of constants) out[k] = v;
    for (const [name, f] of entries) {
      let v = toCanonical(record[f.column]);
      if (v === null || v === '') continue;
      if (f.values && typeof v === 'string' && Object.hasOwn(f.values, v)) v = f.values[v];
      if (typeof v === 'string') {
        switch (f.as) {
          case undefined:
          case 'string':
          case 'datetime':
            break;
          case 'number':
            v = parseLooseNumber(v);
            break;
          case 'date':
            v = f.format ? parseDateWithLayout(v, f.format) : v;
            break;
          case 'month':
          case 'quarter':
          case 'fiscal_year':
          case 'year':
            v = normalizePeriod(v, f.as);
            break;
          case 'bool':
            v = /^(1|true|yes|oui|o|y|vrai)$/i.test(v.trim()) ? true : /^(0|false|no|non|n|faux)$/i.test(v.trim()) ? false : v;
            break;
          default: {
            const never: never = f.as;
            throw new MappingError(`conversion ${String(never)}`);
          }
        }
      }
      if (f.direct_identifier && pseudonymKey) v = pseudonymize(String(v), pseudonymKey);
      out[name] = v;
    }
    return out;
  };
}

/** Keyed hash replacing a direct identifier: the same input and key give the same pseudonym, nothing gives the input back. */
export function pseudonymize(value: string, key: string): string {
  return createHmac('sha256', key).update(value).digest('hex').slice(0, 32);
}

function toCanonical(v: unknown): CanonicalValue {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'bigint') return Number(v);
  if (v instanceof Date) return v.toISOString();
  return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? Number(x) : x));
}
