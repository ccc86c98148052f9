// Applies sql/schema/NNN_name.sql in order, once each, recording id and checksum in schema_migrations.
// Migrations are never edited after they are applied: a changed checksum is refused, naming the file.
import fs from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { Warehouse } from './warehouse.ts';
import { WarehouseError } from './warehouse.ts';

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

/** Brings the warehouse's schema up to date. Running it twice changes nothing. */
export async function migrate(wh: Warehouse, options: { dir?: string; onApply?: (id: string) => void } = {}): Promise<MigrationResult> {
  const migrations = loadMigrations(options.dir);
  await wh.command(LEDGER);
  const rows = await wh.query<{ id: string; checksum: string }>('SELECT id, argMax(checksum, applied_at) AS checksum FROM schema_migrations GROUP BY id');
  const applied = new Map(rows.map((r) => [r.id, r.checksum]));
  // Refuse before applying anything if an applied migration was edited.
  for (const m of migrations) {
    const recorded = applied.get(m.id);
    if (recorded !== undefined && recorded !== m.checksum) {
      throw new WarehouseError(
        `La migration ${path.relative(process.cwd(), m.file)} a été modifiée après application / migration ${path.relative(process.cwd(), m.file)} was edited after it was applied`,
        { type: 'MIGRATION_EDITED', hint: 'remettez le fichier tel quel et ajoutez un nouveau fichier NNN_*.sql / restore the file and add a new NNN_*.sql migration' }
      );
    }
  }
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
        const e = err as WarehouseError;
        throw new WarehouseError(`migration ${m.id}: ${e.message}`, { code: e.code, type: e.type ?? 'MIGRATION_FAILED', hint: e.hint, cause: err });
      }
    }
    await wh.insert('schema_migrations', [{ id: m.id, checksum: m.checksum }]);
    result.applied.push(m.id);
    options.onApply?.(m.id);
  }
  return result;
}
