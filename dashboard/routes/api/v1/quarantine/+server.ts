// GET /api/v1/quarantine?org=&format=csv|json: quarantined rows (reason, line, raw text scrubbed) for administrators,
// a service owner's organization, or a producer token's (Authorization: Bearer). Audited as an export.
import type { RequestHandler } from '@sveltejs/kit';
import { apiError } from '$lib/server/api';
import { apiQuarantine } from '$lib/server/operations';

export const GET: RequestHandler = async (event) => {
  try {
    return await apiQuarantine(event);
  } catch (err) {
    return apiError(err);
  }
};
