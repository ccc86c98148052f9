// Rollup upkeep: whether each rollup holds exactly its raw table's rows (cheap: ClickHouse counts parts' rows from
// metadata), the refresh of the rollups a materialized view cannot keep (journeys, cases: sql/schema/040), and the
// backfill that rebuilds every rollup from its raw table for data loaded before the rollup existed.
import type { Warehouse } from '../warehouse/warehouse.ts';
import { JOURNEY_WINDOW_DAYS, type RollupHealth } from './table-decider.ts';
import { ROLLUPS, type Rollup } from './definition.ts';
import { quebecHolidaysBetween } from './holidays.ts';
import { addDays, isoDay, parseDay, periodOf, periodRange } from './periods.ts';
import { COMPLETION_LOOKBACK_DAYS, completionsSql, journeysSql } from './shared-sql.ts';
import { unlimited } from './read-limit.ts';

interface RollupSpec {
  raw: string;
  /** Rows of the raw table the rollup accounts for. */
  counted: string;
  /** Toronto day of a raw row (the rollup's `day`). */
  day: string;
  /** The materialized view's SELECT (kept identical to sql/schema/141_service_events_swap.sql for events, 060 for
   *  responses), over the raw rows `where` keeps. */
  select(where?: string): string;
}

/** Rollups fed by materialized views on insert. */
const SPECS: Partial<Record<Rollup, RollupSpec>> = {
  rollup_events_daily: {
    raw: 'service_events',
    counted: 'events',
    day: "toDate(occurred_at, 'America/Toronto')",
    select: (where = '') => `SELECT org, service, toDate(occurred_at, 'America/Toronto') AS day, channel,
       count() AS events, countIf(type = 'started') AS started, countIf(type = 'completed') AS completed,
       countIf(type = 'completed' AND prefilled) AS completed_prefilled,
       countIf(type = 'started' AND sign_in != 'none') AS sign_ins,
       countIf(type = 'started' AND sign_in IN ('bank', 'partner')) AS sign_ins_partner,
       max(occurred_at) AS last_at
FROM service_events ${where} GROUP BY org, service, day, channel`
  },
  rollup_responses_daily: {
    raw: 'survey_responses',
    counted: 'responses',
    day: "toDate(submitted_at, 'America/Toronto')",
    // Columns in the table's order (region and client type were added last, by sql/schema/060).
    select: (where = '') => `SELECT org, service, toDate(submitted_at, 'America/Toronto') AS day, channel, satisfaction, ifNull(effort, 0) AS effort,
       count() AS responses, max(submitted_at) AS last_at, region, client_type
FROM survey_responses ${where} GROUP BY org, service, day, channel, satisfaction, effort, region, client_type`
  }
};

/** What `rollupHealth` reads: each rollup's health, the data version of the figures, and the version of everything a
 *  page may show (figures, annotations, revisions, accounts' scopes…), which the rendered-page cache is keyed by. */
export interface DataState {
  health: RollupHealth;
  version: string;
  pageVersion: string;
}

const cache = new WeakMap<Warehouse, { at: number; answer: Promise<DataState> }>();

/** Tables whose writes change nothing a page shows: operational logs written by every request or job run. Left out of
 *  the page version so that a job's log line or a sign-in does not empty the rendered-page cache. */
const NOT_SHOWN = ['audit_log', 'sessions', 'login_failures', 'job_runs', 'ingest_runs', 'notifications', 'rollup_marks', 'schema_migrations'];

/** Tables whose rows the data version follows (the sources of every figure). */
const VERSIONED = ['service_events', 'survey_responses', 'cases', 'channel_volumes', 'standard_results', 'declared_indicators', 'costs', 'availability_probes', 'services', 'organizations', 'value_parameters', 'value_restatements'];

/** Health of every rollup, and a data version (raw row counts and insert block numbers) that changes whenever data
 *  arrives. Counts alone are not enough: a correction adds a row that a background merge of the replacing engine later
 *  removes, bringing a count back to an earlier value while the figures differ; the block numbers of a table's parts
 *  only grow with inserts (a merged part keeps its greatest), so their sum per partition never comes back. Cached 5 s;
 *  callers arriving while it is being read share the one query. */
export async function rollupHealth(limited: Warehouse, now: number = Date.now()): Promise<DataState> {
  // Every request needs the version, cached or not: it never waits behind the metrics service's heavy reads.
  const wh = unlimited(limited);
  const hit = cache.get(wh);
  if (hit && now - hit.at < 5_000) return hit.answer;
  const answer = readRollupHealth(wh);
  const entry = { at: now, answer };
  cache.set(wh, entry);
  answer.catch(() => {
    if (cache.get(wh) === entry) cache.delete(wh);
  });
  return answer;
}

async function readRollupHealth(wh: Warehouse): Promise<DataState> {
  // Raw counts (the data version), the view-fed rollups' sums, the insert blocks of every table, the fingerprint of the
  // services' steps and each refreshed rollup's last mark: five small reads at once. One query holding them all as
  // scalar subqueries ran them one after another (60–170 ms at 100 M events against about 30 ms side by side), and
  // every request after a quiet spell waits for this.
  const parts = `SELECT table, toString(sum(m)) AS blocks FROM (SELECT table, max(max_block_number) AS m FROM system.parts
       WHERE active AND database IN (currentDatabase(), concat(currentDatabase(), '_local')) GROUP BY database, table, partition_id)
     GROUP BY table`;
  const [[row], blocks, [steps], marks] = await Promise.all([
    wh.query<Record<string, number | string | null>>(
      `SELECT
         (SELECT count() FROM service_events) AS ev, (SELECT count() FROM survey_responses) AS sr,
         (SELECT count() FROM cases) AS cs, (SELECT count() FROM channel_volumes) AS cv, (SELECT count() FROM standard_results) AS st,
         (SELECT count() FROM declared_indicators) AS di, (SELECT count() FROM costs) AS co, (SELECT count() FROM availability_probes) AS ap,
         (SELECT count() FROM services) AS sv, (SELECT count() FROM organizations) AS og,
         (SELECT count() FROM value_parameters) AS vp, (SELECT count() FROM value_restatements) AS vr,
         (SELECT sum(events) FROM rollup_events_daily) AS ev_r, (SELECT sum(responses) FROM rollup_responses_daily) AS sr_r`
    ),
    wh.query<{ table: string; blocks: string }>(parts),
    wh.query<{ f: string }>(`SELECT ${STEPS_FINGERPRINT} AS f`),
    readMarks(wh)
  ]);
  // Sums of each partition's greatest block number, over the tables figures come from and over every table a page shows.
  const sumOf = (keep: (table: string) => boolean): string => blocks.filter((b) => keep(b.table)).reduce((sum, b) => sum + BigInt(b.blocks), 0n).toString();
  const health: RollupHealth = {
    rollup_events_daily: Number(row.ev) === Number(row.ev_r),
    rollup_responses_daily: Number(row.sr) === Number(row.sr_r)
  };
  for (const d of DERIVED) {
    const mark = marks[d.table];
    health[d.table] =
      mark !== undefined && mark.raw_rows === Number(row[RAW_COUNT[d.raw]]) && mark.reference === referenceOf(d, String(steps?.f ?? '0')) &&
      (d.builtFrom === undefined || health[d.builtFrom] === true);
  }
  const version = [...['ev', 'sr', 'cs', 'cv', 'st', 'di', 'co', 'ap', 'sv', 'og', 'vp', 'vr'].map((k) => Number(row[k])), sumOf((t) => VERSIONED.includes(t))].join('.');
  // An ingest's staging tables (`_ingest_*`) show nothing until their rows land in the tables above.
  return { health, version, pageVersion: `${version}.${sumOf((t) => !NOT_SHOWN.includes(t) && !t.startsWith('_ingest_'))}` };
}

/** Every table holding rollup rows or their bookkeeping: emptied with the raw tables they summarize. */
export const ROLLUP_TABLES: readonly string[] = [...ROLLUPS, 'rollup_marks'];

export function forgetRollupHealth(wh: Warehouse): void {
  cache.delete(unlimited(wh));
}

/** Rebuilds every rollup from its raw table. Run while nothing is ingesting (rows inserted meanwhile would count twice
 *  in the rollups fed by materialized views). */
export async function backfillRollups(wh: Warehouse): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const [table, spec] of Object.entries(SPECS) as [Rollup, RollupSpec][]) {
    await wh.command(`TRUNCATE TABLE ${table}`);
    await wh.command(`INSERT INTO ${table} ${spec.select()}`, {}, { eachShard: true }); // on a cluster: each shard from its own rows
    const [r] = await wh.query<{ n: number }>(`SELECT sum(${spec.counted}) AS n FROM ${table}`);
    out[table] = Number(r.n);
  }
  const refreshed = await refreshRollups(wh, { full: true });
  for (const [table, r] of Object.entries(refreshed)) out[table] = r.rows;
  forgetRollupHealth(wh);
  return out;
}

// ---- Rollups rebuilt by refresh (journeys, cases) -------------------------------------------------------------

/** How far back of the last refresh's watermark a refresh looks again: a row's `ingested_at` is set when its block is
 *  formed, and the block becomes visible when written, seconds later. Refreshing a day twice gives the same rows;
 *  a longer overlap only redoes more days (after a bulk load, all of them). */
const OVERLAP_MS = 10 * 60_000;
/** Raw rows a refresh statement should read at most (about): bounds the memory of the journey grouping. */
const CHUNK_ROWS = 10_000_000;

interface Mark {
  raw_rows: number;
  watermark: string;
  /** `revision:fingerprint` of what the rows were computed from (see referenceOf). */
  reference: string;
}

interface DerivedSpec {
  table: 'rollup_journeys_daily' | 'rollup_cases_daily' | 'rollup_completions_daily' | 'rollup_completions_coarse' | 'rollup_completions_fiscal' | 'rollup_presence_daily';
  /** Changes whenever the rollup's rows are computed differently: a rollup built by another revision is rebuilt. */
  revision: number;
  /** Whether its rows depend on services' steps (then a change of steps rebuilds it). */
  usesSteps: boolean;
  raw: 'service_events' | 'cases';
  /** How many journeys or cases the rollup holds (the refresh's report). */
  held: string;
  /** Parameters its statement needs besides the days and organizations. */
  params(): Record<string, unknown>;
  /** Toronto day of a raw row, and how many days before it a row's arrival can change the rollup (a completion
   *  changes the journey that started up to the window's length earlier). */
  day: string;
  reach: number;
  /** How many days after it a row's arrival can change the rollup (a start changes completions up to 90 days later). */
  reachAfter: number;
  /** INSERT … SELECT of the rollup rows for start/receipt days [a, b), orgs filtered by `{orgs}`. */
  build(): string;
  /** The ranges its statements must cover for days [a, b) a delivery can change, when a row sums more than a day (a
   *  fiscal year's row is rebuilt whole). */
  widen?(a: string, b: string): [string, string][];
  /** The rollup its rows are built from instead of the raw table: current only while that one is, and rebuilt for the
   *  days that one had rebuilt. */
  builtFrom?: Rollup;
}

const ORG_FILTER = '({all_orgs:Bool} OR org IN {orgs:Array(String)})';
/** What the completions rollup and its twins share: how they are computed (revision 2: duration bands,
 *  sql/schema/150 and 151), their raw table, and the days a delivery can change — one value, so the twin always
 *  rebuilds the days its source was rebuilt for. A completion can suppress a later one of its journey, and a start
 *  gives minutes to later completions. */
const COMPLETIONS: Pick<DerivedSpec, 'revision' | 'usesSteps' | 'raw' | 'params' | 'day' | 'reach' | 'reachAfter'> = {
  revision: 2,
  usesSteps: false,
  raw: 'service_events',
  params: () => ({}),
  day: "toDate(occurred_at, 'America/Toronto')",
  reach: 0,
  reachAfter: COMPLETION_LOOKBACK_DAYS + 1
};
const W = JOURNEY_WINDOW_DAYS;

const DERIVED: readonly DerivedSpec[] = [
  {
    // Each organization's latest event per day, for the provenance (sql/schema/152), from the events rollup: that
    // rollup is fed as events arrive, and a day's presence depends on that day's events only.
    table: 'rollup_presence_daily',
    builtFrom: 'rollup_events_daily',
    revision: 1,
    usesSteps: false,
    raw: 'service_events',
    held: 'SELECT count() AS n FROM rollup_presence_daily FINAL',
    params: () => ({}),
    day: "toDate(occurred_at, 'America/Toronto')",
    reach: 0,
    reachAfter: 0,
    build: () => `INSERT INTO rollup_presence_daily (org, day, last_at, version)
SELECT org, day, max(last_at), {version:UInt64}
FROM rollup_events_daily
WHERE ${ORG_FILTER} AND day >= {a:Date} AND day < {b:Date}
GROUP BY org, day`
  },
  {
    table: 'rollup_journeys_daily',
    // 2: journeys judged per start by the fragment the definitions share (metrics/shared-sql.ts).
    revision: 2,
    usesSteps: true,
    raw: 'service_events',
    held: 'SELECT sum(reached) AS n FROM rollup_journeys_daily FINAL WHERE step_index = 0',
    params: () => ({}),
    day: "toDate(occurred_at, 'America/Toronto')",
    // An event changes the journey started up to the window before it; a start, the starts after it within the window.
    reach: W + 1,
    reachAfter: W + 1,
    build: () => `INSERT INTO rollup_journeys_daily (org, service, day, channel, step_index, reached, reached_next, ended, version)
SELECT org, service, day, channel, step_index, sum(reached), sum(reached_next), sum(ended), {version:UInt64}
FROM (
    SELECT org, service, day, channel, toUInt8(k) AS step_index,
           toUInt64(k = 0 OR has(idx, k)) AS reached,
           toUInt64(if(k = 0, completed_in, has(idx, k) AND (has(idx, k + 1) OR (k = max_k AND done)))) AS reached_next,
           toUInt64(k = 0 AND ended_in) AS ended
    FROM (${journeysSql({ from: '{a:Date}', to: '{b:Date}', window: String(W), where: ORG_FILTER, final: false })}) AS j
    LEFT JOIN (SELECT org AS s_org, code AS s_service, toUInt32(length(steps)) AS max_k FROM services FINAL) AS s
      ON s.s_org = j.org AND s.s_service = j.service
    ARRAY JOIN range(0, toUInt32(max_k) + 1) AS k
    UNION ALL
    -- Keys the rollup held for these days get a zero row of the new version (a key that lost its journeys).
    SELECT org, service, day, channel, step_index, 0, 0, 0 FROM rollup_journeys_daily FINAL
    WHERE ${ORG_FILTER} AND day >= {a:Date} AND day < {b:Date}
)
GROUP BY org, service, day, channel, step_index`
  },
  {
    table: 'rollup_cases_daily',
    revision: 2,
    usesSteps: false,
    raw: 'cases',
    held: 'SELECT sum(decided + pending) AS n FROM rollup_cases_daily FINAL',
    params: () => ({ holidays: quebecHolidaysBetween(2000, new Date().getUTCFullYear() + 3) }),
    day: "toDate(received_at, 'America/Toronto')",
    reach: 0,
    reachAfter: 0,
    build: () => `INSERT INTO rollup_cases_daily (org, service, day, channel, standard_days, working_days, decided, decided_met, pending, last_at, version)
SELECT org, service, day, channel, standard_days, working_days, sum(decided), sum(decided_met), sum(pending), max(last_at), {version:UInt64}
FROM (
    SELECT org, service, rday AS day, channel, standard_days, working_days,
           countIf(is_decided) AS decided, countIf(is_decided AND elapsed <= standard_days) AS decided_met, countIf(NOT is_decided) AS pending,
           max(received_at) AS last_at
    FROM (
        SELECT org, service, channel, standard_days, working_days, received_at, toDate(received_at, 'America/Toronto') AS rday,
               decided_at IS NOT NULL AS is_decided,
               toDate(ifNull(decided_at, received_at), 'America/Toronto') AS dday,
               if(NOT is_decided, 0,
                  if(working_days,
                     arrayCount(d -> toDayOfWeek(d) <= 5 AND NOT has({holidays:Array(Date)}, d),
                                arrayMap(i -> addDays(rday, i + 1), range(toUInt32(greatest(0, dateDiff('day', rday, dday)))))),
                     greatest(0, dateDiff('day', rday, dday)))) AS elapsed
        FROM cases FINAL
        WHERE standard_days > 0 AND ${ORG_FILTER}
          AND received_at >= toDateTime({a:Date}, 'America/Toronto') AND received_at < toDateTime({b:Date}, 'America/Toronto')
    )
    GROUP BY org, service, day, channel, standard_days, working_days
    UNION ALL
    SELECT org, service, day, channel, standard_days, working_days, 0, 0, 0, toDateTime64(0, 3, 'UTC') FROM rollup_cases_daily FINAL
    WHERE ${ORG_FILTER} AND day >= {a:Date} AND day < {b:Date}
)
GROUP BY org, service, day, channel, standard_days, working_days`
  },
  {
    // Completions and their minutes, by the same fragment as the raw definitions (metrics/shared-sql.ts).
    table: 'rollup_completions_daily',
    ...COMPLETIONS,
    held: 'SELECT sum(completions) AS n FROM rollup_completions_daily FINAL',
    // The bands' thresholds are completion_time_distribution's (sql/metrics): [0, 5), [5, 10) … [80, 160), 160 and over.
    build: () => `INSERT INTO rollup_completions_daily (org, service, day, channel, region, client_type, completions, minutes,
    lt_5, lt_10, lt_20, lt_40, lt_80, lt_160, ge_160, last_at, version)
SELECT org, service, day, channel, region, client_type, sum(timed), quantilesExactInclusiveStateIf(0.5, 0.9)(m, timed = 1),
       sum(timed * (m < 5)), sum(timed * (m >= 5 AND m < 10)), sum(timed * (m >= 10 AND m < 20)), sum(timed * (m >= 20 AND m < 40)),
       sum(timed * (m >= 40 AND m < 80)), sum(timed * (m >= 80 AND m < 160)), sum(timed * (m >= 160)), max(at), {version:UInt64}
FROM (
    SELECT org, service, day, channel, region, client_type, assumeNotNull(minutes) AS m, toUInt64(1) AS timed, completed_at AS at
    FROM (${completionsSql({ from: '{a:Date}', to: '{b:Date}', where: ORG_FILTER, final: false })})
    WHERE minutes IS NOT NULL
    UNION ALL
    -- Keys the rollup held for these days get an empty row of the new version (a key that lost its completions).
    SELECT org, service, day, channel, region, client_type, toFloat64(0), toUInt64(0), toDateTime64(0, 3, 'UTC') FROM rollup_completions_daily FINAL
    WHERE ${ORG_FILTER} AND day >= {a:Date} AND day < {b:Date}
)
GROUP BY org, service, day, channel, region, client_type`
  },
  {
    // The same completions without region and client type (sql/schema/151), merged from the completions rollup over the
    // same days: it comes after that rollup here, so it reads rows refreshed a moment before. Rebuilt whenever that
    // rollup is (same revision).
    table: 'rollup_completions_coarse',
    ...COMPLETIONS,
    held: 'SELECT sum(completions) AS n FROM rollup_completions_coarse FINAL',
    build: () => `INSERT INTO rollup_completions_coarse (org, service, day, channel, completions, minutes,
    lt_5, lt_10, lt_20, lt_40, lt_80, lt_160, ge_160, last_at, version)
SELECT org, service, day, channel, sum(completions), quantilesExactInclusiveMergeState(0.5, 0.9)(minutes),
       sum(lt_5), sum(lt_10), sum(lt_20), sum(lt_40), sum(lt_80), sum(lt_160), sum(ge_160), max(last_at), {version:UInt64}
FROM (
    SELECT org, service, day, channel, completions, minutes, lt_5, lt_10, lt_20, lt_40, lt_80, lt_160, ge_160, last_at
    FROM rollup_completions_daily FINAL
    WHERE ${ORG_FILTER} AND day >= {a:Date} AND day < {b:Date}
    UNION ALL
    -- Keys the twin held for these days get an empty row of the new version (a key that lost its completions).
    SELECT org, service, day, channel, toUInt64(0), arrayReduce('quantilesExactInclusiveState(0.5, 0.9)', emptyArrayFloat64()),
           0, 0, 0, 0, 0, 0, 0, toDateTime64(0, 3, 'UTC')
    FROM rollup_completions_coarse FINAL
    WHERE ${ORG_FILTER} AND day >= {a:Date} AND day < {b:Date}
)
GROUP BY org, service, day, channel`
  },
  {
    // The same completions merged by fiscal year (sql/schema/170), from the coarser twin refreshed just above: a delivery
    // rebuilds whole fiscal years, the years of the days it can change. Rebuilt whenever that rollup is (same revision).
    table: 'rollup_completions_fiscal',
    ...COMPLETIONS,
    held: 'SELECT sum(completions) AS n FROM rollup_completions_fiscal FINAL',
    widen: fiscalYears,
    build: () => `INSERT INTO rollup_completions_fiscal (org, service, day, channel, completions, minutes,
    lt_5, lt_10, lt_20, lt_40, lt_80, lt_160, ge_160, last_at, version)
SELECT org, service, fy, channel, sum(completions), quantilesExactInclusiveMergeState(0.5, 0.9)(minutes),
       sum(lt_5), sum(lt_10), sum(lt_20), sum(lt_40), sum(lt_80), sum(lt_160), sum(ge_160), max(last_at), {version:UInt64}
FROM (
    -- April 1 of the day's fiscal year: three months back lands in the calendar year the fiscal year starts in.
    SELECT org, service, addMonths(toStartOfYear(addMonths(day, -3)), 3) AS fy, channel, completions, minutes,
           lt_5, lt_10, lt_20, lt_40, lt_80, lt_160, ge_160, last_at
    FROM rollup_completions_coarse FINAL
    WHERE ${ORG_FILTER} AND day >= {a:Date} AND day < {b:Date}
    UNION ALL
    -- Keys the table held for these years get an empty row of the new version (a key that lost its completions).
    SELECT org, service, day AS fy, channel, toUInt64(0), arrayReduce('quantilesExactInclusiveState(0.5, 0.9)', emptyArrayFloat64()),
           0, 0, 0, 0, 0, 0, 0, toDateTime64(0, 3, 'UTC')
    FROM rollup_completions_fiscal FINAL
    WHERE ${ORG_FILTER} AND day >= {a:Date} AND day < {b:Date}
)
GROUP BY org, service, fy, channel`
  }
];

/** The fiscal years (April 1 to April 1) holding days [a, b). */
function fiscalYears(a: string, b: string): [string, string][] {
  const out: [string, string][] = [];
  const last = periodOf('fiscal_year', isoDay(addDays(parseDay(b), -1)));
  for (let fy = periodRange('fiscal_year', periodOf('fiscal_year', a))!; ; fy = periodRange('fiscal_year', periodOf('fiscal_year', fy.to))!) {
    out.push([fy.from, fy.to]);
    if (periodOf('fiscal_year', fy.from) === last) return out;
  }
}

async function readMarks(wh: Warehouse): Promise<Partial<Record<Rollup, Mark>>> {
  const rows = await wh.query<{ name: Rollup; raw_rows: number; watermark: string; reference: string }>(
    `SELECT name, argMax(raw_rows, refreshed_at) AS raw_rows, toString(argMax(watermark, refreshed_at)) AS watermark,
            toString(argMax(reference, refreshed_at)) AS reference
     FROM rollup_marks GROUP BY name`
  );
  return Object.fromEntries(rows.map((r) => [r.name, { raw_rows: Number(r.raw_rows), watermark: r.watermark, reference: r.reference }]));
}

/** Fingerprint of every service's steps: the journey rollup's step rows are valid only for the steps it used. */
const STEPS_FINGERPRINT = '(SELECT toString(groupBitXor(cityHash64(org, code, steps))) FROM services FINAL)';
/** The health query's column counting each raw table. */
const RAW_COUNT: Record<DerivedSpec['raw'], string> = { service_events: 'ev', cases: 'cs' };

async function stepsFingerprint(wh: Warehouse): Promise<string> {
  const [r] = await wh.query<{ f: string }>(`SELECT ${STEPS_FINGERPRINT} AS f`);
  return String(r?.f ?? '0');
}

/** The statements' ranges once a spec has widened them (e.g. to whole fiscal years), each range once per organization. */
function widened<T extends { orgs: string[] | null; a: string; b: string }>(work: T[], spec: DerivedSpec): T[] {
  if (!spec.widen) return work;
  const seen = new Map<string, T>();
  for (const w of work) for (const [a, b] of spec.widen(w.a, w.b)) seen.set(JSON.stringify([w.orgs, a, b]), { ...w, a, b });
  return [...seen.values()];
}

const range = (a: number, b: number): number[] => Array.from({ length: b - a + 1 }, (_, i) => a + i);

/** What a derived rollup's rows depend on besides its raw table: how they are computed and, for journeys, services'
 *  steps. */
function referenceOf(spec: DerivedSpec, steps: string): string {
  return `${spec.revision}:${spec.usesSteps ? steps : ''}`;
}

/** Days [a, b) holding about `rows` raw rows, cut into chunks of about CHUNK_ROWS rows (a month at least, and at most
 *  `maxDays`). */
function chunks(a: string, b: string, rows: number, maxDays = Infinity): [string, string][] {
  const span = Math.max(1, (parseDay(b).getTime() - parseDay(a).getTime()) / 86_400_000);
  const days = Math.min(maxDays, span, Math.max(31, Math.ceil((span * CHUNK_ROWS) / Math.max(1, rows))));
  const out: [string, string][] = [];
  for (let d = parseDay(a); isoDay(d) < b; d = addDays(d, days)) {
    const end = isoDay(addDays(d, days));
    out.push([isoDay(d), end < b ? end : b]);
  }
  return out;
}

export interface RefreshResult {
  /** `healed`: a rollup fed by a view was found short or long of its raw table, and the days that differ were rebuilt;
   *  `postponed`: it was, but an ingest was running (the next refresh rebuilds them). */
  mode: 'full' | 'incremental' | 'current' | 'healed' | 'postponed';
  /** Statements run (one per organization and chunk of days). */
  chunks: number;
  /** Journeys started (journeys rollup) or cases (cases rollup) the rollup now holds. */
  rows: number;
}

const refreshing = new WeakMap<Warehouse, Promise<unknown>>();
let versionCounter = 0;

export interface RefreshOptions {
  /** Rebuild every refreshed rollup from scratch. */
  full?: boolean;
  /** An ingest may be writing now (ingest/stopped-runs.ts `ingestsRunning`): a rollup fed by a view that is found short
   *  is then left for a later refresh, since rows landing during its rebuild could count twice. */
  ingesting?: boolean;
}

/**
 * Brings the rollups fed by views back to their raw tables where a stopped process left them short (see
 * `healViewRollups`), then the journeys and cases rollups up to date: for the days touched by rows ingested since the last refresh (per
 * organization), or everything when the rollup was never built, lost rows, or services' steps changed (`full`
 * forces it). Refreshes in one process run one after another; another process refreshing at the same time writes
 * the same rows. Call after ingesting; `serve` also runs it from a job.
 */
export async function refreshRollups(wh: Warehouse, options: RefreshOptions = {}): Promise<Record<string, RefreshResult>> {
  const previous = refreshing.get(wh) ?? Promise.resolve();
  const run = previous.catch(() => undefined).then(() => refreshNow(wh, options.full ?? false, options.ingesting ?? false));
  refreshing.set(wh, run);
  try {
    return await run;
  } finally {
    if (refreshing.get(wh) === run) refreshing.delete(wh);
  }
}

async function refreshNow(wh: Warehouse, forceFull: boolean, ingesting: boolean): Promise<Record<string, RefreshResult>> {
  const out: Record<string, RefreshResult> = {};
  const healed = await healViewRollups(wh, ingesting, out);
  const marks = await readMarks(wh);
  const steps = await stepsFingerprint(wh);
  for (const spec of DERIVED) {
    const [{ n: rawRows }] = await wh.query<{ n: number }>(`SELECT count() AS n FROM ${spec.raw}`);
    const mark = marks[spec.table];
    const reference = referenceOf(spec, steps);
    const full = forceFull || !mark || Number(rawRows) < mark.raw_rows || mark.reference !== reference;
    // Days its source rollup had rebuilt: built from rows that source lacked, they are rebuilt too.
    const rebuilt = (spec.builtFrom && healed[spec.builtFrom]) || [];
    if (!full && Number(rawRows) === mark.raw_rows && rebuilt.length === 0) {
      out[spec.table] = { mode: 'current', chunks: 0, rows: await rollupRows(wh, spec) };
      continue;
    }
    const since = full ? '1970-01-01 00:00:00.000' : new Date(Date.parse(`${mark.watermark.replace(' ', 'T')}Z`) - OVERLAP_MS).toISOString().replace('T', ' ').replace('Z', '');
    const ranges = await wh.query<{ org: string; lo: string; hi: string; wm: string; n: number }>(
      `SELECT org, toString(min(${spec.day})) AS lo, toString(max(${spec.day})) AS hi, toString(max(ingested_at)) AS wm, count() AS n
       FROM ${spec.raw} WHERE ingested_at > {since:DateTime64(3, 'UTC')} GROUP BY org ORDER BY org`,
      { since }
    );
    if (full) await wh.command(`TRUNCATE TABLE ${spec.table}`);
    const version = Date.now() * 1000 + (versionCounter++ % 1000);
    let statements = 0;
    // A full build covers all organizations per chunk of days; an incremental one each organization's touched days.
    const work: { orgs: string[] | null; a: string; b: string }[] = [];
    if (full && ranges.length) {
      const lo = ranges.reduce((m, r) => (r.lo < m ? r.lo : m), ranges[0].lo);
      const hi = ranges.reduce((m, r) => (r.hi > m ? r.hi : m), ranges[0].hi);
      const total = ranges.reduce((sum, r) => sum + Number(r.n), 0);
      for (const [a, b] of chunks(lo, isoDay(addDays(parseDay(hi), 1)), total)) work.push({ orgs: null, a, b });
    } else {
      // Only the new rows were counted, not the organization's stored rows in those days: a quarter at most per
      // statement keeps a delivery spanning years from grouping all of them at once.
      for (const r of ranges) {
        for (const [a, b] of chunks(isoDay(addDays(parseDay(r.lo), -spec.reach)), isoDay(addDays(parseDay(r.hi), 1 + spec.reachAfter)), Number(r.n), 92)) work.push({ orgs: [r.org], a, b });
      }
      for (const g of rebuilt) work.push({ orgs: [g.org], a: g.lo, b: isoDay(addDays(parseDay(g.hi), 1)) });
    }
    const params = spec.params();
    const planned = widened(work, spec);
    for (const w of planned) {
      // eachShard: on a cluster each shard rebuilds its own organizations' rows from its own tables (warehouse.ts).
      await wh.command(spec.build(), { all_orgs: w.orgs === null, orgs: w.orgs ?? [], a: w.a, b: w.b, version, ...params }, { eachShard: true });
      statements++;
    }
    // Readers use FINAL: merging the partitions (years) just rewritten keeps that cheap.
    if (full && planned.length) await wh.command(`OPTIMIZE TABLE ${spec.table} FINAL`);
    else {
      const years = new Set(planned.flatMap((w) => range(Number(w.a.slice(0, 4)), Number(isoDay(addDays(parseDay(w.b), -1)).slice(0, 4)))));
      for (const y of years) await wh.command(`OPTIMIZE TABLE ${spec.table} PARTITION ${y} FINAL`);
    }
    const watermark = ranges.reduce((m, r) => (r.wm > m ? r.wm : m), mark?.watermark ?? '1970-01-01 00:00:00.000');
    await wh.insert('rollup_marks', [{ name: spec.table, raw_rows: Number(rawRows), watermark, reference }]);
    out[spec.table] = { mode: full ? 'full' : 'incremental', chunks: statements, rows: await rollupRows(wh, spec) };
  }
  forgetRollupHealth(wh);
  return out;
}

/** Days rebuilt in a rollup, per organization: [lo, hi] (Toronto days, inclusive). */
interface Rebuilt {
  org: string;
  lo: string;
  hi: string;
}

/**
 * A rollup fed by a materialized view holds exactly its raw table's rows, unless a process stopped between the raw
 * table's write and the view's (a kill between the in-place ingest's two attaches, or during an insert, after the table's
 * part and before the view's): its total then differs from the raw count, `rollupHealth` reports it not current, and
 * figures come from the raw tables. Here each organization's Toronto days whose counts differ are found and rebuilt
 * from the raw table (their rollup rows deleted, then computed again), so it is current again without anyone running
 * a command. Skipped while an ingest runs (`ingesting`): rows landing between the delete and the rebuild would count
 * twice — which the same comparison would also catch at the next refresh, since any difference makes it not current.
 */
async function healViewRollups(wh: Warehouse, ingesting: boolean, out: Record<string, RefreshResult>): Promise<Partial<Record<Rollup, Rebuilt[]>>> {
  const healed: Partial<Record<Rollup, Rebuilt[]>> = {};
  for (const [table, spec] of Object.entries(SPECS) as [Rollup, RollupSpec][]) {
    const [total] = await wh.query<{ raw: number; held: number }>(
      `SELECT (SELECT count() FROM ${spec.raw}) AS raw, (SELECT sum(${spec.counted}) FROM ${table}) AS held`
    );
    if (Number(total.raw) === Number(total.held)) continue;
    if (ingesting) {
      out[table] = { mode: 'postponed', chunks: 0, rows: Number(total.held) };
      continue;
    }
    // Per organization and day, both sides counted the same way (every stored row, as the view counted them on insert).
    const differing = await wh.query<{ org: string; day: string }>(
      `SELECT org, toString(day) AS day FROM (
         SELECT org, day, sum(r) AS r, sum(h) AS h FROM (
           SELECT toString(org) AS org, ${spec.day} AS day, count() AS r, toUInt64(0) AS h FROM ${spec.raw} GROUP BY org, day
           UNION ALL
           SELECT toString(org) AS org, day, toUInt64(0) AS r, sum(${spec.counted}) AS h FROM ${table} GROUP BY org, day
         ) GROUP BY org, day HAVING r != h
       ) ORDER BY org, day`
    );
    if (!differing.length) continue; // the difference came from rows landing between the two reads: an ingest ran
    const keys = { orgs: differing.map((d) => d.org), days: differing.map((d) => d.day) };
    const pairs = `(SELECT tupleElement(p, 1), tupleElement(p, 2) FROM (SELECT arrayJoin(arrayZip({orgs:Array(String)}, {days:Array(Date)})) AS p))`;
    // On a cluster each shard deletes and rebuilds its own organizations' rows from its own raw rows.
    await wh.command(`DELETE FROM ${table} WHERE (toString(org), day) IN ${pairs}`, keys, { eachShard: true });
    await wh.command(`INSERT INTO ${table} ${spec.select(`WHERE (org, ${spec.day}) IN ${pairs}`)}`, keys, { eachShard: true });
    const byOrg = new Map<string, Rebuilt>();
    for (const d of differing) {
      const g = byOrg.get(d.org);
      if (!g) byOrg.set(d.org, { org: d.org, lo: d.day, hi: d.day });
      else g.hi = d.day; // rows come ordered by day within an organization
    }
    healed[table] = [...byOrg.values()];
    const [after] = await wh.query<{ n: number }>(`SELECT sum(${spec.counted}) AS n FROM ${table}`);
    out[table] = { mode: 'healed', chunks: differing.length, rows: Number(after.n) };
  }
  if (Object.keys(healed).length) forgetRollupHealth(wh);
  return healed;
}

async function rollupRows(wh: Warehouse, spec: DerivedSpec): Promise<number> {
  const [r] = await wh.query<{ n: number }>(spec.held);
  return Number(r?.n ?? 0);
}
