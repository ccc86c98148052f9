// POST /api/v1/alerts/evaluate: evaluates every alert rule now (administrators, or `jalon alerts evaluate` through
// the local administrator token); answers {fired, resolved, open, errors, notifications}.
import { json, type RequestHandler } from '@sveltejs/kit';
import { apiError } from '$lib/server/api';
import { apiEvaluateAlerts } from '$lib/server/operations';

export const POST: RequestHandler = async (event) => {
  try {
    return json(await apiEvaluateAlerts(event));
  } catch (err) {
    return apiError(err);
  }
};
