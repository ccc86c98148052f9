// Cluster adapter: ClickHouse's own distributed engine over a named cluster (CLICKHOUSE_CLUSTER). Queries and inserts
// go to the node CLICKHOUSE_URL names, through the Distributed tables that carry the names the rest of Jalon uses;
// what the Distributed engine cannot do (TRUNCATE, OPTIMIZE, ALTER of the shards' tables, per-shard rollup
// rebuilds) is sent to each node over its own HTTP port, or once with ON CLUSTER (cluster-layout.ts).
import type { Table } from 'apache-arrow';
import type { InsertSummary, IsolatedQueryOptions, QueryOptions, QueryParams, RawInsertFormat, Warehouse } from './warehouse.ts';
import { WarehouseError, toWarehouseError } from './warehouse.ts';
import { ServerWarehouse, type ServerOptions } from './server.ts';
import { quoteIdentifier, quoteString } from './identifiers.ts';
import { LayoutPlanner, localDatabaseOf, splitTopLevel, type ClusterLayout, type DdlMode, type PlannedStatement } from './cluster-layout.ts';

export interface ClusterOptions extends ServerOptions {
  cluster: string;
  ddl: DdlMode;
  replicated: boolean;
}

/** One server of the cluster (a replica of a shard), reached over its own HTTP port. */
export interface ClusterNode {
  shard: number;
  replica: number;
  url: string;
  /** A client whose current database is Jalon's (the shards' database through QueryOptions.database). */
  wh: ServerWarehouse;
}

/**
 * Settings of every query through the Distributed tables:
 * - foreground inserts: the rows are on their shards when the INSERT returns, so counts read right after a write
 *   are exact (ingest counts what a run stored; a killed run leaves no queue behind to deliver twice);
 * - GLOBAL subqueries: an IN or JOIN over another Distributed table is computed once and sent to the shards, so a
 *   query gives the one server's answer whatever key its subquery uses (`deny`, the default, refuses such queries);
 *   so is one over a table of this node only (ingest's staging tables), which the shards could not read otherwise.
 */
const CLUSTER_SETTINGS = { distributed_foreground_insert: 1, distributed_product_mode: 'global', prefer_global_in_and_join: 1 } as const;

/** Statements for every node when sent outside migrations: databases and plain views (and dropping what another
 *  database than Jalon's holds, e.g. the analyst database's strays). */
const EVERY_NODE = /^\s*(CREATE\s+DATABASE\b|CREATE\s+(OR\s+REPLACE\s+)?VIEW\b|DROP\s+(TABLE|VIEW)\s+(IF\s+EXISTS\s+)?(`[^`]+`|[A-Za-z_]\w*)\s*\.)/i;

const MAINTENANCE = /^\s*(TRUNCATE|OPTIMIZE|ALTER|DELETE|RENAME)\b/i;

export class ClusterWarehouse implements Warehouse {
  readonly kind = 'cluster' as const;
  readonly database: string;
  readonly location: string;
  readonly layout: ClusterLayout;
  private readonly entry: ServerWarehouse;
  private readonly options: ClusterOptions;
  private nodesPromise: Promise<ClusterNode[]> | null = null;
  private plannerPromise: Promise<LayoutPlanner> | null = null;
  private plannedAt = 0;

  private constructor(entry: ServerWarehouse, options: ClusterOptions) {
    this.entry = entry;
    this.options = options;
    this.database = options.database;
    this.location = `${options.url} (cluster ${options.cluster})`;
    this.layout = { cluster: options.cluster, database: options.database, localDatabase: localDatabaseOf(options.database), ddl: options.ddl, replicated: options.replicated };
  }

  static async open(options: ClusterOptions): Promise<ClusterWarehouse> {
    quoteIdentifier(options.cluster);
    quoteIdentifier(localDatabaseOf(options.database));
    const entry = await ServerWarehouse.open({ ...options, createDatabase: options.createDatabase ?? false });
    const wh = new ClusterWarehouse(entry, options);
    try {
      const nodes = await wh.nodes();
      if (options.createDatabase) {
        for (const db of [wh.layout.database, wh.layout.localDatabase]) {
          if (options.ddl === 'on_cluster') await entry.command(`CREATE DATABASE IF NOT EXISTS ${quoteIdentifier(db)} ON CLUSTER ${quoteIdentifier(options.cluster)}`);
          else for (const n of nodes) await n.wh.command(`CREATE DATABASE IF NOT EXISTS ${quoteIdentifier(db)}`, {}, { database: 'system' });
        }
      }
    } catch (err) {
      await wh.close();
      throw err;
    }
    return wh;
  }

  /**
   * Every server of the cluster, ordered by shard then replica: hosts from `system.clusters`, HTTP ports asked of each
   * server itself (`clusterAllReplicas`), the scheme of CLICKHOUSE_URL. Read once per open warehouse.
   */
  nodes(): Promise<ClusterNode[]> {
    if (!this.nodesPromise) {
      this.nodesPromise = this.discover();
      this.nodesPromise.catch(() => (this.nodesPromise = null));
    }
    return this.nodesPromise;
  }

  private async discover(): Promise<ClusterNode[]> {
    const cluster = this.options.cluster;
    const known = await this.entry.query<{ n: number }>('SELECT count() AS n FROM system.clusters WHERE cluster = {c:String}', { c: cluster });
    if (Number(known[0]?.n ?? 0) === 0) {
      const names = await this.entry.query<{ cluster: string }>('SELECT DISTINCT cluster FROM system.clusters ORDER BY cluster');
      throw new WarehouseError(
        `CLICKHOUSE_CLUSTER="${cluster}": grappe inconnue de ${this.options.url} / cluster not in the server's remote_servers (${names.map((r) => r.cluster).join(', ') || 'aucune / none'})`,
        { type: 'UNKNOWN_CLUSTER', hint: 'nommez une grappe de <remote_servers> / name a cluster of <remote_servers>' }
      );
    }
    const secure = this.options.url.startsWith('https:');
    const rows = await this.entry.query<{ shard: number; replica: number; host: string; http: number }>(
      `SELECT c.shard_num AS shard, c.replica_num AS replica, c.host_name AS host, p.http AS http
       FROM system.clusters AS c
       INNER JOIN (SELECT shardNum() AS shard, tcpPort() AS tcp, getServerPort({port:String}) AS http
                   FROM clusterAllReplicas(${quoteString(cluster)}, system.one)) AS p
         ON p.shard = c.shard_num AND p.tcp = c.port
       WHERE c.cluster = {c:String}
       ORDER BY shard, replica`,
      { c: cluster, port: secure ? 'https_port' : 'http_port' },
      { settings: { skip_unavailable_shards: 0 } }
    );
    const scheme = secure ? 'https' : 'http';
    const nodes: ClusterNode[] = [];
    for (const r of rows) {
      const host = r.host.includes(':') ? `[${r.host}]` : r.host;
      const url = `${scheme}://${host}:${r.http}`;
      const wh = await ServerWarehouse.open({ ...this.options, url, createDatabase: false });
      nodes.push({ shard: Number(r.shard), replica: Number(r.replica), url, wh });
    }
    if (nodes.length === 0) throw new WarehouseError(`cluster ${cluster}: no server answered`, { type: 'UNKNOWN_CLUSTER' });
    return nodes;
  }

  /** One server per shard (the first replica): where per-shard work runs. */
  async shards(): Promise<ClusterNode[]> {
    const nodes = await this.nodes();
    return nodes.filter((n, i) => i === 0 || nodes[i - 1].shard !== n.shard);
  }

  /** The layout planner, knowing the sharded tables from Jalon's database (Distributed tables and their keys). */
  planner(): Promise<LayoutPlanner> {
    if (!this.plannerPromise) {
      this.plannedAt = Date.now();
      this.plannerPromise = (async () => {
        const planner = new LayoutPlanner(this.layout);
        const rows = await this.entry.query<{ name: string; engine_full: string }>(
          "SELECT name, engine_full FROM system.tables WHERE database = {db:String} AND engine = 'Distributed'",
          { db: this.database }
        );
        for (const r of rows) {
          const args = splitTopLevel(r.engine_full.replace(/^Distributed\s*\(/, '').replace(/\)[^)]*$/, ''));
          planner.sharded.set(r.name, { name: r.name, key: args[3] ?? 'rand()' });
        }
        return planner;
      })();
      this.plannerPromise.catch(() => (this.plannerPromise = null));
    }
    return this.plannerPromise;
  }

  /** Forget the sharded tables read so far (after a migration created or dropped some). */
  forgetLayout(): void {
    this.plannerPromise = null;
  }

  /** Runs planned statements: on each node in turn, or once with ON CLUSTER, or once through the Distributed tables. */
  async runPlanned(planned: readonly PlannedStatement[], nodes?: readonly ClusterNode[], options?: QueryOptions): Promise<void> {
    for (const p of planned) {
      if (p.target === 'each_node') {
        for (const n of nodes ?? (await this.nodes())) await n.wh.command(p.sql, {}, { ...options, database: p.database });
      } else {
        await this.entry.command(p.sql, {}, { ...options, database: p.database, settings: { ...CLUSTER_SETTINGS, ...(options?.settings ?? {}) } });
      }
    }
  }

  private through(options: QueryOptions | undefined): QueryOptions {
    return { ...options, settings: { ...CLUSTER_SETTINGS, ...(options?.settings ?? {}) } };
  }

  query<T = Record<string, unknown>>(sql: string, params?: QueryParams, options?: QueryOptions): Promise<T[]> {
    return this.entry.query<T>(sql, params, this.through(options));
  }

  queryArrow(sql: string, params?: QueryParams, options?: QueryOptions): Promise<Table> {
    return this.entry.queryArrow(sql, params, this.through(options));
  }

  /** The analyst sandbox's queries run on the entry node like any read (its Distributed tables fan out to the shards);
   *  killing the initial query there stops its parts on every shard. */
  queryIsolated<T = Record<string, unknown>>(sql: string, options: IsolatedQueryOptions): Promise<T[]> {
    return this.entry.queryIsolated<T>(sql, options);
  }

  cancelQuery(queryId: string): Promise<void> {
    return this.entry.cancelQuery(queryId);
  }

  async command(sql: string, params?: QueryParams, options?: QueryOptions): Promise<void> {
    if (options?.eachShard) {
      const { eachShard: _, ...rest } = options;
      const shards = await this.shards();
      await Promise.all(shards.map((n) => n.wh.command(sql, params, { ...rest, database: this.layout.localDatabase })));
      return;
    }
    const everyNode = EVERY_NODE.exec(sql);
    const dropped = everyNode?.[5]?.replace(/`/g, '');
    if (everyNode && dropped !== this.database && dropped !== this.layout.localDatabase && !(params && Object.keys(params).length)) {
      // A shard expands a view named in a subquery it is sent: views (the sandbox's curated views) exist on every node.
      for (const n of await this.nodes()) await n.wh.command(sql, {}, options?.database ? { database: options.database } : {});
      return;
    }
    let routed = (await this.planner()).routed(sql);
    if (!routed && MAINTENANCE.test(sql) && Date.now() - this.plannedAt > 5_000) {
      // Perhaps a table another process's `migrate` just made: read the layout again (at most every 5 s: ingest
      // truncates its own staging tables on every batch) before sending the statement to one node only.
      this.forgetLayout();
      routed = (await this.planner()).routed(sql);
    }
    if (!routed) return this.entry.command(sql, params, this.through(options));
    if (params && Object.keys(params).length) {
      throw new WarehouseError('a statement on the shards\' tables takes no parameters', { type: 'BAD_STATEMENT' });
    }
    await this.runPlanned(routed, undefined, options);
    if (/^\s*(DROP|RENAME)\b/i.test(sql)) this.forgetLayout();
  }

  insert(table: string, rows: readonly Readonly<Record<string, unknown>>[], options?: QueryOptions): Promise<InsertSummary> {
    return this.entry.insert(table, rows, this.through(options));
  }

  async insertRaw(table: string, payload: Buffer | string, format: RawInsertFormat, options?: QueryOptions): Promise<InsertSummary> {
    const summary = await this.entry.insertRaw(table, payload, format, this.through(options));
    if (!(await this.planner()).sharded.has(table)) return summary;
    // Through a Distributed table the server's written_rows also counts the shards' writes and their views' rows.
    const text = typeof payload === 'string' ? payload : payload.toString('utf8');
    const lines = text.split('\n').filter((l) => l.trim() !== '').length;
    return { rowsWritten: format === 'JSONEachRow' ? lines : Math.max(0, lines - 1) };
  }

  insertArrow(table: string, data: Table, options?: QueryOptions): Promise<InsertSummary> {
    return this.entry.insertArrow(table, data, this.through(options));
  }

  ping(): Promise<{ version: string }> {
    return this.entry.ping();
  }

  async close(): Promise<void> {
    const nodes = this.nodesPromise ? await this.nodesPromise.catch(() => []) : [];
    this.nodesPromise = null;
    for (const n of nodes) await n.wh.close().catch(() => undefined);
    await this.entry.close();
  }
}

/** Turns a failure on one node into an error naming the node. */
export function nodeError(err: unknown, node: ClusterNode, context: string): WarehouseError {
  const e = toWarehouseError(err, context);
  return new WarehouseError(`${e.message} (shard ${node.shard}, replica ${node.replica}, ${node.url})`, { code: e.code, type: e.type, hint: e.hint, cause: err });
}
