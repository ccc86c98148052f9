// GET /api/v1/annotations?org=&service=&from=&to= lists annotations; POST {date, kind, text_fr, text_en, service | org}
// creates one (administrators, and service owners for their organization; audited).
import type { RequestHandler } from '@sveltejs/kit';
import { createAnnotationApi, listAnnotationsApi } from '$lib/server/annotations-api';

export const GET: RequestHandler = ({ url, locals }) => listAnnotationsApi(url, locals.caller);
export const POST: RequestHandler = ({ request, locals }) => createAnnotationApi(request, locals.caller);
