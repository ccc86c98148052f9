// Kept pages and answers for people who are not signed in, served before the app (issue 18): a press-release day's
// crowd asks the same public pages again and again, and each answer already kept should cost what writing it costs.
// It answers only what the hooks (dashboard/hooks.server.ts) would answer from the same cache entry: a GET of a kept
// address, without a cookie or credentials, from a client within its rate limit, as the same caller (identifyRequest
// with no session: the public, or the open demo's visitor), with the same key and the same headers. Anything else —
// a miss, a signed-in person, a refusal — goes to the app, which decides as always.
import type http from 'node:http';
import { identifyRequest } from '../../../access/request-caller.ts';
import { clientAddress } from '../../../access/client-address.ts';
import { torontoDay } from '../../../metrics/periods.ts';
import { keptAnswer, keptPage, PageCache } from './page-cache.ts';
import { setSecurityHeaders } from './security-headers.ts';
import type { Runtime } from './runtime.ts';

/** True when the request was answered here from the cache; false when it must go to the app (nothing was written). */
export async function serveKeptBeforeApp(req: http.IncomingMessage, res: http.ServerResponse, runtime: Runtime): Promise<boolean> {
  const { pages, config } = runtime;
  if (!pages || req.method !== 'GET' || req.headers.cookie !== undefined || req.headers.authorization !== undefined) return false;
  const asked = new URL(req.url ?? '/', 'http://kept.invalid');
  if (!keptPage('GET', asked)) return false;
  const { caller, username } = await identifyRequest(runtime.warehouse, config.auth, undefined);
  const search = new URLSearchParams([...asked.searchParams].sort(([a], [b]) => a.localeCompare(b))).toString();
  const key = PageCache.keyOf(asked.pathname, search, caller, username, await runtime.metrics.pageVersion(), torontoDay(new Date()));
  const page = pages.peek(key);
  if (!page) return false;
  // Counted like any request; a client over its limit is refused by the app, in its own words.
  const address = clientAddress(req.socket.remoteAddress ?? '', (req.headers['x-forwarded-for'] as string | undefined) ?? null, config.http.trustedProxies);
  if (!runtime.guards.requests.take(address, Date.now())) return false;
  const answer = keptAnswer(page, (req.headers['if-none-match'] as string | undefined) ?? null, (req.headers['accept-encoding'] as string | undefined) ?? null);
  setSecurityHeaders(answer.headers, config.http.publicUrl.startsWith('https:'));
  res.statusCode = answer.status;
  for (const [name, value] of answer.headers) res.setHeader(name, value);
  res.end(answer.body ?? undefined);
  return true;
}
