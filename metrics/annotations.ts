// Annotations (releases, incidents, policies, campaigns, notes) of an organization or one of its services: read,
// created, edited and deleted here for the app, the API and the CLI alike, each write checked through access/ and
// audited. Records, not figures. A note is dated by its Toronto calendar day; its id is a hash of its key
// (org, service, instant, kind) — the key the table's ReplacingMergeTree keeps the latest version of — so a deletion
// is a newer row of the same key marked `deleted`, and an edit that moves the key deletes the old one.
import { scopeOrgs, isAccessError, type Caller } from '../access/caller.ts';
import { assertMayAnnotate } from '../access/annotation-access.ts';
import { auditWho, recordAudit } from '../access/audit.ts';
import type { Warehouse } from '../warehouse/warehouse.ts';
import { isDay } from './periods.ts';
import { serviceOwner } from './read-models.ts';

import { ANNOTATION_KINDS, type AnnotationKind } from './annotation-kinds.ts';

export { ANNOTATION_KINDS, type AnnotationKind };
const TEXT_MAX = 500;

export interface Annotation {
  id: string;
  /** The stored instant (UTC, 'YYYY-MM-DD HH:MM:SS.mmm'). */
  at: string;
  /** Its Toronto calendar day: where charts draw it. */
  day: string;
  org: string;
  /** '' for the whole organization. */
  service: string;
  kind: string;
  text: { fr: string; en: string };
  author: string;
}

export interface AnnotationInput {
  /** Needed when no service is named; otherwise the service's owner (another one is refused). */
  org?: string;
  service?: string;
  /** YYYY-MM-DD, a Toronto calendar day. */
  date: string;
  kind: string;
  text_fr: string;
  text_en?: string;
}

/** A bad field: one line naming the field and the fix (HTTP 400). */
export class AnnotationError extends Error {
  readonly code: 'bad_request' | 'not_found';
  readonly field: string;
  constructor(code: AnnotationError['code'], field: string, message: string) {
    super(message);
    this.name = 'AnnotationError';
    this.code = code;
    this.field = field;
  }
}

export function isAnnotationError(err: unknown): err is AnnotationError {
  return err instanceof Error && err.name === 'AnnotationError';
}

const ID_SQL = 'toString(sipHash64(org, service, toUnixTimestamp64Milli(at), kind))';
const COLUMNS = `${ID_SQL} AS id, toString(at) AS a_at, formatDateTime(at, '%F', 'America/Toronto') AS day, org, service, kind, text_fr, text_en, author, toString(created_at) AS created`;

interface Row {
  id: string;
  a_at: string;
  day: string;
  org: string;
  service: string;
  kind: string;
  text_fr: string;
  text_en: string;
  author: string;
  created: string;
}

const toAnnotation = (r: Row): Annotation => ({
  id: r.id, at: r.a_at, day: r.day, org: r.org, service: r.service, kind: r.kind, text: { fr: r.text_fr, en: r.text_en }, author: r.author
});

/** Annotations of an organization (and of one service, with the organization's own), in a [from, to) day range. */
export async function listAnnotations(wh: Warehouse, caller: Caller, q: { org: string; service?: string; from: string; to: string }): Promise<Annotation[]> {
  scopeOrgs(caller, [q.org]);
  const rows = await wh.query<Row>(
    `SELECT ${COLUMNS} FROM annotations FINAL
     WHERE org = {org:String} AND (service = {service:String} OR service = '') AND NOT deleted
       AND at >= toDateTime64({from:Date}, 3, 'America/Toronto') AND at < toDateTime64({to:Date}, 3, 'America/Toronto') ORDER BY at, kind`,
    { org: q.org, service: q.service ?? '', from: q.from, to: q.to }
  );
  return rows.map(toAnnotation);
}

/** One annotation by id, for a caller who may read its organization (null when absent or deleted). */
export async function findAnnotation(wh: Warehouse, caller: Caller, id: string): Promise<Annotation | null> {
  const row = await findRow(wh, caller, id);
  return row ? toAnnotation(row) : null;
}

async function findRow(wh: Warehouse, caller: Caller, id: string): Promise<Row | null> {
  if (!/^\d{1,20}$/.test(id)) return null;
  const [row] = await wh.query<Row>(`SELECT ${COLUMNS} FROM annotations FINAL WHERE ${ID_SQL} = {id:String} AND NOT deleted LIMIT 1`, { id });
  if (!row) return null;
  scopeOrgs(caller, [row.org]);
  return row;
}

/** The stored instant of a day: 17:00 UTC, which is noon or 1 p.m. in Toronto, so always that Toronto day. */
const instantOf = (day: string): string => `${day}T17:00:00.000Z`;
/** An instant as the warehouse prints it (what listAnnotations returns). */
const printed = (iso: string): string => iso.replace('T', ' ').replace(/Z$/u, '');

interface Checked {
  org: string;
  service: string;
  day: string;
  kind: AnnotationKind;
  text_fr: string;
  text_en: string;
}

/** Validates an input (each problem names its field and the fix) and finds the organization. */
async function check(wh: Warehouse, input: AnnotationInput): Promise<Checked> {
  const service = (input.service ?? '').trim();
  const date = String(input.date ?? '').trim();
  if (!isDay(date)) throw new AnnotationError('bad_request', 'date', `date « ${date} » : une date AAAA-MM-JJ / date "${date}": a date YYYY-MM-DD`);
  if (!(ANNOTATION_KINDS as readonly string[]).includes(input.kind)) {
    throw new AnnotationError('bad_request', 'kind', `kind « ${input.kind} » : l'un de / one of ${ANNOTATION_KINDS.join(', ')}`);
  }
  const fr = String(input.text_fr ?? '').trim();
  const en = String(input.text_en ?? '').trim();
  if (!fr) throw new AnnotationError('bad_request', 'text_fr', 'text_fr : texte en français requis / text_fr: a French text is required');
  if (fr.length > TEXT_MAX || en.length > TEXT_MAX) throw new AnnotationError('bad_request', fr.length > TEXT_MAX ? 'text_fr' : 'text_en', `texte de ${TEXT_MAX} caractères au plus / text of at most ${TEXT_MAX} characters`);
  let org = (input.org ?? '').trim();
  if (service) {
    const owner = await serviceOwner(wh, service);
    if (!owner) throw new AnnotationError('bad_request', 'service', `service « ${service} » inconnu / unknown service "${service}"`);
    if (org && org !== owner) throw new AnnotationError('bad_request', 'org', `le service ${service} appartient à ${owner} / service ${service} belongs to ${owner}`);
    org = owner;
  }
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(org)) throw new AnnotationError('bad_request', 'org', "org : code d'organisation requis sans service / org: an organization code is required without a service");
  return { org, service, day: date, kind: input.kind as AnnotationKind, text_fr: fr, text_en: en };
}

type Operation = 'create' | 'update' | 'delete';

/** Runs one write, auditing it whatever its outcome (a refusal is recorded as such). */
async function audited<T>(wh: Warehouse, caller: Caller, op: Operation, target: string, now: Date, write: () => Promise<{ result: T; detail: Record<string, unknown>; target?: string }>): Promise<T> {
  try {
    const done = await write();
    await recordAudit(wh, { ...auditWho(caller), action: 'annotation', target: `annotation:${done.target ?? target}`, ok: true, detail: { op, ...done.detail } }, now);
    return done.result;
  } catch (err) {
    const reason = isAccessError(err) || isAnnotationError(err) ? (err as Error).message : 'error';
    await recordAudit(wh, { ...auditWho(caller), action: 'annotation', target: `annotation:${target}`, ok: false, detail: { op, reason } }, now);
    throw err;
  }
}

async function write(wh: Warehouse, c: Checked, author: string, now: Date, deleted = false, at = instantOf(c.day)): Promise<void> {
  await wh.insert('annotations', [{ org: c.org, service: c.service, at, kind: c.kind, text_fr: c.text_fr, text_en: c.text_en, created_at: now.toISOString(), deleted, author }]);
}

async function idOf(wh: Warehouse, c: Pick<Checked, 'org' | 'service' | 'kind'>, at: string): Promise<string> {
  const [row] = await wh.query<{ id: string }>(
    "SELECT toString(sipHash64({org:String}, {service:String}, toUnixTimestamp64Milli(parseDateTime64BestEffort({at:String}, 3, 'UTC')), {kind:String})) AS id",
    { org: c.org, service: c.service, kind: c.kind, at }
  );
  return row.id;
}

export async function createAnnotation(wh: Warehouse, caller: Caller, input: AnnotationInput, now: Date = new Date()): Promise<Annotation> {
  return audited(wh, caller, 'create', 'new', now, async () => {
    const c = await check(wh, input);
    assertMayAnnotate(caller, c.org);
    await write(wh, c, caller.id, now);
    const id = await idOf(wh, c, instantOf(c.day));
    const created: Annotation = { id, at: printed(instantOf(c.day)), day: c.day, org: c.org, service: c.service, kind: c.kind, text: { fr: c.text_fr, en: c.text_en }, author: caller.id };
    return { result: created, target: id, detail: { org: c.org, service: c.service, day: c.day, kind: c.kind } };
  });
}

/** Later than the stored version, so that the replacing row wins even within the same millisecond. */
const after = (stored: string, now: Date): Date => new Date(Math.max(now.getTime(), Date.parse(`${stored.replace(' ', 'T')}Z`) + 1));

export async function updateAnnotation(wh: Warehouse, caller: Caller, id: string, input: AnnotationInput, now: Date = new Date()): Promise<Annotation> {
  return audited(wh, caller, 'update', id, now, async () => {
    const row = await findRow(wh, caller, id);
    if (!row) throw new AnnotationError('not_found', 'id', `annotation ${id} introuvable / not found`);
    const old = toAnnotation(row);
    assertMayAnnotate(caller, old.org);
    const c = await check(wh, { ...input, org: input.org ?? old.org, service: input.service ?? old.service });
    assertMayAnnotate(caller, c.org);
    const stamp = after(row.created, now);
    const moved = c.org !== old.org || c.service !== old.service || c.kind !== old.kind || c.day !== old.day;
    // The old key keeps its own instant: it is deleted; the new version is dated by its day.
    if (moved) await write(wh, { org: old.org, service: old.service, day: old.day, kind: old.kind as AnnotationKind, text_fr: old.text.fr, text_en: old.text.en }, caller.id, stamp, true, `${old.at.replace(' ', 'T')}Z`);
    const at = moved ? instantOf(c.day) : `${old.at.replace(' ', 'T')}Z`;
    await write(wh, c, caller.id, stamp, false, at);
    const newId = moved ? await idOf(wh, c, at) : id;
    const updated: Annotation = { id: newId, at: printed(at), day: c.day, org: c.org, service: c.service, kind: c.kind, text: { fr: c.text_fr, en: c.text_en }, author: caller.id };
    return { result: updated, target: id, detail: { org: c.org, service: c.service, day: c.day, kind: c.kind, ...(moved ? { new_id: newId } : {}) } };
  });
}

export async function deleteAnnotation(wh: Warehouse, caller: Caller, id: string, now: Date = new Date()): Promise<void> {
  return audited(wh, caller, 'delete', id, now, async () => {
    const row = await findRow(wh, caller, id);
    if (!row) throw new AnnotationError('not_found', 'id', `annotation ${id} introuvable / not found`);
    const old = toAnnotation(row);
    assertMayAnnotate(caller, old.org);
    await write(wh, { org: old.org, service: old.service, day: old.day, kind: old.kind as AnnotationKind, text_fr: old.text.fr, text_en: old.text.en }, caller.id, after(row.created, now), true, `${old.at.replace(' ', 'T')}Z`);
    return { result: undefined, detail: { org: old.org, service: old.service, day: old.day, kind: old.kind } };
  });
}
