// DELETE /api/v1/admin/tokens/:id: revokes a producer token; its next push is refused (401).
import { json, type RequestHandler } from '@sveltejs/kit';
import { getRuntime } from '$lib/server/runtime';
import { apiError, ApiError } from '$lib/server/api';
import { requireAdmin } from '$lib/server/auth-http';
import { revokeProducerToken } from '../../../../../../../access/admin-actions.ts';
import { isAccessError } from '../../../../../../../access/caller.ts';

export const DELETE: RequestHandler = async ({ locals, request, params }) => {
  try {
    const { warehouse, operatorKey } = await getRuntime();
    const by = requireAdmin(locals, request, operatorKey);
    try {
      await revokeProducerToken(warehouse, by, params.id ?? '');
    } catch (err) {
      if (isAccessError(err)) throw new ApiError(404, 'unknown_token', err.message);
      throw err;
    }
    return json({ token_id: params.id, revoked: true });
  } catch (err) {
    return apiError(err);
  }
};
