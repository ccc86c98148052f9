// The push API's server side: authenticate a producer token, read a size-limited NDJSON or JSON-array body, and
// run it as one ingest run scoped to the token's organization. Runs pass through one queue per process so
// concurrent pushes are written one batch after another, and `drainPushes()` lets shutdown wait for them.
import { Readable } from 'node:stream';
import type { Warehouse } from '../warehouse/warehouse.ts';
import { isKind, type Kind } from './kinds.ts';
import { runIngest, type IngestSummary } from './run-ingest.ts';
import { verifyToken } from './tokens.ts';

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
export const PUSH_KINDS: readonly Kind[] = ['events', 'surveys', 'cases', 'volumes', 'standards', 'indicators', 'costs', 'services'];

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
  while (queue().pending > 0) await queue().tail;
}

export async function authenticate(wh: Warehouse, authorization: string | null): Promise<{ org: string; tokenId: string }> {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  if (!m) throw new PushError(401, 'unauthorized', 'jeton requis : Authorization: Bearer <jeton> / token required: Authorization: Bearer <token>');
  const who = await verifyToken(wh, m[1]);
  if (!who) throw new PushError(401, 'unauthorized', 'jeton inconnu, révoqué ou invalide / unknown, revoked or invalid token');
  return who;
}

/** Reads the body, refusing it (413) as soon as it exceeds `limit` bytes. */
export async function readLimited(body: ReadableStream<Uint8Array> | null, declaredLength: string | null, limit: number): Promise<Buffer> {
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

/** NDJSON as is; a JSON array becomes one line per element (line n = element n). */
export function toNdjson(body: Buffer): Buffer {
  const text = body.toString('utf8').replace(/^\ufeff/, '');
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
  pseudonymKey: string | null;
}

export async function handlePush(wh: Warehouse, o: PushOptions): Promise<IngestSummary> {
  const who = await authenticate(wh, o.authorization);
  if (!isKind(o.kind)) throw new PushError(404, 'unknown_kind', `type inconnu / unknown kind "${o.kind}": ${PUSH_KINDS.join(', ')}`);
  if (!PUSH_KINDS.includes(o.kind)) throw new PushError(403, 'forbidden', `un jeton de dépôt ne peut pas envoyer « ${o.kind} » / a producer token cannot push ${o.kind}`);
  if (o.org !== null && o.org !== who.org) {
    throw new PushError(403, 'forbidden', `ce jeton est pour ${who.org}, pas ${o.org} / this token is for ${who.org}, not ${o.org}`);
  }
  const body = toNdjson(await readLimited(o.body, o.contentLength, o.maxBodyBytes));
  const kind = o.kind;
  return enqueue(() =>
    runIngest(wh, {
      kind,
      inputs: [{ source: { type: 'stream', stream: Readable.from([body]), name: 'api' }, name: 'api', format: 'ndjson' }],
      org: who.org,
      strict: false,
      pseudonymKey: o.pseudonymKey,
      label: `api:${who.tokenId}`,
      errorSample: 100
    })
  );
}
