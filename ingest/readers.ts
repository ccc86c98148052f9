// Readers: NDJSON and CSV from a file, a folder or a stream, turned into batches of staged rows (line number, raw text,
// canonical JSON) encoded as TSV for the engine's staging table. NDJSON lines pass through untouched (validation
// happens in the engine); CSV goes through the mapping here. Parquet, Arrow and Excel arrive here already decoded to
// NDJSON (decode.ts).
import fs from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { parse as parseCsv } from 'csv-parse';
import { compileMapping, MappingError, type Format, type Mapping } from './mapping.ts';

/**
 * A batch for the staging table: TSV rows (line, raw, doc) built here, or — for plain UTF-8 NDJSON handed to the
 * embedded engine — the source's own bytes, whole lines only, numbered by the engine from `firstLine`.
 */
export type StageBatch =
  | { type: 'tsv'; tsv: string; rows: number; bytesRead: number }
  | { type: 'lines'; bytes: Buffer; firstLine: number; bytesRead: number };

export type Source = { type: 'file'; path: string } | { type: 'stream'; stream: Readable; name: string };

export interface ReadOptions {
  format: Format;
  mapping: Mapping | null;
  pseudonymKey: string | null;
  batchRows: number;
  batchBytes: number;
  /** The engine can number raw lines itself (embedded): plain UTF-8 NDJSON skips JavaScript entirely. */
  rawLines?: boolean;
}

export const STAGE_HEADER = 'line\traw\tdoc\n';

const TSV_SPECIAL = /[\\\t\r\n]/;
const TSV_SPECIAL_ALL = /[\\\t\r\n]/g;
function escapeTsv(s: string): string {
  if (!TSV_SPECIAL.test(s)) return s;
  return s.replace(TSV_SPECIAL_ALL, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\r' ? '\\r' : '\\n'));
}

/** Accumulates staged rows and cuts a batch on row count or size. */
class StageBuilder {
  private parts: string[] = [];
  private rows = 0;
  private chars = 0;
  constructor(private readonly opts: ReadOptions) {}
  add(line: number, raw: string, doc: string | null): void {
    const row = `${line}\t${escapeTsv(raw)}\t${doc === null ? '' : escapeTsv(doc)}\n`;
    this.parts.push(row);
    this.rows++;
    this.chars += row.length;
  }
  full(): boolean {
    return this.rows >= this.opts.batchRows || this.chars >= this.opts.batchBytes;
  }
  take(bytesRead: number): StageBatch | null {
    if (this.rows === 0) return null;
    const batch: StageBatch = { type: 'tsv', tsv: STAGE_HEADER + this.parts.join(''), rows: this.rows, bytesRead };
    this.parts = [];
    this.rows = 0;
    this.chars = 0;
    return batch;
  }
}

/** Guesses the format from a file name; null when the extension says nothing. */
export function formatFromName(name: string): Format | null {
  const ext = path.extname(name.replace(/\.gz$/, '')).toLowerCase();
  if (ext === '.ndjson' || ext === '.jsonl' || ext === '.json') return 'ndjson';
  if (ext === '.csv' || ext === '.tsv' || ext === '.txt') return 'csv';
  if (ext === '.parquet') return 'parquet';
  if (ext === '.arrow' || ext === '.arrows' || ext === '.ipc' || ext === '.feather') return 'arrow';
  if (ext === '.xlsx' || ext === '.xlsm') return 'excel';
  return null;
}

/** Files of a folder, recursively and sorted, skipping hidden files and run reports. */
export function listFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    if (entry.name.startsWith('.') || entry.name.endsWith('.report.json')) continue;
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listFiles(p));
    else if (entry.isFile()) out.push(p);
  }
  return out;
}

type Encoding = 'utf-8' | 'windows-1252';

/** UTF-8 unless the first bytes are not valid UTF-8 (then Windows-1252, the usual export of older Windows tools). */
export function detectEncoding(sample: Buffer): Encoding {
  // Judge the first 64 KiB, cut at a line end so that no multi-byte character is split.
  let end = Math.min(sample.length, 65536);
  const nl = sample.subarray(0, end).lastIndexOf(0x0a);
  if (end < sample.length && nl > 0) end = nl;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(sample.subarray(0, end));
    return 'utf-8';
  } catch {
    return 'windows-1252';
  }
}

async function* chunksOf(source: Source): AsyncGenerator<Buffer> {
  const stream = source.type === 'file' ? fs.createReadStream(source.path, { highWaterMark: 4 << 20 }) : source.stream;
  for await (const chunk of stream as AsyncIterable<Buffer | string>) yield typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
}

/** Decoded text chunks, with the encoding chosen from the first chunk (or forced). */
async function* textOf(source: Source, forced?: Encoding): AsyncGenerator<{ text: string; bytes: number }> {
  let decoder: TextDecoder | null = null;
  for await (const chunk of chunksOf(source)) {
    if (!decoder) decoder = new TextDecoder(forced ?? detectEncoding(chunk), { ignoreBOM: false });
    yield { text: decoder.decode(chunk, { stream: true }), bytes: chunk.length };
  }
  if (decoder) {
    const rest = decoder.decode();
    if (rest) yield { text: rest, bytes: 0 };
  }
}

/** Newlines in a buffer (the line count of whole-line bytes). */
export function countLines(b: Buffer): number {
  let n = 0;
  for (let i = b.indexOf(10); i !== -1; i = b.indexOf(10, i + 1)) n++;
  return n;
}

/** Whole-line chunks of the source's bytes, untouched; the line count of each chunk keeps numbering exact. */
async function* readRawLines(first: Buffer, rest: AsyncGenerator<Buffer>, opts: ReadOptions): AsyncGenerator<StageBatch> {
  let pending: Buffer[] = [first];
  let pendingBytes = first.length;
  let line = 1;
  let bytesRead = first.length;
  const cut = function* (final: boolean): Generator<StageBatch> {
    const all = pending.length === 1 ? pending[0] : Buffer.concat(pending);
    const end = final ? all.length : all.lastIndexOf(10) + 1;
    if (end <= 0) return;
    const bytes = all.subarray(0, end);
    const batch: StageBatch = { type: 'lines', bytes, firstLine: line, bytesRead };
    line += countLines(bytes);
    const tail = all.subarray(end);
    pending = tail.length ? [Buffer.from(tail)] : [];
    pendingBytes = tail.length;
    yield batch;
  };
  for await (const chunk of rest) {
    pending.push(chunk);
    pendingBytes += chunk.length;
    bytesRead += chunk.length;
    if (pendingBytes >= opts.batchBytes) yield* cut(false);
  }
  if (pendingBytes > 0) yield* cut(true);
}

async function* readNdjson(source: Source, opts: ReadOptions): AsyncGenerator<StageBatch> {
  if (opts.rawLines && !opts.mapping) {
    const chunks = chunksOf(source);
    const first = await chunks.next();
    if (first.done) return;
    if (detectEncoding(first.value) === 'utf-8') {
      yield* readRawLines(first.value, chunks, opts);
      return;
    }
    // Not UTF-8: decode here (Windows-1252), from the chunks already read.
    yield* readNdjsonText(
      {
        type: 'stream',
        name: 'source',
        stream: (async function* () {
          yield first.value;
          yield* chunks;
        })() as never
      },
      opts
    );
    return;
  }
  yield* readNdjsonText(source, opts);
}

async function* readNdjsonText(source: Source, opts: ReadOptions): AsyncGenerator<StageBatch> {
  const b = new StageBuilder(opts);
  const toDoc = opts.mapping ? compileMapping(opts.mapping, opts.pseudonymKey) : null;
  let carry = '';
  let line = 0;
  let bytes = 0;
  const encoding = opts.mapping?.csv?.encoding;
  const take = (text: string) => {
    line++;
    const raw = text.endsWith('\r') ? text.slice(0, -1) : text;
    if (raw.trim() === '') return; // empty lines are not rows
    if (!toDoc) {
      b.add(line, raw, null);
      return;
    }
    let doc: string;
    try {
      const parsed: unknown = JSON.parse(raw);
      doc = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? JSON.stringify(toDoc(parsed as Record<string, unknown>)) : '-';
    } catch {
      doc = '-'; // not JSON: the engine rejects it as malformed_row
    }
    b.add(line, raw, doc);
  };
  for await (const { text, bytes: n } of textOf(source, encoding)) {
    bytes += n;
    let start = 0;
    let data = carry + text;
    for (let nl = data.indexOf('\n', start); nl !== -1; nl = data.indexOf('\n', start)) {
      take(data.slice(start, nl));
      start = nl + 1;
      if (b.full()) {
        carry = data.slice(start);
        data = carry;
        start = 0;
        const batch = b.take(bytes);
        if (batch) yield batch;
      }
    }
    carry = data.slice(start);
  }
  if (carry !== '') take(carry);
  const last = b.take(bytes);
  if (last) yield last;
}

function guessDelimiter(firstLine: string): string {
  const candidates = [',', ';', '\t', '|'];
  let best = ',';
  let count = 0;
  for (const c of candidates) {
    const n = firstLine.split(c).length - 1;
    if (n > count) {
      best = c;
      count = n;
    }
  }
  return best;
}

async function* readCsv(source: Source, opts: ReadOptions): AsyncGenerator<StageBatch> {
  const b = new StageBuilder(opts);
  const toDoc = compileMapping(opts.mapping, opts.pseudonymKey);
  const texts = textOf(source, opts.mapping?.csv?.encoding);
  const first = await texts.next();
  if (first.done) return;
  const firstText = first.value.text.replace(/^\ufeff/, '');
  const delimiter = opts.mapping?.csv?.delimiter ?? guessDelimiter(firstText.split('\n', 1)[0]);
  let bytes = first.value.bytes;
  const parser = parseCsv({
    delimiter,
    quote: opts.mapping?.csv?.quote ?? '"',
    bom: true,
    columns: (header: string[]) => header.map((h) => h.trim()),
    relax_column_count: true,
    relax_quotes: true,
    skip_empty_lines: true,
    skip_records_with_empty_values: false,
    info: true,
    raw: true,
    trim: false
  });
  // Feed the parser from the decoded text while we read its records (backpressure through the async iterator).
  const feed = (async () => {
    const write = (t: string) => new Promise<void>((resolve) => (parser.write(t) ? resolve() : parser.once('drain', () => resolve())));
    try {
      await write(firstText);
      for await (const { text, bytes: n } of texts) {
        bytes += n;
        await write(text);
      }
      parser.end();
    } catch (err) {
      parser.destroy(err as Error);
    }
  })();
  for await (const rec of parser as AsyncIterable<{ record: Record<string, string>; info: { lines: number }; raw: string }>) {
    const raw = rec.raw.replace(/[\r\n]+$/, '');
    let doc: string;
    try {
      doc = JSON.stringify(toDoc(rec.record));
    } catch (err) {
      if (err instanceof MappingError) throw err;
      doc = '-';
    }
    b.add(rec.info.lines, raw, doc);
    if (b.full()) {
      const batch = b.take(bytes);
      if (batch) yield batch;
    }
  }
  await feed;
  const last = b.take(bytes);
  if (last) yield last;
}

/** Staged batches of one source in one format. */
export function readBatches(source: Source, opts: ReadOptions): AsyncGenerator<StageBatch> {
  switch (opts.format) {
    case 'ndjson':
      return readNdjson(source, opts);
    case 'csv':
      return readCsv(source, opts);
    case 'parquet':
    case 'arrow':
    case 'excel':
      throw new MappingError(`format ${opts.format}: décodez d’abord en NDJSON (decode.ts) / decode to NDJSON first`);
    default: {
      const never: never = opts.format;
      throw new MappingError(`format ${String(never)}`);
    }
  }
}
