// Read models the pages need beside metric answers: a service's reference data and owner and its survey comments
// (annotations: metrics/annotations.ts). Records, not figures (figures, distributions included, are catalogue metrics answered by runMetric);
// scope is applied here through access/ like every metric, and comments follow the one suppression rule.
import { publishedOnly, scopeOrgs, type Caller } from '../access/caller.ts';
import type { Warehouse } from '../warehouse/warehouse.ts';
import type { Dimension } from './types.ts';
// Step labels of the demo's journeys: a service's own step labels will come with its reference data.
import { STEP_NAMES } from '../ingest/demo/catalogue.ts';

export interface ServiceReference {
  org: string;
  code: string;
  name: { fr: string; en: string };
  steps: { name: string; label: { fr: string; en: string } }[];
  standardDays: number;
  workingDays: boolean;
  /** Share of requests that should meet the standard (services.standard_target). */
  standardTarget: number;
}

/** A step's name as people read it (« Vérification d'identité »), for its internal id (identification); the id itself
 *  when no label is known. Pages never show the id when a label exists. */
export function stepLabel(name: string): { fr: string; en: string } {
  return STEP_NAMES[name] ?? { fr: name, en: name };
}

/** The organization that owns a service code, whoever asks (codes only), so another organization's service is refused
 *  (403) rather than reported missing. Codes are unique across organizations (ingest refuses a foreign code). */
export async function serviceOwner(wh: Warehouse, code: string): Promise<string | null> {
  const [row] = await wh.query<{ org: string }>('SELECT org FROM services FINAL WHERE code = {code:String} AND NOT placeholder ORDER BY updated_at LIMIT 1', { code });
  return row?.org ?? null;
}

/** A service's reference data, for a caller who may read its organization (AccessError otherwise). */
export async function serviceReference(wh: Warehouse, caller: Caller, code: string): Promise<ServiceReference | null> {
  const org = await serviceOwner(wh, code);
  if (!org) return null;
  scopeOrgs(caller, [org]);
  const [ref] = await wh.query<{ name_fr: string; name_en: string; steps: string[]; standard_days: number; working_days: boolean | number; standard_target: number }>(
    'SELECT name_fr, name_en, steps, standard_days, working_days, standard_target FROM services FINAL WHERE org = {org:String} AND code = {code:String}',
    { org, code }
  );
  if (!ref) return null;
  return {
    org, code, name: { fr: ref.name_fr, en: ref.name_en },
    steps: ref.steps.map((name) => ({ name, label: stepLabel(name) })),
    standardDays: Number(ref.standard_days), workingDays: Boolean(Number(ref.working_days)), standardTarget: Number(ref.standard_target)
  };
}

/** Each service's standard target, for rankings against it (never a constant). */
export async function standardTargets(wh: Warehouse, org: string): Promise<Map<string, number>> {
  const rows = await wh.query<{ code: string; standard_target: number }>('SELECT code, standard_target FROM services FINAL WHERE org = {org:String}', { org });
  return new Map(rows.map((r) => [r.code, Number(r.standard_target)]));
}

export interface CommentsRequest {
  caller: Caller;
  org: string;
  service: string;
  from: string;
  to: string;
  /** Filters the comments honour: those of dimensions survey responses carry (the satisfaction metric's). */
  filters: Partial<Record<Dimension, readonly string[]>>;
  limit?: number;
}

export interface Comments {
  items: { at: string; channel: string; language: string; satisfaction: number; text: string }[];
  total: number;
  /** Fewer comments than the threshold: none shown (they could single people out). */
  hidden: boolean;
  /** The caller reads published aggregates only (the public, a token): comments are not shown at all. */
  withheld: boolean;
}

/** The latest comments of a service, scrubbed at ingest; withheld from published-only callers, hidden under the threshold. */
export async function serviceComments(wh: Warehouse, req: CommentsRequest, threshold: number): Promise<Comments> {
  scopeOrgs(req.caller, [req.org]);
  // Comments are record-level text, not a published aggregate: the public never reads them (DESIGN §7).
  if (publishedOnly(req.caller)) return { items: [], total: 0, hidden: false, withheld: true };
  const dims = (['channel', 'region', 'client_type'] as const).filter((d) => (req.filters[d]?.length ?? 0) > 0);
  const rows = await wh.query<{ c_at: string; channel: string; language: string; satisfaction: number; comment: string; total: number }>(
    `SELECT toString(submitted_at) AS c_at, channel, language, satisfaction, comment, count() OVER () AS total FROM survey_responses FINAL
     WHERE org = {org:String} AND service = {service:String} AND comment != ''
       AND submitted_at >= toDateTime64({from:Date}, 3, 'America/Toronto') AND submitted_at < toDateTime64({to:Date}, 3, 'America/Toronto')
       ${dims.map((d) => `AND ${d} IN {f_${d}:Array(String)}`).join(' ')}
     ORDER BY submitted_at DESC LIMIT {limit:UInt32}`,
    { org: req.org, service: req.service, from: req.from, to: req.to, limit: req.limit ?? 8, ...Object.fromEntries(dims.map((d) => [`f_${d}`, [...(req.filters[d] ?? [])]])) }
  );
  const total = Number(rows[0]?.total ?? 0);
  const hidden = total > 0 && total < threshold;
  return {
    items: hidden ? [] : rows.map((r) => ({ at: r.c_at, channel: r.channel, language: r.language, satisfaction: Number(r.satisfaction), text: r.comment })),
    total: hidden ? 0 : total, hidden, withheld: false
  };
}
