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

export function errorResponse(status: number, code: string, message: string, headers?: Record<string, string>): Response {
  return json({ error: { code, message } }, { status, ...(headers ? { headers } : {}) });
}

/** Maps typed errors to HTTP: 4xx for the caller's mistakes, 503 for an unavailable warehouse, 500 otherwise. */
export function apiError(err: unknown): Response {
  if (err instanceof ApiError) return errorResponse(err.status, err.code, err.message);
  if (isAccessError(err)) return errorResponse(403, 'forbidden', err.message);
  if (err instanceof SandboxError || err instanceof SignInError || err instanceof OidcError) return errorResponse(err.status, err.code, err.message);
  if (isEngineFailure(err)) {
    if (err.type === 'SERVER_UNREACHABLE' || err.type === 'DATA_DIR_LOCKED') return errorResponse(503, 'warehouse_unavailable', err.toLine());
    if (err.code === 159 || err.code === 160) return errorResponse(504, 'timeout', err.toLine());
    return errorResponse(500, 'warehouse_error', err.toLine());
  }
  const message = err instanceof Error ? err.message : String(err);
  return errorResponse(500, 'internal', message);
}
