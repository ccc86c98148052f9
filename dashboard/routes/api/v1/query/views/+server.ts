// GET /api/v1/query/views: the curated views an analyst may query, with their columns, types and descriptions (French
// and English) and an example query each.
import { json, type RequestHandler } from '@sveltejs/kit';
import { apiError } from '$lib/server/api';
import { getRuntime } from '$lib/server/runtime';
import { requireRole } from '$lib/server/auth-http';
import { SQL_ROLES } from '../../../../../../access/caller.ts';
import { describeCuratedViews } from '../../../../../../access/curated-views.ts';

export const GET: RequestHandler = async ({ locals }) => {
  try {
    requireRole(locals.caller, SQL_ROLES);
    const { warehouse } = await getRuntime();
    return json({ views: await describeCuratedViews(warehouse) });
  } catch (err) {
    return apiError(err);
  }
};
