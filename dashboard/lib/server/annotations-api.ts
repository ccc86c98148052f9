// Server functions behind /api/v1/annotations: parse the body or query string, call the metrics service for the
// caller (scope checked in access/, every write audited in metrics/annotations.ts), one error shape on failure.
import { json } from '@sveltejs/kit';
import type { Caller } from '../../../access/caller.ts';
import { isCalendarDay } from '../filters.ts';
import { ApiError, apiError } from './api.ts';
import { getRuntime } from './runtime.ts';

type Body = Record<string, unknown>;

function toResponse(err: unknown): Response {
  if (err instanceof Error && err.name === 'AnnotationError') {
    const e = err as Error & { code: string };
    return apiError(new ApiError(e.code === 'not_found' ? 404 : 400, e.code, e.message));
  }
  return apiError(err);
}

async function bodyOf(request: Request): Promise<Body> {
  const body = (await request.json().catch(() => null)) as unknown;
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw new ApiError(400, 'bad_request', 'Attendu / expected: {date, kind, text_fr, text_en, service | org}');
  return body as Body;
}

/** Nobody signed in (the public) is asked to sign in (401) before the scope check refuses (403). */
function signedIn(caller: Caller): void {
  if (caller.role === 'public') throw new ApiError(401, 'unauthorized', 'Connexion requise / sign-in required');
}

const str = (b: Body, k: string): string | undefined => (typeof b[k] === 'string' ? (b[k] as string) : undefined);
const inputOf = (b: Body) => ({ org: str(b, 'org'), service: str(b, 'service'), date: str(b, 'date') ?? '', kind: str(b, 'kind') ?? '', text_fr: str(b, 'text_fr') ?? '', text_en: str(b, 'text_en') });

/** GET ?org=&service=&from=&to= (days, `to` exclusive): the annotations of an organization or a service. */
export async function listAnnotationsApi(url: URL, caller: Caller): Promise<Response> {
  try {
    const q = url.searchParams;
    const { metrics } = await getRuntime();
    let org = q.get('org') ?? '';
    const service = q.get('service') ?? '';
    if (service && !org) org = (await metrics.serviceOwner(service)) ?? '';
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(org)) throw new ApiError(400, 'bad_request', "org : code d'organisation (ou service connu) requis / org: an organization code (or a known service) is required");
    const from = q.get('from') ?? '2018-04-01';
    const to = q.get('to') ?? '2100-01-01';
    if (!isCalendarDay(from) || !isCalendarDay(to)) throw new ApiError(400, 'bad_request', 'from, to : dates AAAA-MM-JJ / from, to: dates YYYY-MM-DD');
    return json({ annotations: await metrics.annotations(caller, { org, ...(service ? { service } : {}), from, to }) });
  } catch (err) {
    return toResponse(err);
  }
}

export async function createAnnotationApi(request: Request, caller: Caller): Promise<Response> {
  try {
    signedIn(caller);
    const body = await bodyOf(request);
    return json(await (await getRuntime()).metrics.createAnnotation(caller, inputOf(body)), { status: 201 });
  } catch (err) {
    return toResponse(err);
  }
}

export async function getAnnotationApi(id: string, caller: Caller): Promise<Response> {
  try {
    const found = await (await getRuntime()).metrics.annotation(caller, id);
    if (!found) throw new ApiError(404, 'not_found', `annotation ${id} introuvable / not found`);
    return json(found);
  } catch (err) {
    return toResponse(err);
  }
}

/** PUT: the whole annotation again (date, kind, texts; service or organization unchanged unless given). */
export async function updateAnnotationApi(id: string, request: Request, caller: Caller): Promise<Response> {
  try {
    signedIn(caller);
    const body = await bodyOf(request);
    return json(await (await getRuntime()).metrics.updateAnnotation(caller, id, inputOf(body)));
  } catch (err) {
    return toResponse(err);
  }
}

export async function deleteAnnotationApi(id: string, caller: Caller): Promise<Response> {
  try {
    signedIn(caller);
    await (await getRuntime()).metrics.deleteAnnotation(caller, id);
    return json({ ok: true });
  } catch (err) {
    return toResponse(err);
  }
}
