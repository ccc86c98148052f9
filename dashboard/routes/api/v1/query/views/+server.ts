// GET /api/v1/query/views: the curated views an analyst may query, with their columns (French and English).
import { json, type RequestHandler } from '@sveltejs/kit';
import { errorResponse } from '$lib/server/api';
import { maySql } from '../../../../../../access/caller.ts';
import { describeCuratedViews } from '../../../../../../access/sql-sandbox.ts';

export const GET: RequestHandler = async ({ locals }) => {
  if (!maySql(locals.caller)) return errorResponse(locals.caller.role === 'public' ? 401 : 403, locals.caller.role === 'public' ? 'unauthorized' : 'forbidden', 'Accès refusé / access denied');
  return json({ views: describeCuratedViews() });
};
