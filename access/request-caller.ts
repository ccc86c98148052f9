// Who is asking, for one HTTP request: the signed-in account's caller, or — nobody signed in — the public (sign-in
// required, the default) or the open demo's anonymous visitor (access/caller.ts DEMO_VISITOR). The hooks call this for every request.
// The development caller switch (`?as=service_owner:MIN`) is decided here too, and only here.
import type { Warehouse } from '../warehouse/warehouse.ts';
import type { AuthConfig } from '../config/config.ts';
import { DEMO_VISITOR, PUBLIC_CALLER, ROLES, type Caller, type Role } from './caller.ts';
import { buildCaller, isOrgCode } from './org-scope.ts';
import { resolveSession } from './sessions.ts';
import type { Account } from './accounts.ts';

export interface RequestIdentity {
  caller: Caller;
  /** The signed-in account's name, or null for the open demo's visitor or the public. */
  username: string | null;
}

const callers = new WeakMap<Account, Promise<Caller>>();

export async function identifyRequest(
  wh: Warehouse,
  auth: AuthConfig,
  sessionValue: string | undefined,
  now: Date = new Date(),
  devSwitch: { dev: boolean; spec: string | null } = { dev: false, spec: null }
): Promise<RequestIdentity> {
  const account = await resolveSession(wh, sessionValue, now);
  if (!account) {
    const switched = devCaller(devSwitch.spec, { dev: devSwitch.dev, required: auth.required, signedIn: false });
    return { caller: switched ?? (auth.required ? PUBLIC_CALLER : DEMO_VISITOR), username: null };
  }
  // The session cache hands back the same Account object for its lifetime, so the caller (and the hierarchy
  // read behind it) is built once per account and session-cache period, not on every request.
  let caller = callers.get(account);
  if (!caller) {
    caller = buildCaller(wh, { id: account.username, role: account.role, orgs: account.orgs, withDescendants: account.with_children });
    callers.set(account, caller);
    caller.catch(() => callers.delete(account));
  }
  return { caller: await caller, username: account.username };
}

/**
 * The development caller switch: `role` or `role:ORG1,ORG2` acts as that demo caller. Only for the demo in
 * development (Vite dev server), never once sign-in is required, never over a signed-in session, never in a built
 * (production) app: otherwise null, and the request is who its session says.
 */
export function devCaller(spec: string | null, gate: { dev: boolean; required: boolean; signedIn: boolean }): Caller | null {
  if (!gate.dev || gate.required || gate.signedIn || !spec) return null;
  const [role, orgList = ''] = spec.split(':');
  if (!(ROLES as readonly string[]).includes(role)) return null;
  const orgs = orgList ? orgList.split(',').filter(isOrgCode) : [];
  const scoped = role === 'service_owner' || role === 'analyst' || role === 'producer';
  if (scoped && orgs.length === 0) return null;
  return { role: role as Role, orgs: scoped ? orgs : [], id: `dev-${role}`, ...(scoped ? { home: orgs[0] } : {}) };
}
