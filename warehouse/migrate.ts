// Applies sql/schema/NNN_name.sql in order, once each, recording id and checksum in schema_migrations.
// Migrations are never edited after they are applied: a changed checksum is refused, naming the file.
// On a cluster each node keeps its own log, and each migration is laid out for the cluster (cluster-layout.ts).
import fs from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { Warehouse } from './warehouse.ts';
import { WarehouseError } from './warehouse.ts';
import { nodeError, type ClusterNode, type ClusterWarehouse } from './cluster.ts';
import { LayoutPlanner } from './cluster-layout.ts';

export const SCHEMA_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'sql', 'schema');

export interface Migration {
  id: string;        // e.g. 001_reference
  file: string;
  checksum: string;  // sha256 of the file's text
  statements: string[];
}

export interface MigrationResult {
  applied: string[];
  alreadyApplied: string[];
}

/** Splits a SQL file into statements on `;`, outside quotes and comments. */
export function splitStatements(text: string): string[] {
  const out: string[] = [];
  let current = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    const next = text[i + 1];
    if (c === '-' && next === '-') {
      const end = text.indexOf('\n', i);
      i = end === -1 ? text.length : end;
      continue;
    }
    if (c === '/' && next === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end === -1 ? text.length : end + 2;
      continue;
    }
    if (c === "'" || c === '"' || c === '`') {
      let j = i + 1;
      while (j < text.length && text[j] !== c) j += text[j] === '\\' ? 2 : 1;
      current += text.slice(i, j + 1);
      i = j + 1;
      continue;
    }
    if (c === ';') {
      if (current.trim()) out.push(current.trim());
      current = '';
      i++;
      continue;
    }
    current += c;
    i++;
  }
  if (current.trim()) out.push(current.trim());
  return out;
}

/** Reads the migrations of a folder, ordered by their number; file names must be NNN_name.sql. */
export function loadMigrations(dir: string = SCHEMA_DIR): Migration[] {
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.sql')).sort();
  const seen = new Map<string, string>();
  return files.map((f) => {
    const m = /^(\d{3})_[a-z0-9_]+\.sql$/.exec(f);
    if (!m) throw new WarehouseError(`migration ${f}: le nom doit être NNN_nom.sql / name must be NNN_name.sql`, { type: 'BAD_MIGRATION' });
    if (seen.has(m[1])) throw new WarehouseError(`migrations ${seen.get(m[1])} and ${f} share number ${m[1]}`, { type: 'BAD_MIGRATION' });
    seen.set(m[1], f);
    const text = fs.readFileSync(path.join(dir, f), 'utf8');
    return {
      id: f.replace(/\.sql$/, ''),
      file: path.join(dir, f),
      checksum: createHash('sha256').update(text).digest('hex'),
      statements: splitStatements(text)
    };
  });
}

const LEDGER = `CREATE TABLE IF NOT EXISTS schema_migrations
(
    id          String,
    checksum    String,
    applied_at  DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(applied_at)
ORDER BY id`;

/** Refuses, before anything is applied, a migration whose recorded checksum differs from its file's. */
function refuseEdited(migrations: readonly Migration[], applied: ReadonlyMap<string, string>, where = ''): void {
  for (const m of migrations) {
    const recorded = applied.get(m.id);
    if (recorded !== undefined && recorded !== m.checksum) {
      const file = path.relative(process.cwd(), m.file);
      throw new WarehouseError(
        `La migration ${file} a été modifiée après application${where} / migration ${file} was edited after it was applied${where}`,
        { type: 'MIGRATION_EDITED', hint: 'remettez le fichier tel quel et ajoutez un nouveau fichier NNN_*.sql / restore the file and add a new NNN_*.sql migration' }
      );
    }
  }
}

function failed(m: Migration, err: unknown): WarehouseError {
  const e = err as WarehouseError;
  return new WarehouseError(`migration ${m.id}: ${e.message}`, { code: e.code, type: e.type ?? 'MIGRATION_FAILED', hint: e.hint, cause: err });
}

const APPLIED_SQL = 'SELECT id, argMax(checksum, applied_at) AS checksum FROM schema_migrations GROUP BY id';

/** Brings the warehouse's schema up to date. Running it twice changes nothing. */
export async function migrate(wh: Warehouse, options: { dir?: string; onApply?: (id: string) => void } = {}): Promise<MigrationResult> {
  const migrations = loadMigrations(options.dir);
  // By kind, not instanceof: the built app and the process serving it load their own copies of these modules.
  if (wh.kind === 'cluster') return migrateCluster(wh as ClusterWarehouse, migrations, options);
  await wh.command(LEDGER);
  const rows = await wh.query<{ id: string; checksum: string }>(APPLIED_SQL);
  const applied = new Map(rows.map((r) => [r.id, r.checksum]));
  refuseEdited(migrations, applied);
  const result: MigrationResult = { applied: [], alreadyApplied: [] };
  for (const m of migrations) {
    if (applied.has(m.id)) {
      result.alreadyApplied.push(m.id);
      continue;
    }
    for (const statement of m.statements) {
      try {
        await wh.command(statement);
      } catch (err) {
        throw failed(m, err);
      }
    }
    await wh.insert('schema_migrations', [{ id: m.id, checksum: m.checksum }]);
    result.applied.push(m.id);
    options.onApply?.(m.id);
  }
  return result;
}

/**
 * The cluster's runner. Each node keeps its own `schema_migrations` (a plain local table in Jalon's database), so the
 * log says what each node holds. A migration is applied to the nodes that lack it, node after node, and recorded on
 * each as soon as that node has it: a run interrupted after some nodes (a node down, a statement refused) leaves the
 * others recorded, and the next run completes only the missing ones. Its INSERTs (data) run once, through the
 * Distributed tables, when the last node gets the migration (every node has its tables by then), before that last
 * node records it. The statements of every migration are planned, applied or not, so the planner knows every table.
 */
async function migrateCluster(wh: ClusterWarehouse, migrations: readonly Migration[], options: { onApply?: (id: string) => void }): Promise<MigrationResult> {
  const nodes = await wh.nodes();
  const applied = new Map<ClusterNode, Map<string, string>>();
  for (const n of nodes) {
    try {
      await n.wh.command(LEDGER);
      applied.set(n, new Map((await n.wh.query<{ id: string; checksum: string }>(APPLIED_SQL)).map((r) => [r.id, r.checksum])));
    } catch (err) {
      throw nodeError(err, n, 'migration log');
    }
  }
  for (const n of nodes) refuseEdited(migrations, applied.get(n)!, ` (shard ${n.shard}, ${n.url})`);
  const planner = new LayoutPlanner(wh.layout);
  const last = nodes[nodes.length - 1];
  const result: MigrationResult = { applied: [], alreadyApplied: [] };
  try {
    for (const m of migrations) {
      const planned = m.statements.flatMap((s) => planner.plan(s));
      const lacking = nodes.filter((n) => !applied.get(n)!.has(m.id));
      if (lacking.length === 0) {
        result.alreadyApplied.push(m.id);
        continue;
      }
      const record = (n: ClusterNode) => n.wh.insert('schema_migrations', [{ id: m.id, checksum: m.checksum }]);
      // ON CLUSTER statements reach every node through Keeper's queue: sent once, by the first lacking node's turn.
      for (const p of planned.filter((s) => s.target === 'on_cluster')) await wh.runPlanned([p]).catch((err: unknown) => Promise.reject(failed(m, err)));
      for (const n of lacking) {
        for (const p of planned.filter((s) => s.target === 'each_node')) {
          await n.wh.command(p.sql, {}, { database: p.database }).catch((err: unknown) => Promise.reject(failed(m, nodeError(err, n, 'apply'))));
        }
        if (n !== last) await record(n);
      }
      if (lacking.includes(last)) {
        wh.forgetLayout();
        for (const p of planned.filter((s) => s.target === 'once')) await wh.runPlanned([p]).catch((err: unknown) => Promise.reject(failed(m, err)));
        await record(last);
      }
      result.applied.push(m.id);
      options.onApply?.(m.id);
    }
  } finally {
    wh.forgetLayout();
  }
  return result;
}
