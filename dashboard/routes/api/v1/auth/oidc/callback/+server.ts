// GET /api/v1/auth/oidc/callback: the provider's answer. The identity must match a Jalon account (role and
// organizations come from it); then a session cookie is set, exactly as for a password sign-in.
import { redirect, type RequestHandler } from '@sveltejs/kit';
import { getRuntime } from '$lib/server/runtime';
import { errorResponse } from '$lib/server/api';
import { cookieOptions, setSessionCookie } from '$lib/server/auth-http';
import { finishOidc, OIDC_COOKIE, OidcError } from '../../../../../../../access/oidc.ts';
import { findAccount } from '../../../../../../../access/accounts.ts';
import { createSession } from '../../../../../../../access/sessions.ts';
import { recordAudit, recordRefusedSignIn } from '../../../../../../../access/audit.ts';

export const GET: RequestHandler = async ({ url, cookies, locals }) => {
  const { config, warehouse } = await getRuntime();
  if (!config.auth.oidc) return errorResponse(404, 'oidc_not_configured', "OpenID Connect n'est pas configuré / OpenID Connect is not configured");
  const pendingId = cookies.get(OIDC_COOKIE);
  cookies.delete(OIDC_COOKIE, cookieOptions(config));
  // The provider redirected to the public URL; rebuild it so the checks compare the registered redirect URI.
  const callback = new URL(url.pathname + url.search, config.http.publicUrl);
  let done: { username: string; subject: string; next: string };
  try {
    done = await finishOidc(config.auth.oidc, callback, pendingId);
  } catch (err) {
    if (err instanceof OidcError) {
      await recordRefusedSignIn(warehouse, { username: 'oidc', address: locals.clientAddress, reason: err.code, target: 'oidc' });
      return errorResponse(err.status, err.code, err.message);
    }
    throw err;
  }
  const account = await findAccount(warehouse, done.username);
  // An identity from the provider names only an account made for OpenID Connect (no password): it never opens a
  // password account, which keeps its own lockout.
  if (!account || account.disabled || account.password_hash !== '') {
    await recordRefusedSignIn(warehouse, { username: done.username, address: locals.clientAddress, reason: 'no_account', target: 'oidc' });
    return errorResponse(403, 'no_account', `Aucun compte Jalon pour ${done.username} : demandez à un administrateur / no Jalon account for ${done.username}: ask an administrator`);
  }
  const session = await createSession(warehouse, account.username, 'oidc', config.auth.sessionHours);
  setSessionCookie(cookies, config, session.value, session.expires);
  await recordAudit(warehouse, { actor: account.username, role: account.role, org: account.orgs.join(','), action: 'sign_in', target: 'oidc', ok: true, detail: { sub: done.subject } });
  redirect(303, done.next);
};
