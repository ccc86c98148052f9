// The audit log: every sign-in, query, export and view of restricted data, written to `audit_log` (TTL in the
// schema) and searched by the admin page. Writing never throws: a failed audit write is reported on stderr
// without the entry's detail, and the action it describes keeps its own outcome.
import type { Warehouse } from '../warehouse/warehouse.ts';
import type { Caller } from './caller.ts';

export type AuditAction = 'sign_in' | 'sign_out' | 'query' | 'export' | 'view_restricted' | 'user_admin' | 'saved_query' | 'annotation';

export interface AuditEntry {
  actor: string;
  role: string;
  /** Organizations of the caller, comma-separated; '' for government-wide roles. */
  org: string;
  action: AuditAction;
  target?: string;
  ok: boolean;
  durationMs?: number;
  rows?: number;
  /** Free detail (the SQL of a query, the reason of a refusal). Keys naming secrets are dropped. */
  detail?: Record<string, unknown>;
}

const SECRET_KEY = /pass|secret|token|cookie|authorization|code_verifier/i;

/** Detail as stored: keys that could carry a secret are removed, long texts cut. */
export function auditDetail(detail: Record<string, unknown> | undefined): string {
  if (!detail) return '';
  const clean: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(detail)) if (!SECRET_KEY.test(k)) clean[k] = v;
  return JSON.stringify(clean).slice(0, 30_000);
}

/** Who acts, as the audit log records a caller (actor, role, organizations). */
export function auditWho(caller: Caller): Pick<AuditEntry, 'actor' | 'role' | 'org'> {
  return { actor: caller.id, role: caller.role, org: caller.orgs.join(',') };
}

export async function recordAudit(wh: Warehouse, entry: AuditEntry, now: Date = new Date()): Promise<void> {
  try {
    await wh.insert('audit_log', [
      {
        at: now.toISOString(),
        actor: entry.actor.slice(0, 200),
        role: entry.role,
        org: entry.org,
        action: entry.action,
        target: (entry.target ?? '').slice(0, 500),
        ok: entry.ok,
        duration_ms: Math.max(0, Math.min(4_294_967_295, Math.round(entry.durationMs ?? 0))),
        rows: Math.max(0, Math.round(entry.rows ?? 0)),
        detail: auditDetail(entry.detail)
      }
    ]);
  } catch (err) {
    process.stderr.write(`audit: écriture impossible / write failed (${entry.action} by ${entry.actor}): ${(err as Error).message.slice(0, 200)}\n`);
  }
}

export interface AuditFilter {
  actor?: string;
  action?: string;
  ok?: boolean;
  /** Text searched in the target and detail (SQL of queries). */
  text?: string;
  from?: Date;
  to?: Date;
  limit?: number;
}

export interface AuditRow {
  at: string;
  actor: string;
  role: string;
  org: string;
  action: string;
  target: string;
  ok: boolean;
  duration_ms: number;
  rows: number;
  detail: string;
}

/** Newest first; every filter bound as a typed parameter. */
export async function searchAudit(wh: Warehouse, filter: AuditFilter): Promise<AuditRow[]> {
  const limit = Math.max(1, Math.min(1000, Math.round(filter.limit ?? 200)));
  return wh.query<AuditRow>(
    `SELECT toString(at) AS at, actor, role, org, action, target, ok, duration_ms, rows, detail
     FROM (SELECT * FROM audit_log
     WHERE ({actor:String} = '' OR actor = {actor:String})
       AND ({action:String} = '' OR action = {action:String})
       AND ({okFilter:Int8} = -1 OR ok = ({okFilter:Int8} = 1))
       AND ({text:String} = '' OR positionCaseInsensitiveUTF8(concat(target, ' ', detail), {text:String}) > 0)
       AND at >= {from:DateTime64(3, 'UTC')} AND at < {to:DateTime64(3, 'UTC')}
     ORDER BY at DESC
     LIMIT {limit:UInt32})
     ORDER BY at DESC`,
    {
      actor: filter.actor ?? '',
      action: filter.action ?? '',
      okFilter: filter.ok === undefined ? -1 : filter.ok ? 1 : 0,
      text: filter.text ?? '',
      from: filter.from ?? new Date(0),
      to: filter.to ?? new Date(Date.UTC(2200, 0, 1)),
      limit
    }
  );
}

/** Reads a search from URL parameters (the admin page and the API share it); bad dates are ignored. */
export function auditFilterFromParams(p: URLSearchParams): AuditFilter {
  const date = (v: string | null) => {
    if (!v || !/^\d{4}-\d{2}-\d{2}/u.test(v)) return undefined;
    const d = new Date(v.length === 10 ? `${v}T00:00:00Z` : v);
    return Number.isNaN(d.getTime()) ? undefined : d;
  };
  const ok = p.get('ok');
  const from = date(p.get('from'));
  const to = date(p.get('to'));
  const limit = Number(p.get('limit') ?? '200');
  return {
    ...(p.get('actor') ? { actor: p.get('actor') as string } : {}),
    ...(p.get('action') ? { action: p.get('action') as string } : {}),
    ...(ok === 'true' || ok === 'false' ? { ok: ok === 'true' } : {}),
    ...(p.get('q') ? { text: p.get('q') as string } : {}),
    ...(from ? { from } : {}),
    ...(to ? { to } : {}),
    limit: Number.isFinite(limit) ? limit : 200
  };
}
