// One ingest run: read sources in batches, stage each batch in the engine, validate and convert it there, send
// rejects to quarantine, register unknown codes, and insert only rows not already stored. Recorded in ingest_runs.
// A new UTF-8 NDJSON file of events or surveys is read by the embedded engine in place instead (`ingestInPlace`).
// A re-run, an overlapping file or a run killed and restarted counts stored rows as duplicates: nothing twice.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { Warehouse } from '../warehouse/warehouse.ts';
import type { TestKillPoint } from '../config/config.ts';
import { quoteIdentifier } from '../warehouse/identifiers.ts';
import { KIND_SPECS, type Kind } from './kinds.ts';
import { detectEncoding, formatFromName, listFiles, readBatches, type Source, type StageBatch } from './readers.ts';
import { decodeToNdjson, isDecodedFormat } from './decode.ts';
import { HEARTBEAT_MS, stagingTag, sweepStoppedIngests, thisProcess } from './stopped-runs.ts';
import type { Format, Mapping } from './mapping.ts';
import {
  buildIntakeInsert, buildIntakeViews, buildNewRows, buildQuarantine, buildStagedCheck, buildStoredCheck, buildStoredSample, buildValidation, buildValidationSelect,
  columnsOf, COUNT_COLUMNS, intakeColumns, MAX_ORGS, REJECT_COLUMNS, targetColumnList, VALIDATION_SETTINGS, withJourneyFill, buildParametersFromServices,
  type ValidationOptions
} from './validate-sql.ts';

export interface IngestInput {
  source: Source;
  /** Shown in ingest_runs and quarantine: a path, 'stdin', 'api', a URL. */
  name: string;
  format: Format;
}

export interface IngestOptions {
  kind: Kind;
  inputs: readonly IngestInput[];
  mapping?: Mapping | null;
  /** Rows must belong to this organization; rows without one get it. */
  org?: string | null;
  /** Why rows must belong to `org`, for the foreign_org message: `{fr, en}` naming the folder, the option or the token. */
  orgFrom?: { fr: string; en: string };
  strict?: boolean;
  pseudonymKey?: string | null;
  batchRows?: number;
  batchBytes?: number;
  /** Label for ingest_runs.source (defaults to the first input's name). */
  label?: string;
  now?: () => Date;
  onProgress?: (p: { rows: number; bytesRead: number; source: string }) => void;
  /** Time spent per phase (benchmarks). */
  trace?: (phase: string, ms: number) => void;
  /** How many row errors the summary carries (push API: 100). */
  errorSample?: number;
  /** Line ranges (inclusive) of requests sharing this run (push buffer): the summary then carries one part each. */
  lineRanges?: readonly (readonly [number, number])[];
  /** false: every file goes through the batched path (tests compare both paths). */
  inPlace?: boolean;
  /** Longest file (lines) the in-place path takes (default IN_PLACE_MAX_LINES; tests lower it). */
  inPlaceMaxLines?: number;
  /** Excel: the sheet to read (else the mapping's `excel.sheet`, else the first). */
  sheet?: string | null;
  /** Excel: largest unzipped workbook read (config `JALON_EXCEL_MAX_UNZIPPED_BYTES`). */
  excelMaxUnzippedBytes?: number;
  /** Tests only (config `JALON_TEST_KILL_AT`): the process kills itself (SIGKILL, as a power cut) at this point. */
  killAt?: TestKillPoint | null;
}

function killHere(): never {
  process.kill(process.pid, 'SIGKILL');
  throw new Error('SIGKILL');
}

/** Default of `JALON_EXCEL_MAX_UNZIPPED_BYTES`, for callers without a configuration (tests, benchmarks). */
export const DEFAULT_EXCEL_MAX_UNZIPPED_BYTES = 200 * 1024 * 1024;

export interface PartSummary {
  read: number;
  inserted: number;
  duplicates: number;
  rejected: number;
}

export interface RowError {
  source: string;
  line: number;
  reason: string;
  message: string;
}

export interface IngestSummary {
  run_id: string;
  kind: Kind;
  status: 'ok' | 'partial' | 'failed';
  read: number;
  inserted: number;
  duplicates: number;
  rejected: number;
  rejects: { reason: string; count: number }[];
  /** The first NEW_CODES_SHOWN placeholder codes registered; the run's record (ingest_runs.new_codes) holds them all. */
  new_codes: string[];
  /** How many placeholder codes the run registered. */
  new_codes_count: number;
  errors: RowError[];
  error?: string;
  /** Per line range, when `lineRanges` was given. */
  parts?: PartSummary[];
}

/** A summary lists this many new codes (a file of 5,849 rows can register 1,100): the count and the record say the rest. */
export const NEW_CODES_SHOWN = 20;

export const DEFAULT_BATCH_ROWS = 250_000;
export const DEFAULT_BATCH_BYTES = 32 << 20;
/**
 * Largest file the in-place path takes, in lines: its duplicate check holds one 8-byte hash per staged row in a hash
 * set (128 MiB up to 8 M rows), which this bounds; a longer file goes through the batched path, whose memory follows
 * the batch. The size in bytes is a cheaper first test.
 */
const IN_PLACE_MAX_LINES = 8_000_000;
const IN_PLACE_MAX_BYTES = 2 * 1024 ** 3;

/** Resolves a CLI path (file, folder or '-') into inputs; the format comes from the option, the mapping or the name. */
export function resolveInputs(target: string, format: Format | null, stdin: NodeJS.ReadableStream = process.stdin): IngestInput[] {
  if (target === '-') return [{ source: { type: 'stream', stream: stdin as never, name: 'stdin' }, name: 'stdin', format: format ?? 'ndjson' }];
  const stat = fs.statSync(target);
  const files = stat.isDirectory() ? listFiles(target) : [target];
  return files.map((file) => {
    const f = format ?? formatFromName(file);
    if (!f) throw new Error(`${file}: format inconnu, précisez --format ndjson|csv|parquet|arrow|excel / unknown format, give --format`);
    return { source: { type: 'file', path: file }, name: path.resolve(file), format: f };
  });
}

/** When this process last swept stopped runs, per warehouse: a push flush or a file of a folder need not sweep again.
 *  A second copy of this map in another bundle only sweeps once more. */
const lastSweep = new WeakMap<Warehouse, number>();

interface Staged {
  relation: string;
  extra: Record<string, unknown>;
}

interface Prepared {
  batch: StageBatch;
  /** Where the engine reads the batch (embedded engine: a spool file); null when it goes through the staging table. */
  staged: Staged | null;
}

/** Lines of a UTF-8 NDJSON file as the engine reads them: numbered from `first`, CR stripped, blank lines skipped. */
export const LINES_RELATION = `(SELECT {first:UInt64} + _row_number AS line, if(endsWith(text, '\\r'), substring(text, 1, length(text) - 1), text) AS raw, '' AS doc
        FROM file({stage_file:String}, 'LineAsString', 'text String') WHERE NOT match(text, '^\\\\s*$'))`;

/** Writes a batch to spool slot `slot` (embedded engine) and gives the relation the engine reads it through. */
async function spoolBatch(batch: StageBatch, spoolDir: string, slot: number): Promise<Staged> {
  if (batch.type === 'lines') {
    // Raw lines: the engine reads and numbers them itself (its row number in the file), in parallel.
    const file = path.join(spoolDir, `batch-${slot}.ndjson`);
    await fs.promises.writeFile(file, batch.bytes, { mode: 0o600 });
    return { relation: LINES_RELATION, extra: { first: batch.firstLine, stage_file: file } };
  }
  // Hand the batch over as a file the engine parses in parallel (chDB's insert path is slower).
  const file = path.join(spoolDir, `batch-${slot}.tsv`);
  await fs.promises.writeFile(file, batch.tsv, { mode: 0o600 });
  return { relation: `file({stage_file:String}, 'TSVWithNames', 'line UInt64, raw String, doc String')`, extra: { stage_file: file } };
}

const iso = (d: Date) => d.toISOString().replace('T', ' ').replace('Z', '');

export async function runIngest(wh: Warehouse, options: IngestOptions): Promise<IngestSummary> {
  const now = options.now ?? (() => new Date());
  const kind = options.kind;
  const spec = KIND_SPECS[kind];
  const runId = randomUUID();
  const tag = stagingTag(runId);
  const stage = `_ingest_stage_${tag}`;
  const valid = `_ingest_valid_${tag}`;
  const fresh = `_ingest_new_${tag}`;
  const startedAt = now();
  const label = options.label ?? options.inputs.map((i) => i.name).join(', ').slice(0, 1000);
  const formatLabel = [...new Set(options.inputs.map((i) => i.format))].join(',') || 'ndjson';
  const org = options.org ?? null;
  const validationOptions = {
    org,
    strict: options.strict ?? false,
    ...(org !== null && options.orgFrom
      ? { foreignOrgReason: `ligne d’une autre organisation que ${org}, ${options.orgFrom.fr} / row for another organization than ${org}, ${options.orgFrom.en}` }
      : {})
  };
  const ranges = options.lineRanges ?? null;
  const parts: PartSummary[] = (ranges ?? []).map(() => ({ read: 0, inserted: 0, duplicates: 0, rejected: 0 }));
  const summary: IngestSummary = { run_id: runId, kind, status: 'ok', read: 0, inserted: 0, duplicates: 0, rejected: 0, rejects: [], new_codes: [], new_codes_count: 0, errors: [] };
  const newCodes: string[] = [];
  const holder = thisProcess();
  const record = async (status: string, finished: Date | null, error = '') => {
    await wh.insert('ingest_runs', [
      {
        run_id: runId, kind, source: label, format: formatLabel, org: org ?? '', started_at: iso(startedAt), finished_at: finished ? iso(finished) : null,
        status, read: summary.read, inserted: summary.inserted, duplicates: summary.duplicates, rejected: summary.rejected,
        new_codes: newCodes, error, holder, updated_at: iso(finished ?? now())
      }
    ]);
  };
  // Recorded before any staging table exists: a sweep by another process sees whose they are.
  await record('running', null);
  // On a server, other processes judge this run live by its heartbeat (ingest/stopped-runs.ts); the embedded folder is
  // this process's alone. Stopped before the final record, which must come last.
  let beat: Promise<void> = Promise.resolve();
  const heartbeat = wh.kind === 'embedded' ? null : setInterval(() => (beat = record('running', null).catch(() => undefined)), HEARTBEAT_MS);
  heartbeat?.unref();
  const stopHeartbeat = async () => {
    if (heartbeat) clearInterval(heartbeat);
    await beat;
  };
  // Staging left by stopped runs goes now and then, not on every push flush or file of a folder (once per CLI command).
  if (Date.now() - (lastSweep.get(wh) ?? 0) > 3_600_000) {
    lastSweep.set(wh, Date.now());
    // Housekeeping never fails a delivery: what it could not do, the rollups job does (and records if it fails).
    await sweepStoppedIngests(wh).catch(() => undefined);
  }
  const hasRunId = kind !== 'organizations' && kind !== 'services';
  const cols = targetColumnList(kind);
  const q = quoteIdentifier;
  let spoolDir: string | null = null;
  try {
    if (wh.kind === 'embedded') spoolDir = fs.mkdtempSync(path.join(os.tmpdir(), 'jalon-ingest-'));
    // Batches are staged in a table only without a spool folder (a server); state kinds count new rows in `fresh`.
    if (!spoolDir) await wh.command(`CREATE TABLE ${q(stage)} (line UInt64, raw String, doc String) ENGINE = Memory`);
    if (spec.uniqueness !== 'identity') await wh.command(`CREATE TABLE ${q(fresh)} (${columnsOf(kind).map((c) => `${q(c.name)} ${c.type}`).join(', ')}) ENGINE = Memory`);
    for (const original of options.inputs) {
      const decodeDir = isDecodedFormat(original.format) ? fs.mkdtempSync(path.join(os.tmpdir(), 'jalon-decode-')) : null;
      try {
        await ingestInput(original, decodeDir);
      } finally {
        if (decodeDir) fs.rmSync(decodeDir, { recursive: true, force: true });
      }
    }
    await countIdentityInserted();
    summary.duplicates = summary.read - summary.inserted - summary.rejected;
    const rejects = await wh.query<{ reason: string; count: number }>(
      'SELECT reason, toUInt64(count()) AS count FROM quarantine WHERE run_id = {run:String} GROUP BY reason ORDER BY count DESC, reason',
      { run: runId }
    );
    summary.rejects = rejects.map((r) => ({ reason: r.reason, count: Number(r.count) }));
    summary.errors = await wh.query<RowError>(
      'SELECT source, toUInt64(line) AS line, reason, message FROM quarantine WHERE run_id = {run:String} ORDER BY source, line LIMIT {n:UInt32}',
      { run: runId, n: options.errorSample ?? 100 }
    );
    summary.errors = summary.errors.map((e) => ({ ...e, line: Number(e.line) }));
    if (ranges) summary.parts = parts.map((p) => ({ ...p, duplicates: p.read - p.inserted - p.rejected }));
    summary.status = summary.rejected > 0 ? 'partial' : 'ok';
    await stopHeartbeat();
    await record(summary.status, now());
    return summary;
  } catch (err) {
    summary.status = 'failed';
    summary.error = err instanceof Error ? ((err as { toLine?: () => string }).toLine?.() ?? err.message) : String(err);
    await countIdentityInserted().catch(() => undefined);
    summary.duplicates = summary.read - summary.inserted - summary.rejected;
    await stopHeartbeat();
    await record('failed', now(), summary.error).catch(() => undefined);
    throw Object.assign(err instanceof Error ? err : new Error(String(err)), { summary });
  } finally {
    await stopHeartbeat();
    for (const t of [stage, valid, fresh]) await wh.command(`DROP TABLE IF EXISTS ${q(t)}`).catch(() => undefined);
    if (spoolDir) fs.rmSync(spoolDir, { recursive: true, force: true });
  }

  /**
   * One input through the pipeline. Parquet, Arrow and Excel are first decoded to an NDJSON spool file in `decodeDir`
   * (line k = row k) and then take the NDJSON path like any file, in place when it fits.
   */
  async function ingestInput(original: IngestInput, decodeDir: string | null): Promise<void> {
    let input = original;
    let mapping = options.mapping ?? null;
    if (decodeDir && isDecodedFormat(original.format)) {
      const t = performance.now();
      const file = await decodeToNdjson(wh, original.source, original.format, {
        name: original.name,
        sheet: options.sheet ?? mapping?.excel?.sheet ?? null,
        maxUnzippedBytes: options.excelMaxUnzippedBytes ?? DEFAULT_EXCEL_MAX_UNZIPPED_BYTES,
        spoolDir: decodeDir
      });
      options.trace?.('decode', performance.now() - t);
      input = { source: { type: 'file', path: file }, name: original.name, format: 'ndjson' };
      // The spool is UTF-8 NDJSON whatever the mapping says of CSV.
      if (mapping?.csv) mapping = { ...mapping, csv: undefined };
    }
    if (inPlaceCandidate(input) && (await ingestInPlace(input))) return;
    const batches = readBatches(input.source, {
      format: input.format,
      mapping,
      pseudonymKey: options.pseudonymKey ?? null,
      batchRows: options.batchRows ?? DEFAULT_BATCH_ROWS,
      batchBytes: options.batchBytes ?? DEFAULT_BATCH_BYTES,
      rawLines: wh.kind === 'embedded'
    });
    // Read the next batch and write its spool file while the engine works on the current one: two spool slots,
    // so the file of batch i+1 is written while batch i's file is read, and a slot is reused only once its batch is done.
    let slot = 0;
    const prepare = async (): Promise<Prepared | null> => {
      const item = await batches.next();
      if (item.done) return null;
      const t = performance.now();
      const staged = spoolDir ? await spoolBatch(item.value, spoolDir, slot++ % 2) : null;
      if (staged) options.trace?.('stage', performance.now() - t);
      return { batch: item.value, staged };
    };
    let next = prepare();
    for (;;) {
      const waited = performance.now();
      const item = await next;
      options.trace?.('wait', performance.now() - waited);
      if (!item) break;
      next = prepare();
      next.catch(() => undefined); // surfaced when awaited
      await processBatch(item, input.name);
    }
  }

  async function processBatch({ batch, staged }: Prepared, source: string): Promise<void> {
    let t0 = performance.now();
    const lap = (phase: string) => {
      const t = performance.now();
      options.trace?.(phase, t - t0);
      t0 = t;
    };
    let relation: string;
    let extra: Record<string, unknown> = {};
    if (staged) ({ relation, extra } = staged);
    else if (batch.type === 'lines') throw new Error('raw line batches need the embedded engine');
    else {
      await wh.command(`TRUNCATE TABLE ${q(stage)}`);
      await wh.insertRaw(stage, batch.tsv, 'TSVWithNames', { settings: { input_format_tsv_empty_as_default: 1 } });
      relation = q(stage);
    }
    lap('stage');
    const validate = async (opts: ValidationOptions) => {
      await wh.command(`DROP TABLE IF EXISTS ${q(valid)}`);
      const v = buildValidation(kind, relation, valid, opts);
      await wh.command(v.sql, { ...v.params, ...extra }, { settings: { input_format_tsv_empty_as_default: 1 } });
    };
    await validate(validationOptions);
    // A new service code that valid rows send for more than one organization belongs to the first that sent it, as it
    // would if the others came in a later batch: their rows are validated again and go to quarantine (foreign_service).
    const claims = await claimedCodes();
    if (claims) await validate({ ...validationOptions, claims });
    lap('validate');
    const [counts] = await wh.query<{ read: number; rejected: number }>(
      `SELECT toUInt64(count()) AS read, toUInt64(countIf(reason != '')) AS rejected FROM ${q(valid)}`
    );
    if (Number(counts.rejected) > 0) {
      const qs = buildQuarantine(kind, q(valid), source, runId);
      await wh.command(qs.sql, qs.params);
    }
    lap('quarantine');
    if (!options.strict) await registerPlaceholders(`(SELECT * FROM ${q(valid)} WHERE reason = '')`, {});
    lap('placeholders');
    if (ranges) await countParts();
    const n = buildNewRows(kind, valid);
    if (spec.uniqueness === 'identity') {
      // Identity rows go straight in; they are counted by run id at the end (no stored key is ever inserted twice).
      await wh.command(`INSERT INTO ${q(spec.table)} (${cols}, run_id) SELECT ${cols}, {run:String} FROM (${withJourneyFill(kind, n.sql)})`, { ...n.params, run: runId });
      lap('insert');
    } else {
      // State rows are few: count them exactly before they go in (merges may fold corrections later).
      await wh.command(`TRUNCATE TABLE ${q(fresh)}`);
      await wh.command(`INSERT INTO ${q(fresh)} (${cols}) ${n.sql}`, n.params, { settings: { transform_null_in: 1 } });
      const [added] = await wh.query<{ n: number }>(`SELECT toUInt64(count()) AS n FROM ${q(fresh)}`);
      lap('dedupe');
      if (Number(added.n) > 0) {
        await wh.command(
          hasRunId
            ? `INSERT INTO ${q(spec.table)} (${cols}, run_id) SELECT ${cols}, {run:String} FROM ${q(fresh)}`
            : `INSERT INTO ${q(spec.table)} (${cols}) SELECT ${cols} FROM ${q(fresh)}`,
          { run: runId }
        );
        // Baselines and unit costs sent on services become value-created parameters (nothing sent is ignored).
        if (kind === 'services') await wh.command(buildParametersFromServices(fresh), { run: runId }, { settings: { transform_null_in: 1 } });
      }
      lap('insert');
      summary.inserted += Number(added.n);
    }
    summary.read += Number(counts.read);
    summary.rejected += Number(counts.rejected);
    // Tests: killed once a batch has landed and before the next (a delivery half stored, its staging table left behind).
    if (options.killAt === 'after-first-batch') killHere();
    options.onProgress?.({ rows: summary.read, bytesRead: batch.bytesRead, source });
  }

  /** The in-place path fits: the embedded engine can read the file itself, and nothing needs JavaScript. */
  function inPlaceCandidate(input: IngestInput): boolean {
    if (options.inPlace === false || !spoolDir || ranges || options.mapping || input.format !== 'ndjson' || input.source.type !== 'file') return false;
    if (spec.uniqueness !== 'identity') return false;
    const size = fs.statSync(input.source.path).size;
    if (size === 0 || size > IN_PLACE_MAX_BYTES) return false;
    // The same encoding test as the batched reader, on the same first bytes (its first 4 MiB chunk).
    const fd = fs.openSync(input.source.path, 'r');
    try {
      const head = Buffer.alloc(Math.min(size, 4 << 20));
      fs.readSync(fd, head, 0, head.length, 0);
      return detectEncoding(head) === 'utf-8';
    } finally {
      fs.closeSync(fd);
    }
  }

  /**
   * A whole UTF-8 NDJSON file of an identity kind, read by the engine in place, in one pass: one `INSERT … SELECT`
   * validates every line into an intake whose views put the valid rows in a private copy of the kind's table (with
   * private copies of the rollups its views feed) and the rejects in a rejects table. If no two staged rows share a key
   * and no stored row of their organizations falls in their time range, the staged parts are attached to the table and
   * the rollups as they are (no view runs twice, none sees a row twice), and the rejects go to quarantine. The batched
   * path would insert exactly these rows: none is already stored nor repeated, so its look-up finds nothing. Returns
   * false (nothing written) when the check fails, or when one of the first lines' keys is already stored (a file sent
   * again: not worth staging): the batched path then reads the file.
   */
  async function ingestInPlace(input: IngestInput): Promise<boolean> {
    if (input.source.type !== 'file') return false;
    let t0 = performance.now();
    const lap = (phase: string) => {
      const t = performance.now();
      options.trace?.(phase, t - t0);
      t0 = t;
    };
    const views = await viewsOf(spec.table);
    if (!views) return false;
    const at = { first: 1, stage_file: path.resolve(input.source.path) };
    const sample = buildStoredSample(kind, LINES_RELATION, validationOptions);
    if ((await wh.query(sample.sql, { ...sample.params, ...at, sample: 1000 }, { settings: { storage_file_read_method: 'pread' } })).length) return false;
    lap('stored_sample');
    // chDB maps the file by default: the pages read count in resident memory (the whole file by the end) and it was
    // 2–3 times slower than pread on a 1.4 GB file. Parallel parsing of lines cost memory (about 100 MB) and, on two
    // cores, time: the work is in the SQL after the split.
    const fileRead = { storage_file_read_method: 'pread', input_format_parallel_parsing: 0 };
    // Two insert pipelines: the MergeTree write and the rollup views otherwise run on one core after the validation.
    // Smaller blocks, read and inserted: the intake's views hold several copies of each block (intake, table copy,
    // rollup copy, per pipeline); with 64 k-row reads and 256 k-row inserts the process peaked at 1.24 GB on a 1.4 GB
    // file, 0.83 GB with these, at the same speed within the noise (docs/benchmarks.md).
    const insertBlocks = { min_insert_block_size_rows: 131_072, min_insert_block_size_bytes: 32 << 20, max_insert_threads: 2, max_block_size: 16_384 };
    const maxLines = options.inPlaceMaxLines ?? IN_PLACE_MAX_LINES;
    const intake = `_ingest_in_${tag}`;
    const rows = `_ingest_rows_${tag}`;
    const rejects = `_ingest_rej_${tag}`;
    const counts = `_ingest_counts_${tag}`;
    const viewNames: [string, string, string] = [`_ingest_mv0_${tag}`, `_ingest_mv1_${tag}`, `_ingest_mv2_${tag}`];
    const staged = views.map((v, i) => ({ ...v, copy: `_ingest_ro${i}_${tag}`, view: `_ingest_mv${i + 3}_${tag}` }));
    try {
      // The copies are made `AS` the originals (same columns, key, partitioning and indexes): their parts attach as they are.
      await wh.command(`CREATE TABLE ${q(rows)} AS ${q(spec.table)}`);
      for (const v of staged) {
        await wh.command(`CREATE TABLE ${q(v.copy)} AS ${q(v.target)}`);
        await wh.command(`CREATE MATERIALIZED VIEW ${q(v.view)} TO ${q(v.copy)} AS ${v.select(rows)}`);
      }
      await wh.command(`CREATE TABLE ${q(rejects)} (${REJECT_COLUMNS}) ENGINE = MergeTree ORDER BY line`);
      await wh.command(`CREATE TABLE ${q(counts)} (${COUNT_COLUMNS}) ENGINE = MergeTree ORDER BY tuple()`);
      await wh.command(`CREATE TABLE ${q(intake)} (${intakeColumns(kind)}) ENGINE = Null`);
      for (const sql of buildIntakeViews(kind, intake, rows, rejects, counts, viewNames)) await wh.command(sql);
      const v = buildValidationSelect(kind, LINES_RELATION, validationOptions);
      // Tests: killed while the engine writes the staged copies (or as soon as it is done, on a file too small to catch).
      const killer = options.killAt === 'staged-insert' ? setTimeout(killHere, 50) : null;
      await wh.command(buildIntakeInsert(kind, intake, v.sql), { ...v.params, ...at, run: runId }, { settings: { ...fileRead, ...insertBlocks, ...VALIDATION_SETTINGS } });
      if (killer) killHere();
      lap('staged_insert');
      const [c] = await wh.query<{ valid: number; rejected: number; distinct_keys: number; staged: number; time_min: string; time_max: string; orgs: string[]; shared_codes: number }>(
        buildStagedCheck(kind, rows, counts)
      );
      const inserted = Number(c.valid);
      const rejected = Number(c.rejected);
      if (inserted + rejected > maxLines || Number(c.distinct_keys) !== inserted || Number(c.staged) !== inserted || c.orgs.length > MAX_ORGS || Number(c.shared_codes) > 0) return false;
      if (c.orgs.length && (await wh.query(buildStoredCheck(kind), { orgs: c.orgs, time_min: c.time_min, time_max: c.time_max })).length) return false;
      lap('check');
      // The table first: stopped between the two, the rollups miss rows rather than count rows the table lacks (which a
      // restart would feed them again). A rollup short of its table is not current, so figures come from the raw tables
      // (exact), until the next rollup refresh rebuilds the days it misses (metrics/rollups.ts); the copies left behind
      // are dropped and the run recorded failed by the next ingest or rollups job (ingest/stopped-runs.ts). Rejects and
      // new codes come after: sending the stopped file again records them once, as one clean run would.
      if (inserted > 0) {
        await wh.command(`ALTER TABLE ${q(spec.table)} ATTACH PARTITION ALL FROM ${q(rows)}`);
        if (options.killAt === 'between-attaches') killHere();
        for (const v of staged) await wh.command(`ALTER TABLE ${q(v.target)} ATTACH PARTITION ALL FROM ${q(v.copy)}`);
      }
      lap('insert');
      if (rejected > 0) {
        const qs = buildQuarantine(kind, q(rejects), input.name, runId);
        await wh.command(qs.sql, qs.params);
      }
      lap('quarantine');
      if (!options.strict) await registerPlaceholders(q(rows), {});
      lap('placeholders');
      summary.read += inserted + rejected;
      summary.rejected += rejected;
      options.onProgress?.({ rows: summary.read, bytesRead: fs.statSync(input.source.path).size, source: input.name });
      return true;
    } finally {
      for (const name of [...viewNames, ...staged.map((v) => v.view)]) await wh.command(`DROP VIEW IF EXISTS ${q(name)}`).catch(() => undefined);
      for (const name of [intake, rows, rejects, counts, ...staged.map((v) => v.copy)]) await wh.command(`DROP TABLE IF EXISTS ${q(name)}`).catch(() => undefined);
    }
  }

  /**
   * The materialized views that read `table`, each as its target and its SELECT made to read another table instead;
   * null when a view's SELECT does not name `table` exactly once as the engine shows it (then the batched path runs).
   */
  async function viewsOf(table: string): Promise<{ target: string; select: (from: string) => string }[] | null> {
    const rows = await wh.query<{ name: string; create_table_query: string; as_select: string; db: string }>(
      `SELECT name, create_table_query, as_select, currentDatabase() AS db FROM system.tables
       WHERE database = currentDatabase() AND engine = 'MaterializedView'
         AND name IN (SELECT arrayJoin(dependencies_table) FROM system.tables WHERE database = currentDatabase() AND name = {table:String})`,
      { table }
    );
    const out: { target: string; select: (from: string) => string }[] = [];
    for (const r of rows) {
      const source = `FROM ${r.db}.${table} `;
      const target = new RegExp(`^CREATE MATERIALIZED VIEW \\S+ TO ${r.db.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.([a-z_][a-z0-9_]*) `).exec(r.create_table_query)?.[1];
      const select = `${r.as_select} `;
      if (!target || select.split(source).length !== 2) return null;
      out.push({ target, select: (from) => select.replace(source, `FROM ${q(from)} `) });
    }
    return out;
  }

  async function countParts(): Promise<void> {
    const rows = await wh.query<{ line: number; rejected: number }>(`SELECT toUInt64(line) AS line, toUInt8(reason != '') AS rejected FROM ${q(valid)}`);
    const fresh = buildNewRows(kind, valid, true);
    const added = await wh.query<{ line: number }>(`SELECT toUInt64(line) AS line FROM (${fresh.sql})`, fresh.params, { settings: { transform_null_in: 1 } });
    const part = (line: number) => (ranges ?? []).findIndex(([a, b]) => line >= a && line <= b);
    for (const r of rows) {
      const p = parts[part(Number(r.line))];
      if (!p) continue;
      p.read++;
      if (Number(r.rejected)) p.rejected++;
    }
    for (const r of added) {
      const p = parts[part(Number(r.line))];
      if (p) p.inserted++;
    }
  }

  async function countIdentityInserted(): Promise<void> {
    if (spec.uniqueness !== 'identity') return;
    const [row] = await wh.query<{ n: number }>(`SELECT toUInt64(count()) AS n FROM ${q(spec.table)} WHERE run_id = {run:String}`, { run: runId });
    summary.inserted = Number(row.n);
  }

  function noteNewCodes(codes: readonly string[]): void {
    newCodes.push(...codes);
    summary.new_codes = newCodes.slice(0, NEW_CODES_SHOWN);
    summary.new_codes_count = newCodes.length;
  }

  /** New service codes the valid rows of the batch send for more than one organization, each with the organization
   *  of its first line; null when there are none (always with a token or --org: one organization). */
  async function claimedCodes(): Promise<Record<string, string> | null> {
    const field = kind === 'services' ? 'code' : spec.serviceField;
    if (!field || validationOptions.org !== null) return null;
    const org = q(spec.orgField);
    const svc = q(field);
    const rows = await wh.query<{ code: string; owner: string }>(
      `SELECT ${svc} AS code, argMin(${org}, line) AS owner FROM ${q(valid)}
       WHERE reason = '' AND ${svc} != '' AND ${svc} NOT IN (SELECT code FROM services)
       GROUP BY code HAVING uniqExact(${org}) > 1`
    );
    return rows.length ? Object.fromEntries(rows.map((r) => [r.code, r.owner])) : null;
  }

  /** Registers the unknown organization and service codes of the valid rows in `rows` (a relation). */
  async function registerPlaceholders(rows: string, params: Record<string, unknown>): Promise<void> {
    if (kind === 'organizations') return;
    const orgCol = q(spec.orgField);
    const orgs = await wh.query<{ code: string }>(
      `SELECT DISTINCT ${orgCol} AS code FROM ${rows} WHERE ${orgCol} NOT IN (SELECT code FROM organizations) ORDER BY code`,
      params
    );
    if (orgs.length) {
      await wh.insert('organizations', orgs.map((o) => ({ code: o.code, name_fr: o.code, name_en: o.code, placeholder: true })));
      noteNewCodes(orgs.map((o) => o.code));
    }
    if (!spec.serviceField) return;
    const svc = q(spec.serviceField);
    const services = await wh.query<{ org: string; code: string }>(
      `SELECT DISTINCT ${orgCol} AS org, ${svc} AS code FROM ${rows}
       WHERE ${svc} != '' AND (${orgCol}, ${svc}) NOT IN (SELECT org, code FROM services) ORDER BY org, code`,
      params
    );
    if (services.length) {
      const today = now().toISOString().slice(0, 10);
      await wh.insert('services', services.map((s) => ({ org: s.org, code: s.code, name_fr: s.code, name_en: s.code, launched_on: today, placeholder: true })));
      noteNewCodes(services.map((s) => `${s.org}/${s.code}`));
    }
  }
}
