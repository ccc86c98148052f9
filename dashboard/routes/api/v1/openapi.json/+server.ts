// GET /api/v1/openapi.json: the OpenAPI document of the whole API, assembled from the registry.
import type { RequestHandler } from './$types';
import { openApiDocument } from '$lib/server/openapi';

export const GET: RequestHandler = () => new Response(JSON.stringify(openApiDocument()), { headers: { 'content-type': 'application/json; charset=utf-8' } });
