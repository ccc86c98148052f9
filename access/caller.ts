// Who is asking, and the one place that decides which organizations a caller may see (DESIGN §7).
// The metrics engine, every page, every API route and every export ask `allowedOrgs` / `assertOrgAllowed`.
// Sign-in produces a Caller. Nobody signed in is an anonymous caller: the public (sign-in required, the default) or,
// in the open demo on loopback, a visitor who reads what an executive reads — never SQL, saved queries or comments.

export const ROLES = ['admin', 'executive', 'service_owner', 'analyst', 'producer', 'public'] as const;
export type Role = (typeof ROLES)[number];

export interface Caller {
  role: Role;
  /** Organizations this caller is attached to (service owner, analyst, producer); empty for government-wide roles. */
  orgs: readonly string[];
  /** Display name or token id, for the audit log. */
  id: string;
  /** The organization the account is attached to (before its hierarchy is expanded into `orgs`): a service
   *  owner's default view. */
  home?: string;
  /** Nobody signed in (the public, or the open demo's visitor): never SQL, saved queries nor comments. */
  anonymous?: true;
}

export class AccessError extends Error {
  readonly code = 'forbidden';
  constructor(message: string) {
    super(message);
    this.name = 'AccessError';
  }
}

/** Whether `err` is an AccessError — by name, since the built app and the serving process each load this module (an
 *  error thrown by the process's one metrics service fails the app copy's `instanceof`). */
export function isAccessError(err: unknown): err is AccessError {
  return err instanceof Error && err.name === 'AccessError';
}

/** The executive the CLI and the tests act as when no role is given (a person at the terminal, not a visitor). */
export const DEMO_EXECUTIVE: Caller = { role: 'executive', orgs: [], id: 'demo-executive' };
/** Nobody signed in while sign-in is required (the default). */
export const PUBLIC_CALLER: Caller = { role: 'public', orgs: [], id: 'public', anonymous: true };
/** Nobody signed in in the open demo (loopback only): an executive's pages, nothing record-level. */
export const DEMO_VISITOR: Caller = { role: 'executive', orgs: [], id: 'demo-visitor', anonymous: true };

/** Organizations the caller may read: null means all of them. */
export function allowedOrgs(caller: Caller): readonly string[] | null {
  switch (caller.role) {
    case 'admin':
    case 'executive':
    case 'public': // public sees published aggregates for every organization, suppressed (see seesSmallCounts)
      return null;
    case 'service_owner':
    case 'analyst':
    case 'producer':
      return caller.orgs;
    default: {
      const never: never = caller.role;
      throw new AccessError(`unknown role ${String(never)}`);
    }
  }
}

/**
 * Narrows a requested organization filter to what the caller may see.
 * Asking for an organization outside the caller's scope is refused, never silently emptied.
 */
export function scopeOrgs(caller: Caller, requested: readonly string[] | null): readonly string[] | null {
  const allowed = allowedOrgs(caller);
  if (allowed === null) return requested;
  if (requested === null) return allowed;
  const refused = requested.filter((o) => !allowed.includes(o));
  if (refused.length) {
    throw new AccessError(
      `Accès refusé aux organisations ${refused.join(', ')} / access denied to organizations ${refused.join(', ')} (rôle / role ${caller.role})`
    );
  }
  return requested;
}

/** The organization a caller's pages open on when none is asked for: a service owner's own organization;
 *  null (government-wide, within `allowedOrgs`) for everyone else. */
export function defaultOrg(caller: Caller): string | null {
  if (caller.role !== 'service_owner') return null;
  return caller.home ?? caller.orgs[0] ?? null;
}

/** Whether the caller reads only published aggregates (DESIGN §7): no record-level detail such as comments.
 *  Anyone not signed in is among them, whatever role the open demo lends them. */
export function publishedOnly(caller: Caller): boolean {
  return caller.role === 'public' || caller.role === 'producer' || caller.anonymous === true;
}

/** Whether the caller reads survey comments (record-level text): signed-in roles above the public only. */
export function mayReadComments(caller: Caller): boolean {
  return !publishedOnly(caller);
}

/** The caller a producer token acts as: push for its one organization, nothing else (tokens are stored by ingest). */
export function producerCaller(tokenId: string, org: string): Caller {
  return { role: 'producer', orgs: [org], id: `token:${tokenId}` };
}

/** Roles that may run ad-hoc SQL in the sandbox, each within `allowedOrgs` (DESIGN §7). */
export const SQL_ROLES: readonly Role[] = ['admin', 'executive', 'analyst', 'service_owner'];

/** Ad-hoc SQL, saved and shared queries: a signed-in caller of an SQL role; never anyone anonymous. */
export function maySql(caller: Caller): boolean {
  return caller.anonymous !== true && SQL_ROLES.includes(caller.role);
}

/** Roles that may read the audit log and manage accounts. */
export function isAdmin(caller: Caller): boolean {
  return caller.anonymous !== true && caller.role === 'admin';
}

/** Whether the caller sees counts under the small-count threshold (analysts and above, never the public). */
export function seesSmallCounts(caller: Caller): boolean {
  return caller.role === 'admin' || caller.role === 'analyst';
}
