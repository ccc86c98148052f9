// GET /api/v1/alerts?state=open|resolved|all&org=: alerts the caller may see (and, for administrators, the
// notifications that did not go out). The CLI beside a running serve calls it with the local administrator token.
import { json, type RequestHandler } from '@sveltejs/kit';
import { apiError } from '$lib/server/api';
import { apiListAlerts } from '$lib/server/operations';

export const GET: RequestHandler = async (event) => {
  try {
    return json(await apiListAlerts(event));
  } catch (err) {
    return apiError(err);
  }
};
