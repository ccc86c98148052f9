// Every file producers send gives the rows of its NDJSON original: 10,000 seeded events (some dirty) written by
// ClickHouse as Parquet with every codec and as Arrow file and stream with every compression, with timestamps of
// several units, and by two other writers (apache-arrow JS for Arrow IPC, parquet-wasm for Parquet) with naive
// wall-clock timestamps; each ingested on the embedded engine and on the loopback server must store the same rows and
// quarantine the same lines as the NDJSON file. Decimals, dates and dictionaries go through small files of other kinds.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import * as arrow from 'apache-arrow';
import * as parquetWasm from 'parquet-wasm';
import { backends, embeddedTestWarehouse, testWarehouse, type TestWarehouse } from '../support/warehouses.ts';
import { migrate } from '../../warehouse/migrate.ts';
import { resolveInputs, runIngest, type IngestSummary } from '../../ingest/run-ingest.ts';
import { parseMapping, type Mapping } from '../../ingest/mapping.ts';
import type { Kind } from '../../ingest/kinds.ts';
import type { Warehouse } from '../../warehouse/warehouse.ts';

const N = 10_000;
let dir: string;
let original: string;
/** name → file, every one holding the same rows as `original`. */
const files: [string, string][] = [];

/** A small deterministic generator (seeded LCG), so the data set is the same on every run. */
function rng(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return x / 2 ** 32;
  };
}

interface Ev {
  event_id: string;
  occurred_at: string;
  org: string;
  service: string;
  channel: string;
  journey_id: string | null;
  type: string;
  step: string | null;
  step_index: number | null;
  outcome: string | null;
  client_type: string;
  region: string | null;
  sign_in: string;
  assisted: boolean;
  prefilled: boolean;
  duration_ms: number | null;
}

function generate(): Ev[] {
  const r = rng(19);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
  const start = Date.UTC(2024, 0, 1);
  const out: Ev[] = [];
  for (let i = 0; i < N; i++) {
    const type = pick(['started', 'step', 'completed', 'failed', 'abandoned'] as const);
    const dirt = r();
    // A service code belongs to one organization: a code new to the warehouse and sent for two is the first one's.
    const org = pick(['RAMQ', 'SAAQ', 'RQ']);
    out.push({
      event_id: `ev-${i}`,
      // Whole seconds, so that files with second, milli, micro and nanosecond timestamps all hold them exactly.
      occurred_at: new Date(start + Math.floor(r() * 300 * 86400) * 1000).toISOString().replace('.000Z', 'Z'),
      org,
      service: ({ RAMQ: 'carte', SAAQ: 'permis', RQ: 'impot' } as Record<string, string>)[org],
      channel: dirt < 0.01 ? 'pigeon' : pick(['web', 'mobile', 'phone', 'counter']), // 1 % unknown_channel
      journey_id: dirt >= 0.01 && dirt < 0.02 ? null : `j-${Math.floor(i / 3)}`, // 1 % missing_field
      type,
      step: type === 'step' ? pick(['identité', 'paiement', 'confirmation']) : null,
      step_index: type === 'step' ? (dirt >= 0.02 && dirt < 0.025 ? 300 : 1 + Math.floor(r() * 5)) : null, // out_of_range
      outcome: type === 'completed' && dirt >= 0.025 ? pick(['success', 'ineligible']) : null, // completed without outcome: rejected
      client_type: pick(['citizen', 'business']),
      region: r() < 0.2 ? null : String(1 + Math.floor(r() * 17)).padStart(2, '0'),
      sign_in: pick(['clicsequr', 'bank', 'none']),
      assisted: r() < 0.1,
      prefilled: r() < 0.3,
      duration_ms: r() < 0.5 ? null : Math.floor(r() * 3_600_000)
    });
  }
  return out;
}

/** The wall-clock time in America/Toronto of an instant, as milliseconds of a naive timestamp. */
function torontoWallMs(utcMs: number): number {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', { timeZone: 'America/Toronto', hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' })
      .formatToParts(new Date(utcMs))
      .map((p) => [p.type, p.value])
  );
  return Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute), Number(parts.second));
}

/** The same rows as an Arrow table built in JavaScript: naive Toronto wall-clock timestamps, a dictionary channel. */
function arrowTable(events: Ev[]): arrow.Table {
  const col = <T>(f: (e: Ev) => T) => events.map(f);
  return new arrow.Table({
    event_id: arrow.vectorFromArray(col((e) => e.event_id), new arrow.Utf8()),
    occurred_at: arrow.vectorFromArray(col((e) => new Date(torontoWallMs(Date.parse(e.occurred_at)))), new arrow.TimestampMillisecond()),
    org: arrow.vectorFromArray(col((e) => e.org), new arrow.Utf8()),
    service: arrow.vectorFromArray(col((e) => e.service), new arrow.Utf8()),
    channel: arrow.vectorFromArray(col((e) => e.channel), new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32())),
    journey_id: arrow.vectorFromArray(col((e) => e.journey_id), new arrow.Utf8()),
    type: arrow.vectorFromArray(col((e) => e.type), new arrow.Utf8()),
    step: arrow.vectorFromArray(col((e) => e.step), new arrow.Utf8()),
    step_index: arrow.vectorFromArray(col((e) => e.step_index), new arrow.Int32()),
    outcome: arrow.vectorFromArray(col((e) => e.outcome), new arrow.Utf8()),
    client_type: arrow.vectorFromArray(col((e) => e.client_type), new arrow.Utf8()),
    region: arrow.vectorFromArray(col((e) => e.region), new arrow.Utf8()),
    sign_in: arrow.vectorFromArray(col((e) => e.sign_in), new arrow.Utf8()),
    assisted: arrow.vectorFromArray(col((e) => e.assisted), new arrow.Bool()),
    prefilled: arrow.vectorFromArray(col((e) => e.prefilled), new arrow.Bool()),
    duration_ms: arrow.vectorFromArray(col((e) => e.duration_ms), new arrow.Float64())
  });
}

const PARQUET_CODECS = ['snappy', 'gzip', 'zstd', 'lz4', 'brotli', 'none'] as const;
const ARROW_CODECS = ['lz4_frame', 'zstd', 'none'] as const;
const WASM_CODECS = ['UNCOMPRESSED', 'SNAPPY', 'GZIP', 'BROTLI', 'LZ4_RAW', 'ZSTD'] as const;
/** Every file written below: ClickHouse's Parquet and Arrow variants, then the other writers'. */
const FILE_NAMES = [
  ...PARQUET_CODECS.map((c) => `ch-${c}.parquet`),
  'ch-s.parquet', 'ch-us.parquet', 'ch-ns.parquet', 'ch-toronto-dict.parquet',
  ...ARROW_CODECS.flatMap((c) => [`ch-${c}.arrow`, `ch-${c}.arrows`]),
  'ch-s.arrows', 'ch-us.arrows', 'ch-ns.arrows', 'ch-dict.arrow',
  'js.arrow', 'js.arrows',
  ...WASM_CODECS.map((c) => `pw-${c.toLowerCase()}.parquet`)
];

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jalon-formats-'));
  const events = generate();
  original = path.join(dir, 'events.ndjson');
  fs.writeFileSync(original, events.map((e) => JSON.stringify(Object.fromEntries(Object.entries(e).filter(([, v]) => v !== null)))).join('\n') + '\n');

  // ClickHouse is the reference writer: it loads the NDJSON into typed columns and writes every variant.
  // One embedded engine per process at a time: all of it happens here, before the tests open theirs.
  const writer = await embeddedTestWarehouse();
  try {
    const w = writer.wh;
    await w.command(
      `CREATE TABLE src ENGINE = Memory AS SELECT * FROM file({f:String}, 'JSONEachRow',
        'event_id String, occurred_at DateTime64(3, \\'UTC\\'), org String, service String, channel String, journey_id Nullable(String), type String,
         step Nullable(String), step_index Nullable(UInt16), outcome Nullable(String), client_type String, region Nullable(String), sign_in String,
         assisted Bool, prefilled Bool, duration_ms Nullable(UInt64)')
       SETTINGS input_format_parallel_parsing = 0`,
      { f: original }
    );
    const [{ n }] = await w.query<{ n: number }>('SELECT toUInt64(count()) AS n FROM src');
    expect(Number(n)).toBe(N);
    // The file's own order (row k = line k): a Memory table keeps insertion order; ORDER BY makes it explicit.
    const rows = (time: string, extra = '') =>
      `SELECT * REPLACE (${time} AS occurred_at${extra}) FROM src ORDER BY toUInt32(substring(event_id, 4))`;
    const out = async (name: string, sql: string, format: string, settings: Record<string, string | number>) => {
      const file = path.join(dir, name);
      await w.command(`INSERT INTO FUNCTION file({f:String}, '${format}') ${sql}`, { f: file }, { settings: { engine_file_truncate_on_insert: 1, ...settings } });
      files.push([name, file]);
    };
    for (const c of PARQUET_CODECS) await out(`ch-${c}.parquet`, rows('occurred_at'), 'Parquet', { output_format_parquet_compression_method: c });
    // Timestamp units: seconds, microseconds, nanoseconds (Parquet has no seconds unit: ClickHouse writes milliseconds).
    for (const [unit, p] of [['s', 0], ['us', 6], ['ns', 9]] as const) {
      await out(`ch-${unit}.parquet`, rows(`toDateTime64(occurred_at, ${p}, 'UTC')`), 'Parquet', { output_format_parquet_compression_method: 'zstd' });
    }
    // A time zone other than UTC on the column, and dictionary-encoded strings.
    await out('ch-toronto-dict.parquet', rows(`toDateTime64(occurred_at, 3, 'America/Toronto')`, ', toLowCardinality(channel) AS channel'), 'Parquet', { output_format_parquet_compression_method: 'zstd' });
    for (const c of ARROW_CODECS) {
      await out(`ch-${c}.arrow`, rows('occurred_at'), 'Arrow', { output_format_arrow_compression_method: c });
      await out(`ch-${c}.arrows`, rows('occurred_at'), 'ArrowStream', { output_format_arrow_compression_method: c });
    }
    for (const [unit, p] of [['s', 0], ['us', 6], ['ns', 9]] as const) {
      await out(`ch-${unit}.arrows`, rows(`toDateTime64(occurred_at, ${p}, 'America/Toronto')`), 'ArrowStream', { output_format_arrow_compression_method: 'zstd' });
    }
    await out('ch-dict.arrow', rows('occurred_at', ', toLowCardinality(channel) AS channel'), 'Arrow', { output_format_arrow_low_cardinality_as_dictionary: 1, output_format_arrow_compression_method: 'lz4_frame' });
  } finally {
    await writer.dispose();
  }

  // Other writers: apache-arrow JS (Arrow IPC file and stream; it writes no compressed batches without codecs that
  // Node 20 lacks) and parquet-wasm (Parquet, every codec), both from naive Toronto wall-clock timestamps.
  const table = arrowTable(events);
  for (const [name, type] of [['js.arrow', 'file'], ['js.arrows', 'stream']] as const) {
    const file = path.join(dir, name);
    fs.writeFileSync(file, arrow.tableToIPC(table, type));
    files.push([name, file]);
  }
  const ipc = arrow.tableToIPC(table, 'stream');
  for (const c of WASM_CODECS) {
    const props = new parquetWasm.WriterPropertiesBuilder().setCompression(parquetWasm.Compression[c]).build();
    const file = path.join(dir, `pw-${c.toLowerCase()}.parquet`);
    fs.writeFileSync(file, parquetWasm.writeParquet(parquetWasm.Table.fromIPCStream(ipc), props));
    files.push([`pw-${c.toLowerCase()}.parquet`, file]);
  }
}, 180_000);
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

async function ingest(wh: Warehouse, kind: Kind, file: string, mapping: Mapping | null = null): Promise<IngestSummary> {
  const s = await runIngest(wh, { kind, inputs: resolveInputs(file, mapping?.format ?? null), mapping });
  expect(s.read).toBe(s.inserted + s.duplicates + s.rejected);
  return s;
}

/** Everything stored for the events, and the quarantined lines with their reasons. */
async function snapshot(wh: Warehouse): Promise<{ rows: unknown[]; rejects: unknown[] }> {
  const rows = await wh.query('SELECT * EXCEPT (run_id, ingested_at) FROM service_events ORDER BY org, event_id');
  const rejects = await wh.query<{ line: number; reason: string; field: string }>("SELECT toUInt64(line) AS line, reason, splitByChar(' ', message)[1] AS field FROM quarantine ORDER BY line");
  return { rows, rejects };
}

describe.each(backends)('Parquet and Arrow files give the NDJSON original’s rows — %s', (backend) => {
  let t: TestWarehouse;
  let expected: { rows: unknown[]; rejects: unknown[] };
  let counts: number[];
  beforeAll(async () => {
    t = await testWarehouse(backend, inject('clickhouseUrl'));
    await migrate(t.wh);
    const s = await ingest(t.wh, 'events', original);
    counts = [s.read, s.inserted, s.duplicates, s.rejected];
    expected = await snapshot(t.wh);
  });
  afterAll(async () => {
    await t.dispose();
  });

  it('the original: 10,000 rows read, the dirty ones quarantined with their reason', () => {
    expect(counts[0]).toBe(N);
    expect(counts[1] + counts[3]).toBe(N);
    const reasons = new Set((expected.rejects as { reason: string }[]).map((r) => r.reason));
    expect([...reasons].sort()).toEqual(['missing_field', 'out_of_range', 'unknown_channel']);
    expect(counts[3]).toBeGreaterThan(200);
  });

  it('every variant was written', () => {
    expect(files.map(([n]) => n).sort()).toEqual([...FILE_NAMES].sort());
  });

  it.each(FILE_NAMES)('%s: same stored rows, same quarantined lines and reasons, same counts', async (name) => {
    const file = path.join(dir, name);
    await t.wh.command('TRUNCATE TABLE service_events');
    await t.wh.command('TRUNCATE TABLE quarantine');
    const s = await ingest(t.wh, 'events', file);
    expect([s.read, s.inserted, s.duplicates, s.rejected]).toEqual(counts);
    const got = await snapshot(t.wh);
    expect(got.rejects).toEqual(expected.rejects);
    expect(got.rows.length).toBe(expected.rows.length);
    expect(got.rows).toEqual(expected.rows);
  });

  it('re-ingesting a Parquet file counts every stored row as a duplicate', async () => {
    const [, file] = files.find(([n]) => n === 'ch-zstd.parquet') ?? ['', ''];
    const s = await ingest(t.wh, 'events', file);
    expect([s.read, s.inserted, s.duplicates, s.rejected]).toEqual([N, 0, counts[1], counts[3]]);
  });

  it('dates, nulls and timestamps mapped without `as`: costs from Parquet, cases from an Arrow stream', async () => {
    // Written by parquet-wasm from an Arrow table: a Decimal128 amount, a Date32 period and launch date, a
    // millisecond timestamp mapped to a datetime field without any conversion.
    const costs = new arrow.Table({
      period: arrow.vectorFromArray([new Date(Date.UTC(2024, 3, 1)), new Date(Date.UTC(2024, 4, 1))], new arrow.DateDay()),
      org: arrow.vectorFromArray(['RQ', 'RQ']),
      service: arrow.vectorFromArray(['impot', 'impot']),
      channel: arrow.vectorFromArray(['web', null], new arrow.Utf8()),
      amount: arrow.vectorFromArray([1234.5, 99.99], new arrow.Float64())
    });
    const cf = path.join(dir, `costs-${backend}.parquet`);
    fs.writeFileSync(cf, parquetWasm.writeParquet(parquetWasm.Table.fromIPCStream(arrow.tableToIPC(costs, 'stream'))));
    const mapping = parseMapping({ kind: 'costs', fields: { period: { column: 'period' }, org: { column: 'org' }, service: { column: 'service' }, channel: { column: 'channel' }, amount_cad: { column: 'amount' } } });
    const s = await ingest(t.wh, 'costs', cf, mapping);
    expect([s.read, s.inserted, s.rejected]).toEqual([2, 2, 0]);
    expect(await t.wh.query("SELECT toString(period_start) AS p, period_grain AS g, channel, toString(amount_cad) AS a FROM costs FINAL WHERE org = 'RQ' ORDER BY p")).toEqual([
      { p: '2024-04-01', g: 'day', channel: 'web', a: '1234.5' },
      { p: '2024-05-01', g: 'day', channel: '', a: '99.99' }
    ]);
    // A zoned and a naive millisecond timestamp, mapped to datetime fields with no `as`.
    const cases = new arrow.Table({
      dossier: arrow.vectorFromArray(['c1']),
      recu: arrow.vectorFromArray([new Date(Date.UTC(2024, 3, 1, 14, 0, 0, 250))], new arrow.TimestampMillisecond('UTC')),
      decide: arrow.vectorFromArray([new Date(Date.UTC(2024, 3, 3, 9, 30))], new arrow.TimestampMillisecond()), // 09:30 in Toronto
      org: arrow.vectorFromArray(['RQ']),
      service: arrow.vectorFromArray(['impot']),
      canal: arrow.vectorFromArray(['web']),
      delai: arrow.vectorFromArray([30], new arrow.Int32())
    });
    const kf = path.join(dir, `cases-${backend}.arrows`);
    fs.writeFileSync(kf, arrow.tableToIPC(cases, 'stream'));
    const caseMapping = parseMapping({
      kind: 'cases',
      fields: { case_id: { column: 'dossier' }, received_at: { column: 'recu' }, decided_at: { column: 'decide' }, org: { column: 'org' }, service: { column: 'service' }, channel: { column: 'canal' }, standard_days: { column: 'delai' } }
    });
    const k = await ingest(t.wh, 'cases', kf, caseMapping);
    expect([k.read, k.inserted, k.rejected]).toEqual([1, 1, 0]);
    expect(await t.wh.query("SELECT toString(received_at) AS r, toString(decided_at) AS d, standard_days AS n FROM cases FINAL WHERE case_id = 'c1'")).toEqual([
      { r: '2024-04-01 14:00:00.250', d: '2024-04-03 13:30:00.000', n: 30 }
    ]);
  });
});

describe('decimals and dates written by ClickHouse (embedded)', () => {
  it('Decimal(18, 2) amounts, Date32 launch dates and a DateTime64 received time', async () => {
    const t = await testWarehouse('embedded', inject('clickhouseUrl'));
    try {
      await migrate(t.wh);
      const sf = path.join(dir, 'services.parquet');
      await t.wh.command(
        `INSERT INTO FUNCTION file({f:String}, 'Parquet') SELECT 'RQ' AS org, 'impot' AS code, 'Impôt' AS name_fr, toDate32('2019-04-01') AS launched_on,
           toDecimal64(0.95, 2) AS standard_target SETTINGS engine_file_truncate_on_insert = 1, output_format_parquet_compression_method = 'gzip'`,
        { f: sf }
      );
      const s = await ingest(t.wh, 'services', sf);
      expect([s.read, s.inserted, s.rejected]).toEqual([1, 1, 0]);
      expect(await t.wh.query("SELECT toString(launched_on) AS d, standard_target AS st FROM services FINAL WHERE code = 'impot'")).toEqual([{ d: '2019-04-01', st: 0.95 }]);
      const cf = path.join(dir, 'cases.parquet');
      await t.wh.command(
        `INSERT INTO FUNCTION file({f:String}, 'Parquet') SELECT 'c1' AS case_id, 'RQ' AS org, 'impot' AS service, 'web' AS channel,
           toDateTime64('2024-04-01 10:00:00.250', 3, 'America/Toronto') AS received_at, toDecimal32(30, 0) AS standard_days
         SETTINGS engine_file_truncate_on_insert = 1, output_format_parquet_compression_method = 'brotli'`,
        { f: cf }
      );
      const c = await ingest(t.wh, 'cases', cf);
      expect([c.read, c.inserted, c.rejected]).toEqual([1, 1, 0]);
      expect(await t.wh.query("SELECT toString(received_at) AS r, standard_days AS d FROM cases FINAL")).toEqual([{ r: '2024-04-01 14:00:00.250', d: 30 }]);
    } finally {
      await t.dispose();
    }
  });

  it('a file that is not what its name says fails with one line naming it', async () => {
    const t = await testWarehouse('embedded', inject('clickhouseUrl'));
    try {
      await migrate(t.wh);
      const bad = path.join(dir, 'not.parquet');
      fs.writeFileSync(bad, 'event_id,occurred_at\n1,2\n');
      await expect(ingest(t.wh, 'events', bad)).rejects.toThrow(/not\.parquet : pas un fichier Parquet .* \/ not a Parquet file/);
      const truncated = path.join(dir, 'truncated.parquet');
      fs.writeFileSync(truncated, fs.readFileSync(files[0][1]).subarray(0, 5000));
      const err = await ingest(t.wh, 'events', truncated).catch((e: Error) => e);
      expect(String((err as Error).message)).toMatch(/truncated\.parquet : fichier parquet illisible/);
      expect(String((err as Error).message)).not.toMatch(/\n/);
    } finally {
      await t.dispose();
    }
  });
});
