// The cluster layout of Jalon's schema, as pure text transformations (no I/O): every MergeTree-family table a
// migration creates becomes a local table in the shards' database (`<database>_local`) on every node, plus a
// `Distributed` table of the same name in Jalon's database, sharded so that an organization's rows stay on one shard.
// Any migration is transformed generically (CREATE TABLE / MATERIALIZED VIEW / VIEW, ALTER, DROP, RENAME, TRUNCATE,
// OPTIMIZE, INSERT): other migrations need no hand edits to run on a cluster. Two modes: statements run on each node
// in turn (tested for real on loopback), or once with `ON CLUSTER` (a real cluster with Keeper; tested as text).
import { quoteIdentifier } from './identifiers.ts';
import { WarehouseError } from './warehouse.ts';

export type DdlMode = 'per_node' | 'on_cluster';

export interface ClusterLayout {
  /** A cluster of the servers' `remote_servers` (CLICKHOUSE_CLUSTER). */
  cluster: string;
  /** Jalon's database: Distributed tables, plain views, the migration log of each node. */
  database: string;
  /** The shards' database: the local tables, materialized views and their targets. */
  localDatabase: string;
  ddl: DdlMode;
  /** ReplicatedMergeTree engines with {shard}/{replica} macros (a cluster with Keeper and replicas). */
  replicated: boolean;
}

/** The shards' database for a Jalon database. */
export function localDatabaseOf(database: string): string {
  return `${database}_local`;
}

/**
 * Where a planned statement runs:
 * - `each_node`: on every node in turn (per_node mode), in `database`;
 * - `on_cluster`: once, on the node Jalon talks to, with `ON CLUSTER` in its text (on_cluster mode);
 * - `once`: once through the Distributed tables (data: INSERT in a migration), after every node has the DDL.
 */
export interface PlannedStatement {
  target: 'each_node' | 'on_cluster' | 'once';
  /** Current database while it runs (unqualified names inside, e.g. a view's SELECT, resolve there). */
  database: string;
  sql: string;
}

export interface ShardedTable {
  name: string;
  /** Sharding expression of its Distributed table. */
  key: string;
}

// ---- A little lexing: enough to find names, parenthesized lists and clauses outside strings and comments -------

/** Index of the parenthesis closing the one at `open`, skipping strings and quoted names. */
function closingParen(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (c === "'" || c === '"' || c === '`') {
      let j = i + 1;
      while (j < text.length && text[j] !== c) j += text[j] === '\\' ? 2 : 1;
      i = j;
      continue;
    }
    if (c === '(') depth++;
    else if (c === ')') {
      depth--;
      if (depth === 0) return i;
    }
  }
  throw new WarehouseError(`unbalanced parentheses in: ${text.slice(0, 120)}`, { type: 'BAD_MIGRATION' });
}

/** Splits on commas at depth 0 (outside parentheses, brackets and strings). */
export function splitTopLevel(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "'" || c === '"' || c === '`') {
      let j = i + 1;
      while (j < text.length && text[j] !== c) j += text[j] === '\\' ? 2 : 1;
      i = j;
      continue;
    }
    if (c === '(' || c === '[') depth++;
    else if (c === ')' || c === ']') depth--;
    else if (c === ',' && depth === 0) {
      out.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  const last = text.slice(start).trim();
  if (last) out.push(last);
  return out;
}

const NAME = '(`[^`]+`|[A-Za-z_][A-Za-z0-9_]*)(?:\\s*\\.\\s*(`[^`]+`|[A-Za-z_][A-Za-z0-9_]*))?';
const unquote = (s: string) => (s.startsWith('`') ? s.slice(1, -1) : s);

interface NameAt {
  /** Database when the statement qualified the name. */
  db: string | null;
  name: string;
  /** Offsets of the name (qualified or not) in the statement. */
  start: number;
  end: number;
}

/** The object name at the end of `head` (a regex ending with NAME), e.g. after `CREATE TABLE IF NOT EXISTS`. */
function nameAfter(sql: string, head: string): NameAt | null {
  const m = new RegExp(`^\\s*${head}\\s+${NAME}`, 'i').exec(sql);
  if (!m) return null;
  const end = m.index + m[0].length;
  const start = end - m[0].replace(new RegExp(`^\\s*${head}\\s+`, 'i'), '').length;
  return m[2] === undefined ? { db: null, name: unquote(m[1]), start, end } : { db: unquote(m[1]), name: unquote(m[2]), start, end };
}

const q = quoteIdentifier;

/** Replaces the name at `at` by `db.name`, followed by ` ON CLUSTER c` in on_cluster mode. */
function qualify(sql: string, at: NameAt, db: string, layout: ClusterLayout): string {
  const onCluster = layout.ddl === 'on_cluster' ? ` ON CLUSTER ${q(layout.cluster)}` : '';
  return `${sql.slice(0, at.start)}${q(db)}.${q(at.name)}${onCluster}${sql.slice(at.end)}`;
}

/** Inserts ` ON CLUSTER c` at `at` in on_cluster mode. */
function onClusterAt(sql: string, at: number, layout: ClusterLayout): string {
  return layout.ddl === 'on_cluster' ? `${sql.slice(0, at)} ON CLUSTER ${q(layout.cluster)}${sql.slice(at)}` : sql;
}

// ---- Engines and sharding keys --------------------------------------------------------------------------------

const ENGINE = /\bENGINE\s*=\s*([A-Za-z]+)/i;

/** The engine a CREATE statement names (e.g. ReplacingMergeTree), or null. */
export function engineOf(sql: string): string | null {
  return ENGINE.exec(sql)?.[1] ?? null;
}

const isMergeTree = (engine: string | null) => engine !== null && /MergeTree$/.test(engine) && !/^Replicated/.test(engine);

/**
 * `XMergeTree(args)` → `ReplicatedXMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}', args)`:
 * the `{shard}` and `{replica}` macros come from each server's configuration, `{database}` and `{table}` from the
 * table itself, so the same text creates every replica of every shard.
 */
export function replicatedEngine(sql: string): string {
  const m = ENGINE.exec(sql);
  if (!m || !isMergeTree(m[1])) return sql;
  const after = m.index + m[0].length;
  const path = "'/clickhouse/tables/{shard}/{database}/{table}', '{replica}'";
  let argsEnd = after;
  let args = '';
  const open = /^\s*\(/.exec(sql.slice(after));
  if (open) {
    const p = after + open[0].length - 1;
    const close = closingParen(sql, p);
    args = sql.slice(p + 1, close).trim();
    argsEnd = close + 1;
  }
  return `${sql.slice(0, m.index)}ENGINE = Replicated${m[1]}(${path}${args ? `, ${args}` : ''})${sql.slice(argsEnd)}`;
}

const CLAUSE_END = /\b(PARTITION\s+BY|PRIMARY\s+KEY|SAMPLE\s+BY|TTL|SETTINGS|COMMENT)\b/i;

/** Top-level elements of the ORDER BY clause of a CREATE TABLE (after its column list). */
function orderByOf(tail: string): string[] {
  const m = /\bORDER\s+BY\s+/i.exec(tail);
  if (!m) return [];
  const rest = tail.slice(m.index + m[0].length);
  if (rest.startsWith('(')) {
    const inner = rest.slice(1, closingParen(rest, 0)).trim();
    return inner === '' ? [] : splitTopLevel(inner);
  }
  const end = CLAUSE_END.exec(rest);
  const expr = (end ? rest.slice(0, end.index) : rest).trim();
  return expr === '' || /^tuple\(\s*\)$/i.test(expr) ? [] : [expr];
}

/** Column names of a CREATE TABLE's column list (indexes, projections and constraints left out). */
function columnsOf(list: string): string[] {
  return splitTopLevel(list)
    .filter((e) => !/^(INDEX|PROJECTION|CONSTRAINT|PRIMARY\s+KEY)\b/i.test(e))
    .map((e) => /^(`[^`]+`|[A-Za-z_][A-Za-z0-9_]*)/.exec(e)?.[1])
    .filter((n): n is string => n !== undefined)
    .map(unquote);
}

/**
 * The sharding expression: an organization's rows on one shard. `org` when the table's sorting key uses it; otherwise
 * the first column of the sorting key (`organizations` is keyed by `code`, the same value as `org`, so it lands with
 * its organization's rows); otherwise a hash of the whole sorting key. Always a function of the sorting key: every
 * version of a row that a Replacing/Aggregating merge folds lands on the same shard, so `FINAL` stays exact.
 */
export function shardingKeyOf(columns: readonly string[], orderBy: readonly string[]): string {
  const plain = orderBy.map((e) => unquote(e.trim())).filter((e) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(e) && columns.includes(e));
  if (plain.includes('org')) return 'cityHash64(org)';
  const first = orderBy[0]?.trim();
  if (first !== undefined && plain.includes(unquote(first))) return `cityHash64(${q(unquote(first))})`;
  if (orderBy.length) return `cityHash64(${orderBy.join(', ')})`;
  return 'rand()';
}

function distributedStatement(layout: ClusterLayout, name: string, key: string, replace = false): string {
  const onCluster = layout.ddl === 'on_cluster' ? ` ON CLUSTER ${q(layout.cluster)}` : '';
  const head = replace ? 'CREATE OR REPLACE TABLE' : 'CREATE TABLE IF NOT EXISTS';
  return `${head} ${q(layout.database)}.${q(name)}${onCluster} AS ${q(layout.localDatabase)}.${q(name)}
ENGINE = Distributed(${q(layout.cluster)}, ${q(layout.localDatabase)}, ${q(name)}, ${key})`;
}

// ---- The planner ------------------------------------------------------------------------------------------------

const COLUMN_COMMAND = /^(ADD|DROP|MODIFY|RENAME|COMMENT)\s+COLUMN\b/i;

/**
 * Turns migration statements into statements for the cluster. Feed it every migration's statements in order (those
 * already applied too): it learns which tables are sharded, and with which key, from the CREATE statements it sees.
 */
export class LayoutPlanner {
  readonly layout: ClusterLayout;
  readonly sharded = new Map<string, ShardedTable>();
  /** Materialized views writing TO a table: they live only in the shards' database (no Distributed twin). */
  readonly shardViews = new Set<string>();

  constructor(layout: ClusterLayout) {
    this.layout = layout;
  }

  /** The node-side statements: each_node in per_node mode, on_cluster in on_cluster mode. */
  private get spread(): 'each_node' | 'on_cluster' {
    return this.layout.ddl === 'on_cluster' ? 'on_cluster' : 'each_node';
  }

  private local(sql: string): PlannedStatement {
    return { target: this.spread, database: this.layout.localDatabase, sql: this.layout.replicated ? replicatedEngine(sql) : sql };
  }

  private main(sql: string): PlannedStatement {
    return { target: this.spread, database: this.layout.database, sql };
  }

  plan(statement: string): PlannedStatement[] {
    const sql = statement.trim();
    const L = this.layout;

    // CREATE [OR REPLACE] TABLE
    let at = nameAfter(sql, 'CREATE\\s+(?:OR\\s+REPLACE\\s+)?TABLE(?:\\s+IF\\s+NOT\\s+EXISTS)?');
    if (at && at.db === null) {
      const rest = sql.slice(at.end);
      const copy = /^\s*AS\s+(`[^`]+`|[A-Za-z_][A-Za-z0-9_]*)\s*($|ENGINE\b)/i.exec(rest);
      if (copy) {
        const source = this.sharded.get(unquote(copy[1]));
        if (!source || (copy[2] !== '' && !isMergeTree(engineOf(rest)))) return [this.main(qualify(sql, at, L.database, L))];
        const onCluster = L.ddl === 'on_cluster' ? ` ON CLUSTER ${q(L.cluster)}` : '';
        const localSql = `${sql.slice(0, at.start)}${q(L.localDatabase)}.${q(at.name)}${onCluster}${rest.replace(/^\s*AS\s+(`[^`]+`|[A-Za-z_][A-Za-z0-9_]*)/i, ` AS ${q(L.localDatabase)}.${q(source.name)}`)}`;
        this.sharded.set(at.name, { name: at.name, key: source.key });
        return [this.local(localSql), this.main(distributedStatement(L, at.name, source.key))];
      }
      if (!isMergeTree(engineOf(rest))) return [this.main(qualify(sql, at, L.database, L))];
      const open = rest.indexOf('(');
      const close = closingParen(rest, open);
      const key = shardingKeyOf(columnsOf(rest.slice(open + 1, close)), orderByOf(rest.slice(close + 1)));
      this.sharded.set(at.name, { name: at.name, key });
      const replace = /^\s*CREATE\s+OR\s+REPLACE/i.test(sql);
      return [this.local(qualify(sql, at, L.localDatabase, L)), this.main(distributedStatement(L, at.name, key, replace))];
    }

    // CREATE MATERIALIZED VIEW: on the shards, over their local tables (its SELECT resolves in the shards' database).
    at = nameAfter(sql, 'CREATE\\s+MATERIALIZED\\s+VIEW(?:\\s+IF\\s+NOT\\s+EXISTS)?');
    if (at && at.db === null) {
      const to = /\bTO\s+(`[^`]+`|[A-Za-z_][A-Za-z0-9_]*)\s+(?:\(|AS\b|EMPTY\b)/i.exec(sql.slice(at.end));
      const planned = [this.local(qualify(sql, at, L.localDatabase, L))];
      if (to) this.shardViews.add(at.name);
      if (!to) {
        // An inner table: readable from Jalon's database through a Distributed table over each shard's view.
        this.sharded.set(at.name, { name: at.name, key: 'rand()' });
        planned.push(this.main(distributedStatement(L, at.name, 'rand()')));
      }
      return planned;
    }

    // ALTER TABLE name commands
    at = nameAfter(sql, 'ALTER\\s+TABLE');
    if (at && at.db === null && this.sharded.has(at.name)) {
      const commands = splitTopLevel(sql.slice(at.end));
      const planned = [this.local(qualify(sql, at, L.localDatabase, L))];
      const columns = commands.filter((c) => COLUMN_COMMAND.test(c));
      if (columns.length) planned.push(this.main(`ALTER TABLE ${q(L.database)}.${q(at.name)}${L.ddl === 'on_cluster' ? ` ON CLUSTER ${q(L.cluster)}` : ''} ${columns.join(', ')}`));
      return planned;
    }

    // DROP TABLE / VIEW of a shards' materialized view, ALTER of one (MODIFY QUERY): in the shards' database.
    at = nameAfter(sql, 'DROP\\s+(?:TABLE|VIEW)(?:\\s+IF\\s+EXISTS)?') ?? nameAfter(sql, 'ALTER\\s+TABLE');
    if (at && at.db === null && this.shardViews.has(at.name)) {
      if (/^\s*DROP/i.test(sql)) this.shardViews.delete(at.name);
      return [this.local(qualify(sql, at, L.localDatabase, L))];
    }

    // DROP TABLE / VIEW / DICTIONARY
    at = nameAfter(sql, 'DROP\\s+(?:TABLE|VIEW)(?:\\s+IF\\s+EXISTS)?');
    if (at && at.db === null && this.sharded.has(at.name)) {
      this.sharded.delete(at.name);
      const ifExists = /\bIF\s+EXISTS\b/i.test(sql.slice(0, at.start)) ? ' IF EXISTS' : '';
      const oc = L.ddl === 'on_cluster' ? ` ON CLUSTER ${q(L.cluster)}` : '';
      return [
        this.main(`DROP TABLE${ifExists} ${q(L.database)}.${q(at.name)}${oc}`),
        this.local(qualify(sql, at, L.localDatabase, L))
      ];
    }

    // RENAME TABLE a TO b[, c TO d]: local tables renamed, their Distributed tables made again over the new names.
    if (/^\s*RENAME\s+TABLE\b/i.test(sql)) {
      const pairs = splitTopLevel(sql.replace(/^\s*RENAME\s+TABLE\s+/i, '')).map((p) => /^(`[^`]+`|[A-Za-z_][A-Za-z0-9_]*)\s+TO\s+(`[^`]+`|[A-Za-z_][A-Za-z0-9_]*)$/i.exec(p.trim()));
      if (pairs.every((p) => p !== null) && pairs.some((p) => this.sharded.has(unquote(p![1])))) {
        const planned: PlannedStatement[] = [];
        for (const p of pairs as RegExpExecArray[]) {
          const [from, to] = [unquote(p[1]), unquote(p[2])];
          const t = this.sharded.get(from);
          const oc = L.ddl === 'on_cluster' ? ` ON CLUSTER ${q(L.cluster)}` : '';
          if (!t) {
            planned.push(this.main(`RENAME TABLE ${q(L.database)}.${q(from)} TO ${q(L.database)}.${q(to)}${oc}`));
            continue;
          }
          this.sharded.delete(from);
          this.sharded.set(to, { name: to, key: t.key });
          planned.push(this.local(`RENAME TABLE ${q(L.localDatabase)}.${q(from)} TO ${q(L.localDatabase)}.${q(to)}${oc}`));
          planned.push(this.main(`DROP TABLE IF EXISTS ${q(L.database)}.${q(from)}${oc}`));
          planned.push(this.main(distributedStatement(L, to, t.key)));
        }
        return planned;
      }
    }

    // TRUNCATE, OPTIMIZE, DELETE FROM a sharded table: each shard's own rows.
    const maintenance = this.maintenance(sql);
    if (maintenance) return [maintenance];

    // INSERT: data, once, through the Distributed tables (after every node has the migration's tables).
    if (/^\s*INSERT\s+INTO\b/i.test(sql)) return [{ target: 'once', database: L.database, sql }];

    // Anything else (plain views, dictionaries, functions, tables of other engines, SYSTEM): as written, on each node.
    at = nameAfter(sql, 'CREATE\\s+(?:OR\\s+REPLACE\\s+)?(?:VIEW|DICTIONARY)(?:\\s+IF\\s+NOT\\s+EXISTS)?');
    if (at && L.ddl === 'on_cluster') return [{ target: 'on_cluster', database: L.database, sql: onClusterAt(sql, at.end, L) }];
    return [{ target: 'each_node', database: L.database, sql }];
  }

  /** TRUNCATE / OPTIMIZE / DELETE FROM on a sharded table, sent to its local tables; null otherwise. */
  maintenance(sql: string): PlannedStatement | null {
    const L = this.layout;
    for (const head of ['TRUNCATE\\s+TABLE(?:\\s+IF\\s+EXISTS)?', 'OPTIMIZE\\s+TABLE', 'DELETE\\s+FROM']) {
      const at = nameAfter(sql, head);
      if (at && (at.db === null || at.db === L.database) && this.sharded.has(at.name)) return this.local(qualify(sql, at, L.localDatabase, L));
    }
    return null;
  }

  /**
   * For a statement sent outside migrations (`Warehouse.command`): the planned statements when it changes or
   * maintains a sharded table (TRUNCATE, OPTIMIZE, DELETE, ALTER, DROP, RENAME), which the Distributed engine cannot
   * do itself (a TRUNCATE of a Distributed table leaves the shards' rows in place); null for anything else, which
   * runs as written on the node Jalon talks to.
   */
  routed(sql: string): PlannedStatement[] | null {
    const m = /^\s*(?:TRUNCATE\s+TABLE(?:\s+IF\s+EXISTS)?|OPTIMIZE\s+TABLE|DELETE\s+FROM|ALTER\s+TABLE|DROP\s+TABLE(?:\s+IF\s+EXISTS)?|RENAME\s+TABLE)\s+(`[^`]+`|[A-Za-z_][A-Za-z0-9_]*)(?:\s*\.\s*(`[^`]+`|[A-Za-z_][A-Za-z0-9_]*))?/i.exec(sql);
    if (!m) return null;
    const [db, name] = m[2] === undefined ? [null, unquote(m[1])] : [unquote(m[1]), unquote(m[2])];
    if ((db !== null && db !== this.layout.database) || !this.sharded.has(name)) return null;
    const unqualified = db === null ? sql : sql.replace(/^(\s*\w+(?:\s+\w+)*?\s+)(`[^`]+`|[A-Za-z_][A-Za-z0-9_]*)\s*\.\s*/, '$1');
    return this.plan(unqualified);
  }
}

/** The statements a list of migration statements becomes, for tests and `jalon migrate --dry-run`-like reading. */
export function planStatements(layout: ClusterLayout, statements: readonly string[]): PlannedStatement[] {
  const planner = new LayoutPlanner(layout);
  return statements.flatMap((s) => planner.plan(s));
}
