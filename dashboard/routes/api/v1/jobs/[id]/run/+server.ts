// POST /api/v1/jobs/{id}/run: runs a scheduled job now (administrators; audited); answers its status and error.
import { json, type RequestHandler } from '@sveltejs/kit';
import { apiError } from '$lib/server/api';
import { apiCaller, runJobNow } from '$lib/server/operations';

export const POST: RequestHandler = async (event) => {
  try {
    return json(await runJobNow(await apiCaller(event), event.params.id ?? ''));
  } catch (err) {
    return apiError(err);
  }
};
