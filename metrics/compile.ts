// The metric compiler: a definition and a request in, parameterized ClickHouse SQL and every problem out. Pure — no
// I/O, no clock of its own: the caller's resolved organization scope, the rollup decision and `now` come in.
import { DIMENSIONS, GRAINS, type Dimension, type MetricRequest } from './types.ts';
import { DECLARED_SOURCES, type MetricDefinition, type Source } from './definition.ts';
import { isDay, parseDay, periodSql } from './periods.ts';
import { quebecHolidaysBetween } from './holidays.ts';
import { decideTable, rollupDimensions, rollupTwins, type RollupHealth, type TableChoice } from './table-decider.ts';
import { COMPLETIONS_MACRO, JOURNEYS_MACRO, VALUE_PARAMETERS_MACRO } from './shared-sql.ts';
import { finalSettings } from './final-reads.ts';

export interface CompileContext {
  /** Organizations the caller may read after `scopeOrgs`: null = all. */
  scope: readonly string[] | null;
  digitalChannels: readonly string[];
  rollups: RollupHealth;
  /** Force the raw tables (benchmarks, definition tests). */
  forceRaw?: boolean;
  /** At most this many rows come back (the runner refuses an answer that reaches it). */
  limit?: number;
}

export interface CompiledQuery {
  sql: string;
  params: Record<string, unknown>;
  table: TableChoice;
  /** Dimension → output column. */
  columns: Partial<Record<Dimension, string>>;
  /** Engine settings it runs with (how its FINAL reads merge: final-reads.ts). */
  settings?: Record<string, number>;
}

export interface Compiled {
  main: CompiledQuery | null;
  /** Finds declared rows in scope whose period is coarser than the requested grain (run before `main`). */
  grainCheck: CompiledQuery | null;
  /** Last data time and organizations that reported, per source. */
  provenance: CompiledQuery | null;
  /**
   * Counts (in a column `rows`, at most `limit`) the rows of the same request split only by the dimensions the metric's
   * rollups keep, answered from them: never more than the answer's own rows, since splitting a figure further never
   * removes a row (tests/integration/metrics-row-limit.test.ts holds this for every definition on random data). Set
   * only when the answer itself must come from raw tables and the rollups can give this floor, so a request over the
   * row limit is refused from a rollup instead of grouping the raw rows first.
   */
  rowFloor: CompiledQuery | null;
  errors: string[];
}

const dimColumn = (d: Dimension): string => `d_${d}`;

/** Expands the body's macros for one request. Unknown macros were refused by the loader. */
function expand(body: string, def: MetricDefinition, request: Pick<MetricRequest, 'grain' | 'by' | 'filters'>): string {
  const by = request.by;
  const filtered = DIMENSIONS.filter((d) => (request.filters[d]?.length ?? 0) > 0);
  return body.replace(/\{\{\s*([a-z_]+)(?:\((.*?)\))?\s*\}\}/g, (_all, name: string, arg: string | undefined) => {
    const has = (d: Dimension): boolean => arg === undefined || arg.split(',').map((s) => s.trim()).includes(d);
    switch (name) {
      case 'period':
        return periodSql(request.grain, `(${arg})`);
      case 'in_range':
        return `((${arg}) >= {from:Date} AND (${arg}) < {to:Date})`;
      case 'declared_range':
        return `(period_start >= {from:Date} AND period_end < {to:Date} AND ${periodSql(request.grain, 'period_start')} = ${periodSql(request.grain, 'period_end')})`;
      case 'scope':
        return '({scope_all:Bool} OR org IN {scope_orgs:Array(String)})';
      case 'filters':
        // A source without a filtered dimension cannot say which rows match: it contributes nothing.
        return filtered.map((d) => (has(d) ? ` AND ${d} IN {f_${d}:Array(String)}` : ' AND 0')).join('');
      case 'dims':
        return by.map((d) => `, ${has(d) ? d : "''"} AS ${dimColumn(d)}`).join('');
      case 'group':
        return by.map((d) => `, ${dimColumn(d)}`).join('');
      case 'journeys':
        return JOURNEYS_MACRO;
      case 'completions':
        return COMPLETIONS_MACRO;
      case 'value_parameters':
        return VALUE_PARAMETERS_MACRO;
      default:
        return _all;
    }
  });
}

/** Checks the request against the definition; every problem is returned, none thrown. */
export function checkRequest(def: MetricDefinition, request: MetricRequest): string[] {
  const errors: string[] = [];
  if (!(GRAINS as readonly string[]).includes(request.grain)) errors.push(`grain "${request.grain}" inconnu / unknown (${GRAINS.join(', ')})`);
  else if (!def.grains.includes(request.grain)) errors.push(`${def.id}: grain "${request.grain}" non disponible / not available (${def.grains.join(', ')})`);
  if (!isDay(request.from)) errors.push(`from "${request.from}": date AAAA-MM-JJ / date YYYY-MM-DD`);
  if (!isDay(request.to)) errors.push(`to "${request.to}": date AAAA-MM-JJ / date YYYY-MM-DD`);
  if (isDay(request.from) && isDay(request.to) && request.from >= request.to) errors.push(`from ${request.from} ≥ to ${request.to}: période vide / empty period`);
  for (const d of request.by) {
    if (!(DIMENSIONS as readonly string[]).includes(d)) errors.push(`by "${d}": dimension inconnue / unknown dimension (${DIMENSIONS.join(', ')})`);
    else if (!def.dimensions.includes(d)) errors.push(`${def.id}: regroupement par ${d} non permis / grouping by ${d} not allowed (${def.dimensions.join(', ') || '—'})`);
  }
  if (new Set(request.by).size !== request.by.length) errors.push('by: dimension répétée / repeated dimension');
  for (const [d, values] of Object.entries(request.filters)) {
    if (!(DIMENSIONS as readonly string[]).includes(d)) errors.push(`filtre inconnu / unknown filter "${d}"`);
    else if (values && values.length && !def.dimensions.includes(d as Dimension) && d !== 'org') errors.push(`${def.id}: filtre ${d} non permis / filter ${d} not allowed`);
  }
  return errors;
}

function baseParams(def: MetricDefinition, request: MetricRequest, ctx: CompileContext): Record<string, unknown> {
  const fromYear = Number(request.from.slice(0, 4)) - 1;
  const toYear = Math.max(Number(request.to.slice(0, 4)), request.now.getUTCFullYear()) + 1;
  const params: Record<string, unknown> = {
    from: request.from,
    to: request.to,
    now: request.now,
    digital: [...ctx.digitalChannels],
    holidays: quebecHolidaysBetween(fromYear, toYear),
    window_days: def.windowDays,
    scope_all: ctx.scope === null,
    scope_orgs: ctx.scope ?? []
  };
  for (const d of DIMENSIONS) params[`f_${d}`] = [...(d === 'org' ? (ctx.scope ?? request.filters.org ?? []) : (request.filters[d] ?? []))];
  return params;
}

/**
 * What of the clock a definition's answer depends on (an answer cache keys by it): the request's day when a body reads
 * `{now:…}` (windows such as "too recent to judge" move daily), else the year when it reads holidays (baseParams lists
 * them to the year after the later of the request's end and now), else nothing: the same request gives the same answer
 * on any day until data arrives.
 */
export function clockOf(def: MetricDefinition | undefined, now: Date): string | null {
  if (!def) return now.toISOString().slice(0, 10);
  const bodies = `${def.body}\n${def.rollup?.body ?? ''}`;
  if (bodies.includes('{now:')) return now.toISOString().slice(0, 10);
  if (bodies.includes('{holidays:')) return String(now.getUTCFullYear());
  return null;
}

/** Keeps only the parameters the SQL text names (ClickHouse refuses none, but the server logs stay readable). */
function usedParams(sql: string, params: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(params)) if (sql.includes(`{${k}:`)) out[k] = v;
  return out;
}

const DAY_OF: Partial<Record<Source, { day: string; at: string }>> = {
  service_events: { day: "toDate(occurred_at, 'America/Toronto')", at: 'occurred_at' },
  survey_responses: { day: "toDate(submitted_at, 'America/Toronto')", at: 'submitted_at' },
  cases: { day: "toDate(received_at, 'America/Toronto')", at: 'received_at' },
  availability_probes: { day: "toDate(probed_at, 'America/Toronto')", at: 'probed_at' }
};

/** The rollups a source's provenance is read from when the request is answered from rollups (a day and a `last_at` per
 *  row), the first current one. The cases rollup keeps cases with a service standard: the only ones a standard metric
 *  reads. */
const PROVENANCE_ROLLUP: Partial<Record<Source, { table: string; final: boolean }[]>> = {
  // The presence rollup when current (tens of thousands of rows), else the events rollup: the same days and times.
  service_events: [{ table: 'rollup_presence_daily', final: true }, { table: 'rollup_events_daily', final: false }],
  survey_responses: [{ table: 'rollup_responses_daily', final: false }],
  cases: [{ table: 'rollup_cases_daily', final: true }]
};

/** Provenance SQL: per organization, last data time and whether it reported in the period, over the metric's sources. */
function provenanceSql(def: MetricDefinition, useRollups: ReadonlySet<string>): string {
  const parts: string[] = [];
  for (const s of def.sources) {
    const t = DAY_OF[s];
    const r = PROVENANCE_ROLLUP[s]?.find((c) => useRollups.has(c.table));
    if (r) {
      parts.push(`SELECT org, max(last_at) AS last_at, max(day >= {from:Date} AND day < {to:Date}) AS reported FROM ${r.table}${r.final ? ' FINAL' : ''} WHERE {{scope}} GROUP BY org`);
    } else if (t) {
      parts.push(`SELECT org, max(${t.at}) AS last_at, max(${t.day} >= {from:Date} AND ${t.day} < {to:Date}) AS reported FROM ${s} WHERE {{scope}} GROUP BY org`);
    } else if ((DECLARED_SOURCES as readonly string[]).includes(s)) {
      parts.push(`SELECT org, max(toDateTime64(period_end, 3, 'UTC')) AS last_at, max(period_start >= {from:Date} AND period_end < {to:Date}) AS reported FROM ${s} WHERE {{scope}} GROUP BY org`);
    } else if (s === 'services') {
      parts.push(`SELECT org, max(updated_at) AS last_at, toUInt8(1) AS reported FROM services WHERE {{scope}} AND NOT placeholder GROUP BY org`);
    } else if (s === 'value_parameters') {
      parts.push(`SELECT org, max(reported_at) AS last_at, toUInt8(1) AS reported FROM value_parameters WHERE {{scope}} GROUP BY org`);
    }
  }
  const expected = `SELECT count() FROM organizations FINAL WHERE NOT placeholder AND ({scope_all:Bool} OR code IN {scope_orgs:Array(String)})`;
  // Each administrator's restatement of value-created parameters in scope is a revision of the figures' formula.
  const restatements = def.sources.includes('value_parameters')
    ? `(SELECT count() FROM value_restatements WHERE ({scope_all:Bool} OR org IN {scope_orgs:Array(String)}))`
    : 'toUInt64(0)';
  return `SELECT toString(max(last_at)) AS last_data_at, uniqExactIf(org, reported = 1) AS reported, (${expected}) AS expected, ${restatements} AS restatements
FROM (${parts.length ? parts.map((p) => `SELECT org, toDateTime64(last_at, 3, 'UTC') AS last_at, toUInt8(reported) AS reported FROM (${p})`).join(' UNION ALL ') : "SELECT '' AS org, toDateTime64(0, 3, 'UTC') AS last_at, toUInt8(0) AS reported WHERE 0"})`.replace(/\{\{scope\}\}/g, '({scope_all:Bool} OR org IN {scope_orgs:Array(String)})');
}

/** The row floor of a request answered from raw tables (see `Compiled.rowFloor`), or null when none is cheaper. */
function rowFloor(def: MetricDefinition, request: MetricRequest, ctx: CompileContext, table: TableChoice, params: Record<string, unknown>): CompiledQuery | null {
  if (table !== 'raw' || ctx.forceRaw || !ctx.limit || !def.rollup) return null;
  const kept = rollupDimensions(def);
  const coarse = { ...request, by: request.by.filter((d) => kept.includes(d)) };
  // Raw for another reason than a dimension the rollups lack (a filter, a rollup not complete): no cheaper floor.
  if (coarse.by.length === request.by.length || decideTable(def, coarse, ctx.rollups, false) !== 'rollup') return null;
  // Without a dimension the floor is the number of periods, at most the number of days: under the limit, skip it.
  const days = Math.round((parseDay(request.to).getTime() - parseDay(request.from).getTime()) / 86_400_000);
  if (!coarse.by.length && (request.grain === 'all' || days < ctx.limit)) return null;
  const sql = `SELECT toUInt64(count()) AS rows FROM (SELECT 1 FROM (\n${expand(def.rollup.body, def, coarse)}\n) LIMIT ${Math.floor(ctx.limit)})`;
  return { sql, params: usedParams(sql, params), table: 'rollup', columns: {} };
}

/** A rollup body reading each rollup's coarser twin where the decider chose one (same columns, fewer rows). */
function readingTwins(body: string, twins: Record<string, string>): string {
  return Object.entries(twins).reduce((b, [table, twin]) => b.replace(new RegExp(`\\b${table}\\b`, 'g'), twin), body);
}

/** Compiles one request. `errors` non-empty means nothing should run. */
export function compileMetric(def: MetricDefinition, request: MetricRequest, ctx: CompileContext): Compiled {
  const errors = checkRequest(def, request);
  if (errors.length) return { main: null, grainCheck: null, provenance: null, rowFloor: null, errors };
  const params = baseParams(def, request, ctx);
  const table = decideTable(def, request, ctx.rollups, ctx.forceRaw ?? false);
  const body = table === 'rollup' && def.rollup ? readingTwins(def.rollup.body, rollupTwins(def, request, ctx.rollups)) : def.body;
  const order = ['period', ...request.by.map(dimColumn), ...(/\bAS step_index\b/.test(body) ? ['step_index'] : [])].join(', ');
  const sql = `SELECT * FROM (\n${expand(body, def, request)}\n) ORDER BY ${order}${ctx.limit ? ` LIMIT ${Math.floor(ctx.limit)}` : ''}`;
  const columns: Partial<Record<Dimension, string>> = Object.fromEntries(request.by.map((d) => [d, dimColumn(d)]));

  let grainCheck: CompiledQuery | null = null;
  const declared = def.sources.filter((s) => (DECLARED_SOURCES as readonly string[]).includes(s));
  if (declared.length && request.grain !== 'all') {
    const checks = declared.map(
      (s) => `SELECT org, service, period_grain, '${s}' AS source FROM ${s} WHERE period_start >= {from:Date} AND period_end < {to:Date}
          AND ${periodSql(request.grain, 'period_start')} != ${periodSql(request.grain, 'period_end')}
          AND ({scope_all:Bool} OR org IN {scope_orgs:Array(String)})${request.filters.service?.length ? ' AND service IN {f_service:Array(String)}' : ''}`
    );
    const gsql = `SELECT DISTINCT org, service, period_grain, source FROM (${checks.join(' UNION ALL ')}) ORDER BY org, service LIMIT 50`;
    grainCheck = { sql: gsql, params: usedParams(gsql, params), table: 'raw', columns: {} };
  }
  const useRollups = new Set(table === 'rollup' ? Object.entries(ctx.rollups).filter(([, ok]) => ok).map(([k]) => k) : []);
  const psql = provenanceSql(def, useRollups);
  return {
    main: { sql, params: usedParams(sql, params), table, columns, settings: finalSettings(sql) },
    grainCheck,
    provenance: { sql: psql, params: usedParams(psql, params), table, columns: {}, settings: finalSettings(psql) },
    rowFloor: rowFloor(def, request, ctx, table, params),
    errors
  };
}
