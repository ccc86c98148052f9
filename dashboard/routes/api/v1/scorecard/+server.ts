// GET /api/v1/scorecard?org&at: the strategy scorecard, government-wide or for one organization.
import type { RequestHandler } from './$types';
import { getScorecard } from '$lib/server/metrics-api';

export const GET: RequestHandler = ({ url, locals }) => getScorecard(url, locals);
