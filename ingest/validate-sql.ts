// Validation and conversion inside the engine: from a kind's spec, the SQL that turns staged lines (raw JSON) into
// typed rows with a reason code per rejected row, and the statements that route rejects to quarantine and
// new rows into the target table without ever inserting a row already stored. Pure: spec in, SQL + params out.
import { quoteIdentifier } from '../warehouse/identifiers.ts';
import { KIND_SPECS, REASONS, type FieldSpec, type Kind, type KindSpec } from './kinds.ts';
import { scrubSql } from './privacy.ts';

export interface ValidationOptions {
  /** Rows must belong to this organization (push API token, `--org`); rows without one get it. */
  org: string | null;
  strict: boolean;
  /** The foreign_org message naming where the organization comes from (an inbox folder, --org, a token). */
  foreignOrgReason?: string;
  /** New service codes that rows of one batch send for more than one organization, each with the organization that
   *  sent it first (by line): the others' rows are `foreign_service`, as they would be in a later batch. */
  claims?: Readonly<Record<string, string>>;
}

export interface Sql {
  sql: string;
  params: Record<string, unknown>;
}

/** A code word spliced into SQL (reason codes, field names): only lowercase names from our own specs. */
function word(s: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(s)) throw new Error(`not a code word: ${s}`);
  return `'${s}'`;
}

const id = (name: string): string => quoteIdentifier(name);
/** A ClickHouse type name from our own column list, as a string literal. */
/** The staging copy keeps plain strings: building LowCardinality dictionaries twice costs more than it saves. */
const plain = (type: string): string => type.replace(/^LowCardinality\((.*)\)$/, '$1');
const typeLit = (type: string): string => `'${type.replace(/'/g, "\\'")}'`;

interface Column {
  name: string;
  type: string; // ClickHouse type of the target column
  expr: string;
}

const DATE_SHAPE = "'^\\\\d{4}-\\\\d{2}-\\\\d{2}'";

/** A field's text as validation reads it from the tuple `_t` (trimmed, '' when absent, the forced organization when empty). */
function fieldText(f: FieldSpec, opts: ValidationOptions, spec: KindSpec): string {
  let rawText = `trimBoth(ifNull(tupleElement(_t, ${word(f.name)}), ''))`;
  if (f.type === 'json') {
    const jr = `JSONExtractRaw(_doc, ${word(f.name)})`;
    rawText = `if(startsWith(${jr}, '"'), JSONExtractString(${jr}), if(${jr} = 'null', '', ${jr}))`;
  }
  if (f.name === spec.orgField && opts.org !== null) rawText = `if(${rawText} = '', {force_org:String}, ${rawText})`;
  return rawText;
}

/** A datetime field's value: ISO 8601, local Toronto time without an offset, in UTC; NULL when unreadable. */
const parsedDateTime = (text: string): string => `toTimeZone(parseDateTime64BestEffortOrNull(${text}, 3, 'America/Toronto'), 'UTC')`;

function fieldExprs(f: FieldSpec, params: Record<string, unknown>, opts: ValidationOptions, spec: KindSpec): { select: string[]; checks: string[] } {
  const n = f.name;
  const s = id(`s_${n}`);
  const p = id(`p_${n}`);
  const select: string[] = [];
  const checks: string[] = [];
  const rawText = fieldText(f, opts, spec);
  if (f.fallback !== undefined) {
    params[`fb_${n}`] = f.fallback;
    select.push(`if((${rawText} AS ${id(`r_${n}`)}) = '', {fb_${n}:String}, ${id(`r_${n}`)}) AS ${s}`);
  } else select.push(`${rawText} AS ${s}`);
  const present = f.fallback !== undefined ? `${id(`r_${n}`)} != ''` : `${s} != ''`;
  if (f.required) checks.push(`${s} = '', (${word('missing_field')}, ${word(n)})`);
  switch (f.type) {
    case 'id':
    case 'code':
      checks.push(`length(${s}) > 64, (${word('too_long')}, ${word(n)})`);
      break;
    case 'text':
      checks.push(`lengthUTF8(${s}) > ${f.maxLength ?? 4000}, (${word('too_long')}, ${word(n)})`);
      break;
    case 'enum':
      params[`vals_${n}`] = f.values ?? [];
      checks.push(`${present} AND NOT has({vals_${n}:Array(String)}, ${s}), (${word(n === 'channel' ? 'unknown_channel' : 'bad_value')}, ${word(n)})`);
      break;
    case 'datetime':
      select.push(`${parsedDateTime(s)} AS ${p}`);
      // The engine would roll 2024-02-30 over to March: the calendar date written must exist as written.
      checks.push(
        `${s} != '' AND (${p} IS NULL OR NOT match(${s}, ${DATE_SHAPE}) OR toString(toDateOrNull(substring(${s}, 1, 10))) != substring(${s}, 1, 10)), (${word('bad_date')}, ${word(n)})`
      );
      break;
    case 'date':
      select.push(`toDateOrNull(${s}) AS ${p}`);
      checks.push(`${s} != '' AND (${p} IS NULL OR toString(${p}) != ${s}), (${word('bad_date')}, ${word(n)})`);
      break;
    case 'uint':
    case 'number':
      select.push(`toFloat64OrNull(${s}) AS ${p}`);
      checks.push(`${s} != '' AND (${p} IS NULL OR NOT isFinite(${p})), (${word('bad_number')}, ${word(n)})`);
      checks.push(
        `${s} != '' AND (${p} < ${Number(f.min ?? -1e300)} OR ${p} > ${Number(f.max ?? 1e300)}${f.type === 'uint' ? ` OR ${p} != floor(${p})` : ''}), (${word('out_of_range')}, ${word(n)})`
      );
      break;
    case 'bool':
      select.push(`lower(${s}) IN ('true', '1', 'yes', 'oui') AS ${p}`);
      checks.push(`NOT lower(${s}) IN ('true', '1', 'yes', 'oui', 'false', '0', 'no', 'non'), (${word('bad_bool')}, ${word(n)})`);
      break;
    case 'period':
      select.push(
        `multiIf(match(${s}, '^\\\\d{4}-\\\\d{2}-\\\\d{2}$') AND toString(toDateOrNull(${s})) = ${s}, 'day',
                 match(${s}, '^\\\\d{4}-(0[1-9]|1[0-2])$'), 'month',
                 match(${s}, '^\\\\d{4}-Q[1-4]$'), 'quarter',
                 match(${s}, '^\\\\d{4}-\\\\d{4}$') AND toUInt16OrZero(substring(${s}, 6, 4)) = toUInt16OrZero(substring(${s}, 1, 4)) + 1, 'fiscal_year',
                 match(${s}, '^\\\\d{4}$'), 'year', '') AS g_${n}`,
        `toUInt16OrZero(substring(${s}, 1, 4)) AS y_${n}`,
        `multiIf(g_${n} = 'day', toDateOrZero(${s}),
                 g_${n} = 'month', toDateOrZero(concat(${s}, '-01')),
                 g_${n} = 'quarter', makeDate(y_${n}, (toUInt8OrZero(substring(${s}, 7, 1)) - 1) * 3 + 1, 1),
                 g_${n} = 'fiscal_year', makeDate(y_${n}, 4, 1),
                 g_${n} = 'year', makeDate(y_${n}, 1, 1), toDate(0)) AS ps_${n}`,
        `multiIf(g_${n} = 'day', ps_${n}, g_${n} = 'month', toLastDayOfMonth(ps_${n}),
                 g_${n} = 'quarter', toLastDayOfMonth(addMonths(ps_${n}, 2)),
                 g_${n} = 'fiscal_year', addDays(addYears(ps_${n}, 1), -1),
                 g_${n} = 'year', makeDate(y_${n}, 12, 31), toDate(0)) AS pe_${n}`
      );
      checks.push(`${s} != '' AND g_${n} = '', (${word('bad_period')}, ${word(n)})`);
      break;
    case 'json':
      checks.push(`${s} != '' AND NOT isValidJSON(${s}), (${word('bad_json')}, ${word(n)})`);
      break;
    default: {
      const never: never = f.type;
      throw new Error(`field type ${String(never)}`);
    }
  }
  return { select, checks };
}

const sv = (n: string) => id(`s_${n}`);
const pv = (n: string) => id(`p_${n}`);

/** Target columns of each kind, from the validated fields (names and types as in sql/schema). */
function targetColumns(kind: Kind): Column[] {
  const periodCols: Column[] = [
    { name: 'period_start', type: 'Date', expr: 'ps_period' },
    { name: 'period_grain', type: 'LowCardinality(String)', expr: 'g_period' },
    { name: 'period_end', type: 'Date', expr: 'pe_period' },
    { name: 'period', type: 'String', expr: sv('period') }
  ];
  const str = (name: string, type = 'LowCardinality(String)'): Column => ({ name, type, expr: sv(name) });
  switch (kind) {
    case 'events': {
      // Plain strings since sql/schema/140 (LowCardinality cost the insert more than it saved).
      const text = (name: string) => str(name, 'String');
      return [
        text('org'), text('service'),
        { name: 'occurred_at', type: "DateTime64(3, 'UTC')", expr: `assumeNotNull(${pv('occurred_at')})` },
        text('event_id'), text('journey_id'), text('type'), text('step'),
        { name: 'step_index', type: 'UInt8', expr: `toUInt8(ifNull(${pv('step_index')}, 0))` },
        text('outcome'), text('channel'), text('client_type'), text('region'), text('sign_in'),
        { name: 'assisted', type: 'Bool', expr: pv('assisted') },
        { name: 'prefilled', type: 'Bool', expr: pv('prefilled') },
        { name: 'duration_ms', type: 'Nullable(UInt64)', expr: `toUInt64OrNull(toString(${pv('duration_ms')}))` }
      ];
    }
    case 'surveys':
      return [
        str('org'), str('service'),
        { name: 'submitted_at', type: "DateTime64(3, 'UTC')", expr: `assumeNotNull(${pv('submitted_at')})` },
        str('response_id', 'String'), str('channel'), str('journey_id', 'String'), str('region'), str('client_type'),
        { name: 'satisfaction', type: 'UInt8', expr: `toUInt8(ifNull(${pv('satisfaction')}, 0))` },
        { name: 'effort', type: 'Nullable(UInt8)', expr: `toUInt8OrNull(toString(${pv('effort')}))` },
        { name: 'comment', type: 'String', expr: scrubSql(sv('comment')) },
        str('language')
      ];
    case 'cases':
      return [
        str('org'), str('service'),
        { name: 'received_at', type: "DateTime64(3, 'UTC')", expr: `assumeNotNull(${pv('received_at')})` },
        str('case_id', 'String'), str('channel'),
        { name: 'decided_at', type: "Nullable(DateTime64(3, 'UTC'))", expr: pv('decided_at') },
        { name: 'standard_days', type: 'UInt16', expr: `toUInt16(ifNull(${pv('standard_days')}, 0))` },
        { name: 'working_days', type: 'Bool', expr: pv('working_days') }
      ];
    case 'volumes':
      return [str('org'), str('service'), ...periodCols, str('channel'), { name: 'volume', type: 'UInt64', expr: `toUInt64(ifNull(${pv('volume')}, 0))` }];
    case 'standards':
      return [
        str('org'), str('service'), ...periodCols, str('channel'),
        { name: 'met', type: 'UInt64', expr: `toUInt64(ifNull(${pv('met')}, 0))` },
        { name: 'total', type: 'UInt64', expr: `toUInt64(ifNull(${pv('total')}, 0))` }
      ];
    case 'indicators':
      return [
        str('org'), str('service'), ...periodCols, str('indicator'),
        { name: 'value', type: 'Float64', expr: `ifNull(${pv('value')}, 0)` },
        str('note', 'String')
      ];
    case 'costs':
      return [str('org'), str('service'), ...periodCols, str('channel'), { name: 'amount_cad', type: 'Decimal(18, 2)', expr: `toDecimal64(ifNull(${pv('amount_cad')}, 0), 2)` }];
    case 'probes':
      return [
        str('org'), str('service'),
        { name: 'probed_at', type: "DateTime64(3, 'UTC')", expr: `assumeNotNull(${pv('probed_at')})` },
        str('probe'),
        { name: 'up', type: 'Bool', expr: pv('up') },
        { name: 'response_ms', type: 'UInt32', expr: `toUInt32(ifNull(${pv('response_ms')}, 0))` },
        { name: 'interval_s', type: 'UInt32', expr: `toUInt32(ifNull(${pv('interval_s')}, 300))` }
      ];
    case 'organizations':
      return [str('code'), str('name_fr', 'String'), str('name_en', 'String'), str('parent_code'), str('kind'), str('reporting'), { name: 'placeholder', type: 'Bool', expr: 'false' }];
    case 'services':
      return [
        str('org'), str('code'), str('name_fr', 'String'), str('name_en', 'String'),
        { name: 'launched_on', type: 'Date', expr: `ifNull(${pv('launched_on')}, toDate(0))` },
        { name: 'end_to_end_digital', type: 'Bool', expr: pv('end_to_end_digital') },
        { name: 'standard_days', type: 'UInt16', expr: `toUInt16(ifNull(${pv('standard_days')}, 0))` },
        { name: 'working_days', type: 'Bool', expr: pv('working_days') },
        { name: 'standard_target', type: 'Float32', expr: `toFloat32(ifNull(${pv('standard_target')}, 0.9))` },
        { name: 'steps', type: 'Array(String)', expr: `if(isValidJSON(${sv('steps')}), JSONExtract(${sv('steps')}, 'Array(String)'), [])` },
        { name: 'baseline_minutes', type: 'Map(LowCardinality(String), Float64)', expr: `if(isValidJSON(${sv('baseline_minutes')}), JSONExtract(${sv('baseline_minutes')}, 'Map(String, Float64)'), map())` },
        { name: 'unit_cost_cad', type: 'Map(LowCardinality(String), Float64)', expr: `if(isValidJSON(${sv('unit_cost_cad')}), JSONExtract(${sv('unit_cost_cad')}, 'Map(String, Float64)'), map())` },
        { name: 'placeholder', type: 'Bool', expr: 'false' }
      ];
    case 'value_parameters':
      return [
        str('org'), str('service'), str('channel'),
        { name: 'effective_from', type: 'Date', expr: `ifNull(${pv('effective_from')}, toDate(0))` },
        { name: 'baseline_minutes', type: 'Nullable(Float64)', expr: pv('baseline_minutes') },
        { name: 'unit_cost_cad', type: 'Nullable(Float64)', expr: pv('unit_cost_cad') },
        str('source', 'String')
      ];
    case 'annotations':
      // A row sent again restores an annotation deleted in the app (`deleted` differs, so it is not a duplicate).
      return [
        str('org'), str('service'), { name: 'at', type: "DateTime64(3, 'UTC')", expr: `assumeNotNull(${pv('at')})` }, str('kind'),
        str('text_fr', 'String'), str('text_en', 'String'), { name: 'deleted', type: 'Bool', expr: 'false' }, { name: 'author', type: 'String', expr: "'ingest'" }
      ];
    default: {
      const never: never = kind;
      throw new Error(`kind ${String(never)}`);
    }
  }
}

/** Cross-field rules, after each field is valid on its own. */
function crossChecks(kind: Kind): string[] {
  switch (kind) {
    case 'events':
      return [`${sv('type')} = 'completed' AND ${sv('outcome')} = '', (${word('missing_field')}, ${word('outcome')})`];
    case 'cases':
      return [`${pv('decided_at')} IS NOT NULL AND ${pv('decided_at')} < ${pv('received_at')}, (${word('inconsistent')}, ${word('decided_at')})`];
    case 'standards':
      return [`${pv('met')} > ${pv('total')}, (${word('inconsistent')}, ${word('met')})`];
    case 'value_parameters':
      return [`${sv('baseline_minutes')} = '' AND ${sv('unit_cost_cad')} = '', (${word('missing_field')}, ${word('baseline_minutes')})`];
    default:
      return [];
  }
}

/**
 * A target column's value. Rejected rows keep their typed columns in the validation table but never reach the target,
 * so a column whose expression cannot throw is computed on every row: under forced short-circuit evaluation each
 * `if(reason = '', …)` costs a masked pass per column, which made up much of the validation time. Expressions that
 * can throw on a rejected row's value (numbers cast to integers or decimals, JSON maps) stay behind the guard.
 */
function guarded(c: Column): string {
  const safe = c.expr === sv(c.name) || c.expr === pv(c.name) || /^assumeNotNull\(`p_[a-z_]+`\)$/.test(c.expr);
  return safe ? c.expr : `if(reason = '', ${c.expr}, defaultValueOfTypeName(${typeLit(plain(c.type))}))`;
}

export function columnsOf(kind: Kind): readonly { name: string; type: string }[] {
  return targetColumns(kind).map(({ name, type }) => ({ name, type }));
}

/** Hints appended to a message, per field (allowed values). */
function hintsOf(spec: KindSpec): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of spec.fields) {
    if (f.type === 'enum') out[f.name] = ` — permis / allowed: ${(f.values ?? []).join(', ')}`;
    else if ((f.type === 'uint' || f.type === 'number') && (f.min !== undefined || f.max !== undefined)) out[f.name] = ` — de / from ${f.min ?? '−∞'} à / to ${f.max ?? '∞'}`;
  }
  return out;
}

/**
 * SELECT ...: every staged row typed, with `reason` ('' when valid), `field` and the offending value, and a message
 * for people naming the field and the fix. `source` is a relation yielding (line, raw, doc): the staging table, or
 * the engine reading a staged file or the source file itself.
 */
export function buildValidationSelect(kind: Kind, source: string, opts: ValidationOptions): Sql {
  const spec = KIND_SPECS[kind];
  const reasons = opts.foreignOrgReason ? { ...REASONS, foreign_org: opts.foreignOrgReason } : REASONS;
  const params: Record<string, unknown> = { reasons, hints: hintsOf(spec), bad_char: '\ufffd' };
  if (opts.org !== null) params.force_org = opts.org;
  const selects: string[] = [];
  const checks: string[] = [
    `positionUTF8(raw, {bad_char:String}) > 0 OR NOT isValidUTF8(raw), (${word('bad_encoding')}, ${word('line')})`,
    `${spec.fields.map((f) => `tupleElement(_t, ${word(f.name)}) IS NULL`).join(' AND ')}, (${word('malformed_row')}, ${word('line')})`,
    // A valid line can still decode to invalid text: a JSON escape of a lone surrogate ("\udcff") becomes bytes
    // that are not UTF-8 once extracted. Only a `\u` escape can do that, so fields are checked (each on its own: no
    // two halves make a valid character) only on the rare line that has one, not on every row.
    `position(_doc, '\\\\u') > 0 AND NOT (${spec.fields.map((f) => `isValidUTF8(ifNull(tupleElement(_t, ${word(f.name)}), ''))`).join(' AND ')}), (${word('bad_encoding')}, ${word('line')})`
  ];
  for (const f of spec.fields) {
    const e = fieldExprs(f, params, opts, spec);
    selects.push(...e.select);
    checks.push(...e.checks);
  }
  checks.push(...crossChecks(kind));
  const orgS = sv(spec.orgField);
  if (opts.org !== null) checks.push(`${orgS} != {force_org:String}, (${word('foreign_org')}, ${word(spec.orgField)})`);
  if (opts.strict && kind !== 'organizations') {
    checks.push(`${orgS} NOT IN (SELECT code FROM organizations WHERE NOT placeholder), (${word('unknown_org')}, ${word(spec.orgField)})`);
    if (spec.serviceField) {
      const svc = sv(spec.serviceField);
      checks.push(
        `${spec.serviceOptional ? `${svc} != '' AND ` : ''}(${orgS}, ${svc}) NOT IN (SELECT org, code FROM services WHERE NOT placeholder), (${word('unknown_service')}, ${word(spec.serviceField)})`
      );
    }
  }
  // A service code belongs to the one organization that declared it (or first sent rows for it): a row naming a code
  // another organization owns would create or change that organization's service, or file figures under it. Checked
  // after the strict checks, whose reasons (an undeclared organization or service) say more.
  const serviceField = kind === 'services' ? 'code' : spec.serviceField;
  if (serviceField) {
    const svc = sv(serviceField);
    checks.push(
      `${svc} != '' AND ${svc} IN (SELECT code FROM services) AND (${orgS}, ${svc}) NOT IN (SELECT org, code FROM services), (${word('foreign_service')}, ${word(serviceField)})`
    );
    if (opts.claims && Object.keys(opts.claims).length) {
      params.claims = opts.claims;
      checks.push(`mapContains({claims:Map(String, String)}, ${svc}) AND {claims:Map(String, String)}[${svc}] != ${orgS}, (${word('foreign_service')}, ${word(serviceField)})`);
    }
  }
  // The offending value, for the message only (computed for rejected rows alone).
  const fieldValue = `multiIf(${spec.fields.map((f) => `_field = ${word(f.name)}, ${sv(f.name)}`).join(', ')}, '')`;
  const cols = targetColumns(kind);
  const sql = `SELECT line, if(_r.1 = '', '', raw) AS raw, _r.1 AS reason, _r.2 AS field, ${orgS} AS q_org,
       if(reason = '', '', concat(field, if((${fieldValue} AS _bad) = '', '', concat(' = «', substringUTF8(_bad, 1, 80), '»')), ' : ',
          {reasons:Map(String, String)}[reason], {hints:Map(String, String)}[field])) AS message,
       ${cols.map((c) => `CAST(${guarded(c)}, ${typeLit(plain(c.type))}) AS ${id(c.name)}`).join(',\n       ')}
FROM
(
  SELECT line, raw,
         if(doc = '', raw, doc) AS _doc,
         JSONExtract(_doc, ${typeLit(`Tuple(${spec.fields.map((f) => `${f.name} Nullable(String)`).join(', ')})`)}) AS _t,
         ${selects.join(',\n         ')},
         multiIf(${checks.join(',\n                 ')}, ('', '')) AS _r,
         _r.2 AS _field
  FROM ${source}
)`;
  return { sql, params };
}

/** Conversions behind `if(reason = '', …)` guards may throw on a rejected row's value unless short-circuited. */
export const VALIDATION_SETTINGS = { short_circuit_function_evaluation: 'force_enable' } as const;

/** CREATE TABLE `valid` AS the validation SELECT (the batched path). */
export function buildValidation(kind: Kind, source: string, valid: string, opts: ValidationOptions): Sql {
  const v = buildValidationSelect(kind, source, opts);
  return { sql: `CREATE TABLE ${id(valid)} ENGINE = Memory AS\n${v.sql}\nSETTINGS short_circuit_function_evaluation = 'force_enable'`, params: v.params };
}

/**
 * Rejected rows of the batch into quarantine; `from` is the validation table (a quoted name) or a subquery (then run it
 * with VALIDATION_SETTINGS). The raw text and the message (which quotes the offending value) are scrubbed with the
 * comments' rules before they are stored: a rejected row is kept a year, and may hold anything a producer sent.
 */
export function buildQuarantine(kind: Kind, from: string, source: string, runId: string): Sql {
  return {
    sql: `INSERT INTO quarantine (run_id, kind, org, source, line, raw, reason, message)
SELECT {run:String}, {kind:String}, q_org, {source:String}, line, ${scrubSql('raw')}, reason, ${scrubSql('message')}
FROM ${from} WHERE reason != ''`,
    params: { run: runId, kind, source }
  };
}

/**
 * The in-place path's intake: a `Null` table that every row of the validation SELECT goes through, rejected or not,
 * with the target's columns (plain types), the run id and what quarantine keeps. Materialized views split it: valid
 * rows into a copy of the target table (`buildIntakeViews`), rejects into a rejects table (`REJECT_COLUMNS`).
 */
export function intakeColumns(kind: Kind): string {
  return `line UInt64, raw String, reason String, q_org String, message String, ${columnsOf(kind).map((c) => `${id(c.name)} ${plain(c.type)}`).join(', ')}, run_id String`;
}

/** Columns of the rejects table the intake feeds (what `buildQuarantine` reads). */
export const REJECT_COLUMNS = 'line UInt64, raw String, reason String, q_org String, message String';

/**
 * Columns of the counts table the intake feeds, one row per block: valid and rejected rows, counted before the table
 * copy, whose replacing engine folds two rows of the same sorting key (a repeated id) as they are written.
 */
export const COUNT_COLUMNS = 'valid UInt64, rejected UInt64';

/** The three views of the intake: valid rows into `rows` (a copy of the kind's table), rejects into `rejects`, counts into `counts`. */
export function buildIntakeViews(kind: Kind, intake: string, rows: string, rejects: string, counts: string, names: readonly [string, string, string]): string[] {
  const cols = targetColumnList(kind);
  return [
    `CREATE MATERIALIZED VIEW ${id(names[0])} TO ${id(rows)} AS SELECT ${cols}, run_id FROM ${id(intake)} WHERE reason = ''`,
    `CREATE MATERIALIZED VIEW ${id(names[1])} TO ${id(rejects)} AS SELECT line, raw, reason, q_org, message FROM ${id(intake)} WHERE reason != ''`,
    `CREATE MATERIALIZED VIEW ${id(names[2])} TO ${id(counts)} AS
     SELECT countIf(reason = '') AS valid, countIf(reason != '') AS rejected FROM ${id(intake)}`
  ];
}

/** Every row of the validation SELECT `select` into the intake, with the run id (run with VALIDATION_SETTINGS). */
export function buildIntakeInsert(kind: Kind, intake: string, select: string): string {
  return `INSERT INTO ${id(intake)} SELECT line, raw, reason, q_org, message, ${targetColumnList(kind)}, {run:String} FROM (${withJourneyFill(kind, select)})`;
}

/**
 * What decides whether the valid rows staged in `rows` (a copy of an identity kind's table) can be attached as they
 * are: the counts the intake gave (`counts`), the rows and distinct keys in the copy (no repeated id: as many rows as
 * the intake counted valid — the copy's replacing engine may fold a repeated row — and as many distinct keys), their
 * organizations and time range (for `buildStoredCheck`), and whether a service code new to the warehouse comes with
 * more than one organization (the batched path then decides whose it is). Exactly what the batched path's look-up
 * would see: the valid rows. Keys are compared through a 64-bit hash, so a collision can only report a duplicate that
 * is not one (and send the file to the batched path), never hide one.
 */
export function buildStagedCheck(kind: Kind, rows: string, counts: string): string {
  const spec = KIND_SPECS[kind];
  if (spec.uniqueness !== 'identity' || !spec.timeColumn) throw new Error(`${kind}: the in-place path is for identity kinds`);
  const key = spec.key.map(id).join(', ');
  const t = id(spec.timeColumn);
  const org = id(spec.key[0]);
  const svc = spec.serviceField ? id(spec.serviceField) : null;
  const newCode = svc ? `${svc} != '' AND ${svc} NOT IN (SELECT code FROM services)` : '';
  const shared = svc ? `toUInt64(uniqExactIf(${svc}, ${newCode}) != uniqExactIf((${org}, ${svc}), ${newCode}))` : 'toUInt64(0)';
  return `SELECT c.valid AS valid, c.rejected AS rejected, r.staged AS staged, r.distinct_keys AS distinct_keys, r.time_min AS time_min, r.time_max AS time_max,
       r.orgs AS orgs, r.shared_codes AS shared_codes
FROM (SELECT toUInt64(sum(valid)) AS valid, toUInt64(sum(rejected)) AS rejected FROM ${id(counts)}) AS c
CROSS JOIN (SELECT toUInt64(count()) AS staged, toUInt64(uniqExact(cityHash64(${key}))) AS distinct_keys, toString(min(${t})) AS time_min,
                   toString(max(${t})) AS time_max, groupUniqArray(${MAX_ORGS + 1})(${org}) AS orgs, ${shared} AS shared_codes FROM ${id(rows)}) AS r`;
}

/**
 * Whether a stored row shares its key with one of the first {sample:UInt64} lines of `source` (a relation yielding
 * `raw`): a file sent again, or a run stopped and restarted, is then sent straight to the batched path's look-up
 * instead of being staged whole first. Keys are read as validation reads them. Only a shortcut: the staged check decides.
 */
export function buildStoredSample(kind: Kind, source: string, opts: ValidationOptions): Sql {
  const spec = KIND_SPECS[kind];
  const params: Record<string, unknown> = {};
  if (opts.org !== null) params.force_org = opts.org;
  const keys = spec.key.map((name) => {
    const f = spec.fields.find((x) => x.name === name);
    if (!f) throw new Error(`${kind}: key ${name} is not a field`);
    return f;
  });
  const tuple = typeLit(`Tuple(${keys.map((f) => `${f.name} Nullable(String)`).join(', ')})`);
  return {
    sql: `SELECT 1 AS found FROM ${id(spec.table)} WHERE (${spec.key.map(id).join(', ')}) IN (
  SELECT ${keys.map((f) => fieldText(f, opts, spec)).join(', ')} FROM (SELECT JSONExtract(raw, ${tuple}) AS _t FROM ${source} LIMIT {sample:UInt64})
) LIMIT 1`,
    params
  };
}

/** Above this many organizations in one file the stored-row check is not worth a list: the batched path takes it. */
export const MAX_ORGS = 1000;

/** Whether any stored row of these organizations falls in the time range (then the batched path's look-up is needed). */
export function buildStoredCheck(kind: Kind): string {
  const spec = KIND_SPECS[kind];
  const t = id(spec.timeColumn ?? '');
  return `SELECT 1 AS found FROM ${id(spec.table)} WHERE ${id(spec.key[0])} IN {orgs:Array(String)}
  AND ${t} >= {time_min:DateTime64(3, 'UTC')} AND ${t} <= {time_max:DateTime64(3, 'UTC')} LIMIT 1`;
}

/**
 * Rows about to be stored, with what they leave blank taken from reference data: a survey response without a region
 * or client type gets those of its linked journey (`journey_id`), from the journey's events already stored — its
 * start first, else its earliest event with a region. A journey whose events arrive after the response leaves them
 * blank ('' = unknown). `rows` is a relation with the kind's target columns; other kinds pass through.
 */
export function withJourneyFill(kind: Kind, rows: string): string {
  if (kind !== 'surveys') return rows;
  return `SELECT x.* REPLACE (if(x.region = '', j.j_region, x.region) AS region, if(x.client_type = '', j.j_client_type, x.client_type) AS client_type)
FROM (${rows}) AS x
LEFT JOIN (
    SELECT org AS j_org, journey_id AS j_journey,
           argMinIf(region, (type != 'started', occurred_at), region != '') AS j_region,
           argMin(client_type, (type != 'started', occurred_at)) AS j_client_type
    FROM service_events
    WHERE journey_id IN (SELECT journey_id FROM (${rows}) WHERE journey_id != '' AND (region = '' OR client_type = ''))
    GROUP BY org, journey_id
) AS j ON j.j_org = x.org AND j.j_journey = x.journey_id`;
}

/**
 * The new rows of the batch: valid, first of their identity in the batch (last for state kinds), not yet stored.
 * The stored rows looked up are only those whose key is in the batch, so memory follows the batch, not the table
 * (a batch spanning the whole time range would otherwise load every stored key).
 */
export function buildNewRows(kind: Kind, valid: string, withLine = false): Sql {
  const spec = KIND_SPECS[kind];
  const cols = targetColumns(kind);
  const list = (withLine ? ['line'] : []).concat(cols.map((c) => id(c.name))).join(', ');
  const key = spec.key.map(id).join(', ');
  const orgCol = id(spec.key[0]);
  if (spec.uniqueness === 'identity') {
    const t = id(spec.timeColumn ?? '');
    return {
      sql: `SELECT ${list} FROM ${id(valid)}
WHERE reason = '' AND (${key}) NOT IN (
  SELECT ${key} FROM ${id(spec.table)}
  WHERE ${orgCol} IN (SELECT DISTINCT ${orgCol} FROM ${id(valid)} WHERE reason = '')
    AND ${t} >= (SELECT min(${t}) FROM ${id(valid)} WHERE reason = '')
    AND ${t} <= (SELECT max(${t}) FROM ${id(valid)} WHERE reason = '')
    AND (${key}) IN (SELECT ${key} FROM ${id(valid)} WHERE reason = ''))
ORDER BY line
LIMIT 1 BY ${key}`,
      params: {}
    };
  }
  // State kinds: compare every column with the stored (latest) row of the same key. Maps compare as text. A kind kept
  // as a history holds every report of a key: only the latest counts (a return to an earlier value is a change).
  const cmp = cols.map((c) => (c.type.startsWith('Map') ? `toString(${id(c.name)})` : id(c.name))).join(', ');
  const latest = spec.history ? ` ORDER BY reported_at DESC LIMIT 1 BY ${key}` : '';
  return {
    sql: `SELECT ${list} FROM (SELECT * FROM ${id(valid)} WHERE reason = '' ORDER BY line DESC LIMIT 1 BY ${key})
WHERE (${cmp}) NOT IN (
  SELECT ${cmp} FROM ${id(spec.table)} FINAL
  WHERE ${orgCol} IN (SELECT DISTINCT ${orgCol} FROM ${id(valid)} WHERE reason = '')
    AND (${key}) IN (SELECT ${key} FROM ${id(valid)} WHERE reason = '')${latest})`,
    params: {}
  };
}

export function targetColumnList(kind: Kind): string {
  return targetColumns(kind).map((c) => id(c.name)).join(', ');
}

/**
 * Services sent with baseline minutes or unit costs (the form parameters had before value_parameters, sql/schema/062):
 * each channel whose figures differ from the latest such report becomes a value_parameters report in force since
 * always, under this run — a service's first report reaches back, a later one only to the month it arrives in
 * (metrics/shared-sql.ts). `fresh` holds the services rows this run stores. Run with `transform_null_in = 1`.
 */
export function buildParametersFromServices(fresh: string): string {
  return `INSERT INTO value_parameters (org, service, channel, effective_from, baseline_minutes, unit_cost_cad, source, run_id)
SELECT org, service, channel, toDate('1970-01-01'), bm, uc, 'services', {run:String}
FROM (
    SELECT org, code AS service, toString(channel) AS channel,
           if(has(mapKeys(baseline_minutes), channel), toNullable(baseline_minutes[channel]), NULL) AS bm,
           if(has(mapKeys(unit_cost_cad), channel), toNullable(unit_cost_cad[channel]), NULL) AS uc
    FROM ${id(fresh)}
    ARRAY JOIN arrayDistinct(arrayConcat(mapKeys(baseline_minutes), mapKeys(unit_cost_cad))) AS channel
)
WHERE (org, service, channel, bm, uc) NOT IN (
    SELECT org, service, channel, baseline_minutes, unit_cost_cad FROM value_parameters FINAL
    WHERE effective_from = toDate('1970-01-01') AND org IN (SELECT org FROM ${id(fresh)})
    ORDER BY reported_at DESC LIMIT 1 BY org, service, channel)`;
}
