// The analyst SQL sandbox: one read-only SELECT over the curated views, scoped to the caller's organizations, under
// time, row and memory limits it cannot change. `jalon query` and `POST /api/v1/query` both call runSandboxedQuery,
// on either warehouse kind. The order below is the whole pipeline:
//   role → text rules → EXPLAIN AST allow-list → wrap with our limits → EXPLAIN AST of the wrapped text must equal
//   the checked tree inside our wrapper → run in the analyst database, on a connection of its own → audit (refusals
//   included). Messages never carry the engine's text (access/sandbox-errors.ts); a query holds its slot until the
//   engine has really stopped it, so a query the engine cannot interrupt still counts against the limits.
import { randomUUID } from 'node:crypto';
import type { Warehouse } from '../warehouse/warehouse.ts';
import { WarehouseError } from '../warehouse/warehouse.ts';
import { quoteIdentifier, quoteString } from '../warehouse/identifiers.ts';
import { allowedOrgs, maySql, type Caller } from './caller.ts';
import { isOrgCode } from './org-scope.ts';
import { CURATED_VIEWS, CURATED_VIEW_NAMES, analystDatabaseOf, ensureCuratedViews } from './curated-views.ts';
import { MAX_SQL_LENGTH, checkAst, checkSqlText, expectedWrappedRows, parseExplainRows, refusal, sameDump, type AstNode, type Refusal, type TextPosition } from './sandbox-check.ts';
import { classifyEngineError, describeParseError, engineFields } from './sandbox-errors.ts';
import { auditWho, recordAudit } from './audit.ts';

export interface SandboxLimits {
  /** Engine time limit, in seconds. */
  timeoutSeconds: number;
  /** Rows returned; more are cut and the result is marked truncated. */
  maxRows: number;
  /** Memory the query may use, in bytes. */
  maxMemoryBytes: number;
  /** Size of the result, in bytes. */
  maxResultBytes: number;
  /** Threads the query may use (the machine is shared with the dashboard). */
  maxThreads: number;
}

export const DEFAULT_LIMITS: SandboxLimits = {
  timeoutSeconds: 30,
  maxRows: 10_000,
  maxMemoryBytes: 1_000_000_000,
  maxResultBytes: 20_000_000,
  maxThreads: 2
};

/** A refused or stopped query: HTTP status, a stable code and a message for people in each language (`message` holds
 * both, French first, for the CLI and the audit log). */
export class SandboxError extends Error {
  readonly status: number;
  readonly code: string;
  readonly refusals: readonly Refusal[];
  readonly fr: string;
  readonly en: string;
  /** Where in the analyst's own text (syntax errors). */
  readonly position: TextPosition | null;
  constructor(status: number, code: string, text: { fr: string; en: string; position?: TextPosition }, refusals: readonly Refusal[] = []) {
    super(`${text.fr} / ${text.en}`);
    this.name = 'SandboxError';
    this.status = status;
    this.code = code;
    this.refusals = refusals;
    this.fr = text.fr;
    this.en = text.en;
    this.position = text.position ?? null;
  }
}

function refusedBy(refusals: readonly Refusal[]): SandboxError {
  const position = refusals.find((r) => r.position)?.position;
  return new SandboxError(400, 'query_refused', { fr: refusals.map((r) => r.fr).join(' ; '), en: refusals.map((r) => r.en).join('; '), ...(position ? { position } : {}) }, refusals);
}

/** Codes the query named that belong to organizations outside the caller's scope: their rows are not visible, so a
 * filter on them finds nothing; the explorer says so instead of showing an unexplained empty result. */
export interface ScopeNotice {
  orgs: string[];
  services: { code: string; org: string }[];
  fr: string;
  en: string;
}

export interface SandboxResult {
  columns: string[];
  rows: Record<string, unknown>[];
  rowCount: number;
  /** More rows existed than `limits.maxRows`; only the first ones are returned. */
  truncated: boolean;
  durationMs: number;
  /** Curated views the query read. */
  views: string[];
  /** Organizations the rows were restricted to; null = all. */
  scope: readonly string[] | null;
  /** Organizations or services named in the query that are outside `scope`; null when none. */
  scopeNotice: ScopeNotice | null;
  limits: SandboxLimits;
}

/**
 * Queries running now, per caller and in all, for one warehouse. A slot is held until the engine has stopped the
 * query (not when the caller gives up), so limits count what really runs. The embedded engine runs each query on a
 * libuv worker (4 by default, shared with the dashboard's queries and file reads): three sandbox queries at most
 * leave the rest of the app room even when every one runs to its time limit.
 */
interface Admission {
  perCaller: Map<string, number>;
  total: number;
}
export const MAX_QUERIES_PER_CALLER = 2;
export const MAX_QUERIES_TOTAL = 3;
// One registry per process, even when the app's bundle holds a second copy of this module (as for the runtime).
const ADMISSIONS = Symbol.for('jalon.sandbox.admissions');
function admissionFor(wh: Warehouse): Admission {
  const holder = globalThis as { [ADMISSIONS]?: WeakMap<Warehouse, Admission> };
  const map = (holder[ADMISSIONS] ??= new WeakMap());
  let a = map.get(wh);
  if (!a) map.set(wh, (a = { perCaller: new Map(), total: 0 }));
  return a;
}

export interface SandboxOptions {
  limits?: Partial<SandboxLimits>;
  signal?: AbortSignal;
  /** Where the query came from, for the audit log ('api', 'cli', 'explore'). */
  via?: string;
  now?: () => number;
}

/**
 * Reads `EXPLAIN AST` of a text; the engine's own parser decides what the text is. The server client always
 * appends `FORMAT JSONEachRow` to a query, which the parser attaches to the explained SELECT as a last root child:
 * that one row is removed again (the same suffix follows the text that runs), and the rows come back as JSON through
 * the HTTP `default_format`. The embedded engine takes the format beside the text and sees the text alone.
 */
const EXPLAIN = 'EXPLAIN AST ';

async function explain(wh: Warehouse, database: string, text: string): Promise<string[]> {
  switch (wh.kind) {
    case 'embedded': {
      const rows = await wh.query<{ explain: string }>(`${EXPLAIN}${text}`, {}, { database });
      return rows.map((r) => r.explain);
    }
    case 'server':
    case 'cluster': {
      const rows = (await wh.query<{ explain: string }>(`${EXPLAIN}${text}`, {}, { database, settings: { default_format: 'JSONEachRow' } })).map((r) => r.explain);
      if (rows[rows.length - 1] === ' Identifier JSONEachRow') rows.pop();
      return rows;
    }
    default: {
      const never: never = wh.kind;
      throw new Error(`unknown warehouse kind ${String(never)}`);
    }
  }
}

/** A text the engine could not parse. `prefix` is what stood before the analyst's text in what the engine saw. */
function parseFailure(err: unknown, seen: { prefix: string; text: string; original: string; leading: number }): SandboxError {
  const e = engineFields(err);
  if (e.type === 'SERVER_UNREACHABLE' || e.type === 'DATA_DIR_LOCKED') throw err;
  if (e.code === 456) return refusedBy([refusal('query_parameter')]);
  const parsed = describeParseError(err, seen);
  return refusedBy([{ code: 'syntax', message: `${parsed.fr} / ${parsed.en}`, fr: parsed.fr, en: parsed.en, ...(parsed.position ? { position: parsed.position } : {}) }]);
}

/**
 * The organization filter: for every curated view and the table under it, `column IN (...)`. Applied by the engine
 * wherever the query reads them, through CTEs, subqueries and joins alike. Codes were checked against ORG_CODE.
 */
export function scopeFilters(database: string, orgs: readonly string[]): string {
  const list = orgs.map((o) => `'${o}'`).join(', ');
  const entries: string[] = [];
  for (const view of CURATED_VIEWS) {
    quoteIdentifier(view.orgColumn);
    const filter = quoteString(`${view.orgColumn} IN (${list})`);
    entries.push(`${quoteString(`${analystDatabaseOf(database)}.${view.name}`)}: ${filter}`);
    entries.push(`${quoteString(`${database}.${view.source}`)}: ${filter}`);
  }
  return `{${entries.join(', ')}}`;
}

/** Seconds the node Jalon talks to waits past the shards' own time limit on a cluster (see sandboxSettings). */
export const CLUSTER_TIME_MARGIN_SECONDS = 1;

/**
 * Our SETTINGS clause. `readonly = 1` comes last so nothing after it could change a setting.
 * `distributed`: the warehouse is a cluster. Then:
 * - the shards (the leaves) stop at the time limit and the node Jalon talks to a second later, so that node reads each
 *   shard's own timeout error instead of cancelling the shards' parts and dropping their connections while answers
 *   are still in flight (ordinary ClickHouse behaviour, but it aborts the chdb-hosted servers this project tests on:
 *   docs/deployment.md, "What was tested here");
 * - a scoped caller's query goes only to the shards that hold its organizations: the scope filter names the sharding
 *   key (`org`, or `code` for organizations), and ClickHouse skips the other shards. Exact, because every row was
 *   written through the Distributed tables, by that key; and a failing query then has no other shard to cut off.
 */
export function sandboxSettings(database: string, orgs: readonly string[] | null, limits: SandboxLimits, distributed = false): string {
  const parts = [
    ...(distributed
      ? [
          `max_execution_time = ${limits.timeoutSeconds + CLUSTER_TIME_MARGIN_SECONDS}`,
          `max_execution_time_leaf = ${limits.timeoutSeconds}`,
          `timeout_overflow_mode_leaf = 'throw'`,
          'optimize_skip_unused_shards = 1'
        ]
      : [`max_execution_time = ${limits.timeoutSeconds}`]),
    `timeout_overflow_mode = 'throw'`,
    `max_memory_usage = ${limits.maxMemoryBytes}`,
    `max_result_rows = ${limits.maxRows + 1}`,
    `max_result_bytes = ${limits.maxResultBytes}`,
    `result_overflow_mode = 'throw'`,
    `max_threads = ${limits.maxThreads}`,
    // Small blocks: the time limit is checked between blocks, so one block's work is what can overrun it.
    'max_block_size = 8192',
    // range() feeds quadratic work (arrayMap(x -> range(x), range(n))): its output per block is capped.
    'function_range_max_elements_in_block = 1000000',
    // Nothing spills to disk: sorting and grouping stay in memory, under max_memory_usage.
    'max_bytes_before_external_group_by = 0',
    'max_bytes_before_external_sort = 0',
    'max_bytes_ratio_before_external_group_by = 0',
    'max_bytes_ratio_before_external_sort = 0',
    'allow_introspection_functions = 0',
    ...(orgs === null ? [] : [`additional_table_filters = ${scopeFilters(database, orgs)}`]),
    'readonly = 1'
  ];
  return parts.join(', ');
}

/** What stands before the analyst's text in the text that runs (positions are moved back by its length). */
const WRAP_PREFIX = 'SELECT * FROM (\n';

/** The text that runs: the analyst's query, unchanged, inside our outer SELECT with our limit and settings. */
export function wrapQuery(text: string, limit: number, settings: string): string {
  return `${WRAP_PREFIX}${text}\n) LIMIT ${limit}\nSETTINGS ${settings}`;
}

function mapRunError(err: unknown): SandboxError {
  const e = engineFields(err);
  if (e.type === 'SERVER_UNREACHABLE' || e.type === 'DATA_DIR_LOCKED') throw err;
  const f = classifyEngineError(err);
  return new SandboxError(f.status, f.code, { fr: f.fr, en: f.en });
}

/** Checks, runs and audits one analyst query. Throws SandboxError (refused, stopped, failed) or AccessError. */
export async function runSandboxedQuery(wh: Warehouse, caller: Caller, sql: string, options: SandboxOptions = {}): Promise<SandboxResult> {
  const now = options.now ?? (() => performance.now());
  const limits: SandboxLimits = { ...DEFAULT_LIMITS, ...(options.limits ?? {}) };
  const started = now();
  let outcome: { ok: boolean; rows: number; code?: string; message?: string; truncated?: boolean; views?: string[] } = { ok: false, rows: 0 };
  const key = `${caller.role}:${caller.id}`;
  const admission = admissionFor(wh);
  let admitted = false;
  const slot: Slot = { engine: null };
  try {
    if ((admission.perCaller.get(key) ?? 0) >= MAX_QUERIES_PER_CALLER || admission.total >= MAX_QUERIES_TOTAL) {
      throw new SandboxError(429, 'too_many_queries', {
        fr: 'Trop de requêtes en cours : attendez la fin des précédentes.',
        en: 'Too many queries running: wait for the previous ones to end.'
      });
    }
    admission.perCaller.set(key, (admission.perCaller.get(key) ?? 0) + 1);
    admission.total++;
    admitted = true;
    const result = await checkAndRun(wh, caller, sql, limits, options.signal, now, started, slot);
    outcome = { ok: true, rows: result.rowCount, truncated: result.truncated, views: result.views };
    return result;
  } catch (err) {
    const e = err as { code?: unknown; message?: unknown };
    outcome = { ok: false, rows: 0, code: typeof e.code === 'string' ? e.code : 'error', message: typeof e.message === 'string' ? e.message.slice(0, 1000) : '' };
    throw err;
  } finally {
    if (admitted) {
      const release = () => {
        admission.total--;
        const n = (admission.perCaller.get(key) ?? 1) - 1;
        if (n <= 0) admission.perCaller.delete(key);
        else admission.perCaller.set(key, n);
      };
      // A query the engine still runs (the guard answered first) keeps its slot until the engine stops it.
      if (slot.engine) slot.engine.then(release, release);
      else release();
    }
    await recordAudit(wh, {
      ...auditWho(caller),
      action: 'query',
      target: options.via ?? 'api',
      ok: outcome.ok,
      durationMs: now() - started,
      rows: outcome.rows,
      detail: {
        sql: sql.slice(0, MAX_SQL_LENGTH),
        refused: outcome.ok ? null : outcome.code,
        error: outcome.message ?? null,
        truncated: outcome.truncated ?? false,
        views: outcome.views ?? [],
        warehouse: wh.kind
      }
    });
  }
}

/** Set when the answer went out before the engine stopped the query: the slot waits for it. */
interface Slot {
  engine: Promise<unknown> | null;
}

/** Seconds past the engine's own time limit after which the caller gets an answer anyway. */
const GUARD_SECONDS = 5;

async function checkAndRun(
  wh: Warehouse,
  caller: Caller,
  sql: string,
  limits: SandboxLimits,
  signal: AbortSignal | undefined,
  now: () => number,
  started: number,
  slot: Slot
): Promise<SandboxResult> {
  if (!maySql(caller)) {
    throw new SandboxError(403, 'forbidden', { fr: 'Votre rôle ne peut pas lancer de requêtes SQL.', en: 'Your role cannot run SQL queries.' });
  }
  const scope = allowedOrgs(caller);
  if (scope !== null) {
    if (scope.length === 0) throw new SandboxError(403, 'forbidden', { fr: 'Aucune organisation permise.', en: 'No organization allowed.' });
    const bad = scope.find((o) => !isOrgCode(o));
    if (bad !== undefined) throw new SandboxError(403, 'forbidden', { fr: "Code d'organisation invalide.", en: 'Invalid organization code.' });
  }

  const textCheck = checkSqlText(sql);
  if (!textCheck.ok) throw refusedBy([textCheck.refusal]);
  const text = textCheck.text;
  const leading = sql.length - sql.replace(/^\s+/u, '').length;

  await ensureCuratedViews(wh);
  const analystDb = analystDatabaseOf(wh.database);

  let userRows: string[];
  try {
    userRows = await explain(wh, analystDb, text);
  } catch (err) {
    throw parseFailure(err, { prefix: EXPLAIN, text, original: sql, leading });
  }
  const tree = parseExplainRows(userRows);
  if (!tree) throw refusedBy([refusal('syntax', ['arbre illisible', 'unreadable tree'])]);
  const verdict = checkAst(tree, { analystDatabase: analystDb, views: CURATED_VIEW_NAMES });
  if (verdict.refusals.length) throw refusedBy(verdict.refusals);

  const limit = limits.maxRows + 1;
  const finalText = wrapQuery(text, limit, sandboxSettings(wh.database, scope, limits, wh.kind === 'cluster'));
  let wrappedRows: string[];
  try {
    wrappedRows = await explain(wh, analystDb, finalText);
  } catch (err) {
    throw parseFailure(err, { prefix: `${EXPLAIN}${WRAP_PREFIX}`, text, original: sql, leading });
  }
  if (!sameDump(wrappedRows, expectedWrappedRows(userRows, limit))) {
    throw refusedBy([refusal('construct_not_allowed', ['la requête déborde de son cadre', 'the query escapes its frame'])]);
  }

  const notice = scope === null ? null : await scopeNoticeFor(wh, tree, scope);

  // The engine stops the query at max_execution_time; the guard answers the caller if it has not by then (a single
  // function call cannot be interrupted), and asks the engine to stop. The slot stays held until it has.
  const queryId = `sandbox-${randomUUID()}`;
  const engine = wh.queryIsolated<Record<string, unknown>>(finalText, { database: analystDb, queryId, maxResultBytes: limits.maxResultBytes, ...(signal ? { signal } : {}) });
  slot.engine = engine;
  let timer: NodeJS.Timeout | undefined;
  const guard = new Promise<'guard'>((resolve) => {
    timer = setTimeout(() => resolve('guard'), (limits.timeoutSeconds + GUARD_SECONDS) * 1000);
  });
  let rows: Record<string, unknown>[];
  try {
    const first = await Promise.race([engine, guard]);
    if (first === 'guard') {
      void wh.cancelQuery(queryId).catch(() => undefined);
      engine.catch(() => undefined);
      throw mapRunError(new WarehouseError('guard', { code: 159, type: 'TIMEOUT_EXCEEDED' }));
    }
    rows = first;
    slot.engine = null;
  } catch (err) {
    if (err instanceof SandboxError) throw err;
    slot.engine = null;
    throw mapRunError(err);
  } finally {
    clearTimeout(timer);
  }
  const truncated = rows.length > limits.maxRows;
  if (truncated) rows = rows.slice(0, limits.maxRows);
  return {
    columns: rows.length ? Object.keys(rows[0]) : [],
    rows,
    rowCount: rows.length,
    truncated,
    durationMs: Math.round(now() - started),
    views: verdict.views,
    scope,
    scopeNotice: notice,
    limits
  };
}

/** Every quoted string among the query's literals (a value, or the items of an IN list). */
function stringLiterals(node: AstNode, out: Set<string>): Set<string> {
  if (node.type === 'Literal') {
    for (const m of node.detail.matchAll(/'((?:[^'\\]|\\.)*)'/gu)) if (m[1].length <= 64 && out.size < 100) out.add(m[1]);
  }
  for (const child of node.children) stringLiterals(child, out);
  return out;
}

/**
 * Organizations and services the query names that the caller cannot see. Organization and service codes are public
 * (the organizations page lists them), so saying that one exists outside the scope reveals nothing.
 */
async function scopeNoticeFor(wh: Warehouse, tree: AstNode, scope: readonly string[]): Promise<ScopeNotice | null> {
  const literals = [...stringLiterals(tree, new Set())];
  if (literals.length === 0) return null;
  const [orgRows, serviceRows] = await Promise.all([
    wh.query<{ code: string }>('SELECT DISTINCT code FROM organizations FINAL WHERE code IN {c:Array(String)}', { c: literals }),
    wh.query<{ code: string; org: string }>('SELECT DISTINCT code, org FROM services FINAL WHERE code IN {c:Array(String)}', { c: literals })
  ]);
  const orgs = orgRows.map((r) => r.code).filter((o) => !scope.includes(o)).sort();
  const services = serviceRows.filter((r) => !scope.includes(r.org)).sort((a, b) => a.code.localeCompare(b.code));
  if (orgs.length === 0 && services.length === 0) return null;
  const names = [...orgs, ...services.map((s) => `${s.code} (${s.org})`)].join(', ');
  const mine = scope.join(', ');
  return {
    orgs,
    services,
    fr: `Hors de votre périmètre : ${names}. Vos requêtes ne lisent que les lignes de ${mine} ; un filtre sur ${orgs.length + services.length > 1 ? 'ces codes' : 'ce code'} ne trouve donc rien.`,
    en: `Outside your scope: ${names}. Your queries read only the rows of ${mine}, so a filter on ${orgs.length + services.length > 1 ? 'these codes' : 'this code'} finds nothing.`
  };
}

/** What the explore page lists: each curated view with its columns and types, in both languages. */
export { describeCuratedViews } from './curated-views.ts';
