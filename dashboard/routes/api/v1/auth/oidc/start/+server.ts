// GET /api/v1/auth/oidc/start?next=/fr: redirects to the OpenID Connect provider (authorization code with PKCE).
import { redirect, type RequestHandler } from '@sveltejs/kit';
import { getRuntime } from '$lib/server/runtime';
import { errorResponse } from '$lib/server/api';
import { cookieOptions } from '$lib/server/auth-http';
import { OIDC_COOKIE, OidcError, safeNext, startOidc } from '../../../../../../../access/oidc.ts';

export const GET: RequestHandler = async ({ url, cookies }) => {
  const { config } = await getRuntime();
  if (!config.auth.oidc) return errorResponse(404, 'oidc_not_configured', "OpenID Connect n'est pas configuré / OpenID Connect is not configured");
  const redirectUri = new URL('/api/v1/auth/oidc/callback', config.http.publicUrl).href;
  let started: Awaited<ReturnType<typeof startOidc>>;
  try {
    started = await startOidc(config.auth.oidc, redirectUri, safeNext(url.searchParams.get('next'), '/fr'));
  } catch (err) {
    if (err instanceof OidcError) return errorResponse(err.status, err.code, err.message);
    throw err;
  }
  const { url: target, pendingId } = started;
  cookies.set(OIDC_COOKIE, pendingId, { ...cookieOptions(config), maxAge: 600 });
  redirect(303, target.href);
};
