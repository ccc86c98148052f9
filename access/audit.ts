// The audit log: every sign-in, query, export and view of restricted data, written to `audit_log` (TTL in the
// schema) in batches, and searched by the admin page. Repeated refused sign-ins are counted, not written one by one.
// Writing never throws: a failed audit write is reported on stderr without the entry's detail, and the action it
// describes keeps its own outcome.
import type { Warehouse } from '../warehouse/warehouse.ts';
import type { Caller } from './caller.ts';

export type AuditAction = 'sign_in' | 'sign_out' | 'query' | 'export' | 'view_restricted' | 'user_admin' | 'saved_query' | 'restate' | 'job_run' | 'alert_rule' | 'digest' | 'annotation';

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

type AuditRecord = Record<string, unknown>;

function auditRow(entry: AuditEntry, now: Date): AuditRecord {
  return {
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
  };
}

/** Entries wait this long for others, or until this many are waiting, then go in as one insert. */
const AUDIT_FLUSH_MS = 100;
const AUDIT_BATCH_ROWS = 1000;
/** Repeated refused sign-ins from one address for one reason are counted for this long, then written as one row. */
const REFUSALS_WINDOW_MS = 60_000;
/** Addresses followed at once; beyond, refusals are counted under one key per reason (the table stays bounded). */
const REFUSALS_MAX_KEYS = 10_000;

interface Refusals {
  first: Date;
  last: Date;
  count: number;
  usernames: Set<string>;
  address: string;
  reason: string;
  timer: NodeJS.Timeout;
}

/**
 * The audit log's writer for one warehouse: entries are buffered and inserted together (by size, by interval, and
 * at shutdown through `flushAudit`), so a flood of requests makes a few inserts, not one part per request.
 */
class AuditWriter {
  private rows: AuditRecord[] = [];
  private waiters: (() => void)[] = [];
  private timer: NodeJS.Timeout | null = null;
  private tail: Promise<void> = Promise.resolve();
  readonly refusals = new Map<string, Refusals>();

  constructor(private readonly wh: Warehouse) {}

  /** Resolves once the entry is written (or its write failed and was reported): callers keep read-your-writes. */
  add(row: AuditRecord): Promise<void> {
    return new Promise<void>((resolve) => {
      this.rows.push(row);
      this.waiters.push(resolve);
      if (this.rows.length >= AUDIT_BATCH_ROWS) this.flush();
      else if (!this.timer) {
        // Not unref'd: a command that audits and then ends waits the 100 ms for its entry to be written.
        this.timer = setTimeout(() => this.flush(), AUDIT_FLUSH_MS);
      }
    });
  }

  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const rows = this.rows;
    const waiters = this.waiters;
    this.rows = [];
    this.waiters = [];
    if (rows.length === 0) return this.tail;
    this.tail = this.tail.then(async () => {
      try {
        await this.wh.insert('audit_log', rows);
      } catch (err) {
        process.stderr.write(`audit: écriture impossible / write failed (${rows.length} entrées / entries): ${(err as Error).message.slice(0, 200)}\n`);
      } finally {
        for (const w of waiters) w();
      }
    });
    return this.tail;
  }

  /** Writes the count of a window of repeated refusals (nothing when the first one was the only one). */
  closeRefusals(key: string): Promise<void> {
    const r = this.refusals.get(key);
    if (!r) return Promise.resolve();
    this.refusals.delete(key);
    clearTimeout(r.timer);
    if (r.count === 0) return Promise.resolve();
    const names = [...r.usernames];
    return this.add(
      auditRow(
        {
          actor: names.length === 1 ? names[0] : `(${names.length}+)`,
          role: '',
          org: '',
          action: 'sign_in',
          target: 'password',
          ok: false,
          rows: r.count,
          detail: { reason: r.reason, address: r.address, repeated: r.count, from: r.first.toISOString(), to: r.last.toISOString(), usernames: names }
        },
        r.last
      )
    );
  }
}

const WRITERS = Symbol.for('jalon.auditWriters');
/** One writer per warehouse, shared by the CLI's modules and the app's bundle (a global symbol, as the push queue). */
function writerOf(wh: Warehouse): AuditWriter {
  const g = globalThis as { [WRITERS]?: WeakMap<Warehouse, AuditWriter> };
  g[WRITERS] ??= new WeakMap();
  let w = g[WRITERS].get(wh);
  if (!w) {
    w = new AuditWriter(wh);
    g[WRITERS].set(wh, w);
  }
  return w;
}

/** Never throws: a failed write is reported on stderr without the entry's detail. Resolves once written. */
export async function recordAudit(wh: Warehouse, entry: AuditEntry, now: Date = new Date()): Promise<void> {
  await writerOf(wh).add(auditRow(entry, now));
}

/**
 * A refused sign-in. The first refusal from an address for a reason is written as it comes; the next ones within
 * the minute are counted and written as one row (`rows` = how many, with the names tried), so a flood of refused
 * sign-ins adds a row per address and minute, not one per attempt.
 */
export async function recordRefusedSignIn(
  wh: Warehouse,
  refusal: { username: string; address: string; reason: string; target?: string },
  now: Date = new Date()
): Promise<void> {
  const w = writerOf(wh);
  let key = `${refusal.address}\n${refusal.reason}`;
  if (!w.refusals.has(key) && w.refusals.size >= REFUSALS_MAX_KEYS) key = `*\n${refusal.reason}`;
  const open = w.refusals.get(key);
  if (open) {
    open.count++;
    open.last = now;
    if (open.usernames.size < 20) open.usernames.add(refusal.username.slice(0, 200));
    return;
  }
  const timer = setTimeout(() => void w.closeRefusals(key), REFUSALS_WINDOW_MS);
  timer.unref();
  w.refusals.set(key, { first: now, last: now, count: 0, usernames: new Set(), address: key.startsWith('*\n') ? '*' : refusal.address, reason: refusal.reason, timer });
  await w.add(
    auditRow({ actor: refusal.username, role: '', org: '', action: 'sign_in', target: refusal.target ?? 'password', ok: false, detail: { reason: refusal.reason, address: refusal.address } }, now)
  );
}

/** Writes every buffered entry and open count of refusals now (shutdown, and before the log is searched). */
export async function flushAudit(wh: Warehouse): Promise<void> {
  const w = writerOf(wh);
  await Promise.all([...w.refusals.keys()].map((k) => w.closeRefusals(k)));
  await w.flush();
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
  await writerOf(wh).flush();
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
