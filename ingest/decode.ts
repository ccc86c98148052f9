// Decoders for the files producers export from their tools: Parquet and Arrow IPC are read by ClickHouse itself (every
// codec and type it knows), Excel workbooks by exceljs. Each becomes a private UTF-8 NDJSON spool file whose line k is
// the source's row k, so validation, quarantine, idempotence and counting are the NDJSON path's, unchanged.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import type { Warehouse } from '../warehouse/warehouse.ts';
import { quoteSourceColumn } from '../warehouse/identifiers.ts';
import type { Source } from './readers.ts';

export type DecodedFormat = 'parquet' | 'arrow' | 'excel';

/** Formats that are decoded to NDJSON before ingest (the others are read as they are). */
export function isDecodedFormat(format: string): format is DecodedFormat {
  return format === 'parquet' || format === 'arrow' || format === 'excel';
}

/** A file that cannot be read as its format: one line naming the file and the fix. */
export class DecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DecodeError';
  }
}

export interface DecodeOptions {
  /** Shown in messages: the path, `stdin`, a URL. */
  name: string;
  /** Excel: the sheet to read (default: the first). */
  sheet?: string | null;
  /** Excel: refuse a workbook whose parts unzip to more than this (memory bound). */
  maxUnzippedBytes: number;
  /** Folder for the spool file (the caller removes it). */
  spoolDir: string;
}

/** An engine that can read local files: the embedded warehouse itself, or a private chDB opened for a server warehouse. */
type LocalEngine = Pick<Warehouse, 'query' | 'command'>;

/** Copies a stream source to a spool file (columnar formats need the whole file: their index is at the end). */
async function fileOf(source: Source, spoolDir: string): Promise<string> {
  if (source.type === 'file') return source.path;
  const file = path.join(spoolDir, 'source.bin');
  await pipeline(source.stream as Readable, fs.createWriteStream(file, { mode: 0o600 }));
  return file;
}

function head(file: string, n: number): Buffer {
  const fd = fs.openSync(file, 'r');
  try {
    const b = Buffer.alloc(n);
    const read = fs.readSync(fd, b, 0, n, 0);
    return b.subarray(0, read);
  } finally {
    fs.closeSync(fd);
  }
}

/** ClickHouse's input format for the file: Parquet, Arrow file (magic `ARROW1`) or Arrow stream. */
function engineFormat(file: string, format: 'parquet' | 'arrow', name: string): 'Parquet' | 'Arrow' | 'ArrowStream' {
  const start = head(file, 8);
  if (format === 'parquet') {
    if (start.subarray(0, 4).toString('latin1') !== 'PAR1') {
      throw new DecodeError(`${name} : pas un fichier Parquet (signature PAR1 absente) ; vérifiez --format ou l’extension / not a Parquet file (no PAR1 signature): check --format or the file extension`);
    }
    return 'Parquet';
  }
  if (start.subarray(0, 6).toString('latin1') === 'ARROW1') return 'Arrow';
  // An IPC stream opens with a message length (continuation marker 0xFFFFFFFF, or a bare length in old writers).
  if (start.length < 8) throw new DecodeError(`${name} : fichier Arrow vide ou tronqué / empty or truncated Arrow file`);
  return 'ArrowStream';
}

/** A naive timestamp column (no time zone): its text is wall-clock time, read like any time without an offset. */
const NAIVE_TIME = /^(Nullable\(|LowCardinality\()*DateTime(64)?(\(\d+\))?\)*$/;

/**
 * Parquet or Arrow → NDJSON through the engine. Timestamps with a time zone (or UTC-adjusted) become ISO 8601 in UTC
 * with `Z`; timestamps without one keep their wall-clock text without an offset, so validation reads them as
 * America/Toronto local time like every other time without an offset. Decimals are JSON numbers, dictionaries their
 * values, nulls `null` (an absent field). Rows keep the file's order (line k = row k).
 */
async function decodeColumnar(engine: LocalEngine, file: string, format: 'parquet' | 'arrow', out: string, name: string): Promise<void> {
  const fmt = engineFormat(file, format, name); // one of three names of ours, spliced as a literal
  // Naive timestamps (Parquet isAdjustedToUTC=false, Arrow without a zone) are typed without a zone and read in UTC,
  // so their text is the writer's wall clock whatever this machine's zone.
  const settings = { session_timezone: 'UTC', input_format_parquet_local_time_as_utc: 0 };
  let columns: { name: string; type: string }[];
  try {
    columns = await engine.query<{ name: string; type: string }>(`DESCRIBE TABLE file({src:String}, '${fmt}')`, { src: file }, { settings });
  } catch (err) {
    throw unreadable(err, name, format);
  }
  const select = columns.some((c) => NAIVE_TIME.test(c.type))
    ? columns.map((c) => (NAIVE_TIME.test(c.type) ? `toString(${quoteSourceColumn(c.name)}) AS ${quoteSourceColumn(c.name)}` : quoteSourceColumn(c.name))).join(', ')
    : '*';
  try {
    await engine.command(
      `INSERT INTO FUNCTION file({out:String}, 'JSONEachRow') SELECT ${select} FROM file({src:String}, '${fmt}')`,
      { src: file, out },
      {
        settings: {
          ...settings,
          engine_file_truncate_on_insert: 1,
          date_time_output_format: 'iso',
          output_format_json_quote_64bit_integers: 0,
          output_format_json_quote_decimals: 0,
          // Invalid UTF-8 in a string column becomes U+FFFD, which validation rejects as bad_encoding.
          output_format_json_validate_utf8: 1,
          input_format_parquet_preserve_order: 1
        }
      }
    );
  } catch (err) {
    throw unreadable(err, name, format);
  }
}

function unreadable(err: unknown, name: string, format: string): DecodeError {
  // The engine's innermost exception says what is wrong with the bytes (e.g. "Not a Parquet file (wrong magic bytes…)").
  const text = String((err as Error)?.message ?? err);
  const inner = text.split('DB::Exception: ').at(-1) ?? text;
  const detail = inner.replace(/ \([A-Z_]{3,}\)[\s\S]*$/, '').replace(/\s+/g, ' ').replace(/\.$/, '').slice(0, 200);
  return new DecodeError(`${name} : fichier ${format} illisible (${detail}) ; réexportez-le ou vérifiez --format / unreadable ${format} file: export it again or check --format`);
}

/** Sum of the uncompressed sizes in a zip's central directory (a workbook is a zip); null when it is not a zip. */
export function unzippedSize(file: string): number | null {
  const size = fs.statSync(file).size;
  const tail = Math.min(size, 65_557);
  const fd = fs.openSync(file, 'r');
  try {
    const end = Buffer.alloc(tail);
    fs.readSync(fd, end, 0, tail, size - tail);
    const eocd = end.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
    if (eocd < 0) return null;
    const entries = end.readUInt16LE(eocd + 10);
    const dirSize = end.readUInt32LE(eocd + 12);
    const dirOffset = end.readUInt32LE(eocd + 16);
    const dir = Buffer.alloc(dirSize);
    fs.readSync(fd, dir, 0, dirSize, dirOffset);
    let total = 0;
    let p = 0;
    for (let i = 0; i < entries && p + 46 <= dir.length; i++) {
      if (dir.readUInt32LE(p) !== 0x02014b50) return null;
      total += dir.readUInt32LE(p + 24);
      p += 46 + dir.readUInt16LE(p + 28) + dir.readUInt16LE(p + 30) + dir.readUInt16LE(p + 32);
    }
    return total;
  } finally {
    fs.closeSync(fd);
  }
}

type ExcelCell = import('exceljs').CellValue;

/** A cell as JSON: numbers as numbers, dates as ISO dates (local time when they carry one), formulas as their result. */
function cellJson(v: ExcelCell): string | number | boolean | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number' || typeof v === 'boolean') return v;
  if (typeof v === 'string') return v;
  if (v instanceof Date) {
    // Excel dates carry no zone: exceljs gives the written wall clock as UTC. A whole day is a date.
    const iso = v.toISOString();
    return iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : iso.slice(0, iso.endsWith('.000Z') ? 19 : 23);
  }
  if ('richText' in v) return v.richText.map((t) => t.text).join('');
  if ('hyperlink' in v) return v.text;
  if ('error' in v) return null;
  if ('result' in v) return v.result === undefined ? null : cellJson(v.result as ExcelCell);
  return null;
}

/**
 * Excel (.xlsx) → NDJSON: the first sheet (or the named one), its first non-empty row as the header, one JSON object
 * per data row keyed by header text. Empty rows and the header become empty lines, so line k is sheet row k and a
 * quarantined row names the spreadsheet row. Refused: a workbook over the unzipped-size limit, an unknown sheet, merged
 * cells in the header row (headers must be one row of distinct names).
 */
async function decodeExcel(file: string, out: string, opts: DecodeOptions): Promise<void> {
  const name = opts.name;
  const unzipped = unzippedSize(file);
  if (unzipped === null) throw new DecodeError(`${name} : pas un classeur .xlsx (zip illisible) ; enregistrez-le au format Excel .xlsx / not an .xlsx workbook (unreadable zip): save it as Excel .xlsx`);
  if (unzipped > opts.maxUnzippedBytes) {
    const mib = (n: number) => `${Math.ceil(n / 1048576)} Mio`;
    throw new DecodeError(
      `${name} : classeur trop gros une fois décompressé (${mib(unzipped)} > ${mib(opts.maxUnzippedBytes)}) ; exportez-le en CSV ou relevez JALON_EXCEL_MAX_UNZIPPED_BYTES / workbook too large unzipped: export it as CSV or raise JALON_EXCEL_MAX_UNZIPPED_BYTES`
    );
  }
  const { default: ExcelJS } = await import('exceljs');
  const workbook = new ExcelJS.Workbook();
  try {
    await workbook.xlsx.readFile(file);
  } catch (err) {
    throw new DecodeError(`${name} : classeur illisible (${String((err as Error).message).slice(0, 160)}) ; enregistrez-le au format .xlsx / unreadable workbook: save it as .xlsx`);
  }
  const sheets = workbook.worksheets;
  const sheet = opts.sheet ? sheets.find((s) => s.name === opts.sheet) : sheets[0];
  if (!sheet) {
    throw new DecodeError(
      opts.sheet
        ? `${name} : feuille « ${opts.sheet} » introuvable ; feuilles : ${sheets.map((s) => s.name).join(', ')} / sheet not found (excel.sheet in the mapping, or --sheet)`
        : `${name} : aucune feuille / no sheet in the workbook`
    );
  }
  const rows = sheet.getSheetValues() as unknown as (ExcelCell[] | undefined)[];
  let headerRow = 0;
  for (let r = 1; r < rows.length; r++) {
    if ((rows[r] ?? []).some((c) => cellJson(c) !== null && cellJson(c) !== '')) {
      headerRow = r;
      break;
    }
  }
  const where = `${name}, feuille / sheet « ${sheet.name} »`;
  if (headerRow === 0) {
    fs.writeFileSync(out, '', { mode: 0o600 });
    return;
  }
  const merged = (sheet.model.merges ?? []).filter((range) => {
    const m = /^[A-Z]+(\d+):[A-Z]+(\d+)$/.exec(range);
    return m !== null && Number(m[1]) <= headerRow && Number(m[2]) >= headerRow;
  });
  if (merged.length) {
    throw new DecodeError(
      `${where} : cellules fusionnées dans l’en-tête (${merged.join(', ')}) ; défusionnez-les pour garder une seule ligne d’en-tête, un nom par colonne / merged header cells: unmerge them so the header is one row with one name per column`
    );
  }
  const header = (rows[headerRow] ?? []).map((c) => {
    const v = cellJson(c);
    return v === null ? '' : String(v).trim();
  });
  const names = new Map<number, string>();
  header.forEach((h, i) => {
    if (h !== '') names.set(i, h);
  });
  const seen = new Set<string>();
  for (const h of names.values()) {
    if (seen.has(h)) throw new DecodeError(`${where} : colonne « ${h} » en double dans l’en-tête ; renommez-la / duplicate header "${h}": rename it`);
    seen.add(h);
  }
  const fd = fs.openSync(out, 'w', 0o600);
  try {
    let pending: string[] = [];
    const flush = () => {
      if (pending.length) fs.writeSync(fd, pending.join(''));
      pending = [];
    };
    for (let r = 1; r < rows.length; r++) {
      const cells = rows[r];
      let line = '';
      if (r > headerRow && cells) {
        const obj: Record<string, string | number | boolean | null> = {};
        let any = false;
        for (const [i, h] of names) {
          const v = cellJson(cells[i]);
          obj[h] = v;
          if (v !== null && v !== '') any = true;
        }
        if (any) line = JSON.stringify(obj);
      }
      pending.push(`${line}\n`);
      if (pending.length >= 10_000) flush();
    }
    flush();
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Decodes one Parquet, Arrow or Excel source into an NDJSON spool file in `opts.spoolDir` and returns its path. The
 * embedded warehouse reads columnar files itself; for a server warehouse a private chDB does (the bytes never need a
 * JavaScript reader, and the server receives validated rows as for every format).
 */
export async function decodeToNdjson(wh: Warehouse, source: Source, format: DecodedFormat, opts: DecodeOptions): Promise<string> {
  const file = await fileOf(source, opts.spoolDir);
  const out = path.join(opts.spoolDir, `decoded-${format}.ndjson`);
  if (fs.statSync(file).size === 0) throw new DecodeError(`${opts.name} : fichier vide / empty file`);
  if (format === 'excel') {
    await decodeExcel(file, out, opts);
    return out;
  }
  if (wh.kind === 'embedded') {
    await decodeColumnar(wh, file, format, out, opts.name);
    return out;
  }
  await withPrivateEngine(async (engine) => decodeColumnar(engine, file, format, out, opts.name));
  return out;
}

/** A private chDB in a temporary folder, for processes whose warehouse is a server (one chDB folder per process). */
async function withPrivateEngine<T>(fn: (engine: LocalEngine) => Promise<T>): Promise<T> {
  const { EmbeddedWarehouse } = await import('../warehouse/embedded.ts');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jalon-decode-'));
  let engine: Awaited<ReturnType<typeof EmbeddedWarehouse.open>> | null = null;
  try {
    engine = await EmbeddedWarehouse.open({ dataDir: dir, database: 'decode', holder: 'jalon ingest (decoding)' });
    return await fn(engine);
  } finally {
    await engine?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
