// GET /api/v1/admin/users: accounts (no password hashes), for administrators and the operator key of `jalon users`.
import { json, type RequestHandler } from '@sveltejs/kit';
import { getRuntime } from '$lib/server/runtime';
import { apiError } from '$lib/server/api';
import { requireAdmin } from '$lib/server/auth-http';
import { listAccounts } from '../../../../../../access/accounts.ts';

export const GET: RequestHandler = async ({ locals, request }) => {
  try {
    const { warehouse, operatorKey } = await getRuntime();
    requireAdmin(locals, request, operatorKey);
    return json({ accounts: await listAccounts(warehouse) });
  } catch (err) {
    return apiError(err);
  }
};
