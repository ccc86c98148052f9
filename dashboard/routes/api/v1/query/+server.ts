// POST /api/v1/query {sql}: one analyst query through the sandbox (access/sql-sandbox.ts), as the caller.
// Answers {columns, rows, rowCount, truncated, durationMs, views, scope}; refusals use the one error shape.
import { json, type RequestHandler } from '@sveltejs/kit';
import { getRuntime } from '$lib/server/runtime';
import { apiError, errorResponse } from '$lib/server/api';
import { runSandboxedQuery, SandboxError } from '../../../../../access/sql-sandbox.ts';

export const POST: RequestHandler = async ({ request, locals }) => {
  const body = (await request.json().catch(() => null)) as { sql?: unknown } | null;
  if (typeof body?.sql !== 'string') return errorResponse(400, 'bad_request', 'Corps attendu : {"sql": "SELECT …"} / expected body: {"sql": "SELECT …"}');
  if (locals.caller.role === 'public') return errorResponse(401, 'unauthorized', 'Connexion requise / sign-in required');
  try {
    const { warehouse } = await getRuntime();
    const result = await runSandboxedQuery(warehouse, locals.caller, body.sql, { via: 'api', signal: request.signal });
    return json(result);
  } catch (err) {
    if (err instanceof SandboxError) return errorResponse(err.status, err.code, err.message);
    return apiError(err);
  }
};
