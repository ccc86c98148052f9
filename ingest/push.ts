// The push API's server side: authenticate a producer token, read a size-limited NDJSON or JSON-array body, and
// buffer it. Requests for the same kind and organization arriving within the interval share one ingest run (a batch
// cut by size or interval, and flushed at shutdown by `drainPushes()`); each request still gets its own counts and
// row errors, with its own line numbers. Runs pass through one queue per process, one batch after another.
import { producerCaller, scopeOrgs } from '../access/caller.ts';
import { Readable } from 'node:stream';
import { isUtf8 } from 'node:buffer';
import type { Warehouse } from '../warehouse/warehouse.ts';
import { isKind, type Kind } from './kinds.ts';
import { runIngest, type IngestSummary, type RowError } from './run-ingest.ts';
import { countLines } from './readers.ts';
import { verifyToken } from '../access/tokens.ts';
import type { RateLimiter } from '../access/rate-limit.ts';

export class PushError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.name = 'PushError';
    this.status = status;
    this.code = code;
  }
}

/** Kinds a producer token may push (reference data about organizations stays with administrators). */
const PUSH_KINDS: readonly Kind[] = ['events', 'surveys', 'cases', 'volumes', 'standards', 'indicators', 'costs', 'probes', 'services', 'value_parameters'];

interface Queue {
  tail: Promise<unknown>;
  pending: number;
}
const QUEUE = Symbol.for('jalon.pushQueue');
function queue(): Queue {
  const g = globalThis as { [QUEUE]?: Queue };
  g[QUEUE] ??= { tail: Promise.resolve(), pending: 0 };
  return g[QUEUE];
}

function enqueue<T>(work: () => Promise<T>): Promise<T> {
  const q = queue();
  q.pending++;
  const run = q.tail.then(work, work);
  q.tail = run.catch(() => undefined).finally(() => q.pending--);
  return run;
}

/** Resolves when every accepted push has been written (called at shutdown before the warehouse closes). */
export async function drainPushes(): Promise<void> {
  for (const key of [...buffers().keys()]) flush(key);
  while (queue().pending > 0) await queue().tail;
}

const PUSH_BATCH_BYTES = 8 << 20;

interface Pending {
  body: Buffer;
  resolve: (s: IngestSummary) => void;
  reject: (e: unknown) => void;
}
interface Buffered {
  kind: Kind;
  org: string;
  label: string;
  pseudonymKey: string | null;
  wh: Warehouse;
  items: Pending[];
  bytes: number;
  timer: NodeJS.Timeout | null;
}
const BUFFERS = Symbol.for('jalon.pushBuffers');
function buffers(): Map<string, Buffered> {
  const g = globalThis as { [BUFFERS]?: Map<string, Buffered> };
  g[BUFFERS] ??= new Map();
  return g[BUFFERS];
}

/** Writes one buffered batch as one run, then answers each request with its share. */
function flush(key: string): void {
  const buf = buffers().get(key);
  if (!buf) return;
  buffers().delete(key);
  if (buf.timer) clearTimeout(buf.timer);
  const ranges: [number, number][] = [];
  let line = 0;
  for (const item of buf.items) {
    const n = countLines(item.body);
    ranges.push([line + 1, line + n]);
    line += n;
  }
  const body = Buffer.concat(buf.items.map((i) => i.body));
  void enqueue(async () => {
    try {
      const run = await runIngest(buf.wh, {
        kind: buf.kind,
        inputs: [{ source: { type: 'stream', stream: Readable.from([body]), name: 'api' }, name: 'api', format: 'ndjson' }],
        org: buf.org,
        orgFrom: { fr: 'celle du jeton : envoyez-la avec le jeton de son organisation', en: 'the token’s: send it with its organization’s token' },
        strict: false,
        pseudonymKey: buf.pseudonymKey,
        label: buf.label,
        lineRanges: ranges,
        errorSample: 0
      });
      for (const [i, item] of buf.items.entries()) {
        const [a, b] = ranges[i];
        const part = run.parts?.[i] ?? { read: 0, inserted: 0, duplicates: 0, rejected: 0 };
        const found = await buf.wh.query<{ source: string; rel: number; reason: string; message: string }>(
          `SELECT source, toUInt64(line) - {a:UInt64} + 1 AS rel, reason, message FROM quarantine
           WHERE run_id = {run:String} AND line BETWEEN {a:UInt64} AND {b:UInt64} ORDER BY line LIMIT 100`,
          { run: run.run_id, a, b }
        );
        const errors: RowError[] = found.map((e) => ({ source: e.source, line: Number(e.rel), reason: e.reason, message: e.message }));
        const rejects = new Map<string, number>();
        if (part.rejected > errors.length) {
          const all = await buf.wh.query<{ reason: string; count: number }>(
            'SELECT reason, toUInt64(count()) AS count FROM quarantine WHERE run_id = {run:String} AND line BETWEEN {a:UInt64} AND {b:UInt64} GROUP BY reason',
            { run: run.run_id, a, b }
          );
          for (const r of all) rejects.set(r.reason, Number(r.count));
        } else for (const e of errors) rejects.set(e.reason, (rejects.get(e.reason) ?? 0) + 1);
        item.resolve({
          ...run,
          status: part.rejected > 0 ? 'partial' : 'ok',
          ...part,
          rejects: [...rejects].map(([reason, count]) => ({ reason, count })).sort((x, y) => y.count - x.count || x.reason.localeCompare(y.reason)),
          errors,
          parts: undefined
        });
      }
    } catch (err) {
      for (const item of buf.items) item.reject(err);
    }
  });
}

/** Adds a request's rows to the buffer of its kind and organization; resolves with that request's summary. */
function bufferPush(wh: Warehouse, kind: Kind, org: string, tokenId: string, pseudonymKey: string | null, body: Buffer, intervalMs: number): Promise<IngestSummary> {
  const key = `${kind}\n${org}`;
  const data = body.length === 0 || body[body.length - 1] === 10 ? body : Buffer.concat([body, Buffer.from('\n')]);
  return new Promise<IngestSummary>((resolve, reject) => {
    let buf = buffers().get(key);
    if (!buf) {
      buf = { kind, org, label: `api:${tokenId}`, pseudonymKey, wh, items: [], bytes: 0, timer: null };
      buffers().set(key, buf);
      buf.timer = setTimeout(() => flush(key), intervalMs);
    }
    buf.items.push({ body: data, resolve, reject });
    buf.bytes += data.length;
    if (buf.bytes >= PUSH_BATCH_BYTES) flush(key);
  });
}

const SLOW_DOWN = 'trop de requêtes : réessayez dans une minute / too many requests: try again in a minute';

/**
 * The token's organization. A client address whose recent tokens were refused too often is refused at once, before
 * any argon2 check (a wrong secret for a known token id would otherwise cost one per request); an accepted token
 * then takes one push from its own per-token limit.
 */
async function authenticate(wh: Warehouse, authorization: string | null, limits: PushLimits, now: number): Promise<{ org: string; tokenId: string }> {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  if (!m) throw new PushError(401, 'unauthorized', 'jeton requis : Authorization: Bearer <jeton> / token required: Authorization: Bearer <token>');
  if (limits.failures.exhausted(limits.address, now)) throw new PushError(429, 'rate_limited', SLOW_DOWN);
  const who = await verifyToken(wh, m[1]);
  if (!who) {
    limits.failures.take(limits.address, now);
    throw new PushError(401, 'unauthorized', 'jeton inconnu, révoqué ou invalide / unknown, revoked or invalid token');
  }
  if (!limits.perToken.take(who.tokenId, now)) throw new PushError(429, 'rate_limited', SLOW_DOWN);
  return who;
}

/** Deepest nesting a pushed JSON value may have: rows are flat objects with a few small arrays and maps. */
export const MAX_JSON_DEPTH = 32;

/** The nesting depth of JSON text (brackets outside strings), counted without parsing it: deep input is refused
 *  before any parser or engine function recurses into it. */
export function jsonDepth(text: string, perLine = false): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (perLine && c === 10) {
      // NDJSON: each line stands alone (an unreadable line is quarantined, it does not deepen the next).
      depth = 0;
      inString = false;
    } else if (inString) {
      if (c === 92) i++; // backslash: skip the escaped character
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 91 || c === 123) {
      if (++depth > max) max = depth;
    } else if (c === 93 || c === 125) depth--;
  }
  return max;
}

/** Reads the body, refusing it (413) as soon as it exceeds `limit` bytes. */
async function readLimited(body: ReadableStream<Uint8Array> | null, declaredLength: string | null, limit: number): Promise<Buffer> {
  const tooLarge = () => new PushError(413, 'payload_too_large', `corps trop volumineux : au plus ${limit} octets par requête, découpez l’envoi / body too large: at most ${limit} bytes per request, split it`);
  if (declaredLength && Number(declaredLength) > limit) throw tooLarge();
  if (!body) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  let size = 0;
  const reader = body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge();
    }
    chunks.push(Buffer.from(value));
  }
  return Buffer.concat(chunks);
}

/**
 * NDJSON as is; a JSON array becomes one line per element (line n = element n). JSON is UTF-8 (RFC 8259): bytes that
 * are not become U+FFFD here, never another encoding's letters, so their lines are quarantined as bad_encoding.
 */
function toNdjson(given: Buffer): Buffer {
  const body = isUtf8(given) ? given : Buffer.from(given.toString('utf8'));
  const text = body.toString('utf8').replace(/^\ufeff/, '');
  const array = /^\s*\[/.test(text);
  // An array counts one level more than its rows.
  if (jsonDepth(text, !array) > MAX_JSON_DEPTH + (array ? 1 : 0)) {
    throw new PushError(400, 'too_deep', `JSON trop imbriqué : au plus ${MAX_JSON_DEPTH} niveaux par ligne / JSON nested too deeply: at most ${MAX_JSON_DEPTH} levels per row`);
  }
  if (!/^\s*\[/.test(text)) return body;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new PushError(400, 'bad_request', 'tableau JSON illisible : envoyez un tableau JSON valide ou du NDJSON / unreadable JSON array: send a valid JSON array or NDJSON');
  }
  if (!Array.isArray(parsed)) throw new PushError(400, 'bad_request', 'tableau JSON attendu / JSON array expected');
  return Buffer.from(parsed.map((row) => JSON.stringify(row)).join('\n') + '\n');
}

export interface PushOptions {
  kind: string;
  authorization: string | null;
  /** `?org=` when given: must be the token's organization. */
  org: string | null;
  body: ReadableStream<Uint8Array> | null;
  contentLength: string | null;
  maxBodyBytes: number;
  /** How long the first request of a batch waits for others (JALON_INGEST_PUSH_INTERVAL_MS). */
  intervalMs: number;
  pseudonymKey: string | null;
  limits: PushLimits;
}

export interface PushLimits {
  /** The client's address (refused authentications are counted per address). */
  address: string;
  perToken: RateLimiter;
  failures: RateLimiter;
}

export async function handlePush(wh: Warehouse, o: PushOptions, now: number = Date.now()): Promise<IngestSummary> {
  const who = await authenticate(wh, o.authorization, o.limits, now);
  if (!isKind(o.kind)) throw new PushError(404, 'unknown_kind', `type inconnu / unknown kind "${o.kind}": ${PUSH_KINDS.join(', ')}`);
  if (!PUSH_KINDS.includes(o.kind)) throw new PushError(403, 'forbidden', `un jeton de dépôt ne peut pas envoyer « ${o.kind} » / a producer token cannot push ${o.kind}`);
  if (o.org !== null) scopeOrgs(producerCaller(who.tokenId, who.org), [o.org]); // the one place that decides (403 via AccessError)
  const body = toNdjson(await readLimited(o.body, o.contentLength, o.maxBodyBytes));
  return bufferPush(wh, o.kind, who.org, who.tokenId, o.pseudonymKey, body, o.intervalMs);
}
