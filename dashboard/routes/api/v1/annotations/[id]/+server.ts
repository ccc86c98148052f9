// GET, PUT and DELETE /api/v1/annotations/:id — writes by administrators, and by service owners for their organization;
// audited.
import type { RequestHandler } from '@sveltejs/kit';
import { deleteAnnotationApi, getAnnotationApi, updateAnnotationApi } from '$lib/server/annotations-api';

export const GET: RequestHandler = ({ params, locals }) => getAnnotationApi(params.id ?? '', locals.caller);
export const PUT: RequestHandler = ({ params, request, locals }) => updateAnnotationApi(params.id ?? '', request, locals.caller);
export const DELETE: RequestHandler = ({ params, locals }) => deleteAnnotationApi(params.id ?? '', locals.caller);
