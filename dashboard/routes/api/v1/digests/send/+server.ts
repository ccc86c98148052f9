// POST /api/v1/digests/send {"user", "org"?}: sends one digest now to that account's own address (administrators,
// or `jalon digest send` through the local administrator token). An organization the account may not see is a 403.
import { json, type RequestHandler } from '@sveltejs/kit';
import { apiError } from '$lib/server/api';
import { apiSendDigest } from '$lib/server/operations';

export const POST: RequestHandler = async (event) => {
  try {
    return json(await apiSendDigest(event));
  } catch (err) {
    return apiError(err);
  }
};
