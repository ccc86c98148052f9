// The one Warehouse interface every other folder uses to reach ClickHouse, and its typed error.
// Adapters (embedded chDB, ClickHouse server, cluster of servers) live beside it; `open-warehouse.ts` chooses one from configuration.
import type { Table } from 'apache-arrow';

/** Values bound to `{name:Type}` placeholders; they never enter the SQL text. */
export type QueryParams = Readonly<Record<string, unknown>>;

export interface QueryOptions {
  /** Abort the query (server: cancels it; embedded: the promise rejects, the engine finishes in the background). */
  signal?: AbortSignal;
  /** Engine settings for this query only, e.g. `{ max_execution_time: 5 }`. Names must be plain identifiers. */
  settings?: Readonly<Record<string, string | number | boolean>>;
  /** Server only: the query id, so a query can be found or killed. */
  queryId?: string;
  /**
   * Current database for this query instead of `Warehouse.database` (a plain identifier), so unqualified names
   * resolve there. The analyst sandbox runs in the curated views' own database with it (access/sql-sandbox.ts).
   */
  database?: string;
  /**
   * `command` only. On a cluster: run the statement on every shard at once, against the shard's own tables
   * (unqualified names resolve in its local database), instead of once through the Distributed tables: for work that
   * is exact per shard because an organization's rows all live on one shard (the refreshed rollups). On one server
   * or the embedded engine, that one engine is the one shard: the statement runs once, as usual.
   */
  eachShard?: boolean;
}

/** One query run apart from every other (the analyst sandbox): its own connection, its own id, a cap on its answer. */
export interface IsolatedQueryOptions {
  /** Current database (a plain identifier). */
  database: string;
  /** Identifies the query so `cancelQuery` can stop it. */
  queryId: string;
  /** Bytes of answer (as the engine encodes it) after which the query is stopped with RESULT_TOO_LARGE. */
  maxResultBytes: number;
  /** Stops the query between blocks (server: the request is dropped and the query killed). */
  signal?: AbortSignal;
  /** Engine settings of the adapter itself (the cluster's distributed-query settings), never the caller's. */
  settings?: Record<string, string | number | boolean>;
}

export interface InsertSummary {
  rowsWritten: number;
}

export type RawInsertFormat = 'JSONEachRow' | 'CSVWithNames' | 'TSVWithNames';

export interface Warehouse {
  readonly kind: 'embedded' | 'server' | 'cluster';
  /** The database holding Jalon's tables (current database of every query). */
  readonly database: string;
  /** Human description for logs: the data folder or the server URL (never a password). */
  readonly location: string;
  /** Runs a SELECT and returns its rows as objects (JSONEachRow; 64-bit integers as numbers). */
  query<T = Record<string, unknown>>(sql: string, params?: QueryParams, options?: QueryOptions): Promise<T[]>;
  /** Runs a SELECT and returns an Arrow table (columnar; for large results and exports). */
  queryArrow(sql: string, params?: QueryParams, options?: QueryOptions): Promise<Table>;
  /**
   * Runs a SELECT on a connection no other query uses meanwhile (embedded: a pooled connection of its own; server:
   * its own request and query id), reading the answer as a stream and stopping the query once it passes
   * `maxResultBytes` (WarehouseError code 396, type RESULT_TOO_LARGE). Settles only when the engine has stopped.
   */
  queryIsolated<T = Record<string, unknown>>(sql: string, options: IsolatedQueryOptions): Promise<T[]>;
  /** Asks the engine to stop a query started by `queryIsolated` (between blocks); no-op when it has ended. */
  cancelQuery(queryId: string): Promise<void>;
  /** Runs a statement that returns no rows (DDL, INSERT ... SELECT, SYSTEM ...). */
  command(sql: string, params?: QueryParams, options?: QueryOptions): Promise<void>;
  /** Inserts rows in one batch as JSONEachRow. Callers batch: never call this per row. */
  insert(table: string, rows: readonly Readonly<Record<string, unknown>>[], options?: QueryOptions): Promise<InsertSummary>;
  /** Inserts an already encoded payload (bytes stay out of the JS heap where the adapter allows). */
  insertRaw(table: string, payload: Buffer | string, format: RawInsertFormat, options?: QueryOptions): Promise<InsertSummary>;
  /** Inserts an Arrow table in one batch (columns matched by name). */
  insertArrow(table: string, data: Table, options?: QueryOptions): Promise<InsertSummary>;
  /** Checks the engine answers; returns its version. */
  ping(): Promise<{ version: string }>;
  close(): Promise<void>;
}

/** A failure reaching or running ClickHouse, with ClickHouse's numeric code and type when known and a hint for people. */
/** Whether `err` is a WarehouseError — by name, because the built app and the process that serves it (tsx) each load
 *  their own copy of this module, and an error from the process's one warehouse fails the other copy's `instanceof`. */
export function isWarehouseError(err: unknown): err is WarehouseError {
  return err instanceof Error && err.name === 'WarehouseError' && 'type' in err;
}

export class WarehouseError extends Error {
  /** ClickHouse error code (e.g. 60 for UNKNOWN_TABLE), or null when the failure is not ClickHouse's. */
  readonly code: number | null;
  /** ClickHouse error type (e.g. UNKNOWN_TABLE), or a Jalon code such as DATA_DIR_LOCKED. */
  readonly type: string;
  /** What to do about it, in French then English. */
  readonly hint: string;
  constructor(message: string, opts: { code?: number | null; type: string; hint?: string; cause?: unknown }) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'WarehouseError';
    this.code = opts.code ?? null;
    this.type = opts.type;
    this.hint = opts.hint ?? '';
  }
  /** One line for a terminal or a log. */
  toLine(): string {
    return this.hint ? `${this.message} — ${this.hint}` : this.message;
  }
}

const HINTS: Record<number, string> = {
  60: 'table inconnue : lancez `jalon migrate` / unknown table: run `jalon migrate`',
  81: 'base inconnue : lancez `jalon migrate`, ou vérifiez CLICKHOUSE_DATABASE / unknown database: run `jalon migrate` or check CLICKHOUSE_DATABASE',
  62: 'erreur de syntaxe SQL / SQL syntax error',
  47: 'colonne inconnue / unknown column',
  159: 'délai dépassé : réduisez la période ou ajoutez des filtres / time limit exceeded: narrow the period or add filters',
  160: 'requête trop lente / query too slow: narrow the period',
  241: 'mémoire dépassée : réduisez la période ou ajoutez des filtres / memory limit exceeded: narrow the query',
  516: 'authentification refusée : vérifiez CLICKHOUSE_USER et CLICKHOUSE_PASSWORD / authentication failed: check CLICKHOUSE_USER and CLICKHOUSE_PASSWORD',
  194: 'mot de passe requis : définissez CLICKHOUSE_PASSWORD / password required: set CLICKHOUSE_PASSWORD',
  164: 'mode lecture seule / read-only mode',
  396: 'trop de lignes dans le résultat / result row limit reached',
  27: 'données mal formées / malformed input data',
  26: 'données mal formées / malformed input data',
  117: 'données mal formées / malformed input data',
  6: 'valeur illisible / value cannot be parsed',
  41: 'date ou heure illisible / date or time cannot be parsed',
  457: 'paramètre de requête de type incorrect / query parameter has the wrong type',
  456: 'paramètre de requête manquant / query parameter missing'
};

/** Turns any adapter failure into a WarehouseError: the single choke point where ClickHouse messages become hints. */
export function toWarehouseError(err: unknown, context: string): WarehouseError {
  if (err instanceof WarehouseError) return err;
  const e = err as { message?: unknown; code?: unknown; clickhouseCode?: unknown; type?: unknown } | null;
  const message = typeof e?.message === 'string' ? e.message : String(err);
  let code: number | null = null;
  if (typeof e?.clickhouseCode === 'number') code = e.clickhouseCode;
  else if (typeof e?.code === 'string' && /^\d+$/.test(e.code)) code = Number(e.code);
  else {
    const m = /Code: (\d+)\./.exec(message);
    if (m) code = Number(m[1]);
  }
  const typeMatch = /\(([A-Z_]{3,})\)\s*(\(version [^)]*\))?\s*$/.exec(message.trim());
  let type = typeof e?.type === 'string' ? e.type : typeMatch ? typeMatch[1] : 'WAREHOUSE_ERROR';
  let hint = code !== null ? (HINTS[code] ?? '') : '';
  const sysCode = typeof e?.code === 'string' ? e.code : '';
  if (sysCode === 'ECONNREFUSED' || sysCode === 'ENOTFOUND' || sysCode === 'ECONNRESET') {
    type = 'SERVER_UNREACHABLE';
    hint = 'serveur ClickHouse injoignable : vérifiez CLICKHOUSE_URL et que le serveur tourne / ClickHouse server unreachable: check CLICKHOUSE_URL and that the server runs';
  }
  const clean = message.replace(/\s*\(version [^)]*\)\s*$/, '').replace(/\s+/g, ' ').trim();
  return new WarehouseError(`${context}: ${clean}`.slice(0, 4000), { code, type, hint, cause: err });
}

/** The error `queryIsolated` ends with when an answer passes its byte cap. */
export function resultTooLarge(maxBytes: number): WarehouseError {
  return new WarehouseError(`result larger than ${maxBytes} bytes`, {
    code: 396,
    type: 'RESULT_TOO_LARGE',
    hint: 'résultat trop volumineux : moins de lignes ou de colonnes / result too large: fewer rows or columns'
  });
}

/** Checks that a setting name is a plain identifier before it is spliced into SQL. */
export function assertSettingName(name: string): void {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) {
    throw new WarehouseError(`invalid setting name "${name}"`, { type: 'BAD_SETTING' });
  }
}

/** A moment as ClickHouse reads a `DateTime64(3, 'UTC')` value in an inserted row or a parameter: `2026-11-30 23:05:19.530`. */
export function sqlDateTime(d: Date): string {
  return d.toISOString().replace('T', ' ').replace('Z', '');
}
