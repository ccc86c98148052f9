// Interim metric runner for the dashboard, answering in the engine's contract (metrics/types.ts) until the
// metrics engine (branch `metrics`) lands; engine.ts is the only caller, and switches to the engine then.
// Values reach ClickHouse only as typed parameters; identifiers come from the allow-lists below.
import type { Warehouse } from '../../../warehouse/warehouse.ts';
import type { Config } from '../../../config/config.ts';
import { scopeOrgs, seesSmallCounts } from '../../../access/caller.ts';
import type { Dimension, Grain, Localized, MetricAnswer, MetricRequest, MetricRow } from '../../../metrics/types.ts';
import { comparisonRange } from '../filters.ts';

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

const JOURNEYS = `(
  SELECT org, service, journey_id,
         minIf(occurred_at, type = 'started') AS t,
         anyIf(channel, type = 'started') AS channel,
         anyIf(region, type = 'started') AS region,
         anyIf(client_type, type = 'started') AS client_type,
         minIf(occurred_at, type = 'completed') AS completed_at,
         countIf(type = 'completed') > 0 AS completed,
         countIf(type IN ('failed', 'abandoned')) > 0 AS ended
  FROM service_events
  WHERE occurred_at >= toDateTime64({from:Date}, 3, 'America/Toronto') - INTERVAL 1 DAY
    AND occurred_at < toDateTime64({to:Date}, 3, 'America/Toronto') + INTERVAL 31 DAY
    AND (length({f_org:Array(String)}) = 0 OR org IN {f_org:Array(String)})
    AND (length({f_service:Array(String)}) = 0 OR service IN {f_service:Array(String)})
  GROUP BY org, service, journey_id
  HAVING countIf(type = 'started') > 0
)`;

const EVENT_DIMS: readonly Dimension[] = ['org', 'service', 'channel', 'region', 'client_type'];
const RESPONSE_DIMS: readonly Dimension[] = ['org', 'service', 'channel'];
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

const COMPLETED = (cols: string) => `(SELECT org, service, occurred_at AS t, channel, region, client_type, ${cols} FROM service_events WHERE type = 'completed')`;

const DEFINITIONS: readonly Definition[] = [
  {
    id: 'digital_take_up', title: L('Adoption du numérique', 'Digital take-up'), unit: 'ratio', direction: 'up', source: 'computed',
    description: L('Part des demandes terminées en ligne (web ou mobile, avec ou sans aide) parmi toutes les demandes terminées.', 'Share of completed requests finished online (web or mobile, assisted or not) among all completed requests.'),
    sources: ['service_events'], dimensions: EVENT_DIMS, formulaVersion: 'interim-1',
    from: () => COMPLETED('1 AS one'), num: 'countIf(channel IN {digital:Array(String)})', den: 'count()', n: 'count()'
  },
  {
    id: 'completion_rate', title: L('Taux d’achèvement', 'Completion rate'), unit: 'ratio', direction: 'up', source: 'computed',
    description: L('Part des démarches commencées qui se terminent (acceptées ou jugées inadmissibles) dans les 30 jours; les démarches de moins de 30 jours sont exclues.', 'Share of started journeys that finish (success or ineligible) within 30 days; journeys younger than 30 days are left out.'),
    sources: ['service_events'], dimensions: EVENT_DIMS, formulaVersion: 'interim-1',
    from: () => `(SELECT * FROM ${JOURNEYS} WHERE t < {now:DateTime64(3)} - INTERVAL 30 DAY)`,
    num: 'countIf(completed AND completed_at <= t + INTERVAL 30 DAY)', den: 'count()', n: 'count()'
  },
  {
    id: 'time_to_complete', title: L('Temps pour terminer (médiane)', 'Time to complete (median)'), unit: 'minutes', direction: 'down', source: 'computed',
    description: L('Durée médiane entre le début et la fin d’une démarche terminée, en minutes; le 90e centile l’accompagne.', 'Median time from start to finish of completed journeys, in minutes; the 90th percentile comes with it.'),
    sources: ['service_events'], dimensions: EVENT_DIMS, formulaVersion: 'interim-1',
    from: () => COMPLETED('duration_ms'), num: 'sum(duration_ms) / 60000', den: 'count()', value: 'quantileExact(0.5)(duration_ms) / 60000', n: 'count()',
    extra: { p90: 'quantileExact(0.9)(duration_ms) / 60000' }
  },
  {
    id: 'satisfaction', title: L('Satisfaction', 'Satisfaction'), unit: 'ratio', direction: 'up', source: 'computed',
    description: L('Part des répondants qui donnent 4 ou 5 sur 5 au sondage après la démarche, avec le nombre de réponses et la répartition.', 'Share of respondents rating 4 or 5 out of 5 in the survey after the service, with the number of responses and the distribution.'),
    sources: ['survey_responses'], dimensions: RESPONSE_DIMS, formulaVersion: 'interim-1',
    from: () => `(SELECT org, service, submitted_at AS t, channel, satisfaction, effort FROM survey_responses)`,
    num: 'countIf(satisfaction >= 4)', den: 'count()', n: 'count()',
    extra: { s1: 'countIf(satisfaction = 1)', s2: 'countIf(satisfaction = 2)', s3: 'countIf(satisfaction = 3)', s4: 'countIf(satisfaction = 4)', s5: 'countIf(satisfaction = 5)', mean_score: '(avg(satisfaction) - 1) / 4' }
  },
  {
    id: 'effort', title: L('Effort perçu', 'Perceived effort'), unit: 'score', direction: 'down', source: 'computed',
    description: L('Note moyenne d’effort (1 = très facile, 7 = très difficile) donnée au sondage; la part « facile » (1 à 3) l’accompagne.', 'Mean effort rating (1 = very easy, 7 = very hard) from the survey; the share rating it easy (1 to 3) comes with it.'),
    sources: ['survey_responses'], dimensions: RESPONSE_DIMS, formulaVersion: 'interim-1',
    from: () => `(SELECT org, service, submitted_at AS t, channel, assumeNotNull(effort) AS effort FROM survey_responses WHERE effort IS NOT NULL)`,
    num: 'sum(effort)', den: 'count()', n: 'count()', extra: { easy_share: 'countIf(effort <= 3) / count()' }
  },
  {
    id: 'within_standard', title: L('Respect de la norme de service', 'Within service standard'), unit: 'ratio', direction: 'up', source: 'computed',
    description: L('Part des demandes décidées dans le délai promis par la norme de service (jours civils; jours ouvrables approchés à 7/5).', 'Share of requests decided within the time the service standard promises (calendar days; working days approximated as 7/5).'),
    sources: ['cases'], dimensions: RESPONSE_DIMS, formulaVersion: 'interim-1',
    from: () => `(SELECT org, service, received_at AS t, channel, decided_at, standard_days, working_days FROM cases WHERE decided_at IS NOT NULL AND standard_days > 0)`,
    num: "countIf(dateDiff('day', t, assumeNotNull(decided_at)) <= if(working_days, standard_days * 7 / 5, standard_days))", den: 'count()', n: 'count()'
  },
  {
    id: 'once_only', title: L('Données préremplies (une seule fois)', 'Prefilled data (once-only)'), unit: 'ratio', direction: 'up', source: 'computed',
    description: L('Part des demandes terminées où l’État a prérempli des renseignements qu’il détenait déjà.', 'Share of completed requests where the government prefilled information it already held.'),
    sources: ['service_events'], dimensions: EVENT_DIMS, formulaVersion: 'interim-1',
    from: () => COMPLETED('prefilled'), num: 'countIf(prefilled)', den: 'count()', n: 'count()'
  },
  {
    id: 'partner_sign_in', title: L('Connexion par un partenaire', 'Partner sign-in'), unit: 'ratio', direction: 'up', source: 'computed',
    description: L('Part des connexions faites avec l’identité d’une banque ou d’un partenaire plutôt qu’un compte propre à l’État.', 'Share of sign-ins made with a bank or partner identity rather than a government account.'),
    sources: ['service_events'], dimensions: EVENT_DIMS, formulaVersion: 'interim-1',
    from: () => `(SELECT org, service, occurred_at AS t, channel, region, client_type, sign_in FROM service_events WHERE type = 'started' AND sign_in != 'none')`,
    num: "countIf(sign_in IN ('bank', 'partner'))", den: 'count()', n: 'count()'
  },
  {
    id: 'availability', title: L('Disponibilité', 'Availability'), unit: 'ratio', direction: 'up', source: 'computed',
    description: L('Part du temps où le service en ligne répondait aux sondes de disponibilité; le temps de réponse au 95e centile l’accompagne.', 'Share of time the online service answered availability probes; the 95th-percentile response time comes with it.'),
    sources: ['availability_probes'], dimensions: ORG_DIMS, formulaVersion: 'interim-1',
    from: () => `(SELECT org, service, probed_at AS t, up, interval_s, response_ms FROM availability_probes)`,
    num: 'sumIf(interval_s, up)', den: 'sum(interval_s)', n: 'count()', extra: { p95_ms: 'quantile(0.95)(response_ms)' }
  },
  {
    id: 'hours_saved', title: L('Heures épargnées aux citoyens', 'Hours saved for citizens'), unit: 'hours', direction: 'up', source: 'computed', modelled: true,
    description: L('Demandes terminées en ligne × (temps de référence des autres modes − temps en ligne), en heures. Chiffre modélisé à partir des paramètres de référence des services.', 'Requests completed online × (baseline time on other channels − time online), in hours. A modelled figure from the services’ baseline parameters.'),
    sources: ['service_events', 'services'], dimensions: EVENT_DIMS, formulaVersion: 'interim-1',
    from: () => `(SELECT e.org AS org, e.service AS service, e.occurred_at AS t, e.channel AS channel, e.region AS region, e.client_type AS client_type,
                   greatest(0, arrayAvg(mapValues(mapFilter((k, v) -> k NOT IN {digital:Array(String)}, s.bm))) - s.bm[e.channel]) AS saved_min
                  FROM (SELECT * FROM service_events WHERE type = 'completed' AND channel IN {digital:Array(String)}) AS e
                  INNER JOIN (SELECT org, code AS service, baseline_minutes AS bm FROM services FINAL) AS s ON s.org = e.org AND s.service = e.service)`,
    num: 'sum(saved_min) / 60', den: '1', value: 'sum(saved_min) / 60', n: 'count()'
  },
  {
    id: 'cost_avoided', title: L('Coûts évités', 'Costs avoided'), unit: 'cad', direction: 'up', source: 'computed', modelled: true,
    description: L('Demandes terminées en ligne × (coût unitaire moyen des autres modes − coût unitaire en ligne), en dollars. Chiffre modélisé.', 'Requests completed online × (average unit cost on other channels − unit cost online), in dollars. A modelled figure.'),
    sources: ['service_events', 'services'], dimensions: EVENT_DIMS, formulaVersion: 'interim-1',
    from: () => `(SELECT e.org AS org, e.service AS service, e.occurred_at AS t, e.channel AS channel, e.region AS region, e.client_type AS client_type,
                   greatest(0, arrayAvg(mapValues(mapFilter((k, v) -> k NOT IN {digital:Array(String)}, s.uc))) - s.uc[e.channel]) AS saved_cad
                  FROM (SELECT * FROM service_events WHERE type = 'completed' AND channel IN {digital:Array(String)}) AS e
                  INNER JOIN (SELECT org, code AS service, unit_cost_cad AS uc FROM services FINAL) AS s ON s.org = e.org AND s.service = e.service)`,
    num: 'sum(saved_cad)', den: '1', value: 'sum(saved_cad)', n: 'count()'
  },
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

const PERIOD: Record<Grain, (d: string) => string> = {
  day: (d) => `toString(${d})`,
  week: (d) => `concat(toString(toISOYear(${d})), '-W', leftPad(toString(toISOWeek(${d})), 2, '0'))`,
  month: (d) => `formatDateTime(${d}, '%Y-%m')`,
  quarter: (d) => `concat(toString(toYear(${d})), '-Q', toString(toQuarter(${d})))`,
  fiscal_year: (d) => `if(toMonth(${d}) >= 4, concat(toString(toYear(${d})), '-', toString(toYear(${d}) + 1)), concat(toString(toYear(${d}) - 1), '-', toString(toYear(${d}))))`,
  year: (d) => `toString(toYear(${d}))`,
  all: () => `'all'`
};

export class MetricRequestError extends Error {
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
    from: range.from, to: range.to, now: req.now.toISOString().replace('T', ' ').slice(0, 23), digital: [...config.digitalChannels],
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
  const periodExpr = PERIOD[req.grain](`toDate(t, 'America/Toronto')`);
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
export async function runInterimMetric(wh: Warehouse, config: Config, req: MetricRequest): Promise<MetricAnswer> {
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
  const [raw, meta] = await Promise.all([query(wh, config, def, req, range), provenanceOf(wh, def, req, range)]);
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
