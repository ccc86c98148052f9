// Alert evaluation: every rule in force is checked, each figure asked of the metrics service (ctx.metrics.run and
// .scorecard, as the system), stale sources and failed runs read from the ingest run log (operations data, not
// figures). A condition that holds opens one alert per rule and scope and notifies once; an open alert whose
// condition no longer holds resolves by itself. Runs one at a time in a process (the rollups job and an on-demand
// evaluation may coincide).
import type { JobContext } from './job.ts';
import type { Caller } from '../access/caller.ts';
import type { Grain, Localized, MetricRow } from '../metrics/types.ts';
import { periodOf, periodRange, shiftLabel, torontoDay } from '../metrics/periods.ts';
import { loadRules, type AlertRule, type IngestRule, type StaleRule, type StatusRule, type ThresholdRule } from './alert-rules.ts';
import { alertId, openAlerts, writeAlerts, type AlertRecord } from './alert-store.ts';
import { notifyAlert, retryDueDeliveries } from './notify.ts';

/** The caller rules are evaluated as: every organization, small counts visible (what each recipient sees is decided
 *  again per recipient when the notification is written). */
export const SYSTEM_CALLER: Caller = { role: 'admin', orgs: [], id: 'system:alerts' };

export interface Condition {
  scope: string;
  org: string;
  summary: Localized;
  value: number | null;
  detail: Record<string, unknown>;
}

export interface AlertBrief {
  alert_id: string;
  rule_id: string;
  type: string;
  scope: string;
  org: string;
  summary: Localized;
  value: number | null;
}

export interface EvaluationResult {
  fired: AlertBrief[];
  resolved: AlertBrief[];
  open: number;
  /** Rules that could not be evaluated (their open alerts are left as they are), with why. */
  errors: { rule_id: string; error: string }[];
  notifications: { sent: number; failed: number; refused: number; retried: number };
}

const fmt = (v: number | null, unit: string, lang: 'fr' | 'en') =>
  v === null ? (lang === 'fr' ? 'masquée' : 'suppressed') : unit === 'ratio' ? new Intl.NumberFormat(lang === 'fr' ? 'fr-CA' : 'en-CA', { style: 'percent', maximumFractionDigits: 1 }).format(v) : new Intl.NumberFormat(lang === 'fr' ? 'fr-CA' : 'en-CA', { maximumFractionDigits: 2 }).format(v);

/** The periods a threshold rule judges: the current one and the one before (the latest with a value wins). */
export function thresholdRange(grain: Grain, now: Date): { from: string; to: string } {
  const current = periodOf(grain, torontoDay(now));
  const previous = shiftLabel(grain, current, 'previous_period') ?? current;
  return { from: periodRange(grain, previous)!.from, to: periodRange(grain, current)!.to };
}

/** The latest row with a value of a threshold rule's request, as `caller` may see it. */
export async function thresholdFigure(ctx: JobContext, rule: ThresholdRule, caller: Caller): Promise<{ row: MetricRow | null; unit: string }> {
  const { from, to } = thresholdRange(rule.grain, ctx.now());
  const answer = await ctx.metrics.run(
    {
      metric: rule.metric,
      from,
      to,
      grain: rule.grain,
      by: [],
      filters: { ...(rule.org ? { org: [rule.org] } : {}), ...(rule.service ? { service: [rule.service] } : {}) },
      compare: 'none',
      caller,
      now: ctx.now()
    },
    { provenance: false }
  );
  const rows = [...answer.rows].sort((a, b) => a.period.localeCompare(b.period));
  const withValue = rows.filter((r) => r.value !== null || r.suppressed);
  return { row: withValue.at(-1) ?? null, unit: answer.unit };
}

async function evaluateThreshold(ctx: JobContext, rule: ThresholdRule): Promise<Condition[]> {
  const { row, unit } = await thresholdFigure(ctx, rule, SYSTEM_CALLER);
  if (!row || row.value === null) return [];
  const crossed = rule.below !== undefined ? row.value < rule.below : row.value > (rule.above ?? Infinity);
  if (!crossed) return [];
  const def = ctx.metrics.definitions().get(rule.metric);
  const scope = [rule.org ?? 'government', rule.service].filter(Boolean).join('/');
  const bound = rule.below ?? rule.above ?? 0;
  const word = rule.below !== undefined ? { fr: 'sous', en: 'below' } : { fr: 'au-dessus de', en: 'above' };
  const who = rule.org ?? { fr: 'ensemble du gouvernement', en: 'government-wide' };
  const name = (l: 'fr' | 'en') => (typeof who === 'string' ? who : who[l]);
  return [
    {
      scope,
      org: rule.org ?? '',
      value: row.value,
      summary: {
        fr: `${name('fr')} : ${def?.title.fr ?? rule.metric} à ${fmt(row.value, unit, 'fr')} (${row.period}), ${word.fr} ${fmt(bound, unit, 'fr')}`,
        en: `${name('en')}: ${def?.title.en ?? rule.metric} at ${fmt(row.value, unit, 'en')} (${row.period}), ${word.en} ${fmt(bound, unit, 'en')}`
      },
      detail: { metric: rule.metric, grain: rule.grain, period: row.period, n: row.n, bound, direction: rule.below !== undefined ? 'below' : 'above', unit }
    }
  ];
}

async function organizations(ctx: JobContext, only?: string): Promise<string[]> {
  if (only) return [only];
  const rows = await ctx.warehouse.query<{ code: string }>('SELECT code FROM organizations FINAL WHERE NOT placeholder ORDER BY code');
  return rows.map((r) => r.code);
}

const STATUS_WORD: Record<'at_risk' | 'late', Localized> = { at_risk: { fr: 'à risque', en: 'at risk' }, late: { fr: 'en retard', en: 'late' } };

async function evaluateStatus(ctx: JobContext, rule: StatusRule): Promise<Condition[]> {
  const out = new Map<string, Condition>();
  const at = torontoDay(ctx.now());
  for (const org of await organizations(ctx, rule.org)) {
    const card = await ctx.metrics.scorecard({ caller: SYSTEM_CALLER, org, at, now: ctx.now() });
    for (const ch of card.characteristics) {
      for (const ind of ch.indicators) {
        if (ind.status !== 'at_risk' && ind.status !== 'late') continue;
        if (!rule.statuses.includes(ind.status)) continue;
        const scope = `${org}/${ind.metric}`;
        if (out.has(scope)) continue;
        out.set(scope, {
          scope,
          org,
          value: ind.value,
          summary: { fr: `${org} : ${ind.title.fr} ${STATUS_WORD[ind.status].fr}`, en: `${org}: ${ind.title.en} ${STATUS_WORD[ind.status].en}` },
          detail: { metric: ind.metric, status: ind.status, characteristic: ch.number, period: ind.period, target: ind.target, target_date: ind.target_date, at }
        });
      }
    }
  }
  return [...out.values()];
}

const HOUR_MS = 3_600_000;

async function evaluateStale(ctx: JobContext, rule: StaleRule): Promise<Condition[]> {
  // Successful deliveries (rows stored) per organization — and kind when the rule names one — with their gaps: the
  // expected cadence is twice the median gap between deliveries when the rule gives none (three deliveries at least).
  const rows = await ctx.warehouse.query<{ org: string; last_ms: number; runs: number; gap_ms: number | null }>(
    `SELECT org, if({kind:String} = '', '', kind) AS k, toUnixTimestamp64Milli(max(started_at)) AS last_ms, count() AS runs,
            if(count() >= 3, arrayReduce('median', arrayPopFront(arrayDifference(arraySort(groupArray(toUnixTimestamp64Milli(started_at)))))), NULL) AS gap_ms
     FROM ingest_runs FINAL
     WHERE status IN ('ok', 'partial') AND inserted > 0 AND org != ''
       AND ({org:String} = '' OR org = {org:String}) AND ({kind:String} = '' OR kind = {kind:String})
     GROUP BY org, k`,
    { org: rule.org ?? '', kind: rule.kind ?? '' }
  );
  const nowMs = ctx.now().getTime();
  const out: Condition[] = [];
  const what = rule.kind ? ` (${rule.kind})` : '';
  for (const r of rows) {
    const maxMs = rule.max_age_hours !== undefined ? rule.max_age_hours * HOUR_MS : r.gap_ms !== null ? 2 * Number(r.gap_ms) : null;
    if (maxMs === null) continue;
    const ageMs = nowMs - Number(r.last_ms);
    if (ageMs <= maxMs) continue;
    const hours = Math.round(ageMs / HOUR_MS);
    out.push({
      scope: rule.kind ? `${r.org}/${rule.kind}` : r.org,
      org: r.org,
      value: ageMs / HOUR_MS,
      summary: { fr: `${r.org}${what} : aucune donnée depuis ${hours} h`, en: `${r.org}${what}: no data for ${hours} h` },
      detail: { last_data_at: new Date(Number(r.last_ms)).toISOString(), max_age_hours: maxMs / HOUR_MS, cadence: rule.max_age_hours !== undefined ? 'given' : 'history', deliveries: r.runs }
    });
  }
  // An organization named by the rule that never delivered, with a given cadence, is stale too.
  if (rule.org && rule.max_age_hours !== undefined && rows.length === 0) {
    out.push({
      scope: rule.kind ? `${rule.org}/${rule.kind}` : rule.org,
      org: rule.org,
      value: null,
      summary: { fr: `${rule.org}${what} : aucune donnée reçue`, en: `${rule.org}${what}: no data ever received` },
      detail: { last_data_at: null, max_age_hours: rule.max_age_hours, cadence: 'given', deliveries: 0 }
    });
  }
  return out;
}

async function evaluateIngest(ctx: JobContext, rule: IngestRule): Promise<Condition[]> {
  const rows = await ctx.warehouse.query<{ org: string; kind: string; run_id: string; status: string; read: number; rejected: number; error: string; started: string; source: string }>(
    `SELECT org, kind, run_id, status, read, rejected, error, toString(started_at) AS started, source
     FROM ingest_runs FINAL
     WHERE status != 'running' AND ({org:String} = '' OR org = {org:String}) AND ({kind:String} = '' OR kind = {kind:String})
     ORDER BY started_at DESC, run_id LIMIT 1 BY org, kind`,
    { org: rule.org ?? '', kind: rule.kind ?? '' }
  );
  const out: Condition[] = [];
  for (const r of rows) {
    const share = r.read > 0 ? r.rejected / r.read : 0;
    const failed = r.status === 'failed';
    if (!failed && share <= rule.max_rejected_share) continue;
    const who = r.org || '—';
    const pct = new Intl.NumberFormat('fr-CA', { style: 'percent', maximumFractionDigits: 1 }).format(share);
    const pctEn = new Intl.NumberFormat('en-CA', { style: 'percent', maximumFractionDigits: 1 }).format(share);
    out.push({
      scope: `${who}/${r.kind}`,
      org: r.org,
      value: share,
      summary: failed
        ? { fr: `${who} (${r.kind}) : dépôt en échec`, en: `${who} (${r.kind}): delivery failed` }
        : { fr: `${who} (${r.kind}) : ${pct} des lignes rejetées`, en: `${who} (${r.kind}): ${pctEn} of rows rejected` },
      detail: { run_id: r.run_id, status: r.status, read: r.read, rejected: r.rejected, started_at: r.started, source: r.source, error: r.error.slice(0, 500), max_rejected_share: rule.max_rejected_share }
    });
  }
  return out;
}

export function evaluateRule(ctx: JobContext, rule: AlertRule): Promise<Condition[]> {
  switch (rule.type) {
    case 'threshold':
      return evaluateThreshold(ctx, rule);
    case 'status':
      return evaluateStatus(ctx, rule);
    case 'stale':
      return evaluateStale(ctx, rule);
    case 'ingest':
      return evaluateIngest(ctx, rule);
    default: {
      const never: never = rule;
      throw new Error(`unknown rule type ${JSON.stringify(never)}`);
    }
  }
}

const brief = (a: AlertRecord): AlertBrief => ({ alert_id: a.alert_id, rule_id: a.rule_id, type: a.rule_type, scope: a.scope, org: a.org, summary: a.summary, value: a.value });
const stamp = (d: Date) => d.toISOString().replace('T', ' ').replace('Z', '');

const LOCK = Symbol.for('jalon.alertEvaluation');

/** One evaluation of every rule; the process's evaluations run one after another. */
export function evaluateAlerts(ctx: JobContext): Promise<EvaluationResult> {
  const g = globalThis as { [LOCK]?: Promise<unknown> };
  const previous = g[LOCK] ?? Promise.resolve();
  const next = previous.catch(() => undefined).then(() => evaluateOnce(ctx));
  g[LOCK] = next;
  return next;
}

async function evaluateOnce(ctx: JobContext): Promise<EvaluationResult> {
  const now = ctx.now();
  const known = new Set(ctx.metrics.definitions().keys());
  const { rules, problems } = await loadRules(ctx.warehouse, ctx.config.alerts.file, known);
  const result: EvaluationResult = { fired: [], resolved: [], open: 0, errors: problems.map((p) => ({ rule_id: '', error: p })), notifications: { sent: 0, failed: 0, refused: 0, retried: 0 } };
  const open = await openAlerts(ctx.warehouse);
  const byRule = new Map<string, AlertRecord[]>();
  for (const a of open) byRule.set(a.rule_id, [...(byRule.get(a.rule_id) ?? []), a]);
  const changes: AlertRecord[] = [];
  const toNotify: { rule: AlertRule; alert: AlertRecord; event: 'fired' | 'resolved' }[] = [];
  const resolve = (a: AlertRecord, rule: AlertRule | null) => {
    const done: AlertRecord = { ...a, state: 'resolved', resolved_at: stamp(now) };
    changes.push(done);
    result.resolved.push(brief(done));
    if (rule) toNotify.push({ rule, alert: done, event: 'resolved' });
  };
  for (const { rule } of rules) {
    let conditions: Condition[];
    try {
      conditions = await evaluateRule(ctx, rule);
    } catch (err) {
      result.errors.push({ rule_id: rule.id, error: err instanceof Error ? ((err as { toLine?: () => string }).toLine?.() ?? err.message) : String(err) });
      byRule.delete(rule.id); // left as they are: an error says nothing about the condition
      continue;
    }
    const mine = byRule.get(rule.id) ?? [];
    byRule.delete(rule.id);
    const scopes = new Set(conditions.map((c) => c.scope));
    for (const a of mine) if (!scopes.has(a.scope)) resolve(a, rule);
    const openScopes = new Set(mine.map((a) => a.scope));
    for (const c of conditions) {
      if (openScopes.has(c.scope)) continue;
      openScopes.add(c.scope);
      const alert: AlertRecord = {
        alert_id: alertId(rule.id, c.scope, now),
        rule_id: rule.id,
        rule_type: rule.type,
        scope: c.scope,
        org: c.org,
        state: 'open',
        opened_at: stamp(now),
        resolved_at: null,
        summary: c.summary,
        value: c.value,
        detail: c.detail
      };
      changes.push(alert);
      result.fired.push(brief(alert));
      toNotify.push({ rule, alert, event: 'fired' });
    }
  }
  // Open alerts of rules no longer in force resolve (nobody is notified: the rule and its targets are gone).
  for (const rest of byRule.values()) for (const a of rest) resolve(a, null);
  await writeAlerts(ctx.warehouse, changes, now);
  result.open = open.length + result.fired.length - result.resolved.length;
  for (const n of toNotify) {
    const counts = await notifyAlert(ctx, n.rule, n.alert, n.event);
    result.notifications.sent += counts.sent;
    result.notifications.failed += counts.failed;
    result.notifications.refused += counts.refused;
  }
  const retried = await retryDueDeliveries(ctx);
  result.notifications.retried = retried.attempted;
  result.notifications.sent += retried.sent;
  return result;
}
