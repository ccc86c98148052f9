// POST /api/v1/auth/logout: revokes the session (server side, not only the cookie) and clears the cookie.
import { json, redirect, type RequestHandler } from '@sveltejs/kit';
import { getRuntime } from '$lib/server/runtime';
import { clearSessionCookie } from '$lib/server/auth-http';
import { revokeSession, SESSION_COOKIE } from '../../../../../../access/sessions.ts';
import { recordAudit } from '../../../../../../access/audit.ts';

export const POST: RequestHandler = async ({ cookies, request, locals }) => {
  const { config, warehouse } = await getRuntime();
  await revokeSession(warehouse, cookies.get(SESSION_COOKIE));
  clearSessionCookie(cookies, config);
  if (locals.username) {
    await recordAudit(warehouse, { actor: locals.username, role: locals.caller.role, org: locals.caller.orgs.join(','), action: 'sign_out', ok: true });
  }
  if ((request.headers.get('content-type') ?? '').includes('form')) redirect(303, '/');
  return json({ ok: true });
};
