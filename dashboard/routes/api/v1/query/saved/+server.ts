// GET /api/v1/query/saved: the caller's saved queries and those shared with them; POST {title, sql, shared, id?} saves one.
import { json, type RequestHandler } from '@sveltejs/kit';
import { getRuntime } from '$lib/server/runtime';
import { apiError, errorResponse } from '$lib/server/api';
import { requireRole } from '$lib/server/auth-http';
import { SQL_ROLES } from '../../../../../../access/caller.ts';
import { listSavedQueries, saveQuery } from '../../../../../../access/saved-queries.ts';

export const GET: RequestHandler = async ({ locals }) => {
  try {
    requireRole(locals.caller, SQL_ROLES);
    const { warehouse } = await getRuntime();
    return json({ queries: await listSavedQueries(warehouse, locals.caller) });
  } catch (err) {
    return apiError(err);
  }
};

export const POST: RequestHandler = async ({ locals, request }) => {
  try {
    requireRole(locals.caller, SQL_ROLES);
  } catch (err) {
    return apiError(err);
  }
  const body = (await request.json().catch(() => null)) as { id?: unknown; title?: unknown; sql?: unknown; shared?: unknown } | null;
  if (typeof body?.title !== 'string' || typeof body.sql !== 'string') return errorResponse(400, 'bad_request', 'Attendu / expected: {title, sql, shared}');
  try {
    const { warehouse } = await getRuntime();
    const saved = await saveQuery(warehouse, locals.caller, { title: body.title, sql: body.sql, shared: body.shared === true, ...(typeof body.id === 'string' ? { id: body.id } : {}) });
    return json(saved, { status: 201 });
  } catch (err) {
    return apiError(err);
  }
};
