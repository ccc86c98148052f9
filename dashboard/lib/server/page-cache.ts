// Rendered pages kept, so that a page already seen costs about what a cached API answer costs (issue 18): the HTML (and
// the `__data.json` of a client-side navigation) of the pages that show figures, kept per page address, per caller (role,
// scope, account: the header names who is signed in, so one person's page is never served to another) and per page
// version (metrics/rollups.ts: changes whenever anything a page may show changes), least recently used out, bounded by
// bytes (JALON_PAGE_CACHE_MB). Pages with forms that belong to one session, the explorer, administration and sign-in are
// never kept. The API's figure answers (scorecard, metrics) are kept the same way. Each kept page or answer carries an
// ETag, so a browser revalidating it gets a 304 without a body.
import { createHash } from 'node:crypto';
import zlib from 'node:zlib';
import { promisify } from 'node:util';
import type { Caller } from '../../../access/caller.ts';
import { torontoDay } from '../../../metrics/periods.ts';

/** The pages kept: those that show figures and nothing personal but the header. Both languages. */
const KEPT = /^\/(fr|en)(\/(organisations|organizations|services|indicateurs|indicators)(\/[^/]+)?)?\/?$/u;
/** The API answers kept: the figures (a scorecard, a metric, the catalogue), which depend only on the caller, the query,
 *  the data and the day, like the pages. Kept ready to send, an answer is not serialized and hashed again per request. */
const KEPT_API = /^\/api\/v1\/(scorecard|metrics(\/[a-z0-9_]+)?)$/u;

/** The page address a request renders, without SvelteKit's data suffix; null when the request is not for a kept page. */
export function keptPage(method: string, url: URL): string | null {
  if (method !== 'GET') return null;
  if (KEPT_API.test(url.pathname)) return url.pathname;
  const page = url.pathname.endsWith('/__data.json') ? url.pathname.slice(0, -'/__data.json'.length) || '/' : url.pathname;
  return KEPT.test(page) ? url.pathname : null;
}

export interface KeptPage {
  status: number;
  headers: [string, string][];
  body: Uint8Array<ArrayBuffer>;
  /** The body compressed once, served to clients that accept gzip (null when it would not be smaller). */
  gzip: Uint8Array<ArrayBuffer> | null;
  etag: string;
  bytes: number;
}

const gzipAsync = promisify(zlib.gzip);

/** Why a rendered response is not kept (an error page, a redirect, a cookie set, a stream): served as it is. */
class NotKept extends Error {
  constructor(readonly response: Response) {
    super('not kept');
  }
}

/** A key's rendering, shared by requests arriving meanwhile; its page once rendered; the bytes it counts for. */
interface Entry {
  pending: Promise<KeptPage>;
  page: KeptPage | null;
  bytes: number;
}

export class PageCache {
  /** Map order is recency: least recently used first. `peek` reads `page` and never waits. */
  private readonly entries = new Map<string, Entry>();
  private used = 0;
  private hits = 0;
  private misses = 0;
  private peeked = 0;

  constructor(readonly maxBytes: number) {}

  /** The key of the address as asked (its parameters in any order make one page), for this caller, this page version
   *  and today's Toronto day: the hooks and the fast path before the app use this one function. */
  static keyOf(asked: URL, caller: Caller, username: string | null, version: string, now: Date = new Date()): string {
    const search = new URLSearchParams([...asked.searchParams].sort(([a], [b]) => a.localeCompare(b))).toString();
    return JSON.stringify([asked.pathname, search, caller.role, caller.id, [...caller.orgs].sort(), username, version, torontoDay(now)]);
  }

  /**
   * The kept page for `key`, rendered by `render` when missing (requests arriving meanwhile share the one rendering).
   * Returns the Response to send: from the cache, or the rendered one when it is not kept.
   */
  async serve(key: string, request: Request, render: () => Promise<Response>): Promise<Response> {
    if (this.maxBytes === 0) return render();
    let entry = this.entries.get(key);
    let mine = false;
    if (entry) {
      this.hits++;
      this.touch(key, entry);
    } else {
      this.misses++;
      mine = true;
      const created: Entry = { pending: render().then(keep), page: null, bytes: 0 };
      entry = created;
      this.entries.set(key, created);
      created.pending.then(
        (page) => {
          if (this.entries.get(key) !== created) return;
          created.page = page;
          this.account(key, created, page.bytes);
        },
        () => this.entries.get(key) === created && this.forget(key)
      );
    }
    try {
      return respond(await entry.pending, request);
    } catch (err) {
      if (err instanceof NotKept) return mine ? err.response : render();
      throw err;
    }
  }

  /** The kept page for `key` if it is already rendered (a hit, most recently used), else undefined; never renders. */
  peek(key: string): KeptPage | undefined {
    const entry = this.entries.get(key);
    if (!entry?.page) return undefined;
    this.touch(key, entry);
    this.hits++;
    this.peeked++;
    return entry.page;
  }

  /** Makes `key` the most recently used. */
  private touch(key: string, entry: Entry): void {
    this.entries.delete(key);
    this.entries.set(key, entry);
  }

  private account(key: string, entry: Entry, bytes: number): void {
    this.used += bytes - entry.bytes;
    entry.bytes = bytes;
    if (bytes > this.maxBytes / 4) this.forget(key); // one huge page is served, not kept: it would push out the rest
    for (const k of this.entries.keys()) {
      if (this.used <= this.maxBytes) break;
      this.forget(k);
    }
  }

  private forget(key: string): void {
    this.used -= this.entries.get(key)?.bytes ?? 0;
    this.entries.delete(key);
  }

  /** `peeked`: the hits served before the app (kept-fast-path.ts), also counted in `hits`. */
  stats(): { entries: number; bytes: number; maxBytes: number; hits: number; misses: number; peeked: number } {
    return { entries: this.entries.size, bytes: this.used, maxBytes: this.maxBytes, hits: this.hits, misses: this.misses, peeked: this.peeked };
  }
}

/** Headers a kept page keeps: what describes the body, the page's own Content-Security-Policy (hashes, no nonce), and
 *  an API answer's own caching rule. */
const KEPT_HEADERS = ['content-type', 'content-security-policy', 'link', 'vary', 'x-sveltekit-page', 'cache-control'];

async function keep(response: Response): Promise<KeptPage> {
  const type = response.headers.get('content-type') ?? '';
  if (response.status !== 200 || response.headers.has('set-cookie') || !(type.startsWith('text/html') || type.startsWith('application/json'))) {
    throw new NotKept(response);
  }
  const body = new Uint8Array(await response.arrayBuffer());
  // Compressed off the server's thread (libuv's pool): a large answer would hold it for tens of milliseconds.
  const gzipped = new Uint8Array(await gzipAsync(body, { level: 6 }));
  const headers: [string, string][] = [];
  for (const name of KEPT_HEADERS) {
    const value = response.headers.get(name);
    if (value !== null) headers.push([name, value]);
  }
  const etag = etagOf(body);
  const gzip = gzipped.length < body.length ? gzipped : null;
  return { status: 200, headers, body, gzip, etag, bytes: body.length + (gzip?.length ?? 0) + 512 };
}

/** A strong validator from the body's bytes. */
export function etagOf(body: Uint8Array | string): string {
  return `"${createHash('sha1').update(body).digest('base64url')}"`;
}

/** Whether the request's If-None-Match names `etag` (a weak comparison, as RFC 9110 asks for GET). */
export function matches(request: Request, etag: string): boolean {
  return matchesTag(request.headers.get('if-none-match'), etag);
}

function matchesTag(asked: string | null, etag: string): boolean {
  if (!asked) return false;
  if (asked.trim() === '*') return true;
  const strip = (t: string) => t.trim().replace(/^W\//u, '');
  return asked.split(',').some((t) => strip(t) === strip(etag));
}

/** What a kept page answers to a request with these If-None-Match and Accept-Encoding: status, headers, body. */
export function keptAnswer(page: KeptPage, ifNoneMatch: string | null, acceptEncoding: string | null): { status: number; headers: Headers; body: Uint8Array<ArrayBuffer> | null } {
  const headers = new Headers(page.headers);
  headers.set('etag', page.etag);
  headers.append('vary', 'accept-encoding');
  // Browsers keep the page and ask again with If-None-Match (a signed-in person's pages are `no-store`: see the hooks).
  if (!headers.has('cache-control')) headers.set('cache-control', 'no-cache');
  if (matchesTag(ifNoneMatch, page.etag)) return { status: 304, headers, body: null };
  const gzip = page.gzip && /\bgzip\b/u.test(acceptEncoding ?? '');
  if (gzip) headers.set('content-encoding', 'gzip');
  const body = gzip ? page.gzip! : page.body;
  headers.set('content-length', String(body.length));
  return { status: page.status, headers, body };
}

function respond(page: KeptPage, request: Request): Response {
  const { status, headers, body } = keptAnswer(page, request.headers.get('if-none-match'), request.headers.get('accept-encoding'));
  return new Response(body, { status, headers });
}
