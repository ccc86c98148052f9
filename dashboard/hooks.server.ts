// Server hooks: who is asking (event.locals.caller, decided by access/), the page language for <html lang>, and
// security headers on every response. Pages' Content-Security-Policy comes from kit.csp (svelte.config.js);
// other responses (API, files) get a closed one here.
import type { Handle } from '@sveltejs/kit';
import { dev } from '$app/environment';
import { getRuntime } from '$lib/server/runtime';
import { identifyRequest } from '../access/request-caller.ts';
import { SESSION_COOKIE } from '../access/sessions.ts';
import { DEMO_EXECUTIVE, PUBLIC_CALLER } from '../access/caller.ts';

const DEV_CALLER_COOKIE = 'jalon_dev_caller';

export const handle: Handle = async ({ event, resolve }) => {
  const lang = event.url.pathname.startsWith('/en') || event.url.pathname.startsWith('/open-data') ? 'en' : 'fr';
  try {
    const { config, warehouse } = await getRuntime();
    // Development caller switch: `?as=service_owner:MIN` (kept in a cookie; `?as=executive` to return). Whether it
    // applies is decided in access/request-caller.ts: the Vite dev server, sign-in not required, nobody signed in.
    const asked = dev && !config.auth.required ? event.url.searchParams.get('as') : null;
    if (asked !== null) event.cookies.set(DEV_CALLER_COOKIE, asked, { path: '/', httpOnly: true, sameSite: 'lax' });
    const spec = asked ?? event.cookies.get(DEV_CALLER_COOKIE) ?? null;
    const who = await identifyRequest(warehouse, config.auth, event.cookies.get(SESSION_COOKIE), new Date(), { dev, spec });
    event.locals.caller = who.caller;
    event.locals.username = who.username;
  } catch {
    // No warehouse (or no access tables yet): nobody is signed in. Pages report the warehouse error themselves.
    const { config } = await getRuntime().catch(() => ({ config: null }));
    event.locals.caller = config?.auth.required === false ? DEMO_EXECUTIVE : PUBLIC_CALLER;
    event.locals.username = null;
  }
  const response = await resolve(event, { transformPageChunk: ({ html }) => html.replace('%lang%', lang) });
  response.headers.set('x-content-type-options', 'nosniff');
  response.headers.set('referrer-policy', 'same-origin');
  response.headers.set('x-frame-options', 'DENY');
  response.headers.set('permissions-policy', 'camera=(), microphone=(), geolocation=(), payment=()');
  response.headers.set('cross-origin-opener-policy', 'same-origin');
  if (!response.headers.has('content-security-policy')) {
    response.headers.set('content-security-policy', "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'");
  }
  if (event.url.protocol === 'https:') response.headers.set('strict-transport-security', 'max-age=31536000; includeSubDomains');
  if (event.locals.username) response.headers.set('cache-control', 'private, no-store');
  return response;
};
