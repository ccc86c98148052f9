// POST /api/v1/auth/logout: revokes the session (server side, not only the cookie) and clears the cookie. Only from
// this site: a request whose Origin is another site is refused (403), and one without an Origin must be our form or
// JSON (415) — so another site cannot sign a visitor out with a bare cross-origin POST.
import { json, redirect, type RequestHandler } from '@sveltejs/kit';
import { getRuntime } from '$lib/server/runtime';
import { clearSessionCookie } from '$lib/server/auth-http';
import { errorResponse } from '$lib/server/api';
import { revokeSession, SESSION_COOKIE } from '../../../../../../access/sessions.ts';
import { recordAudit } from '../../../../../../access/audit.ts';

export const POST: RequestHandler = async ({ cookies, request, locals, url }) => {
  const origin = request.headers.get('origin');
  const type = request.headers.get('content-type') ?? '';
  const isForm = type.startsWith('application/x-www-form-urlencoded') || type.startsWith('multipart/form-data');
  // A browser sends the Host it is talking to and the Origin of the page that posts: they differ across sites.
  const host = request.headers.get('host');
  const sameSite = origin === url.origin || (host !== null && origin === `${url.protocol}//${host}`);
  if (origin !== null && !sameSite) return errorResponse(403, 'cross_origin', 'Déconnexion depuis un autre site refusée / sign-out from another site refused');
  if (origin === null && !isForm && !type.startsWith('application/json')) {
    return errorResponse(415, 'unsupported_media_type', 'Formulaire ou JSON attendu / form or JSON expected');
  }
  const { config, warehouse } = await getRuntime();
  await revokeSession(warehouse, cookies.get(SESSION_COOKIE));
  clearSessionCookie(cookies, config);
  if (locals.username) {
    await recordAudit(warehouse, { actor: locals.username, role: locals.caller.role, org: locals.caller.orgs.join(','), action: 'sign_out', ok: true });
  }
  if (isForm) redirect(303, '/');
  return json({ ok: true });
};
