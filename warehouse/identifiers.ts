// The one place that splices names and texts into SQL. Only names from our own allow-lists pass, and only texts
// Jalon builds itself (scrub patterns, checked codes) become literals: values from outside always travel as typed
// parameters instead (STYLE habit 1).
import { WarehouseError } from './warehouse.ts';

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

/** Quotes an identifier that must also belong to `allowed` (when given). Throws on anything else. */
export function quoteIdentifier(name: string, allowed?: ReadonlySet<string> | readonly string[]): string {
  const list = allowed === undefined ? null : allowed instanceof Set ? allowed : new Set(allowed as readonly string[]);
  if (!IDENTIFIER.test(name) || (list !== null && !list.has(name))) {
    throw new WarehouseError(`identifier not allowed: ${JSON.stringify(name)}`, { type: 'BAD_IDENTIFIER' });
  }
  return `\`${name}\``;
}

/** Quotes `database.table` with both parts checked. */
export function qualifiedName(database: string, table: string): string {
  return `${quoteIdentifier(database)}.${quoteIdentifier(table)}`;
}

/** A ClickHouse string literal holding `text`: for texts Jalon builds itself (patterns, checked codes), never for
 *  values from outside (those are typed parameters). */
export function quoteString(text: string): string {
  return `'${text.replace(/\\/gu, '\\\\').replace(/'/gu, "\\'")}'`;
}

/**
 * Quotes a column name read from a producer's own file (Parquet, Arrow): any text, backquoted with ClickHouse's
 * escapes, so it can only name a column of that file's table function. Used by the decoder alone, never for our tables.
 */
export function quoteSourceColumn(name: string): string {
  if (name.length === 0 || name.length > 1000 || name.includes('\0')) {
    throw new WarehouseError(`nom de colonne refusé / column name refused: ${JSON.stringify(name.slice(0, 80))}`, { type: 'BAD_IDENTIFIER' });
  }
  return `\`${name.replace(/\\/gu, '\\\\').replace(/`/gu, '\\`')}\``;
}
