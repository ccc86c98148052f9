// Parquet and Arrow readers side by side, on the same file in one run: the JavaScript readers Jalon used before
// (hyparquet, apache-arrow JS; kept here only to measure them) against ClickHouse reading the file itself (ingest/decode.ts).
// Each side ingests the same events into a fresh embedded warehouse; prints one JSON line per format with the ratio
// (JavaScript seconds ÷ ClickHouse seconds, above 1 when ClickHouse is faster) for the decode alone and end to end.
//   node --import tsx bench/ingest/formats.ts --events 1000000
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { EmbeddedWarehouse } from '../../warehouse/embedded.ts';
import { migrate } from '../../warehouse/migrate.ts';
import { runIngest, type IngestSummary } from '../../ingest/run-ingest.ts';
import type { Format } from '../../ingest/mapping.ts';
import { writeEventsFile } from './generate-events.ts';

const { values } = parseArgs({ options: { events: { type: 'string', default: '1000000' }, dir: { type: 'string' } } });
const events = Number(values.events);
const work = values.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'jalon-bench-formats-'));
let seq = 0;

async function withWarehouse<T>(fn: (wh: EmbeddedWarehouse) => Promise<T>): Promise<T> {
  const dataDir = path.join(work, `wh-${seq++}`);
  const wh = await EmbeddedWarehouse.open({ dataDir, database: 'jalon' });
  try {
    await migrate(wh);
    return await fn(wh);
  } finally {
    await wh.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

/** The JavaScript readers as they were (ingest/readers.ts before issue 19), writing the NDJSON the ingest then reads. */
async function jsParquetToNdjson(file: string, out: string): Promise<void> {
  const { parquetMetadataAsync, parquetReadObjects, asyncBufferFromFile } = await import('hyparquet');
  const buffer = await asyncBufferFromFile(file);
  const metadata = await parquetMetadataAsync(buffer);
  const total = Number(metadata.num_rows);
  const fd = fs.openSync(out, 'w');
  try {
    for (let start = 0; start < total; start += 100_000) {
      const rows = await parquetReadObjects({ file: buffer, metadata, rowStart: start, rowEnd: Math.min(total, start + 100_000) });
      fs.writeSync(fd, rows.map((r) => JSON.stringify(r, (_k, v: unknown) => (typeof v === 'bigint' ? Number(v) : v))).join('\n') + '\n');
    }
  } finally {
    fs.closeSync(fd);
  }
}

async function jsArrowToNdjson(file: string, out: string): Promise<void> {
  const { RecordBatchReader, Type } = await import('apache-arrow');
  const reader = await RecordBatchReader.from(fs.createReadStream(file) as unknown as AsyncIterable<Uint8Array>);
  const fd = fs.openSync(out, 'w');
  try {
    for await (const batch of reader) {
      // The old reader gave timestamps as epoch numbers (every row bad_date); written as ISO here so both sides store the same rows.
      const times = batch.schema.fields.filter((f) => f.typeId === Type.Timestamp).map((f) => f.name);
      const lines: string[] = [];
      for (let i = 0; i < batch.numRows; i++) {
        const row = (batch.get(i)?.toJSON() ?? {}) as Record<string, unknown>;
        for (const t of times) if (typeof row[t] === 'number') row[t] = new Date(row[t] as number).toISOString();
        lines.push(JSON.stringify(row, (_k, v: unknown) => (typeof v === 'bigint' ? Number(v) : v)));
      }
      fs.writeSync(fd, lines.join('\n') + '\n');
    }
  } finally {
    fs.closeSync(fd);
  }
}

async function ingest(wh: EmbeddedWarehouse, file: string, format: Format, phases: Record<string, number>): Promise<IngestSummary> {
  return runIngest(wh, { kind: 'events', inputs: [{ source: { type: 'file', path: file }, name: file, format }], trace: (p, ms) => (phases[p] = (phases[p] ?? 0) + ms) });
}

const ndjson = path.join(work, `events-${events}.ndjson`);
if (!fs.existsSync(ndjson)) await writeEventsFile(ndjson, events);
const variants: { name: string; format: 'parquet' | 'arrow'; engine: string; settings: Record<string, string> }[] = [
  { name: 'parquet-snappy', format: 'parquet', engine: 'Parquet', settings: { output_format_parquet_compression_method: 'snappy' } },
  { name: 'arrow-stream-none', format: 'arrow', engine: 'ArrowStream', settings: { output_format_arrow_compression_method: 'none' } }
];
await withWarehouse(async (wh) => {
  for (const v of variants) {
    await wh.command(
      `INSERT INTO FUNCTION file({out:String}, '${v.engine}') SELECT * REPLACE (parseDateTime64BestEffort(occurred_at, 3, 'UTC') AS occurred_at)
       FROM file({f:String}, 'JSONEachRow')`,
      { f: ndjson, out: path.join(work, `${v.name}`) },
      { settings: { input_format_try_infer_datetimes: 0, engine_file_truncate_on_insert: 1, ...v.settings } }
    );
  }
});

for (const v of variants) {
  const file = path.join(work, v.name);
  // JavaScript: decode to NDJSON, then ingest that file.
  const jsOut = path.join(work, `${v.name}.js.ndjson`);
  let t0 = performance.now();
  await (v.format === 'parquet' ? jsParquetToNdjson(file, jsOut) : jsArrowToNdjson(file, jsOut));
  const jsDecode = (performance.now() - t0) / 1000;
  const jsPhases: Record<string, number> = {};
  const js = await withWarehouse(async (wh) => {
    const t = performance.now();
    const s = await ingest(wh, jsOut, 'ndjson', jsPhases);
    return { s, seconds: (performance.now() - t) / 1000 };
  });
  fs.rmSync(jsOut, { force: true });
  // ClickHouse: the file itself through `jalon ingest`'s path (decoded by the engine, then the NDJSON path).
  const chPhases: Record<string, number> = {};
  t0 = performance.now();
  const ch = await withWarehouse(async (wh) => {
    const t = performance.now();
    const s = await ingest(wh, file, v.format, chPhases);
    return { s, seconds: (performance.now() - t) / 1000 };
  });
  const chDecode = (chPhases.decode ?? 0) / 1000;
  const jsTotal = jsDecode + js.seconds;
  process.stdout.write(
    JSON.stringify({
      format: v.name, events, file_bytes: fs.statSync(file).size,
      js_decode_s: +jsDecode.toFixed(2), ch_decode_s: +chDecode.toFixed(2), decode_ratio: +(jsDecode / chDecode).toFixed(2),
      js_total_s: +jsTotal.toFixed(2), ch_total_s: +ch.seconds.toFixed(2), total_ratio: +(jsTotal / ch.seconds).toFixed(2),
      same_counts: JSON.stringify([js.s.read, js.s.inserted, js.s.rejected]) === JSON.stringify([ch.s.read, ch.s.inserted, ch.s.rejected]),
      inserted: ch.s.inserted, rejected: ch.s.rejected, load_average: os.loadavg().map((x) => +x.toFixed(2)), at: new Date().toISOString()
    }) + '\n'
  );
}
if (!values.dir) fs.rmSync(work, { recursive: true, force: true });
