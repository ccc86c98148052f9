// DELETE /api/v1/query/saved/:id — its owner only.
import { json, type RequestHandler } from '@sveltejs/kit';
import { getRuntime } from '$lib/server/runtime';
import { apiError } from '$lib/server/api';
import { requireRole } from '$lib/server/auth-http';
import { SQL_ROLES } from '../../../../../../../access/caller.ts';
import { deleteSavedQuery } from '../../../../../../../access/saved-queries.ts';

export const DELETE: RequestHandler = async ({ locals, params }) => {
  try {
    requireRole(locals.caller, SQL_ROLES);
    const { warehouse } = await getRuntime();
    await deleteSavedQuery(warehouse, locals.caller, params.id ?? '');
    return json({ ok: true });
  } catch (err) {
    return apiError(err);
  }
};
