// Who may write annotations (DESIGN §7, every check on the server in one place): administrators for any organization,
// service owners for their own organizations only. Reading annotations follows the organization scope (caller.ts).
import { AccessError, scopeOrgs, type Caller } from './caller.ts';

export const ANNOTATION_WRITERS: readonly Caller['role'][] = ['admin', 'service_owner'];

export function mayAnnotate(caller: Caller): boolean {
  return ANNOTATION_WRITERS.includes(caller.role);
}

/** Refuses (AccessError) a caller who may not write annotations of `org`. */
export function assertMayAnnotate(caller: Caller, org: string): void {
  if (!mayAnnotate(caller)) {
    throw new AccessError(`Rôle ${caller.role} : annotations en lecture seule / role ${caller.role}: annotations are read-only (administrators and service owners write them)`);
  }
  scopeOrgs(caller, [org]);
}
