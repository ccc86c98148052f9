// GET /api/v1/auth/me: who the server thinks is asking (role and organizations), for pages and scripts.
import { json, type RequestHandler } from '@sveltejs/kit';

export const GET: RequestHandler = async ({ locals }) => {
  return json({ username: locals.username, role: locals.caller.role, orgs: locals.caller.orgs, signedIn: locals.username !== null });
};
