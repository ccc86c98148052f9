// The alerts table: one open alert per rule and scope until it resolves; resolving writes a newer row of the same
// alert, so the history stays in the warehouse (alerts FINAL gives each alert's latest state).
import { createHash } from 'node:crypto';
import type { Warehouse } from '../warehouse/warehouse.ts';
import type { Localized } from '../metrics/types.ts';
import { allowedOrgs, publishedOnly, type Caller } from '../access/caller.ts';

export interface AlertRecord {
  alert_id: string;
  rule_id: string;
  rule_type: string;
  scope: string;
  org: string;
  state: 'open' | 'resolved';
  opened_at: string;
  resolved_at: string | null;
  summary: Localized;
  value: number | null;
  detail: Record<string, unknown>;
}

interface Row {
  alert_id: string;
  rule_id: string;
  rule_type: string;
  scope: string;
  org: string;
  state: 'open' | 'resolved';
  opened_at: string;
  resolved_at: string | null;
  summary_fr: string;
  summary_en: string;
  value: number | null;
  detail: string;
}

const COLUMNS = `alert_id, rule_id, rule_type, scope, org, state, toString(opened_at) AS opened_at, toString(resolved_at) AS resolved_at,
  summary_fr, summary_en, value, detail`;

const stamp = (d: Date) => d.toISOString().replace('T', ' ').replace('Z', '');

function shape(r: Row): AlertRecord {
  let detail: Record<string, unknown> = {};
  try {
    detail = JSON.parse(r.detail || '{}') as Record<string, unknown>;
  } catch {
    // a detail that is not JSON is shown empty
  }
  return {
    alert_id: r.alert_id,
    rule_id: r.rule_id,
    rule_type: r.rule_type,
    scope: r.scope,
    org: r.org,
    state: r.state,
    opened_at: r.opened_at,
    resolved_at: r.resolved_at,
    summary: { fr: r.summary_fr, en: r.summary_en },
    value: r.value,
    detail
  };
}

/** An alert's id: its rule, its scope and when it opened (a rule and scope that fire again later get a new alert). */
export function alertId(ruleId: string, scope: string, openedAt: Date): string {
  return createHash('sha256').update(`${ruleId}\u0000${scope}\u0000${openedAt.toISOString()}`).digest('hex').slice(0, 24);
}

export async function openAlerts(wh: Warehouse): Promise<AlertRecord[]> {
  const rows = await wh.query<Row>(`SELECT ${COLUMNS} FROM alerts FINAL WHERE state = 'open' ORDER BY opened_at DESC, alert_id`);
  return rows.map(shape);
}

/** Writes a new or changed alert (its latest row wins). */
export async function writeAlerts(wh: Warehouse, alerts: readonly AlertRecord[], now: Date): Promise<void> {
  if (alerts.length === 0) return;
  await wh.insert(
    'alerts',
    alerts.map((a) => ({
      alert_id: a.alert_id,
      rule_id: a.rule_id,
      rule_type: a.rule_type,
      scope: a.scope,
      org: a.org,
      state: a.state,
      opened_at: a.opened_at,
      resolved_at: a.resolved_at,
      summary_fr: a.summary.fr,
      summary_en: a.summary.en,
      value: a.value,
      detail: JSON.stringify(a.detail),
      updated_at: stamp(now)
    }))
  );
}

/** What a caller may see of the alerts: administrators and executives every organization's; service owners and
 *  analysts their organizations'; the public and producer tokens none (alerts are not published aggregates). */
export function mayReadAlert(caller: Caller, a: Pick<AlertRecord, 'org'>): boolean {
  if (publishedOnly(caller)) return false;
  const allowed = allowedOrgs(caller);
  if (allowed === null) return true;
  return a.org !== '' && allowed.includes(a.org);
}

export interface AlertFilter {
  state?: 'open' | 'resolved' | 'all';
  org?: string;
  limit?: number;
}

/** Alerts, latest state of each, newest first, as the caller may see them. */
export async function listAlerts(wh: Warehouse, caller: Caller, filter: AlertFilter = {}): Promise<AlertRecord[]> {
  const where: string[] = [];
  if (filter.state && filter.state !== 'all') where.push('state = {state:String}');
  if (filter.org) where.push('org = {org:String}');
  const rows = await wh.query<Row>(
    `SELECT ${COLUMNS} FROM alerts FINAL ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY state = 'open' DESC, opened_at DESC, alert_id LIMIT {limit:UInt32}`,
    { state: filter.state ?? 'all', org: filter.org ?? '', limit: Math.min(filter.limit ?? 200, 1000) }
  );
  return rows.map(shape).filter((a) => mayReadAlert(caller, a));
}
