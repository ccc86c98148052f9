// Analysts' saved queries: private to their owner, or shared within the owner's organization (government-wide
// roles share with everyone who may run SQL). Only the owner changes or deletes one.
import { MAX_SQL_LENGTH } from './sandbox-check.ts';
import { randomUUID } from 'node:crypto';
import type { Warehouse } from '../warehouse/warehouse.ts';
import { AccessError, allowedOrgs, maySql, type Caller } from './caller.ts';

export interface SavedQuery {
  id: string;
  owner: string;
  org: string;
  shared: boolean;
  title: string;
  sql: string;
  updated_at: string;
}

function assertSql(caller: Caller): void {
  if (!maySql(caller)) throw new AccessError(`Le rôle ${caller.role} ne peut pas lancer de requêtes SQL / role ${caller.role} cannot run SQL queries`);
}

export async function listSavedQueries(wh: Warehouse, caller: Caller): Promise<SavedQuery[]> {
  assertSql(caller);
  const scope = allowedOrgs(caller);
  return wh.query<SavedQuery>(
    `SELECT id, owner, org, shared, title, sql, toString(updated_at) AS updated_at
     FROM saved_queries FINAL
     WHERE NOT deleted AND (owner = {me:String} OR (shared AND ({all:Bool} OR org = '' OR org IN {orgs:Array(String)})))
     ORDER BY updated_at DESC LIMIT 500`,
    { me: caller.id, all: scope === null, orgs: scope ?? [] }
  );
}

export async function saveQuery(wh: Warehouse, caller: Caller, input: { id?: string; title: string; sql: string; shared: boolean }): Promise<SavedQuery> {
  assertSql(caller);
  const title = input.title.trim().slice(0, 200);
  if (!title) throw new AccessError('Titre requis / title required');
  if (input.sql.length > MAX_SQL_LENGTH) throw new AccessError('Requête trop longue / query too long');
  let id = input.id ?? randomUUID();
  if (input.id) {
    const [existing] = await wh.query<{ owner: string }>('SELECT owner FROM saved_queries FINAL WHERE id = {id:String} AND NOT deleted', { id: input.id });
    if (!existing) id = randomUUID();
    else if (existing.owner !== caller.id) throw new AccessError('Seul son auteur modifie une requête / only its owner changes a query');
  }
  const row: SavedQuery = { id, owner: caller.id, org: caller.orgs[0] ?? '', shared: input.shared, title, sql: input.sql, updated_at: new Date().toISOString() };
  await wh.insert('saved_queries', [{ ...row, deleted: false }]);
  return row;
}

export async function deleteSavedQuery(wh: Warehouse, caller: Caller, id: string): Promise<void> {
  assertSql(caller);
  const [existing] = await wh.query<SavedQuery>('SELECT id, owner, org, shared, title, sql FROM saved_queries FINAL WHERE id = {id:String} AND NOT deleted', { id });
  if (!existing) return;
  if (existing.owner !== caller.id) throw new AccessError('Seul son auteur supprime une requête / only its owner deletes a query');
  await wh.insert('saved_queries', [{ ...existing, deleted: true, updated_at: new Date().toISOString() }]);
}
