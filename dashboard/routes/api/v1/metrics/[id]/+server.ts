// GET /api/v1/metrics/{id}?from&to&grain&by&org&service&channel&compare: one metric's rows and provenance, for the caller.
import type { RequestHandler } from './$types';
import { getMetric } from '$lib/server/metrics-api';

export const GET: RequestHandler = ({ params, url, locals }) => getMetric(params.id, url, locals);
