// Organization hierarchy for scopes: a service owner may see one organization, or it and every organization below it
// (organizations.parent_code). Resolved when a caller is built, so `allowedOrgs` (access/caller.ts) stays pure.
import type { Warehouse } from '../warehouse/warehouse.ts';
import { AccessError, type Caller, type Role } from './caller.ts';

/** Organization codes as stored: letters, digits, `_`, `-`, `.`. Anything else is refused before it goes anywhere. */
export const ORG_CODE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/u;

export function isOrgCode(code: string): boolean {
  return ORG_CODE.test(code);
}

/** `orgs` and all their descendants, sorted; unknown codes stay in the list (they simply match no row). */
export async function withDescendants(wh: Warehouse, orgs: readonly string[]): Promise<string[]> {
  const rows = await wh.query<{ code: string; parent_code: string }>('SELECT code, parent_code FROM organizations FINAL');
  const children = new Map<string, string[]>();
  for (const r of rows) {
    if (!r.parent_code) continue;
    const list = children.get(r.parent_code) ?? [];
    list.push(r.code);
    children.set(r.parent_code, list);
  }
  const out = new Set<string>();
  const queue = [...orgs];
  while (queue.length) {
    const code = queue.shift() as string;
    if (out.has(code)) continue; // cycles in declared data end here
    out.add(code);
    queue.push(...(children.get(code) ?? []));
  }
  return [...out].sort();
}

/** A caller built from an account or from the command line, with a service owner's hierarchy expanded. */
export async function buildCaller(
  wh: Warehouse,
  input: { id: string; role: Role; orgs: readonly string[]; withDescendants?: boolean }
): Promise<Caller> {
  for (const o of input.orgs) {
    if (!isOrgCode(o)) throw new AccessError(`Code d'organisation invalide / invalid organization code: ${JSON.stringify(o)}`);
  }
  const scoped = input.role === 'service_owner' || input.role === 'analyst' || input.role === 'producer';
  if (scoped && input.orgs.length === 0) {
    throw new AccessError(`Le rôle ${input.role} exige au moins une organisation (--org) / role ${input.role} needs at least one organization (--org)`);
  }
  if ((input.role === 'service_owner' || input.role === 'producer') && input.orgs.length > 1) {
    throw new AccessError(`Le rôle ${input.role} porte sur une seule organisation / role ${input.role} is for one organization`);
  }
  const orgs = !scoped ? [] : input.role === 'service_owner' && input.withDescendants ? await withDescendants(wh, input.orgs) : [...input.orgs].sort();
  return { id: input.id, role: input.role, orgs, ...(scoped ? { home: input.orgs[0] } : {}) };
}
