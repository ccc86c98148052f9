// Kept pages and answers served before the app (issue 18): a press-release day's crowd asks the same public pages
// again and again, and an executive the same scorecard; each answer already kept should cost what writing it costs.
// It answers only what the hooks (dashboard/hooks.server.ts) would answer from the same cache entry: a GET of a kept
// address, without credentials other than the session cookie, from a client within its rate limit, as the same caller
// (identifyRequest on the same session cookie: a signed-in person, the public, or the open demo's visitor), with the
// same key and the same headers. Anything else — a miss, a refusal — goes to the app, which decides as always.
import type http from 'node:http';
import { identifyRequest } from '../../../access/request-caller.ts';
import { clientAddress } from '../../../access/client-address.ts';
import { keptAnswer, keptPage, PageCache } from './page-cache.ts';
import { setSecurityHeaders } from './security-headers.ts';
import type { Runtime } from './runtime.ts';
import { SESSION_COOKIE } from '../../../access/sessions.ts';

/** A cookie's value as SvelteKit's `cookies.get` reads it: the first of that name, percent-decoded. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== name) continue;
    let value = part.slice(eq + 1).trim();
    if (value.startsWith('"')) value = value.slice(1, -1); // as the `cookie` package SvelteKit reads them with
    try {
      return decodeURIComponent(value);
    } catch {
      return value;
    }
  }
  return undefined;
}

/** True when the request was answered here from the cache; false when it must go to the app (nothing was written). */
export async function serveKeptBeforeApp(req: http.IncomingMessage, res: http.ServerResponse, runtime: Runtime): Promise<boolean> {
  const { pages, config } = runtime;
  if (!pages || req.method !== 'GET' || req.headers.authorization !== undefined) return false;
  const asked = new URL(req.url ?? '/', 'http://kept.invalid');
  if (!keptPage('GET', asked)) return false;
  const { caller, username } = await identifyRequest(runtime.warehouse, config.auth, cookieValue(req.headers.cookie, SESSION_COOKIE));
  const page = pages.peek(PageCache.keyOf(asked, caller, username, await runtime.metrics.pageVersion()));
  if (!page) return false;
  // Counted like any request; a client over its limit is refused by the app, in its own words.
  const address = clientAddress(req.socket.remoteAddress ?? '', (req.headers['x-forwarded-for'] as string | undefined) ?? null, config.http.trustedProxies);
  if (!runtime.guards.requests.take(address, Date.now())) return false;
  const answer = keptAnswer(page, (req.headers['if-none-match'] as string | undefined) ?? null, (req.headers['accept-encoding'] as string | undefined) ?? null);
  if (username) answer.headers.set('cache-control', 'private, no-store'); // as the hooks do for a signed-in person
  setSecurityHeaders(answer.headers, config.http.publicUrl.startsWith('https:'));
  res.statusCode = answer.status;
  for (const [name, value] of answer.headers) res.setHeader(name, value);
  res.end(answer.body ?? undefined);
  return true;
}
