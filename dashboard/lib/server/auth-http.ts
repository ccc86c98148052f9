// HTTP helpers for sign-in routes: the session cookie's attributes in one place, and role checks for endpoints.
import type { Cookies } from '@sveltejs/kit';
import type { Config } from '../../../config/config.ts';
import { SESSION_COOKIE } from '../../../access/sessions.ts';
import type { Caller } from '../../../access/caller.ts';
import { ApiError } from './api.ts';
import { isOperator } from '../../../access/operator-key.ts';
import type { Operator } from '../../../access/admin-actions.ts';

export function cookieOptions(config: Config, expires?: Date) {
  return {
    path: '/',
    httpOnly: true,
    sameSite: 'lax' as const,
    secure: config.http.publicUrl.startsWith('https:'),
    ...(expires ? { expires } : {})
  };
}

export function setSessionCookie(cookies: Cookies, config: Config, value: string, expires: Date): void {
  cookies.set(SESSION_COOKIE, value, cookieOptions(config, expires));
}

export function clearSessionCookie(cookies: Cookies, config: Config): void {
  cookies.delete(SESSION_COOKIE, cookieOptions(config));
}

/** Refuses with 401 when nobody signed in (the public, or the open demo's visitor: neither runs SQL nor reads the
 *  audit log), 403 when the role is not among `roles`. */
export function requireRole(caller: Caller, roles: readonly Caller['role'][]): void {
  if (caller.anonymous || caller.role === 'public') {
    if (roles.includes('public') && !caller.anonymous) return;
    throw new ApiError(401, 'unauthorized', 'Connexion requise / sign-in required');
  }
  if (roles.includes(caller.role)) return;
  throw new ApiError(403, 'forbidden', `Accès refusé au rôle ${caller.role} / access denied for role ${caller.role}`);
}

/** Who may change accounts and tokens: a signed-in administrator, or the CLI presenting this server's operator key. */
export function requireAdmin(locals: App.Locals, request: Request, operatorKey: string | null | undefined): Operator {
  if (isOperator(operatorKey ?? null, request.headers.get('authorization'))) return { actor: 'cli:operator' };
  requireRole(locals.caller, ['admin']);
  return { actor: locals.username ?? locals.caller.id };
}
