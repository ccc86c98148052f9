// POST /api/v1/admin/users/:name {"disabled": true|false}: disables or enables an account, at once (its sessions end).
import { json, type RequestHandler } from '@sveltejs/kit';
import { getRuntime } from '$lib/server/runtime';
import { apiError, ApiError, errorResponse } from '$lib/server/api';
import { findAccount } from '../../../../../../../access/accounts.ts';
import { requireAdmin } from '$lib/server/auth-http';
import { setAccountDisabled } from '../../../../../../../access/admin-actions.ts';

export const POST: RequestHandler = async ({ locals, request, params }) => {
  try {
    const { warehouse, operatorKey } = await getRuntime();
    const by = requireAdmin(locals, request, operatorKey);
    const body = (await request.json().catch(() => null)) as { disabled?: unknown } | null;
    if (typeof body?.disabled !== 'boolean') return errorResponse(400, 'bad_request', 'Attendu / expected: {"disabled": true|false}');
    if (!(await findAccount(warehouse, params.name ?? ''))) throw new ApiError(404, 'unknown_account', `compte inconnu / unknown account: ${params.name}`);
    await setAccountDisabled(warehouse, by, params.name ?? '', body.disabled);
    return json({ username: params.name, disabled: body.disabled });
  } catch (err) {
    return apiError(err);
  }
};
