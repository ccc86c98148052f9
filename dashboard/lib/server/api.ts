// The one error shape over HTTP: { error: { code, message } } with the right status. Endpoints stay thin:
// validate, call one server function, shape the response; every failure passes through `apiError`.
import { json } from '@sveltejs/kit';
import { isAccessError } from '../../../access/caller.ts';
import { SandboxError } from '../../../access/sql-sandbox.ts';
import { SignInError } from '../../../access/sign-in.ts';
import { OidcError } from '../../../access/oidc.ts';

/** An engine failure as the warehouse layer reports it (warehouse/warehouse.ts WarehouseError), recognised by name: the
 *  page server never imports warehouse/ (one metrics engine), and the built app and the serving process each load their
 *  own copy of the class anyway. */
interface EngineFailure extends Error {
  code: number | null;
  type: string;
  /** What to do about it, French then English: what a caller reads (never the engine's own text). */
  hint?: string;
  toLine(): string;
}
function isEngineFailure(err: unknown): err is EngineFailure {
  return err instanceof Error && err.name === 'WarehouseError' && 'type' in err && typeof (err as { toLine?: unknown }).toLine === 'function';
}

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }
}

/**
 * A message as the caller may read it: no path of this machine (install folder, data folder, temporary files), which
 * tells an outsider where and how the service is installed. Absolute paths become "…".
 */
export function withoutPaths(message: string): string {
  return message.replace(/(^|[\s"'«(=:])(\/(?:[\w.@+~-]+\/)+[\w.@+~-]*)/gu, (_m, lead: string, found: string) => (found.startsWith('/api/') || /^\/(fr|en)\//u.test(found) ? `${lead}${found}` : `${lead}…`));
}

export function errorResponse(status: number, code: string, message: string, headers?: Record<string, string>): Response {
  return json({ error: { code, message: withoutPaths(message) } }, { status, ...(headers ? { headers } : {}) });
}

/** Engine codes of a limit reached: time (159, 160), memory (241), rows or bytes read or returned (158, 307, 396). */
const LIMIT_CODES = new Set([158, 159, 160, 241, 307, 396]);

/** Maps typed errors to HTTP: 4xx for the caller's mistakes, 503 for an unavailable warehouse, 500 otherwise. */
export function apiError(err: unknown): Response {
  if (err instanceof ApiError) return errorResponse(err.status, err.code, err.message);
  if (isAccessError(err)) return errorResponse(403, 'forbidden', err.message);
  if (err instanceof SandboxError) {
    // Both languages apart (the explorer shows the page's), and where in the analyst's text.
    return json({ error: { code: err.code, message: err.message, fr: err.fr, en: err.en, position: err.position } }, { status: err.status });
  }
  if (err instanceof SignInError || err instanceof OidcError) return errorResponse(err.status, err.code, err.message);
  if (isEngineFailure(err)) {
    if (err.type === 'SERVER_UNREACHABLE' || err.type === 'DATA_DIR_LOCKED') return errorResponse(503, 'warehouse_unavailable', err.toLine());
    // Time, memory and size limits are the request's own limits, answered as such (422), never as a failure.
    // The engine's own text can quote the statement and the values it read: it goes to the server's log, the caller
    // gets the hint (what to do about it).
    process.stderr.write(`${err.toLine()}\n`);
    if (LIMIT_CODES.has(err.code ?? 0)) return errorResponse(422, 'limit_exceeded', err.hint || 'limite atteinte : réduisez la demande / limit reached: narrow the request');
    return errorResponse(500, 'warehouse_error', err.hint || `erreur de l'entrepôt (${err.type}) / warehouse error (${err.type})`);
  }
  // Anything else is a bug: its text stays in the server's log, not in the answer.
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  return errorResponse(500, 'internal', 'Erreur interne / internal error');
}
