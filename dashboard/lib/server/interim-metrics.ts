// Interim runner for the indicators organizations declare each year (declared_indicators), answering in the
// engine's contract (metrics/types.ts) until the metrics catalogue defines them; engine.ts is the only caller and
// prefers the engine for every metric it knows. Computed metrics all come from the engine (sql/metrics).
// Values reach ClickHouse only as typed parameters; identifiers come from the allow-lists below.
import type { Warehouse } from '../../../warehouse/warehouse.ts';
import type { Config } from '../../../config/config.ts';
import { scopeOrgs, seesSmallCounts } from '../../../access/caller.ts';
import type { Dimension, Grain, Localized, MetricAnswer, MetricRequest, MetricRow } from '../../../metrics/types.ts';
import { comparisonRange } from '../filters.ts';
import { periodSql } from '../../../metrics/periods.ts';

export type Unit = 'ratio' | 'minutes' | 'hours' | 'cad' | 'count' | 'percent' | 'score';

export interface MetricInfo {
  id: string;
  title: Localized;
  description: Localized;
  unit: Unit;
  direction: 'up' | 'down';
  source: 'computed' | 'declared';
  sources: readonly string[];
  dimensions: readonly Dimension[];
  formulaVersion: string;
  modelled?: boolean;
  /** Grains the metric answers at, when limited (e.g. only 'all'). */
  grains?: readonly Grain[];
}

interface Definition extends MetricInfo {
  /** FROM clause (a table or a subquery) exposing `t` plus the dimension columns. */
  from: (digital: string) => string;
  num: string;
  den: string;
  /** Value expression; defaults to num / den. */
  value?: string;
  /** Column counting the units behind a row (for small-count suppression). */
  n: string;
  extra?: Record<string, string>;
}

const ORG_DIMS: readonly Dimension[] = ['org', 'service'];
const L = (fr: string, en: string): Localized => ({ fr, en });

const DECLARED: readonly { id: string; fr: string; en: string; dfr: string; den: string; unit: Unit }[] = [
  { id: 'digital_specialists', fr: 'Spécialistes du numérique', en: 'Digital specialists', dfr: 'Nombre de spécialistes du numérique déclaré par les organisations pour l’exercice.', den: 'Number of digital specialists the organizations declare for the fiscal year.', unit: 'count' },
  { id: 'staff_trained_digital_pct', fr: 'Personnel formé au numérique', en: 'Staff trained in digital', dfr: 'Part du personnel ayant suivi une formation au numérique, moyenne des organisations déclarantes.', den: 'Share of staff trained in digital skills, averaged over reporting organizations.', unit: 'percent' },
  { id: 'formalities_simplified', fr: 'Formalités simplifiées', en: 'Formalities simplified', dfr: 'Nombre de formalités administratives simplifiées ou abolies pendant l’exercice.', den: 'Administrative formalities simplified or abolished during the fiscal year.', unit: 'count' },
  { id: 'open_datasets_published', fr: 'Jeux de données ouverts publiés', en: 'Open data sets published', dfr: 'Jeux de données publiés en données ouvertes pendant l’exercice.', den: 'Data sets published as open data during the fiscal year.', unit: 'count' },
  { id: 'experiments_run', fr: 'Expérimentations menées', en: 'Experiments run', dfr: 'Expérimentations contrôlées et projets pilotes menés pendant l’exercice.', den: 'Controlled experiments and pilots run during the fiscal year.', unit: 'count' },
  { id: 'public_consultations', fr: 'Consultations publiques en ligne', en: 'Online public consultations', dfr: 'Consultations publiques tenues en ligne pendant l’exercice.', den: 'Public consultations held online during the fiscal year.', unit: 'count' },
  { id: 'digital_investment_pct', fr: 'Investissement consacré au numérique', en: 'Investment devoted to digital', dfr: 'Part du budget des ressources informationnelles consacrée à la transformation numérique, moyenne des organisations.', den: 'Share of the IT budget devoted to digital transformation, averaged over organizations.', unit: 'percent' },
  { id: 'regulations_adapted', fr: 'Règlements adaptés au numérique', en: 'Regulations adapted to digital', dfr: 'Lois et règlements modifiés pour permettre le numérique, moyenne par organisation.', den: 'Laws and regulations changed to allow digital delivery, average per organization.', unit: 'count' },
  { id: 'personal_data_portal_pct', fr: 'Renseignements personnels consultables en ligne', en: 'Personal information viewable online', dfr: 'Part des renseignements personnels détenus qu’un citoyen peut consulter en ligne, moyenne des organisations.', den: 'Share of the personal information held that a citizen can view online, averaged over organizations.', unit: 'percent' },
  { id: 'legacy_systems_retired', fr: 'Systèmes patrimoniaux remplacés', en: 'Legacy systems retired', dfr: 'Systèmes patrimoniaux remplacés ou retirés pendant l’exercice.', den: 'Legacy systems replaced or retired during the fiscal year.', unit: 'count' }
];

const DEFINITIONS: readonly Definition[] = [
  ...DECLARED.map(
    (d): Definition => ({
      id: d.id, title: L(d.fr, d.en), description: L(d.dfr, d.den), unit: d.unit, direction: 'up', source: 'declared',
      sources: ['declared_indicators'], dimensions: ORG_DIMS, formulaVersion: 'interim-1',
      from: () => `(SELECT org, service, toDateTime64(period_start, 3, 'America/Toronto') AS t, value FROM declared_indicators FINAL WHERE indicator = '${d.id}' AND period_grain = 'fiscal_year')`,
      num: 'sum(value)', den: d.unit === 'percent' || d.id === 'regulations_adapted' ? 'uniqExact(org)' : '1', n: 'uniqExact(org)'
    })
  )
];

const BY_ID = new Map(DEFINITIONS.map((d) => [d.id, d]));

export function listMetrics(): MetricInfo[] {
  return DEFINITIONS.map(({ from: _from, num: _num, den: _den, value: _value, n: _n, extra: _extra, ...info }) => info);
}

export function metricInfo(id: string): MetricInfo | null {
  const d = BY_ID.get(id);
  if (!d) return null;
  return listMetrics().find((m) => m.id === d.id) ?? null;
}

class MetricRequestError extends Error {
  readonly code = 'bad_request';
  constructor(message: string) {
    super(message);
    this.name = 'MetricRequestError';
  }
}

interface RawRow {
  m_period: string;
  m_num: number | null;
  m_den: number | null;
  m_value: number | null;
  m_n: number;
  [key: string]: string | number | null;
}

async function query(wh: Warehouse, config: Config, def: Definition, req: MetricRequest, range: { from: string; to: string }): Promise<RawRow[]> {
  const orgs = scopeOrgs(req.caller, req.filters.org ?? null);
  const params: Record<string, unknown> = {
    from: range.from, to: range.to,
    f_org: orgs ?? [], f_service: [...(req.filters.service ?? [])]
  };
  const where = [`t >= toDateTime64({from:Date}, 3, 'America/Toronto')`, `t < toDateTime64({to:Date}, 3, 'America/Toronto')`];
  for (const dim of Object.keys(req.filters) as Dimension[]) {
    const values = req.filters[dim] ?? [];
    if (dim === 'org' || values.length === 0) continue;
    if (!def.dimensions.includes(dim)) {
      // A filter the metric cannot honour would silently widen the figure: refuse instead.
      throw new MetricRequestError(`${def.id}: filtre non pris en charge / unsupported filter "${dim}"`);
    }
    params[`f_${dim}`] = [...values];
    where.push(`${dim} IN {f_${dim}:Array(String)}`);
  }
  where.push('(length({f_org:Array(String)}) = 0 OR org IN {f_org:Array(String)})');
  const by = req.by.filter((d) => def.dimensions.includes(d));
  const extra = Object.entries(def.extra ?? {}).map(([k, e]) => `, ${e} AS x_${k}`).join('');
  const periodExpr = periodSql(req.grain, `toDate(t, 'America/Toronto')`);
  const sql = `SELECT ${periodExpr} AS m_period${by.map((d) => `, ${d} AS d_${d}`).join('')},
      toFloat64(${def.num}) AS m_num, toFloat64(${def.den}) AS m_den, toFloat64(${def.value ?? `${def.num} / nullIf(${def.den}, 0)`}) AS m_value,
      toUInt64(${def.n}) AS m_n${extra}
    FROM ${def.from('')}
    WHERE ${where.join(' AND ')}
    GROUP BY m_period${by.map((d) => `, d_${d}`).join('')}
    ORDER BY m_period${by.map((d) => `, d_${d}`).join('')}`;
  // orgs is null (all) or an allow-listed array: the unused IN keeps the same SQL text for both.
  if (orgs === null) params.f_org = [];
  return wh.query<RawRow>(sql, params);
}

const finite = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : v === null || v === undefined ? null : Number.isFinite(Number(v)) ? Number(v) : null);

/** Runs one metric request and answers in the engine's shape, with small counts suppressed for the caller. */
/** `provenance` false: figures only, as for the engine's metrics (RunOptions.provenance). */
export async function runInterimMetric(wh: Warehouse, config: Config, req: MetricRequest, provenance = true): Promise<MetricAnswer> {
  const def = BY_ID.get(req.metric);
  if (!def) throw new MetricRequestError(`indicateur inconnu / unknown metric "${req.metric}"`);
  const range = { from: req.from, to: req.to };
  const threshold = seesSmallCounts(req.caller) ? 0 : config.smallCountThreshold;
  const by = req.by.filter((d) => def.dimensions.includes(d));
  const toRows = (raw: RawRow[]): MetricRow[] =>
    raw.map((r) => {
      const n = Number(r.m_n);
      const suppressed = def.source === 'computed' && n < threshold;
      const extra: Record<string, number | null> = {};
      for (const k of Object.keys(def.extra ?? {})) extra[k] = suppressed ? null : finite(r[`x_${k}`]);
      const dimensions: Partial<Record<Dimension, string>> = {};
      for (const d of by) dimensions[d] = String(r[`d_${d}`]);
      return {
        period: String(r.m_period), dimensions, n: suppressed ? null : n, suppressed,
        value: suppressed ? null : finite(r.m_value), numerator: suppressed ? null : finite(r.m_num), denominator: suppressed ? null : finite(r.m_den),
        ...(def.extra ? { extra } : {})
      };
    });
  const [raw, meta] = await Promise.all([
    query(wh, config, def, req, range),
    provenance ? provenanceOf(wh, def, req, range) : Promise.resolve({ last_data_at: null, completeness: { reported: 0, expected: 0 }, omitted: true as const })
  ]);
  const rows = toRows(raw);
  const cmp = comparisonRange(range, req.compare);
  if (cmp) {
    const previous = toRows(await query(wh, config, def, req, cmp));
    const key = (r: MetricRow) => JSON.stringify(r.dimensions);
    const periodsNow = [...new Set(rows.map((r) => r.period))];
    const periodsBefore = [...new Set(previous.map((r) => r.period))];
    // Periods line up by position: the n-th period now against the n-th period of the compared range.
    const offset = periodsBefore.length - periodsNow.length;
    for (const r of rows) {
      const i = periodsNow.indexOf(r.period) + Math.max(0, offset);
      const p = previous.find((x) => x.period === periodsBefore[i] && key(x) === key(r));
      r.comparison = p ? { period: p.period, value: p.value } : null;
    }
  }
  return {
    metric: def.id, unit: def.unit, grain: req.grain, rows,
    provenance: { formula_version: def.formulaVersion, effective_from: '2018-05-01', sources: def.sources, ...meta, ...(def.modelled ? { modelled: true } : {}) }
  };
}

async function provenanceOf(wh: Warehouse, def: Definition, req: MetricRequest, range: { from: string; to: string }) {
  const table = def.sources[0];
  const timeCol: Record<string, string> = {
    service_events: 'occurred_at', survey_responses: 'submitted_at', cases: 'received_at', availability_probes: 'probed_at', declared_indicators: 'period_start'
  };
  const col = timeCol[table] ?? 'occurred_at';
  const orgs = scopeOrgs(req.caller, req.filters.org ?? null) ?? [];
  const rows = await wh.query<{ last: string | null; reported: number; expected: number }>(
    `SELECT (SELECT toString(max(${col})) FROM ${table} WHERE length({o:Array(String)}) = 0 OR org IN {o:Array(String)}) AS last,
            (SELECT uniqExact(org) FROM ${table} WHERE (length({o:Array(String)}) = 0 OR org IN {o:Array(String)})
               AND ${col} >= toDate({from:Date}) - ${def.source === 'declared' ? 366 : 0} AND ${col} < toDate({to:Date})) AS reported,
            (SELECT count() FROM organizations FINAL WHERE (length({o:Array(String)}) = 0 OR code IN {o:Array(String)})
               AND ${def.source === 'declared' ? '1' : "reporting = 'events'"}) AS expected`,
    { o: [...orgs], from: range.from, to: range.to }
  );
  const r = rows[0];
  return { last_data_at: r?.last && !r.last.startsWith('1970') ? r.last : null, completeness: { reported: Number(r?.reported ?? 0), expected: Number(r?.expected ?? 0) } };
}
