// Analysts' saved queries: private to their owner, or shared within the owner's organization (government-wide
// roles share with everyone who may run SQL). Only the owner changes or deletes one; an id that is not one of the
// caller's own queries answers the same "not found" whether it exists or not, so ids cannot be probed. Titles are
// unique per owner.
import { MAX_SQL_LENGTH } from './sandbox-check.ts';
import { randomUUID } from 'node:crypto';
import type { Warehouse } from '../warehouse/warehouse.ts';
import { AccessError, allowedOrgs, maySql, type Caller } from './caller.ts';
import { SandboxError } from './sql-sandbox.ts';

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

function notFound(): SandboxError {
  return new SandboxError(404, 'not_found', { fr: 'Aucune de vos requêtes enregistrées ne porte cet identifiant.', en: 'None of your saved queries has this id.' });
}

export async function saveQuery(wh: Warehouse, caller: Caller, input: { id?: string; title: string; sql: string; shared: boolean }): Promise<SavedQuery> {
  assertSql(caller);
  const title = input.title.trim().slice(0, 200);
  if (!title) throw new SandboxError(400, 'bad_request', { fr: 'Titre requis.', en: 'Title required.' });
  if (input.sql.length > MAX_SQL_LENGTH) throw new SandboxError(400, 'bad_request', { fr: 'Requête trop longue.', en: 'Query too long.' });
  const own = await wh.query<{ id: string; title: string }>(
    'SELECT id, title FROM saved_queries FINAL WHERE owner = {me:String} AND NOT deleted',
    { me: caller.id }
  );
  if (input.id !== undefined && !own.some((q) => q.id === input.id)) throw notFound();
  const taken = own.find((q) => q.id !== input.id && q.title.trim().toLowerCase() === title.toLowerCase());
  if (taken) {
    throw new SandboxError(409, 'title_taken', {
      fr: `Vous avez déjà une requête nommée « ${taken.title} » : choisissez un autre titre.`,
      en: `You already have a query named "${taken.title}": choose another title.`
    });
  }
  const row: SavedQuery = { id: input.id ?? randomUUID(), owner: caller.id, org: caller.orgs[0] ?? '', shared: input.shared, title, sql: input.sql, updated_at: new Date().toISOString() };
  await wh.insert('saved_queries', [{ ...row, deleted: false }]);
  return row;
}

export async function deleteSavedQuery(wh: Warehouse, caller: Caller, id: string): Promise<void> {
  assertSql(caller);
  const [existing] = await wh.query<SavedQuery>(
    'SELECT id, owner, org, shared, title, sql FROM saved_queries FINAL WHERE id = {id:String} AND owner = {me:String} AND NOT deleted',
    { id, me: caller.id }
  );
  if (!existing) throw notFound();
  await wh.insert('saved_queries', [{ ...existing, deleted: true, updated_at: new Date().toISOString() }]);
}
