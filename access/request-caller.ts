// Who is asking, for one HTTP request: the signed-in account's caller, or — nobody signed in — the demo executive
// while sign-in is not required (the demo) and the public once it is. The hooks call this for every request.
import type { Warehouse } from '../warehouse/warehouse.ts';
import type { AuthConfig } from '../config/config.ts';
import { DEMO_EXECUTIVE, PUBLIC_CALLER, type Caller } from './caller.ts';
import { buildCaller } from './org-scope.ts';
import { resolveSession } from './sessions.ts';

export interface RequestIdentity {
  caller: Caller;
  /** The signed-in account's name, or null for the demo executive or the public. */
  username: string | null;
}

export async function identifyRequest(wh: Warehouse, auth: AuthConfig, sessionValue: string | undefined, now: Date = new Date()): Promise<RequestIdentity> {
  const account = await resolveSession(wh, sessionValue, now);
  if (!account) return { caller: auth.required ? PUBLIC_CALLER : DEMO_EXECUTIVE, username: null };
  const caller = await buildCaller(wh, { id: account.username, role: account.role, orgs: account.orgs, withDescendants: account.with_children });
  return { caller, username: account.username };
}
