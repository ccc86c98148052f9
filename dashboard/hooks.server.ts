// Server hooks: the client's address (forwarded headers believed only from JALON_TRUSTED_PROXIES), its rate limit,
// who is asking (event.locals.caller, decided by access/), the page language for <html lang>, and security headers
// on every response. Pages' Content-Security-Policy comes from kit.csp (svelte.config.js);
// other responses (API, files) get a closed one here.
import type { Handle, ServerInit } from '@sveltejs/kit';
import { dev } from '$app/environment';
import { getRuntime } from '$lib/server/runtime';
import { identifyRequest } from '../access/request-caller.ts';
import { SESSION_COOKIE } from '../access/sessions.ts';
import { DEMO_VISITOR, PUBLIC_CALLER } from '../access/caller.ts';
import { clientAddress } from '../access/client-address.ts';
import { errorResponse } from '$lib/server/api';
import { etagOf, keptPage, matches, PageCache } from '$lib/server/page-cache';
import { warmPages } from '$lib/server/page-views';
import { setSecurityHeaders } from '$lib/server/security-headers';

const DEV_CALLER_COOKIE = 'jalon_dev_caller';

/** Built assets cost nothing to serve and a page needs many: they are not counted against the client. */
const UNCOUNTED = /^\/(_app\/|favicon)/u;

/**
 * The API's one error shape for what SvelteKit answers itself before any endpoint runs (no such route, a method the
 * route does not have, an unexpected failure): `{error: {code, message}}` with the same status, never a page or text.
 */
function apiFallbackError(response: Response, method: string, pathname: string): Response {
  const allow = response.headers.get('allow');
  const [code, message] =
    response.status === 405
      ? ['method_not_allowed', `${method} ${pathname} : méthode non permise${allow ? ` (permises : ${allow})` : ''} / method not allowed${allow ? ` (allowed: ${allow})` : ''}`]
      : response.status === 404
        ? ['not_found', `${pathname} : adresse inconnue de l’API, voir /api/v1/openapi.json / unknown API address, see /api/v1/openapi.json`]
        : ['internal', `${method} ${pathname} : erreur interne, consignée sur le serveur / internal error, logged on the server`];
  const headers = new Headers({ 'content-type': 'application/json' });
  if (allow) headers.set('allow', allow);
  return new Response(JSON.stringify({ error: { code, message } }), { status: response.status, headers });
}

/** The rollups job prepares the default pages after the scorecards (metrics/service.ts `warm`). */
export const init: ServerInit = async () => {
  const runtime = await getRuntime().catch(() => null);
  runtime?.metrics.addWarmer('pages', warmPages);
};

export const handle: Handle = async ({ event, resolve }) => {
  const lang = event.url.pathname.startsWith('/en') || event.url.pathname.startsWith('/open-data') ? 'en' : 'fr';
  const runtime = await getRuntime().catch(() => null);
  event.locals.clientAddress = clientAddress(event.getClientAddress(), event.request.headers.get('x-forwarded-for'), runtime?.config.http.trustedProxies ?? []);
  if (runtime && !UNCOUNTED.test(event.url.pathname)) {
    const now = Date.now();
    const { requests } = runtime.guards;
    if (!requests.take(event.locals.clientAddress, now)) {
      const retry = String(Math.max(1, requests.retryAfter(event.locals.clientAddress, now)));
      const message = 'Trop de requêtes : réessayez dans un instant / too many requests: try again shortly';
      if (event.url.pathname.startsWith('/api/')) return withSecurityHeaders(errorResponse(429, 'rate_limited', message, { 'retry-after': retry }), event.url);
      return withSecurityHeaders(new Response(message, { status: 429, headers: { 'content-type': 'text/plain; charset=utf-8', 'retry-after': retry } }), event.url);
    }
  }
  // Idempotent: a runtime set after the app loaded (a restart in tests) gets the page warmer too.
  runtime?.metrics.addWarmer('pages', warmPages);
  try {
    if (!runtime) throw new Error('no runtime');
    const { config, warehouse } = runtime;
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
    event.locals.caller = config?.auth.required === false ? DEMO_VISITOR : PUBLIC_CALLER;
    event.locals.username = null;
  }
  const render = async () => resolve(event, { transformPageChunk: ({ html }) => html.replace('%lang%', lang) });
  let response: Response;
  // The address as asked: SvelteKit's event.url drops a client-side navigation's `/__data.json` suffix (and its
  // parameters), and that JSON must never be kept under the HTML page's key, nor the page under the JSON's.
  const asked = new URL(event.request.url);
  if (runtime?.pages && keptPage(event.request.method, asked)) {
    // A page that shows figures: from the rendered-page cache, keyed by who asks and the data it shows.
    const key = PageCache.keyOf(asked, event.locals.caller, event.locals.username, await runtime.metrics.pageVersion());
    response = await runtime.pages.serve(key, event.request, render);
  } else {
    response = await withEtag(event.request, await render());
  }
  if (event.url.pathname.startsWith('/api/') && response.status >= 400 && !(response.headers.get('content-type') ?? '').includes('json')) {
    response = apiFallbackError(response, event.request.method, event.url.pathname);
  }
  if (event.locals.username) response.headers.set('cache-control', 'private, no-store');
  return withSecurityHeaders(response, event.url);
};

/** API answers (JSON, GET, 200) get an ETag from their bytes: a client revalidating gets a 304 without a body. */
async function withEtag(request: Request, response: Response): Promise<Response> {
  if (request.method !== 'GET' || response.status !== 200 || !(response.headers.get('content-type') ?? '').startsWith('application/json')) return response;
  if (!new URL(request.url).pathname.startsWith('/api/')) return response;
  const body = Buffer.from(await response.arrayBuffer());
  const headers = new Headers(response.headers);
  headers.set('etag', etagOf(body));
  if (matches(request, headers.get('etag')!)) return new Response(null, { status: 304, headers });
  return new Response(new Uint8Array(body), { status: 200, headers });
}

function withSecurityHeaders(response: Response, url: URL): Response {
  setSecurityHeaders(response.headers, url.protocol === 'https:');
  return response;
}
