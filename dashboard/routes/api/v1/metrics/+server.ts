// GET /api/v1/metrics: the metric catalogue with definitions (ids, titles, units, dimensions, formula versions).
import type { RequestHandler } from './$types';
import { listMetrics } from '$lib/server/metrics-api';

export const GET: RequestHandler = () => listMetrics();
