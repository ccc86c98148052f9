// GET /api/v1/admin/tokens: producer tokens (ids, organizations, labels; never secrets), for administrators and `jalon tokens`.
import { json, type RequestHandler } from '@sveltejs/kit';
import { getRuntime } from '$lib/server/runtime';
import { apiError } from '$lib/server/api';
import { requireAdmin } from '$lib/server/auth-http';
import { listTokens } from '../../../../../../access/tokens.ts';

export const GET: RequestHandler = async ({ locals, request }) => {
  try {
    const { warehouse, operatorKey } = await getRuntime();
    requireAdmin(locals, request, operatorKey);
    return json({ tokens: await listTokens(warehouse) });
  } catch (err) {
    return apiError(err);
  }
};
