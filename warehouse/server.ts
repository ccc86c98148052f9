// Server adapter: any ClickHouse server (or cluster node) through @clickhouse/client over HTTP.
import { Readable } from 'node:stream';
import { ClickHouseLogLevel, createClient, type ClickHouseClient } from '@clickhouse/client';
import { parseJsonEachRow } from './json-rows.ts';
import { tableFromIPC, tableToIPC, type Table } from 'apache-arrow';
import type { InsertSummary, IsolatedQueryOptions, QueryOptions, QueryParams, RawInsertFormat, Warehouse } from './warehouse.ts';
import { assertSettingName, resultTooLarge, toWarehouseError } from './warehouse.ts';
import { quoteIdentifier } from './identifiers.ts';

export interface ServerOptions {
  url: string;
  username: string;
  password: string;
  database: string;
  requestTimeoutMs?: number;
  /** Create the database when it is missing (migrate, demo); off for read-only users. */
  createDatabase?: boolean;
  /** Nice value (0–19) of the server's query threads, sent with every query (`os_threads_nice_value_query`): for a
   *  server on the same machine as Jalon, whose pages then go first. The server applies it with CAP_SYS_NICE only. */
  threadNice?: number;
}

type Settings = Record<string, string | number | boolean>;

const BASE_SETTINGS: Settings = {
  output_format_json_quote_64bit_integers: 0,
  date_time_input_format: 'best_effort',
  // Long queries (demo generation, backfills) keep the connection alive through proxies with progress headers.
  send_progress_in_http_headers: 1,
  http_headers_progress_interval_ms: '60000'
};

function settingsOf(options: QueryOptions | undefined): Settings {
  const s: Settings = { ...BASE_SETTINGS };
  for (const [k, v] of Object.entries(options?.settings ?? {})) {
    assertSettingName(k);
    s[k] = v;
  }
  return s;
}

function paramsOf(params: QueryParams | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(params ?? {})) out[k] = v instanceof Date ? v.toISOString().replace('T', ' ').replace('Z', '') : v;
  return out;
}

async function collect(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream as AsyncIterable<Buffer | string>) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks);
}

export class ServerWarehouse implements Warehouse {
  readonly kind = 'server' as const;
  readonly database: string;
  readonly location: string;
  private readonly mainClient: ClickHouseClient;
  /** Clients whose current database is another one (QueryOptions.database), created on first use. */
  private readonly others = new Map<string, ClickHouseClient>();
  private readonly makeClient: (database: string) => ClickHouseClient;

  private constructor(makeClient: (database: string) => ClickHouseClient, database: string, url: string) {
    this.makeClient = makeClient;
    this.mainClient = makeClient(database);
    this.database = database;
    this.location = url;
  }

  private clientFor(options: QueryOptions | undefined): ClickHouseClient {
    const database = options?.database;
    if (database === undefined || database === this.database) return this.mainClient;
    quoteIdentifier(database);
    let client = this.others.get(database);
    if (!client) {
      client = this.makeClient(database);
      this.others.set(database, client);
    }
    return client;
  }

  static async open(options: ServerOptions): Promise<ServerWarehouse> {
    quoteIdentifier(options.database);
    const common = {
      url: options.url,
      username: options.username,
      password: options.password,
      request_timeout: options.requestTimeoutMs ?? 300_000,
      clickhouse_settings: (options.threadNice ? { ...BASE_SETTINGS, os_threads_nice_value_query: options.threadNice } : BASE_SETTINGS) as never,
      // Every failure is thrown and classified (toWarehouseError); the client's own log would print it again, with
      // its stack, before the one line the caller gets.
      log: { level: ClickHouseLogLevel.OFF }
    };
    if (options.createDatabase) {
      const admin = createClient(common);
      try {
        const rs = await admin.query({ query: 'SELECT count() AS n FROM system.databases WHERE name = {db:String}', query_params: { db: options.database }, format: 'JSONEachRow' });
        const [row] = await rs.json<{ n: number }>();
        if (Number(row?.n ?? 0) === 0) await admin.command({ query: `CREATE DATABASE IF NOT EXISTS ${quoteIdentifier(options.database)}` });
      } catch (err) {
        throw toWarehouseError(err, `connect ${options.url}`);
      } finally {
        await admin.close();
      }
    }
    return new ServerWarehouse((database) => createClient({ ...common, database }), options.database, options.url);
  }

  async query<T = Record<string, unknown>>(sql: string, params?: QueryParams, options?: QueryOptions): Promise<T[]> {
    try {
      const rs = await this.clientFor(options).query({
        query: sql,
        query_params: paramsOf(params),
        format: 'JSONEachRow',
        clickhouse_settings: settingsOf(options) as never,
        ...(options?.signal ? { abort_signal: options.signal } : {}),
        ...(options?.queryId ? { query_id: options.queryId } : {})
      });
      return await parseJsonEachRow<T>(await rs.text());
    } catch (err) {
      throw toWarehouseError(err, 'query');
    }
  }

  async queryIsolated<T = Record<string, unknown>>(sql: string, options: IsolatedQueryOptions): Promise<T[]> {
    // Each query is its own HTTP request with its own id: the server runs it beside every other one, and
    // cancelQuery can find it. The answer is read as a stream and dropped once it passes the cap.
    const abort = new AbortController();
    const onAbort = () => abort.abort();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const rows: T[] = [];
    let tooLarge = false;
    try {
      const rs = await this.clientFor({ database: options.database }).query({
        query: sql,
        format: 'JSONEachRow',
        query_id: options.queryId,
        clickhouse_settings: settingsOf(options.settings ? { settings: options.settings } : undefined) as never,
        abort_signal: abort.signal
      });
      let bytes = 0;
      for await (const batch of rs.stream<T>()) {
        for (const row of batch) {
          bytes += row.text.length + 1;
          if (bytes > options.maxResultBytes) {
            tooLarge = true;
            break;
          }
          rows.push(row.json<T>());
        }
        if (tooLarge) break;
      }
      if (tooLarge) {
        abort.abort();
        await this.cancelQuery(options.queryId);
        throw resultTooLarge(options.maxResultBytes);
      }
      return rows;
    } catch (err) {
      if (abort.signal.aborted && !tooLarge) await this.cancelQuery(options.queryId).catch(() => undefined);
      throw toWarehouseError(err, 'query');
    } finally {
      options.signal?.removeEventListener('abort', onAbort);
    }
  }

  async cancelQuery(queryId: string): Promise<void> {
    // SYNC: returns once the server has stopped it (between blocks), so the caller's slot frees with the query.
    await this.mainClient.command({ query: 'KILL QUERY WHERE query_id = {id:String} SYNC', query_params: { id: queryId } }).catch((err: unknown) => {
      throw toWarehouseError(err, 'kill query');
    });
  }

  async queryArrow(sql: string, params?: QueryParams, options?: QueryOptions): Promise<Table> {
    try {
      const result = await this.clientFor(options).exec({
        query: `${sql.replace(/;\s*$/, '')}\nFORMAT ArrowStream`,
        query_params: paramsOf(params),
        // apache-arrow in JS reads no compressed record batches.
        clickhouse_settings: { ...settingsOf(options), output_format_arrow_compression_method: 'none' } as never,
        ...(options?.signal ? { abort_signal: options.signal } : {}),
        ...(options?.queryId ? { query_id: options.queryId } : {})
      });
      return tableFromIPC(await collect(result.stream));
    } catch (err) {
      throw toWarehouseError(err, 'query');
    }
  }

  async command(sql: string, params?: QueryParams, options?: QueryOptions): Promise<void> {
    try {
      await this.clientFor(options).command({
        query: sql,
        query_params: paramsOf(params),
        clickhouse_settings: { ...settingsOf(options), wait_end_of_query: 1 } as never,
        ...(options?.signal ? { abort_signal: options.signal } : {}),
        ...(options?.queryId ? { query_id: options.queryId } : {})
      });
    } catch (err) {
      throw toWarehouseError(err, 'command');
    }
  }

  async insert(table: string, rows: readonly Readonly<Record<string, unknown>>[], options?: QueryOptions): Promise<InsertSummary> {
    if (rows.length === 0) return { rowsWritten: 0 };
    try {
      await this.mainClient.insert({
        table: quoteIdentifier(table),
        values: rows as Record<string, unknown>[],
        format: 'JSONEachRow',
        clickhouse_settings: { ...settingsOf(options), input_format_skip_unknown_fields: 1 } as never,
        ...(options?.signal ? { abort_signal: options.signal } : {})
      });
      return { rowsWritten: rows.length };
    } catch (err) {
      throw toWarehouseError(err, `insert into ${table}`);
    }
  }

  private async execInsert(table: string, columns: string | null, format: string, body: Buffer | string, options?: QueryOptions): Promise<number> {
    try {
      const result = await this.mainClient.exec({
        query: `INSERT INTO ${quoteIdentifier(table)}${columns ? ` (${columns})` : ''} FORMAT ${format}`,
        values: Readable.from([typeof body === 'string' ? Buffer.from(body) : body]),
        clickhouse_settings: { ...settingsOf(options), input_format_skip_unknown_fields: 1, wait_end_of_query: 1 } as never,
        ...(options?.signal ? { abort_signal: options.signal } : {})
      });
      await collect(result.stream);
      const summary = (result as { summary?: { written_rows?: string } }).summary;
      return summary?.written_rows ? Number(summary.written_rows) : -1;
    } catch (err) {
      throw toWarehouseError(err, `insert into ${table}`);
    }
  }

  async insertRaw(table: string, payload: Buffer | string, format: RawInsertFormat, options?: QueryOptions): Promise<InsertSummary> {
    const written = await this.execInsert(table, null, format, payload, options);
    if (written >= 0) return { rowsWritten: written };
    const text = typeof payload === 'string' ? payload : payload.toString('utf8');
    const lines = text.split('\n').filter((l) => l.trim() !== '').length;
    return { rowsWritten: format === 'JSONEachRow' ? lines : Math.max(0, lines - 1) };
  }

  async insertArrow(table: string, data: Table, options?: QueryOptions): Promise<InsertSummary> {
    if (data.numRows === 0) return { rowsWritten: 0 };
    const columns = data.schema.fields.map((f) => quoteIdentifier(f.name)).join(', ');
    await this.execInsert(table, columns, 'ArrowStream', Buffer.from(tableToIPC(data, 'stream')), options);
    return { rowsWritten: data.numRows };
  }

  async ping(): Promise<{ version: string }> {
    const [row] = await this.query<{ version: string }>('SELECT version() AS version');
    return { version: row.version };
  }

  async close(): Promise<void> {
    for (const client of this.others.values()) await client.close();
    this.others.clear();
    await this.mainClient.close();
  }
}
