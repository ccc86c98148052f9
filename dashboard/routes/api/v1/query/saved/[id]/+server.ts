// DELETE /api/v1/query/saved/:id — its owner only.
import { json, type RequestHandler } from '@sveltejs/kit';
import { getRuntime } from '$lib/server/runtime';
import { apiError, errorResponse } from '$lib/server/api';
import { deleteSavedQuery } from '../../../../../../../access/saved-queries.ts';

export const DELETE: RequestHandler = async ({ locals, params }) => {
  if (locals.caller.role === 'public') return errorResponse(401, 'unauthorized', 'Connexion requise / sign-in required');
  try {
    const { warehouse } = await getRuntime();
    await deleteSavedQuery(warehouse, locals.caller, params.id ?? '');
    return json({ ok: true });
  } catch (err) {
    return apiError(err);
  }
};
