// Metric definitions: `sql/metrics/<id>.sql`, a `-- key: value` header and a ClickHouse body (with an optional
// `-- @rollup` body answering from a rollup table). Parsing is pure; `loadDefinitions` reads a folder and reports
// every problem of every file at once, each with its file and line.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DIMENSIONS, GRAINS, type Dimension, type Grain, type Localized } from './types.ts';

/**
 * A project folder: beside this module when run from source (CLI, tests), else under the working folder — bundled into
 * the dashboard build, this module no longer sits in the project, and `jalon serve` runs from the project root.
 */
export function projectDir(...parts: string[]): string {
  const besideModule = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', ...parts);
  return fs.existsSync(besideModule) ? besideModule : path.resolve(process.cwd(), ...parts);
}

export const METRICS_DIR = projectDir('sql', 'metrics');

export const SOURCES = [
  'service_events', 'survey_responses', 'cases', 'channel_volumes', 'standard_results', 'declared_indicators', 'costs',
  'availability_probes', 'services', 'organizations', 'value_parameters'
] as const;
export type Source = (typeof SOURCES)[number];
/** Sources declared per period (period_start/period_end/period_grain): a grain finer than theirs cannot be answered. */
export const DECLARED_SOURCES: readonly Source[] = ['channel_volumes', 'standard_results', 'declared_indicators', 'costs'];

/** Whether a definition reads only declared data and reference tables (no events, responses, cases or probes). */
export function declaredOnly(def: Pick<MetricDefinition, 'sources'>): boolean {
  return def.sources.every((s) => DECLARED_SOURCES.includes(s) || s === 'services' || s === 'organizations' || s === 'value_parameters');
}

/** Whether a definition is an indicator organizations declare each period (declared_indicators), as opposed to one
 *  computed from events, answers, cases, probes or reference data: the scorecard marks it so. */
export function isDeclaredIndicator(def: Pick<MetricDefinition, 'sources'>): boolean {
  return def.sources.length > 0 && def.sources.every((s) => s === 'declared_indicators');
}

export const ROLLUPS = ['rollup_events_daily', 'rollup_responses_daily', 'rollup_journeys_daily', 'rollup_cases_daily', 'rollup_completions_daily', 'rollup_completions_coarse', 'rollup_completions_fiscal', 'rollup_presence_daily'] as const;
export type Rollup = (typeof ROLLUPS)[number];

export const UNITS = ['ratio', 'percent', 'minutes', 'hours', 'cad', 'count', 'score'] as const;
export type Unit = (typeof UNITS)[number];

/** Query parameters a body may use; the runner always binds them (values never enter SQL text). */
export const BODY_PARAMS: Record<string, string> = {
  from: 'Date', to: 'Date', now: "DateTime64(3, 'UTC')", digital: 'Array(String)', holidays: 'Array(Date)',
  window_days: 'UInt32', scope_all: 'Bool', scope_orgs: 'Array(String)',
  f_org: 'Array(String)', f_service: 'Array(String)', f_channel: 'Array(String)', f_region: 'Array(String)', f_client_type: 'Array(String)'
};

export interface MetricDefinition {
  id: string;
  file: string;
  title: Localized;
  description: Localized;
  unit: Unit;
  direction: 'higher' | 'lower';
  characteristics: number[];
  dimensions: Dimension[];
  grains: Grain[];
  sources: Source[];
  formulaVersion: string;
  effectiveFrom: string;
  /** Whether rows under the small-count threshold are suppressed (no for metrics whose n is not people). */
  suppressSmallCounts: boolean;
  modelled: boolean;
  windowDays: number;
  /** Dimensions the figure cannot vary within by definition (digital take-up split by channel is 100 % or 0 %): a page
   *  does not draw a breakdown by them (header `constant_by`). */
  constantBy: Dimension[];
  body: string;
  /** The rollup body and the rollups it reads (all must be complete for it to answer). */
  rollup: { tables: Rollup[]; body: string } | null;
}

export interface DefinitionProblem {
  file: string;
  line: number;
  message: string;
}

const REQUIRED = ['id', 'title_fr', 'title_en', 'description_fr', 'description_en', 'unit', 'direction', 'characteristics', 'dimensions', 'sources', 'formula_version', 'effective_from'] as const;
const OPTIONAL = ['grains', 'small_counts', 'modelled', 'window_days', 'rollup', 'constant_by'] as const;
const MACRO = /\{\{\s*([a-z_]+)(?:\((.*?)\))?\s*\}\}/g;
/** `journeys`, `completions` and `value_parameters` expand to the shared fragments of metrics/shared-sql.ts (no argument). */
const MACROS = new Set(['period', 'in_range', 'declared_range', 'scope', 'filters', 'dims', 'group', 'journeys', 'completions', 'value_parameters']);

const list = (v: string): string[] => v.split(',').map((s) => s.trim()).filter(Boolean);

/** Parses one definition file's text; returns the definition (when usable) and every problem found. */
export function parseDefinition(text: string, file: string): { definition: MetricDefinition | null; problems: DefinitionProblem[] } {
  const problems: DefinitionProblem[] = [];
  const problem = (line: number, message: string) => problems.push({ file, line, message });
  const lines = text.split('\n');
  const header = new Map<string, { value: string; line: number }>();
  let i = 0;
  for (; i < lines.length; i++) {
    const l = lines[i];
    if (!l.startsWith('--')) break;
    const m = /^--\s*([a-z_]+)\s*:\s*(.*)$/.exec(l);
    if (!m) continue; // free comment line
    if (header.has(m[1])) problem(i + 1, `clé répétée / repeated key "${m[1]}"`);
    else if (!(REQUIRED as readonly string[]).includes(m[1]) && !(OPTIONAL as readonly string[]).includes(m[1])) problem(i + 1, `clé inconnue / unknown key "${m[1]}"`);
    header.set(m[1], { value: m[2].trim(), line: i + 1 });
  }
  const headerEnd = i;
  for (const key of REQUIRED) if (!header.get(key)?.value) problem(1, `clé manquante / missing key "${key}"`);
  const get = (k: string): string => header.get(k)?.value ?? '';
  const at = (k: string): number => header.get(k)?.line ?? 1;

  const id = get('id');
  if (id && !/^[a-z][a-z0-9_]*$/.test(id)) problem(at('id'), `id "${id}": lettres minuscules, chiffres et _ / lowercase letters, digits and _`);
  if (id && path.basename(file, '.sql') !== id) problem(at('id'), `id "${id}" ≠ nom du fichier / file name ${path.basename(file)}`);
  const unit = get('unit') as Unit;
  if (get('unit') && !UNITS.includes(unit)) problem(at('unit'), `unit "${get('unit')}": ${UNITS.join('|')}`);
  const direction = get('direction');
  if (direction && direction !== 'higher' && direction !== 'lower') problem(at('direction'), `direction "${direction}": higher|lower`);
  const characteristics = list(get('characteristics')).map(Number);
  if (characteristics.some((c) => !Number.isInteger(c) || c < 1 || c > 14)) problem(at('characteristics'), 'caractéristiques 1 à 14 / characteristics 1 to 14');
  const dimensions = get('dimensions') === 'none' ? [] : list(get('dimensions'));
  for (const d of dimensions) if (!(DIMENSIONS as readonly string[]).includes(d)) problem(at('dimensions'), `dimension inconnue / unknown dimension "${d}" (${DIMENSIONS.join(', ')})`);
  const grains = header.has('grains') ? list(get('grains')) : [...GRAINS];
  for (const g of grains) if (!(GRAINS as readonly string[]).includes(g)) problem(at('grains'), `grain inconnu / unknown grain "${g}"`);
  const sources = list(get('sources'));
  for (const s of sources) if (!(SOURCES as readonly string[]).includes(s)) problem(at('sources'), `source inconnue / unknown source "${s}"`);
  const effectiveFrom = get('effective_from');
  if (effectiveFrom && !/^\d{4}-\d{2}-\d{2}$/.test(effectiveFrom)) problem(at('effective_from'), 'date AAAA-MM-JJ / date YYYY-MM-DD');
  const small = header.has('small_counts') ? get('small_counts') : 'suppress';
  if (small !== 'suppress' && small !== 'show') problem(at('small_counts'), 'small_counts: suppress|show');
  const constantBy = list(get('constant_by'));
  for (const d of constantBy) if (!dimensions.includes(d)) problem(at('constant_by'), `constant_by "${d}" : pas une dimension de la métrique / not one of the metric's dimensions (${dimensions.join(', ')})`);
  const windowDays = header.has('window_days') ? Number(get('window_days')) : 30;
  if (!Number.isInteger(windowDays) || windowDays < 1) problem(at('window_days'), 'window_days: entier ≥ 1 / integer ≥ 1');

  // Bodies: the raw body, then an optional rollup body after a `-- @rollup` line.
  const rest = lines.slice(headerEnd);
  const split = rest.findIndex((l) => /^--\s*@rollup\b/.test(l));
  const body = (split === -1 ? rest : rest.slice(0, split)).join('\n').trim();
  const rollupBody = split === -1 ? '' : rest.slice(split + 1).join('\n').trim();
  if (!body) problem(headerEnd + 1, 'corps SQL vide / empty SQL body');
  const rollupTables = list(get('rollup'));
  if (rollupBody && !rollupTables.length) problem(headerEnd + split + 1, 'corps @rollup sans clé rollup / @rollup body without a rollup key');
  for (const t of rollupTables) if (!(ROLLUPS as readonly string[]).includes(t)) problem(at('rollup'), `rollup inconnu / unknown rollup "${t}" (${ROLLUPS.join(', ')})`);
  if (rollupTables.length && !rollupBody) problem(at('rollup'), 'clé rollup sans corps -- @rollup / rollup key without a -- @rollup body');

  // Macros and parameters, line by line so problems carry their line.
  const checkBody = (text: string, firstLine: number) => {
    text.split('\n').forEach((l, k) => {
      const line = firstLine + k;
      for (const m of l.matchAll(MACRO)) {
        if (!MACROS.has(m[1])) problem(line, `macro inconnue / unknown macro {{${m[1]}}}`);
        if ((m[1] === 'filters' || m[1] === 'dims') && m[2] !== undefined) {
          for (const d of list(m[2])) if (!(DIMENSIONS as readonly string[]).includes(d)) problem(line, `{{${m[1]}}}: dimension inconnue / unknown dimension "${d}"`);
        }
        if ((m[1] === 'period' || m[1] === 'in_range') && !m[2]) problem(line, `{{${m[1]}(expression)}}: expression manquante / missing expression`);
      }
      for (const m of l.replace(MACRO, '').matchAll(/\{([a-z_]+):([^}]+)\}/g)) {
        const want = BODY_PARAMS[m[1]];
        if (!want) problem(line, `paramètre inconnu / unknown parameter {${m[1]}} (${Object.keys(BODY_PARAMS).join(', ')})`);
        else if (want.replace(/\s/g, '') !== m[2].replace(/\s/g, '')) problem(line, `{${m[1]}:${m[2]}}: type attendu / expected type ${want}`);
      }
      if (/'\s*\|\|\s*|concat\(\s*'SELECT/i.test(l)) problem(line, 'SQL dynamique interdit / dynamic SQL not allowed');
      if (/;\s*$/.test(l.replace(/--.*$/, ''))) problem(line, 'pas de ; dans un corps / no ; in a body');
    });
    if (text && !/\bperiod\b/.test(text)) problem(firstLine, 'le corps doit produire la colonne period / body must output a period column');
    for (const col of ['numerator', 'denominator', 'n', 'value']) {
      if (text && !new RegExp(`\\bAS\\s+${col}\\b`, 'i').test(text)) problem(firstLine, `le corps doit produire la colonne ${col} / body must output column ${col} (… AS ${col})`);
    }
  };
  const bodyStart = headerEnd + 1 + (rest.findIndex((l) => l.trim() !== '') >= 0 ? rest.findIndex((l) => l.trim() !== '') : 0);
  checkBody(body, bodyStart);
  if (rollupBody) checkBody(rollupBody, headerEnd + split + 2);

  if (problems.length && (!id || !body)) return { definition: null, problems };
  const definition: MetricDefinition = {
    id,
    file,
    title: { fr: get('title_fr'), en: get('title_en') },
    description: { fr: get('description_fr'), en: get('description_en') },
    unit,
    direction: direction === 'lower' ? 'lower' : 'higher',
    characteristics,
    dimensions: dimensions as Dimension[],
    grains: grains as Grain[],
    sources: sources as Source[],
    formulaVersion: get('formula_version'),
    effectiveFrom,
    suppressSmallCounts: small !== 'show',
    modelled: get('modelled') === 'yes',
    windowDays: Number.isInteger(windowDays) && windowDays >= 1 ? windowDays : 30,
    constantBy: constantBy.filter((d) => dimensions.includes(d)) as Dimension[],
    body,
    rollup: rollupTables.length && rollupBody ? { tables: rollupTables as Rollup[], body: rollupBody } : null
  };
  return { definition: problems.length ? null : definition, problems };
}

export interface Catalogue {
  definitions: Map<string, MetricDefinition>;
  problems: DefinitionProblem[];
}

/** Reads every `*.sql` of a folder; all problems of all files come back together. */
export function loadDefinitions(dir: string = METRICS_DIR): Catalogue {
  const definitions = new Map<string, MetricDefinition>();
  const problems: DefinitionProblem[] = [];
  const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.sql')).sort() : [];
  for (const f of files) {
    const file = path.join(dir, f);
    const parsed = parseDefinition(fs.readFileSync(file, 'utf8'), file);
    problems.push(...parsed.problems);
    if (parsed.definition) {
      if (definitions.has(parsed.definition.id)) problems.push({ file, line: 1, message: `id répété / duplicate id ${parsed.definition.id}` });
      else definitions.set(parsed.definition.id, parsed.definition);
    }
  }
  return { definitions, problems };
}

let cached: Catalogue | null = null;
/** The catalogue of `sql/metrics`, loaded once per process. */
export function catalogue(): Catalogue {
  cached ??= loadDefinitions();
  return cached;
}

export function formatProblems(problems: readonly DefinitionProblem[]): string {
  return problems.map((p) => `${path.relative(process.cwd(), p.file)}:${p.line}: ${p.message}`).join('\n');
}
