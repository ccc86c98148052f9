// GET /api/v1/audit?actor=&action=&ok=&q=&from=&to=&limit=: search the audit log (administrators only).
import { json, type RequestHandler } from '@sveltejs/kit';
import { getRuntime } from '$lib/server/runtime';
import { apiError } from '$lib/server/api';
import { requireRole } from '$lib/server/auth-http';
import { auditFilterFromParams, searchAudit } from '../../../../../access/audit.ts';

export const GET: RequestHandler = async ({ locals, url }) => {
  try {
    requireRole(locals.caller, ['admin']);
    const { warehouse } = await getRuntime();
    return json({ entries: await searchAudit(warehouse, auditFilterFromParams(url.searchParams)) });
  } catch (err) {
    return apiError(err);
  }
};
