// The analyst SQL sandbox: one read-only SELECT over the curated views, scoped to the caller's organizations, under
// time, row and memory limits it cannot change. `jalon query` and `POST /api/v1/query` both call runSandboxedQuery,
// on either warehouse kind. The order below is the whole pipeline:
//   role → text rules → EXPLAIN AST allow-list → wrap with our limits → EXPLAIN AST of the wrapped text must equal
//   the checked tree inside our wrapper → run in the analyst database → audit (refusals included).
import type { Warehouse } from '../warehouse/warehouse.ts';
import { WarehouseError } from '../warehouse/warehouse.ts';
import { quoteIdentifier, quoteString } from '../warehouse/identifiers.ts';
import { allowedOrgs, maySql, type Caller } from './caller.ts';
import { isOrgCode } from './org-scope.ts';
import { CURATED_VIEWS, CURATED_VIEW_NAMES, analystDatabaseOf, ensureCuratedViews } from './curated-views.ts';
import { MAX_SQL_LENGTH, checkAst, checkSqlText, expectedWrappedRows, parseExplainRows, refusal, sameDump, type Refusal } from './sandbox-check.ts';
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

/** A refused or stopped query: HTTP status, a stable code and a message for people (French first). */
export class SandboxError extends Error {
  readonly status: number;
  readonly code: string;
  readonly refusals: readonly Refusal[];
  constructor(status: number, code: string, message: string, refusals: readonly Refusal[] = []) {
    super(message);
    this.name = 'SandboxError';
    this.status = status;
    this.code = code;
    this.refusals = refusals;
  }
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
  limits: SandboxLimits;
}

/** Queries running now, per caller and in all: one caller cannot take the machine from the dashboard. */
const running = new Map<string, number>();
let runningTotal = 0;
export const MAX_QUERIES_PER_CALLER = 2;
export const MAX_QUERIES_TOTAL = 6;

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
async function explain(wh: Warehouse, database: string, text: string): Promise<string[]> {
  switch (wh.kind) {
    case 'embedded': {
      const rows = await wh.query<{ explain: string }>(`EXPLAIN AST ${text}`, {}, { database });
      return rows.map((r) => r.explain);
    }
    case 'server':
    case 'cluster': {
      const rows = (await wh.query<{ explain: string }>(`EXPLAIN AST ${text}`, {}, { database, settings: { default_format: 'JSONEachRow' } })).map((r) => r.explain);
      if (rows[rows.length - 1] === ' Identifier JSONEachRow') rows.pop();
      return rows;
    }
    default: {
      const never: never = wh.kind;
      throw new Error(`unknown warehouse kind ${String(never)}`);
    }
  }
}

function parseFailure(err: unknown): SandboxError {
  const e = err instanceof WarehouseError ? err : null;
  const r = e?.code === 456 ? refusal('query_parameter') : refusal('syntax', firstLine(e?.message ?? String(err)));
  return new SandboxError(400, 'query_refused', r.message, [r]);
}

/** The engine's message for people: first line, without the engine's internals (expression dumps, table UUIDs,
 * guesses naming other databases' tables). */
function firstLine(message: string): string {
  return message
    .replace(/^query: /u, '')
    .replace(/^Code: \d+\. DB::Exception: /u, '')
    .split('\n')[0]
    .replace(/: while executing .*$/u, '')
    .replace(/ Maybe you meant [^?]*\?\.?/u, '')
    .replace(/ \([0-9a-f]{8}-[0-9a-f-]{27}\)/gu, '')
    .slice(0, 400);
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

/** Our SETTINGS clause. `readonly = 1` comes last so nothing after it could change a setting. */
export function sandboxSettings(database: string, orgs: readonly string[] | null, limits: SandboxLimits): string {
  const parts = [
    `max_execution_time = ${limits.timeoutSeconds}`,
    `timeout_overflow_mode = 'throw'`,
    `max_memory_usage = ${limits.maxMemoryBytes}`,
    `max_result_rows = ${limits.maxRows + 1}`,
    `max_result_bytes = ${limits.maxResultBytes}`,
    `result_overflow_mode = 'throw'`,
    `max_threads = ${limits.maxThreads}`,
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

/** The text that runs: the analyst's query, unchanged, inside our outer SELECT with our limit and settings. */
export function wrapQuery(text: string, limit: number, settings: string): string {
  return `SELECT * FROM (\n${text}\n) LIMIT ${limit}\nSETTINGS ${settings}`;
}

function mapRunError(err: unknown): SandboxError {
  const e = err instanceof WarehouseError ? err : null;
  const detail = firstLine(e?.message ?? String(err));
  switch (e?.code) {
    case 159:
    case 160:
      return new SandboxError(422, 'time_limit', `Délai dépassé, requête arrêtée / time limit exceeded, query stopped: ${detail}`);
    case 241:
      return new SandboxError(422, 'memory_limit', `Mémoire dépassée, requête arrêtée / memory limit exceeded, query stopped: ${detail}`);
    case 396:
    case 307:
      return new SandboxError(422, 'result_limit', `Résultat trop volumineux / result too large: ${detail}`);
    case 164:
      return new SandboxError(400, 'query_refused', `Lecture seule / read-only: ${detail}`);
    default:
      if (e?.type === 'SERVER_UNREACHABLE' || e?.type === 'DATA_DIR_LOCKED') throw err;
      return new SandboxError(400, 'query_failed', `La requête a échoué / the query failed: ${detail}`);
  }
}

/** Checks, runs and audits one analyst query. Throws SandboxError (refused, stopped, failed) or AccessError. */
export async function runSandboxedQuery(wh: Warehouse, caller: Caller, sql: string, options: SandboxOptions = {}): Promise<SandboxResult> {
  const now = options.now ?? (() => performance.now());
  const limits: SandboxLimits = { ...DEFAULT_LIMITS, ...(options.limits ?? {}) };
  const started = now();
  let outcome: { ok: boolean; rows: number; code?: string; message?: string; truncated?: boolean; views?: string[] } = { ok: false, rows: 0 };
  const key = `${caller.role}:${caller.id}`;
  let admitted = false;
  try {
    if ((running.get(key) ?? 0) >= MAX_QUERIES_PER_CALLER || runningTotal >= MAX_QUERIES_TOTAL) {
      throw new SandboxError(429, 'too_many_queries', 'Trop de requêtes en cours : attendez la fin des précédentes / too many queries running: wait for the previous ones');
    }
    running.set(key, (running.get(key) ?? 0) + 1);
    runningTotal++;
    admitted = true;
    const result = await checkAndRun(wh, caller, sql, limits, options.signal, now, started);
    outcome = { ok: true, rows: result.rowCount, truncated: result.truncated, views: result.views };
    return result;
  } catch (err) {
    const e = err as { code?: unknown; message?: unknown };
    outcome = { ok: false, rows: 0, code: typeof e.code === 'string' ? e.code : 'error', message: typeof e.message === 'string' ? e.message.slice(0, 1000) : '' };
    throw err;
  } finally {
    if (admitted) {
      runningTotal--;
      const n = (running.get(key) ?? 1) - 1;
      if (n <= 0) running.delete(key);
      else running.set(key, n);
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

async function checkAndRun(
  wh: Warehouse,
  caller: Caller,
  sql: string,
  limits: SandboxLimits,
  signal: AbortSignal | undefined,
  now: () => number,
  started: number
): Promise<SandboxResult> {
  if (!maySql(caller)) {
    throw new SandboxError(403, 'forbidden', `Le rôle ${caller.role} ne peut pas lancer de requêtes SQL / role ${caller.role} cannot run SQL queries`);
  }
  const scope = allowedOrgs(caller);
  if (scope !== null) {
    if (scope.length === 0) throw new SandboxError(403, 'forbidden', 'Aucune organisation permise / no organization allowed');
    const bad = scope.find((o) => !isOrgCode(o));
    if (bad !== undefined) throw new SandboxError(403, 'forbidden', `Code d'organisation invalide / invalid organization code`);
  }

  const textCheck = checkSqlText(sql);
  if (!textCheck.ok) throw new SandboxError(400, 'query_refused', textCheck.refusal.message, [textCheck.refusal]);
  const text = textCheck.text;

  await ensureCuratedViews(wh);
  const analystDb = analystDatabaseOf(wh.database);

  let userRows: string[];
  try {
    userRows = await explain(wh, analystDb, text);
  } catch (err) {
    throw parseFailure(err);
  }
  const tree = parseExplainRows(userRows);
  if (!tree) throw new SandboxError(400, 'query_refused', refusal('syntax', 'arbre illisible / unreadable tree').message);
  const verdict = checkAst(tree, { analystDatabase: analystDb, views: CURATED_VIEW_NAMES });
  if (verdict.refusals.length) {
    throw new SandboxError(400, 'query_refused', verdict.refusals.map((r) => r.message).join(' ; '), verdict.refusals);
  }

  const limit = limits.maxRows + 1;
  const finalText = wrapQuery(text, limit, sandboxSettings(wh.database, scope, limits));
  let wrappedRows: string[];
  try {
    wrappedRows = await explain(wh, analystDb, finalText);
  } catch (err) {
    throw parseFailure(err);
  }
  if (!sameDump(wrappedRows, expectedWrappedRows(userRows, limit))) {
    const r = refusal('construct_not_allowed', 'la requête déborde de son cadre / the query escapes its frame');
    throw new SandboxError(400, 'query_refused', r.message, [r]);
  }

  // The engine stops the query at max_execution_time; this only guards against an engine that does not answer.
  const guard = AbortSignal.timeout((limits.timeoutSeconds + 10) * 1000);
  const combined = signal ? AbortSignal.any([signal, guard]) : guard;
  let rows: Record<string, unknown>[];
  try {
    rows = await wh.query<Record<string, unknown>>(finalText, {}, { database: analystDb, signal: combined });
  } catch (err) {
    throw mapRunError(err);
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
    limits
  };
}

/** What the explore page lists: each curated view with its columns, in both languages. */
export function describeCuratedViews() {
  return CURATED_VIEWS.map((v) => ({ name: v.name, title: v.title, columns: v.columns.map((c) => ({ name: c.name, title: c.title })) }));
}
