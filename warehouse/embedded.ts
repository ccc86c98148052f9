// Embedded adapter: ClickHouse in this process through chDB, data in a local folder.
// One process may hold a folder: we record the holder in `jalon.lock` so a second process gets one clear line
// instead of chDB's "Cannot lock file .../status". chdb is imported lazily (it must never load in a worker thread).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { tableFromIPC, tableToIPC, type Table } from 'apache-arrow';
import { parseJsonEachRow } from './json-rows.ts';
import type { InsertSummary, IsolatedQueryOptions, QueryOptions, QueryParams, RawInsertFormat, Warehouse } from './warehouse.ts';
import { WarehouseError, assertSettingName, resultTooLarge, toWarehouseError } from './warehouse.ts';
import { quoteIdentifier } from './identifiers.ts';

type ChdbModule = typeof import('chdb');
type ChdbSession = InstanceType<ChdbModule['Session']>;

export interface EmbeddedOptions {
  dataDir: string;
  database: string;
  /** Written into the lock file so another process can say who holds the folder (e.g. the server URL). */
  holder?: string;
  /** Nice value (0–19) of the engine's query and materialized-view threads, which run in this process beside the server's
   *  JavaScript thread: a higher value lets that thread (a cached page, a sign-in) run first when both want a core. Needs
   *  CAP_SYS_NICE (the engine checks it; without it the setting does nothing). Undefined: the engine's default, 0. */
  threadNice?: number;
}

interface LockInfo {
  pid: number;
  holder: string;
  since: string;
}

export const LOCK_FILE = 'jalon.lock';

/** Whether a process with this id runs (EPERM: it runs, as another user). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function lockedError(dataDir: string, info: LockInfo | null): WarehouseError {
  const who = info ? `${info.holder} (pid ${info.pid})` : 'un autre processus / another process';
  return new WarehouseError(
    `Le dossier de données ${dataDir} est déjà ouvert par ${who} / data folder ${dataDir} is already held by ${who}`,
    {
      type: 'DATA_DIR_LOCKED',
      code: 76,
      hint: info?.holder.startsWith('jalon serve')
        ? `passez par ce serveur, ou arrêtez-le / use that server, or stop it`
        : `arrêtez ce processus ou utilisez un autre JALON_DATA_DIR / stop it or use another JALON_DATA_DIR`
    }
  );
}

function readLock(file: string): LockInfo | null {
  try {
    const info = JSON.parse(fs.readFileSync(file, 'utf8')) as LockInfo;
    return typeof info.pid === 'number' ? info : null;
  } catch {
    return null;
  }
}

/** Claims the data folder for this process, or throws DATA_DIR_LOCKED naming who holds it. */
function claimFolder(dataDir: string, holder: string): string {
  fs.mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, LOCK_FILE);
  const info: LockInfo = { pid: process.pid, holder, since: new Date().toISOString() };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(file, JSON.stringify(info), { flag: 'wx' });
      return file;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw toWarehouseError(err, `lock ${file}`);
      const current = readLock(file);
      if (current && current.pid !== process.pid && isAlive(current.pid)) throw lockedError(dataDir, current);
      fs.rmSync(file, { force: true }); // stale: its process is gone
    }
  }
  throw lockedError(dataDir, readLock(file));
}

/** Names this process's holding of `dataDir` anew once more is known (`jalon serve --port 0` learns its port after the
 *  folder is open): written whole under another name then renamed, so a reader never sees half of it. */
export function describeHolder(dataDir: string, holder: string): void {
  const file = path.join(dataDir, LOCK_FILE);
  const current = readLock(file);
  if (current?.pid !== process.pid) return;
  const next = `${file}.${process.pid}`;
  fs.writeFileSync(next, JSON.stringify({ ...current, holder }));
  fs.renameSync(next, file);
}

/** Appends per-query settings as a SETTINGS clause (chDB takes no per-query settings otherwise). */
function withSettings(sql: string, settings: QueryOptions['settings']): string {
  if (!settings || Object.keys(settings).length === 0) return sql;
  const parts = Object.entries(settings).map(([k, v]) => {
    assertSettingName(k);
    const value = typeof v === 'number' ? String(v) : typeof v === 'boolean' ? (v ? '1' : '0') : `'${String(v).replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
    return `${k} = ${value}`;
  });
  return `${sql.replace(/;\s*$/, '')}\nSETTINGS ${parts.join(', ')}`;
}

/** chDB binds parameters from their text form: dates become UTC text, the rest is left to the binding. */
function normalizeParams(params: QueryParams | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(params ?? {})) out[k] = v instanceof Date ? v.toISOString().replace('T', ' ').replace('Z', '') : v;
  return out;
}

/** Opens a chDB connection on a folder; chdb is imported here, lazily (never in a worker thread). */
async function connect(dataDir: string, threadNice: number | undefined): Promise<ChdbSession> {
  const { Session } = await import('chdb');
  const nice = threadNice ? [`--os_threads_nice_value_query=${threadNice}`, `--os_threads_nice_value_materialized_view=${threadNice}`] : [];
  return new Session(dataDir, { connectionArgs: ['--output_format_json_quote_64bit_integers=0', ...nice] });
}

export class EmbeddedWarehouse implements Warehouse {
  readonly kind = 'embedded' as const;
  readonly database: string;
  readonly location: string;
  private readonly session: ChdbSession;
  private readonly lockFile: string;
  private closed = false;
  /** Extra connections to the same folder whose current database is another one (QueryOptions.database). */
  private readonly others = new Map<string, Promise<ChdbSession>>();
  /** Idle connections kept for isolated queries, per current database; a busy one is in `isolatedBusy`. */
  private readonly isolatedIdle = new Map<string, ChdbSession[]>();
  private readonly isolatedBusy = new Set<ChdbSession>();
  /** Streams of isolated queries running now, by query id (cancelQuery). */
  private readonly isolatedStreams = new Map<string, { cancel(): void }>();
  /**
   * Calls into the engine not yet answered. `close` waits for them: a process that exits while one runs (a page being
   * prepared when the server stops) crashed with a segmentation fault in the engine's teardown, 3 times in 4 after a
   * fresh demo load.
   */
  private readonly inFlight = new Set<Promise<unknown>>();

  private tracked<T>(call: Promise<T>): Promise<T> {
    this.inFlight.add(call);
    const done = () => this.inFlight.delete(call);
    call.then(done, done);
    return call;
  }

  private constructor(session: ChdbSession, database: string, dataDir: string, lockFile: string, private readonly threadNice: number | undefined) {
    this.session = session;
    this.database = database;
    this.location = dataDir;
    this.lockFile = lockFile;
  }

  static async open(options: EmbeddedOptions): Promise<EmbeddedWarehouse> {
    quoteIdentifier(options.database);
    const dataDir = path.resolve(options.dataDir);
    const lockFile = claimFolder(dataDir, options.holder ?? `jalon ${process.argv.slice(2, 3).join(' ') || 'process'}`);
    let session: ChdbSession;
    try {
      session = await connect(dataDir, options.threadNice);
    } catch (err) {
      fs.rmSync(lockFile, { force: true });
      const text = `${(err as Error).message} ${String((err as { cause?: Error }).cause?.message ?? '')}`;
      if (/only one active data directory per process/i.test(text)) {
        throw new WarehouseError(`Ce processus a déjà un autre dossier de données ouvert / this process already has another data folder open (${dataDir})`, {
          type: 'EMBEDDED_ONE_FOLDER',
          hint: "chDB n'ouvre qu'un dossier par processus : fermez l'autre entrepôt d'abord / chDB opens one folder per process: close the other warehouse first",
          cause: err
        });
      }
      if (/lock/i.test(text)) throw lockedError(dataDir, null);
      throw toWarehouseError(err, `open ${dataDir}`);
    }
    const wh = new EmbeddedWarehouse(session, options.database, dataDir, lockFile, options.threadNice);
    try {
      await session.queryAsync(`CREATE DATABASE IF NOT EXISTS ${quoteIdentifier(options.database)}`);
      await session.queryAsync(`USE ${quoteIdentifier(options.database)}`);
    } catch (err) {
      await wh.close();
      throw toWarehouseError(err, `open ${dataDir}`);
    }
    return wh;
  }

  private check(): void {
    if (this.closed) throw new WarehouseError('warehouse closed', { type: 'WAREHOUSE_CLOSED' });
  }

  /** A connection whose current database is `database`: chDB connections to the same folder coexist, each with its own `USE`. */
  private sessionFor(database: string | undefined): Promise<ChdbSession> {
    if (database === undefined || database === this.database) return Promise.resolve(this.session);
    const quoted = quoteIdentifier(database);
    let pending = this.others.get(database);
    if (!pending) {
      pending = (async () => {
        const other = await connect(this.location, this.threadNice);
        await other.queryAsync(`USE ${quoted}`);
        return other;
      })();
      pending.catch(() => this.others.delete(database));
      this.others.set(database, pending);
    }
    return pending;
  }

  private async run(sql: string, params: QueryParams | undefined, format: string, options: QueryOptions | undefined) {
    this.check();
    const text = withSettings(sql, options?.settings);
    const opts = { format, ...(options?.signal ? { signal: options.signal } : {}) };
    try {
      const session = await this.sessionFor(options?.database);
      return await this.tracked(params && Object.keys(params).length ? session.queryBindAsync(text, normalizeParams(params), opts) : session.queryAsync(text, opts));
    } catch (err) {
      throw toWarehouseError(err, 'query');
    }
  }

  /** An idle isolated connection whose current database is `database`, or a new one (chDB runs one query at a time
   * per connection: a query that shares one waits for the other). */
  private async takeIsolated(database: string): Promise<ChdbSession> {
    const idle = this.isolatedIdle.get(database)?.pop();
    const session = idle ?? (await connect(this.location, this.threadNice));
    this.isolatedBusy.add(session);
    if (!idle) {
      try {
        await session.queryAsync(`USE ${quoteIdentifier(database)}`);
      } catch (err) {
        this.isolatedBusy.delete(session);
        session.close();
        throw toWarehouseError(err, 'query');
      }
    }
    return session;
  }

  private releaseIsolated(database: string, session: ChdbSession): void {
    this.isolatedBusy.delete(session);
    const idle = this.isolatedIdle.get(database) ?? [];
    if (this.closed || idle.length >= 4) session.close();
    else {
      idle.push(session);
      this.isolatedIdle.set(database, idle);
    }
  }

  async queryIsolated<T = Record<string, unknown>>(sql: string, options: IsolatedQueryOptions): Promise<T[]> {
    this.check();
    quoteIdentifier(options.database);
    const session = await this.takeIsolated(options.database);
    const rows: T[] = [];
    try {
      // Streaming: the answer is read block by block, so an oversized one is stopped after the block that passes the
      // cap instead of being held whole; cancelling the stream stops the engine between blocks.
      const stream = session.queryStream(sql, { format: 'JSONEachRow', ...(options.signal ? { signal: options.signal } : {}) });
      this.isolatedStreams.set(options.queryId, stream);
      let bytes = 0;
      for await (const chunk of stream) {
        bytes += chunk.numBytes;
        if (bytes > options.maxResultBytes) {
          stream.cancel();
          throw resultTooLarge(options.maxResultBytes);
        }
        for (const line of chunk.text().split('\n')) if (line) rows.push(JSON.parse(line) as T);
      }
      return rows;
    } catch (err) {
      throw toWarehouseError(err, 'query');
    } finally {
      this.isolatedStreams.delete(options.queryId);
      this.releaseIsolated(options.database, session);
    }
  }

  async cancelQuery(queryId: string): Promise<void> {
    this.isolatedStreams.get(queryId)?.cancel();
  }

  async query<T = Record<string, unknown>>(sql: string, params?: QueryParams, options?: QueryOptions): Promise<T[]> {
    const result = await this.run(sql, params, 'JSONEachRow', options);
    return parseJsonEachRow<T>(result.text());
  }

  async queryArrow(sql: string, params?: QueryParams, options?: QueryOptions): Promise<Table> {
    // apache-arrow in JS reads no compressed record batches.
    const result = await this.run(sql, params, 'ArrowStream', { ...options, settings: { output_format_arrow_compression_method: 'none', ...(options?.settings ?? {}) } });
    return tableFromIPC(result.bytes());
  }

  async command(sql: string, params?: QueryParams, options?: QueryOptions): Promise<void> {
    await this.run(sql, params, 'CSV', options);
  }

  async insert(table: string, rows: readonly Readonly<Record<string, unknown>>[], options?: QueryOptions): Promise<InsertSummary> {
    if (rows.length === 0) return { rowsWritten: 0 };
    const payload = rows.map((r) => JSON.stringify(r)).join('\n') + '\n';
    return this.insertRaw(table, Buffer.from(payload), 'JSONEachRow', options);
  }

  async insertRaw(table: string, payload: Buffer | string, format: RawInsertFormat, options?: QueryOptions): Promise<InsertSummary> {
    this.check();
    quoteIdentifier(table);
    for (const k of Object.keys(options?.settings ?? {})) assertSettingName(k);
    try {
      const summary = await this.tracked(this.session.insert({
        table: `${this.database}.${table}`,
        values: typeof payload === 'string' ? Buffer.from(payload) : payload,
        format,
        settings: { date_time_input_format: 'best_effort', input_format_skip_unknown_fields: 1, ...(options?.settings ?? {}) }
      }));
      return { rowsWritten: summary.rowsSent ?? summary.rowsWritten };
    } catch (err) {
      throw toWarehouseError(err, `insert into ${table}`);
    }
  }

  async insertArrow(table: string, data: Table, options?: QueryOptions): Promise<InsertSummary> {
    this.check();
    if (data.numRows === 0) return { rowsWritten: 0 };
    const columns = data.schema.fields.map((f) => quoteIdentifier(f.name)).join(', ');
    // chDB takes no Arrow payload directly: hand it over through a private temporary file.
    const file = path.join(os.tmpdir(), `jalon-arrow-${process.pid}-${randomUUID()}.arrow`);
    fs.writeFileSync(file, tableToIPC(data, 'file'), { mode: 0o600 });
    try {
      await this.command(
        `INSERT INTO ${quoteIdentifier(table)} (${columns}) SELECT ${columns} FROM file({file:String}, 'Arrow')`,
        { file },
        options
      );
      return { rowsWritten: data.numRows };
    } finally {
      fs.rmSync(file, { force: true });
    }
  }

  async ping(): Promise<{ version: string }> {
    const [row] = await this.query<{ version: string }>('SELECT version() AS version');
    return { version: row.version };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      // New calls are refused from here (check()); those under way end first (an aborted one may still run inside the
      // engine after its promise settled: its signal's caller waits no longer, and neither can this).
      while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
      while (this.isolatedBusy.size > 0) await new Promise((r) => setTimeout(r, 20));
      for (const pending of this.others.values()) {
        const other = await pending.catch(() => null);
        other?.close();
      }
      this.others.clear();
      for (const idle of this.isolatedIdle.values()) for (const other of idle) other.close();
      this.isolatedIdle.clear();
      // Busy isolated connections are closed by releaseIsolated when their query ends (chDB defers the teardown of
      // a connection whose query still runs).
      this.session.close();
    } finally {
      const current = readLock(this.lockFile);
      if (current?.pid === process.pid) fs.rmSync(this.lockFile, { force: true });
    }
  }
}
