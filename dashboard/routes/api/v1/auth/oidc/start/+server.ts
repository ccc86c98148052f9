// GET /api/v1/auth/oidc/start?next=/fr: redirects to the OpenID Connect provider (authorization code with PKCE).
import { redirect, type RequestHandler } from '@sveltejs/kit';
import { getRuntime } from '$lib/server/runtime';
import { errorResponse } from '$lib/server/api';
import { cookieOptions } from '$lib/server/auth-http';
import { OIDC_COOKIE, safeNext, startOidc } from '../../../../../../../access/oidc.ts';

export const GET: RequestHandler = async ({ url, cookies }) => {
  const { config } = await getRuntime();
  if (!config.auth.oidc) return errorResponse(404, 'oidc_not_configured', "OpenID Connect n'est pas configuré / OpenID Connect is not configured");
  const redirectUri = new URL('/api/v1/auth/oidc/callback', config.http.publicUrl).href;
  const { url: target, pendingId } = await startOidc(config.auth.oidc, redirectUri, safeNext(url.searchParams.get('next'), '/fr'));
  cookies.set(OIDC_COOKIE, pendingId, { ...cookieOptions(config), maxAge: 600 });
  redirect(303, target.href);
};
