// Server functions behind /api/v1/metrics and /api/v1/scorecard: parse the query string, call the engine for the
// caller, and turn its typed errors into the one HTTP error shape. Endpoints stay one line each.
import { setImmediate } from 'node:timers/promises';
import { DEMO_EXECUTIVE, defaultOrg, type Caller } from '../../../access/caller.ts';
import { parseMetricRequest } from '../../../metrics/request.ts';
import { isMetricError, metricErrorStatus } from '../../../metrics/run-metric.ts';
import { isDeclaredIndicator } from '../../../metrics/definition.ts';
import { isStrategyError } from '../../../metrics/strategy.ts';
import { isDay, torontoDay } from '../../../metrics/periods.ts';
import { ApiError, apiError } from './api.ts';
import { getRuntime } from './runtime.ts';

/** Who asks: set by the hooks on `locals.caller` (access/request-caller.ts); the demo executive outside a request. */
export function callerOf(locals: object): Caller {
  return (locals as Partial<{ caller: Caller }>).caller ?? DEMO_EXECUTIVE;
}

function toApiError(err: unknown): Response {
  if (isMetricError(err)) {
    return apiError(new ApiError(metricErrorStatus(err), err.code, err.message));
  }
  // The problems only: the strategy file's path is the server's business (no install paths in answers).
  if (isStrategyError(err)) return apiError(new ApiError(404, 'unknown_strategy', err.problems.join(' ; ')));
  return apiError(err);
}

const json = async (body: unknown): Promise<Response> =>
  new Response(await stringified(body), { headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'private, max-age=60' } });

const ROWS_PER_SLICE = 1_000;
/** JSON.stringify(body), a large answer's rows written in slices with the server's thread free between them (a kept
 *  page is answered meanwhile). The same text: the rows take their place in the object's own key order. */
export async function stringified(body: unknown): Promise<string> {
  const rows = (body as { rows?: unknown } | null)?.rows;
  if (!Array.isArray(rows) || rows.length <= ROWS_PER_SLICE) return JSON.stringify(body);
  const slot = '\u0000rows\u0000';
  const parts: string[] = [];
  for (let i = 0; i < rows.length; i += ROWS_PER_SLICE) {
    parts.push(JSON.stringify(rows.slice(i, i + ROWS_PER_SLICE)).slice(1, -1));
    await setImmediate();
  }
  return JSON.stringify({ ...(body as object), rows: slot }).replace(JSON.stringify(slot), () => `[${parts.join(',')}]`);
}

export async function listMetrics(): Promise<Response> {
  const definitions = (await getRuntime()).metrics.definitions();
  return json({
    metrics: [...definitions.values()].map((d) => ({
      id: d.id, title: d.title, description: d.description, unit: d.unit, direction: d.direction, characteristics: d.characteristics,
      dimensions: d.dimensions, grains: d.grains, sources: d.sources, formula_version: d.formulaVersion, effective_from: d.effectiveFrom,
      modelled: d.modelled, source: isDeclaredIndicator(d) ? 'declared' : 'computed', href: `/api/v1/metrics/${d.id}`
    }))
  });
}

export async function getMetric(id: string, url: URL, locals: object, now: Date = new Date()): Promise<Response> {
  try {
    const q = url.searchParams;
    const known = new Set(['from', 'to', 'grain', 'by', 'org', 'service', 'channel', 'region', 'client_type', 'compare']);
    const unknown = [...q.keys()].filter((k) => !known.has(k));
    if (unknown.length) throw new ApiError(400, 'bad_request', `paramètre inconnu / unknown parameter: ${unknown.join(', ')}`);
    const { metrics } = await getRuntime();
    const { request, errors } = parseMetricRequest(id, Object.fromEntries([...known].map((k) => [k, q.get(k)])), callerOf(locals), now, { grains: metrics.definitions().get(id)?.grains });
    if (!request) throw new ApiError(400, 'bad_request', errors.join(' ; '));
    return json(await (await getRuntime()).metrics.run(request));
  } catch (err) {
    return toApiError(err);
  }
}

export async function getScorecard(url: URL, locals: object, now: Date = new Date()): Promise<Response> {
  try {
    const q = url.searchParams;
    const at = q.get('at') ?? torontoDay(now);
    if (!isDay(at)) throw new ApiError(400, 'bad_request', `at "${at}": date AAAA-MM-JJ / date YYYY-MM-DD`);
    const org = q.get('org');
    if (org !== null && !/^[A-Za-z0-9_-]{1,64}$/.test(org)) throw new ApiError(400, 'bad_request', `org "${org}": code d'organisation / organization code`);
    const caller = callerOf(locals);
    // No organization asked: a service owner gets their own organization's scorecard (access/caller.ts).
    const card = await (await getRuntime()).metrics.scorecard({ caller, org: org || defaultOrg(caller), at, now, strategy: q.get('strategy') ?? 'qc-2018' });
    return json(card);
  } catch (err) {
    return toApiError(err);
  }
}
