// POST /api/v1/ingest/{kind}: NDJSON or a JSON array from a producer token (Authorization: Bearer), scoped to the
// token's organization, within the per-token and per-address limits. Answers the run summary and the first 100 row
// errors; 400, 401, 403, 404, 413 and 429 otherwise.
import { json } from '@sveltejs/kit';
import type { RequestHandler } from './$types';
import { getRuntime } from '$lib/server/runtime';
import { apiError, errorResponse } from '$lib/server/api';
import { handlePush, PushError } from '../../../../../../ingest/push.ts';

export const POST: RequestHandler = async ({ params, request, url, locals }) => {
  try {
    const { config, warehouse, guards } = await getRuntime();
    const summary = await handlePush(warehouse, {
      kind: params.kind,
      authorization: request.headers.get('authorization'),
      org: url.searchParams.get('org'),
      body: request.body,
      contentLength: request.headers.get('content-length'),
      maxBodyBytes: config.ingest.maxBodyBytes,
      intervalMs: config.ingest.pushIntervalMs,
      pseudonymKey: config.pseudonymKey,
      limits: { address: locals.clientAddress, perToken: guards.pushes, failures: guards.pushFailures }
    });
    return json(summary); // failures reject and reach apiError
  } catch (err) {
    if (err instanceof PushError) {
      return errorResponse(err.status, err.code, err.message, err.status === 401 ? { 'www-authenticate': 'Bearer' } : err.status === 429 ? { 'retry-after': '60' } : undefined);
    }
    return apiError(err);
  }
};
