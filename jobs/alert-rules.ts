// Alert rules: their shape, the one check every rule passes (from JALON_ALERTS_FILE or from an administrator in the
// app), and where they are read. A rule whose id is in the file is the file's: the file is read by every evaluation
// and wins over a stored rule of the same id, which the app shows read-only.
import fs from 'node:fs';
import { GRAINS, type Grain, type Localized } from '../metrics/types.ts';
import { KINDS } from '../ingest/kinds.ts';
import { isOrgCode } from '../access/org-scope.ts';
import type { Warehouse } from '../warehouse/warehouse.ts';

export const RULE_TYPES = ['threshold', 'status', 'stale', 'ingest'] as const;
export type RuleType = (typeof RULE_TYPES)[number];

interface RuleBase {
  id: string;
  /** Who is told: `mailto:` addresses and http(s) webhook URLs. */
  notify: string[];
  title?: Localized;
}

/** A metric's latest value for an organization (or government-wide) crossing a bound. */
export interface ThresholdRule extends RuleBase {
  type: 'threshold';
  metric: string;
  org?: string;
  service?: string;
  grain: Grain;
  below?: number;
  above?: number;
}

/** A scorecard indicator at_risk or late, for one organization or any. */
export interface StatusRule extends RuleBase {
  type: 'status';
  org?: string;
  statuses: ('at_risk' | 'late')[];
}

/** No new data from an organization (optionally one kind) for longer than its cadence: given, or from its history. */
export interface StaleRule extends RuleBase {
  type: 'stale';
  org?: string;
  kind?: string;
  max_age_hours?: number;
}

/** An organization's latest ingest run (optionally one kind) failed, or rejected more than a share of its rows. */
export interface IngestRule extends RuleBase {
  type: 'ingest';
  org?: string;
  kind?: string;
  max_rejected_share: number;
}

export type AlertRule = ThresholdRule | StatusRule | StaleRule | IngestRule;

export interface RuleWithOrigin {
  rule: AlertRule;
  origin: 'file' | 'stored';
}

export class RuleError extends Error {
  readonly problems: readonly string[];
  constructor(where: string, problems: readonly string[]) {
    super(`${where}: ${problems.join(' ; ')}`);
    this.name = 'RuleError';
    this.problems = problems;
  }
}

const RULE_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/u;
const EMAIL = /^[^\s@<>()",;]+@[^\s@<>()",;]+\.[A-Za-z]{2,}$/u;

/** A notification target's problem, or null when it is a `mailto:` address or an http(s) URL. */
export function targetProblem(target: string): string | null {
  if (target.startsWith('mailto:')) return EMAIL.test(target.slice(7)) ? null : `"${target}": adresse courriel invalide / invalid e-mail address`;
  try {
    const u = new URL(target);
    if (u.protocol === 'http:' || u.protocol === 'https:') return null;
  } catch {
    // fall through
  }
  return `"${target}": mailto:adresse ou URL http(s) attendue / mailto:address or http(s) URL expected`;
}

type Json = Record<string, unknown>;

/** Checks one rule; every problem at once, each naming the field and the fix. `metrics` are the known metric ids. */
export function parseRule(input: unknown, metrics: ReadonlySet<string>): { rule: AlertRule | null; problems: string[] } {
  const problems: string[] = [];
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return { rule: null, problems: ['une règle est un objet JSON / a rule is a JSON object'] };
  const r = input as Json;
  const id = typeof r.id === 'string' ? r.id : '';
  if (!RULE_ID.test(id)) problems.push(`id ${JSON.stringify(r.id)}: lettres, chiffres, . _ - (64 au plus) / letters, digits, . _ - (at most 64)`);
  const type = r.type as RuleType;
  if (!RULE_TYPES.includes(type)) problems.push(`type ${JSON.stringify(r.type)}: ${RULE_TYPES.join(', ')}`);
  const notify = Array.isArray(r.notify) ? r.notify : r.notify === undefined ? [] : null;
  if (notify === null || !notify.every((t) => typeof t === 'string')) problems.push('notify: liste de mailto:… et d’URL / list of mailto:… and URLs');
  for (const t of (notify ?? []) as string[]) {
    const p = targetProblem(t);
    if (p) problems.push(`notify ${p}`);
  }
  const optOrg = (): string | undefined => {
    if (r.org === undefined || r.org === null || r.org === '*' || r.org === '') return undefined;
    if (typeof r.org !== 'string' || !isOrgCode(r.org)) problems.push(`org ${JSON.stringify(r.org)}: code d'organisation, ou "*" pour toutes / organization code, or "*" for any`);
    return String(r.org);
  };
  const optKind = (): string | undefined => {
    if (r.kind === undefined || r.kind === null || r.kind === '') return undefined;
    if (typeof r.kind !== 'string' || !(KINDS as readonly string[]).includes(r.kind) && r.kind !== 'probes') problems.push(`kind ${JSON.stringify(r.kind)}: ${KINDS.join(', ')}`);
    return String(r.kind);
  };
  const num = (name: string, min: number, max: number): number | undefined => {
    const v = r[name];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) problems.push(`${name} ${JSON.stringify(v)}: nombre de ${min} à ${max} / number from ${min} to ${max}`);
    return typeof v === 'number' ? v : undefined;
  };
  let title: Localized | undefined;
  if (r.title !== undefined) {
    const t = r.title as Json;
    if (typeof t === 'object' && t !== null && typeof t.fr === 'string' && typeof t.en === 'string') title = { fr: t.fr.slice(0, 200), en: t.en.slice(0, 200) };
    else problems.push('title: {"fr": "…", "en": "…"}');
  }
  const base = { id, notify: (notify ?? []) as string[], ...(title ? { title } : {}) };
  let rule: AlertRule | null = null;
  switch (type) {
    case 'threshold': {
      const metric = typeof r.metric === 'string' ? r.metric : '';
      if (!metrics.has(metric)) problems.push(`metric ${JSON.stringify(r.metric)}: indicateur inconnu / unknown metric (jalon metrics list)`);
      const grain = (r.grain ?? 'month') as Grain;
      if (!GRAINS.includes(grain) || grain === 'all') problems.push(`grain ${JSON.stringify(r.grain)}: ${GRAINS.filter((g) => g !== 'all').join(', ')}`);
      const below = num('below', -1e15, 1e15);
      const above = num('above', -1e15, 1e15);
      if ((below === undefined) === (above === undefined)) problems.push('below ou/or above: un seuil, exactement / exactly one bound');
      const service = r.service === undefined ? undefined : String(r.service);
      if (service !== undefined && !isOrgCode(service)) problems.push(`service ${JSON.stringify(r.service)}: code de service / service code`);
      const org = optOrg();
      rule = { ...base, type, metric, grain, ...(org ? { org } : {}), ...(service ? { service } : {}), ...(below !== undefined ? { below } : {}), ...(above !== undefined ? { above } : {}) };
      break;
    }
    case 'status': {
      const raw = r.statuses ?? ['at_risk', 'late'];
      const statuses = Array.isArray(raw) ? raw.filter((s): s is 'at_risk' | 'late' => s === 'at_risk' || s === 'late') : [];
      if (!Array.isArray(raw) || statuses.length === 0 || statuses.length !== raw.length) problems.push('statuses: ["at_risk", "late"] ou l’un des deux / or one of them');
      const org = optOrg();
      rule = { ...base, type, statuses, ...(org ? { org } : {}) };
      break;
    }
    case 'stale': {
      const org = optOrg();
      const kind = optKind();
      const max = num('max_age_hours', 0.01, 24 * 366);
      rule = { ...base, type, ...(org ? { org } : {}), ...(kind ? { kind } : {}), ...(max !== undefined ? { max_age_hours: max } : {}) };
      break;
    }
    case 'ingest': {
      const org = optOrg();
      const kind = optKind();
      const share = num('max_rejected_share', 0, 1);
      rule = { ...base, type, max_rejected_share: share ?? 0, ...(org ? { org } : {}), ...(kind ? { kind } : {}) };
      break;
    }
    default:
      break;
  }
  return { rule: problems.length ? null : rule, problems };
}

/** The rules of JALON_ALERTS_FILE (`{"rules": [...]}` or a bare array); a bad file throws with every problem. */
export function readRulesFile(file: string, metrics: ReadonlySet<string>): AlertRule[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new RuleError(`JALON_ALERTS_FILE ${file}`, [`JSON illisible / unreadable JSON: ${(err as Error).message}`]);
  }
  const list = Array.isArray(parsed) ? parsed : (parsed as { rules?: unknown }).rules;
  if (!Array.isArray(list)) throw new RuleError(`JALON_ALERTS_FILE ${file}`, ['{"rules": [ … ]} attendu / expected']);
  const problems: string[] = [];
  const rules: AlertRule[] = [];
  const seen = new Set<string>();
  list.forEach((item, i) => {
    const { rule, problems: p } = parseRule(item, metrics);
    for (const x of p) problems.push(`rules[${i}] ${x}`);
    if (rule && seen.has(rule.id)) problems.push(`rules[${i}] id "${rule.id}" en double / duplicated`);
    if (rule) {
      seen.add(rule.id);
      rules.push(rule);
    }
  });
  if (problems.length) throw new RuleError(`JALON_ALERTS_FILE ${file}`, problems);
  return rules;
}

/** Rules stored by administrators (latest version of each, deleted ones left out). A stored rule that no longer passes
 *  the check (a metric removed since) is reported, not dropped silently. */
export async function readStoredRules(wh: Warehouse, metrics: ReadonlySet<string>): Promise<{ rules: AlertRule[]; problems: string[] }> {
  const rows = await wh.query<{ id: string; rule: string }>('SELECT id, rule FROM alert_rules FINAL WHERE NOT deleted ORDER BY id');
  const rules: AlertRule[] = [];
  const problems: string[] = [];
  for (const row of rows) {
    let parsed: unknown = null;
    try {
      parsed = JSON.parse(row.rule);
    } catch {
      // reported below
    }
    const { rule, problems: p } = parseRule(parsed, metrics);
    if (rule) rules.push(rule);
    else problems.push(`règle enregistrée / stored rule ${row.id}: ${p.join(' ; ')}`);
  }
  return { rules, problems };
}

/** Every rule in force: the file's, then the stored ones whose id the file does not hold. */
export async function loadRules(wh: Warehouse, file: string | null, metrics: ReadonlySet<string>): Promise<{ rules: RuleWithOrigin[]; problems: string[] }> {
  const fromFile = file ? readRulesFile(file, metrics) : [];
  const stored = await readStoredRules(wh, metrics);
  const ids = new Set(fromFile.map((r) => r.id));
  return {
    rules: [...fromFile.map((rule) => ({ rule, origin: 'file' as const })), ...stored.rules.filter((r) => !ids.has(r.id)).map((rule) => ({ rule, origin: 'stored' as const }))],
    problems: stored.problems
  };
}

/** Stores (or replaces) an administrator's rule; a rule whose id the file holds is refused (it is the file's). */
export async function saveStoredRule(wh: Warehouse, input: unknown, by: string, file: string | null, metrics: ReadonlySet<string>, now: Date = new Date()): Promise<AlertRule> {
  const { rule, problems } = parseRule(input, metrics);
  if (!rule) throw new RuleError('règle / rule', problems);
  if (file && readRulesFile(file, metrics).some((r) => r.id === rule.id)) {
    throw new RuleError(`règle / rule ${rule.id}`, [`définie dans JALON_ALERTS_FILE : modifiez le fichier / defined in JALON_ALERTS_FILE: edit the file`]);
  }
  await wh.insert('alert_rules', [{ id: rule.id, rule: JSON.stringify(rule), deleted: false, updated_by: by, updated_at: now.toISOString() }]);
  return rule;
}

export async function deleteStoredRule(wh: Warehouse, id: string, by: string, now: Date = new Date()): Promise<void> {
  await wh.insert('alert_rules', [{ id, rule: '{}', deleted: true, updated_by: by, updated_at: now.toISOString() }]);
}
