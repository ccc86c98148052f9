// GET /api/v1/query/views: the curated views an analyst may query, with their columns (French and English).
import { json, type RequestHandler } from '@sveltejs/kit';
import { apiError } from '$lib/server/api';
import { requireRole } from '$lib/server/auth-http';
import { SQL_ROLES } from '../../../../../../access/caller.ts';
import { describeCuratedViews } from '../../../../../../access/sql-sandbox.ts';

export const GET: RequestHandler = async ({ locals }) => {
  try {
    requireRole(locals.caller, SQL_ROLES);
  } catch (err) {
    return apiError(err);
  }
  return json({ views: describeCuratedViews() });
};
