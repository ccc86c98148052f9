// `jalon demo`: a realistic, deterministic demo data set, generated inside the engine (INSERT ... SELECT over
// numbers() with seeded hashes) so that 100 million events never pass through JavaScript. Same seed, same size and
// same `now` give the same rows. Reference data and small declared aggregates are built here and inserted in batches.
import { sqlDateTime, type Warehouse } from '../../warehouse/warehouse.ts';
import { ROLLUP_TABLES, refreshRollups } from '../../metrics/rollups.ts';
import { thisProcess } from '../stopped-runs.ts';
import {
  CHANNEL_MINUTES, CHANNEL_UNIT_COST, DECLARED_INDICATORS, DEMO_START, ORGANIZATIONS, REGION_WEIGHTS, SEASONS,
  SEASON_PROFILE, SERVICES, STEP_DROP, STEP_NAMES, SURVEY_COMMENTS, type DemoService
} from './catalogue.ts';

export interface DemoOptions {
  events: number;
  seed: number;
  /** End of the demo period; defaults to the start of the current UTC day so reruns the same day match. */
  now?: Date;
  /** Erase existing data first (otherwise a non-empty warehouse is refused). */
  replace?: boolean;
  onProgress?: (p: DemoProgress) => void;
}

export interface DemoProgress {
  phase: string;
  done: number;
  total: number;
}

export interface DemoSummary {
  seed: number;
  events_requested: number;
  now: string;
  seconds: number;
  events_per_second: number;
  tables: Record<string, number>;
}

export const DEMO_TABLES = [
  'organizations', 'services', 'annotations', 'service_events', 'survey_responses', 'cases', 'channel_volumes',
  'standard_results', 'declared_indicators', 'costs', 'availability_probes', 'value_parameters'
] as const;

const DAY_MS = 86_400_000;

/** Deterministic PRNG for the small, JavaScript-built parts (mulberry32). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function hashString(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

const isoDate = (d: Date): string => d.toISOString().slice(0, 10);
const clamp01 = (x: number): number => Math.max(0, Math.min(1, x));
const yearFraction = (d: Date): number => d.getUTCFullYear() + (d.getUTCMonth() + 0.5) / 12;

interface Month {
  start: Date; // first day (UTC date standing for the Toronto calendar day)
  days: number; // days available (capped at `now` for the current month)
  year: number; // fractional year at mid-month
  month: number; // 1..12
}

function monthsBetween(start: Date, now: Date): Month[] {
  const months: Month[] = [];
  const end = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
  for (let d = new Date(start); d < end; d = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1))) {
    const next = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1));
    const days = Math.round((Math.min(next.getTime(), end.getTime()) - d.getTime()) / DAY_MS);
    if (days > 0) months.push({ start: d, days, year: yearFraction(d), month: d.getUTCMonth() + 1 });
  }
  return months;
}

/** Volume over time: seasonal profile times a gentle growth (population and take-up of services). */
function monthWeight(season: (typeof SEASONS)[number], m: Month): number {
  return SEASON_PROFILE[season][m.month - 1] * (1 + 0.03 * (m.year - 2018)) * (m.days / 30.4);
}

function cumulative(weights: readonly number[]): number[] {
  const total = weights.reduce((a, b) => a + b, 0);
  let acc = 0;
  const out = weights.map((w) => (acc += w / total));
  out[out.length - 1] = 1;
  return out;
}

function launchMonthIndex(service: DemoService, months: Month[]): number {
  const launch = new Date(`${service.launched}T00:00:00Z`);
  const i = months.findIndex((m) => m.start.getTime() + m.days * DAY_MS > launch.getTime());
  return i === -1 ? months.length : i + 1; // 1-based
}

const HOUR_WEIGHTS = [0.3, 0.2, 0.1, 0.1, 0.1, 0.2, 0.6, 1.5, 3, 4.5, 5, 5, 4.5, 4.8, 5, 4.6, 4, 3.5, 3.5, 3.8, 3.6, 2.8, 1.8, 0.9];

/** SQL for a uniform number in [0, 1) derived from the seed, the journey and a salt (our constant, never input). */
const U = (salt: number, key = 'j'): string => `(cityHash64({seed:UInt64}, ${key}, ${salt}) / 18446744073709551616.0)`;
/** A standard normal draw (Box-Muller) from two salts. */
const Z = (a: number, b: number, key = 'j'): string => `(sqrt(-2 * log(greatest(${U(a, key)}, 1e-12))) * cos(6.283185307179586 * ${U(b, key)}))`;

function journeySql(): string {
  return `
INSERT INTO service_events
  (org, service, occurred_at, event_id, journey_id, type, step, step_index, outcome, channel, client_type, region,
   sign_in, assisted, prefilled, duration_ms, run_id)
SELECT org, service, occurred_at, event_id, journey_id, type, step, step_index, outcome, channel, client_type, region,
       sign_in, assisted, prefilled, duration_ms, 'demo'
FROM
(
  SELECT org, service, journey_id, channel, client_type, region, sign_in, assisted, prefilled,
         type, step, toUInt8(step_index) AS step_index,
         if(type = 'completed', outcome_c, '') AS outcome,
         addMilliseconds(started_at, toInt64(
           multiIf(p = 1, 0,
                   type = 'step', total_ms * step_index / (n_steps + 1),
                   type IN ('completed', 'failed'), total_ms,
                   total_ms * (reached + 0.5) / (n_steps + 1)))) AS occurred_at,
         concat('e', lower(hex(cityHash64({seed:UInt64}, j, p, 7)))) AS event_id,
         if(type = 'completed', toNullable(toUInt64(total_ms)), NULL) AS duration_ms
  FROM
  (
    SELECT *,
      if(drop_at > 0, drop_at, n_steps) AS reached,
      multiIf(
        drop_at > 0, if(${U(16)} < 0.4, 'abandoned', ''),
        digital, if(${U(15)} < 0.975, 'completed', 'failed'),
        ${U(15)} < 0.95, 'completed', ${U(15)} < 0.98, 'failed', 'abandoned') AS end_type,
      if(${U(17)} < 0.06, 'ineligible', 'success') AS outcome_c,
      greatest(1000., median_min * 60000 * exp(0.6 * ${Z(18, 19)})) AS total_ms,
      arrayConcat(['started'], arrayWithConstant(reached, 'step'), if(end_type = '', [], [end_type])) AS ev_types,
      arrayConcat([''], arraySlice(steps, 1, reached), if(end_type = '', [], [''])) AS ev_steps,
      arrayConcat([0], range(1, reached + 1), if(end_type = '', [], [0])) AS ev_idx
    FROM
    (
      SELECT *,
        if(digital, {svc_steps:Array(Array(String))}[si], []) AS steps,
        length(steps) AS n_steps,
        1.25 - 0.5 * progress AS friction,
        if(digital,
           arrayFirstIndex((pd, i) -> (cityHash64({seed:UInt64}, j, 100 + i) / 18446744073709551616.0) < pd * friction,
                           {svc_drop:Array(Array(Float64))}[si], arrayEnumerate({svc_drop:Array(Array(Float64))}[si])),
           0) AS drop_at,
        multiIf(channel = 'web', {svc_webmin:Array(Float64)}[si] * (1.2 - 0.35 * progress),
                channel = 'mobile', {svc_webmin:Array(Float64)}[si] * 0.85 * (1.2 - 0.35 * progress),
                channel = 'phone', 22., channel = 'counter', 40., channel = 'mail', 10080., 30.) AS median_min
      FROM
      (
        SELECT *,
          least(1., greatest(0., (yr - 2018.3) / 8)) AS progress,
          {svc_d0:Array(Float64)}[si] + ({svc_d1:Array(Float64)}[si] - {svc_d0:Array(Float64)}[si])
             / (1 + exp(-(yr - {svc_mid:Array(Float64)}[si]) * 1.4)) AS p_digital,
          ${U(8)} < p_digital AS digital,
          if(digital,
             if(${U(9)} < 0.04 + 0.36 * progress, 'mobile', 'web'),
             multiIf(${U(9)} < 0.5, 'phone', ${U(9)} < 0.8, 'counter', ${U(9)} < 0.93, 'mail', 'partner')) AS channel,
          digital AND ${U(10)} < 0.04 AS assisted,
          if(${U(11)} < {svc_business:Array(Float64)}[si], 'business', 'citizen') AS client_type,
          leftPad(toString(arrayFirstIndex(x -> x >= ${U(12)}, {region_cum:Array(Float64)})), 2, '0') AS region,
          multiIf(NOT digital OR {svc_signin:Array(UInt8)}[si] = 0, 'none',
                  ${U(13)} < least(0.45, greatest(0., (yr - 2020.5) * 0.12)), 'bank',
                  ${U(13)} < least(0.45, greatest(0., (yr - 2020.5) * 0.12)) + if(yr > 2022, 0.05, 0.), 'partner',
                  'clicsequr') AS sign_in,
          digital AND ${U(14)} < 0.08 + 0.4 * least(1., greatest(0., (yr - 2019) / 7)) AS prefilled
        FROM
        (
          SELECT j, si, org, service, journey_id, mi,
            {m_year:Array(Float64)}[mi] AS yr,
            addDays(toDate('1970-01-01'), {m_start_day:Array(UInt32)}[mi] + toUInt32(floor(${U(3)} * {m_days:Array(UInt32)}[mi]))) AS d,
            makeDateTime64(toYear(d), toMonth(d), toDayOfMonth(d),
                           arrayFirstIndex(x -> x >= ${U(4)}, {hour_cum:Array(Float64)}) - 1,
                           toUInt8(floor(${U(5)} * 60)), toUInt8(floor(${U(6)} * 60)), toUInt16(floor(${U(7)} * 1000)),
                           3, 'America/Toronto') AS started_at
          FROM
          (
            SELECT j, si,
              {svc_org:Array(String)}[si] AS org,
              {svc_code:Array(String)}[si] AS service,
              concat('j', lower(hex(cityHash64({seed:UInt64}, j, 0)))) AS journey_id,
              {month_cum:Array(Array(Float64))}[{svc_season:Array(UInt8)}[si]] AS mc,
              {svc_launch_m:Array(UInt32)}[si] AS lm,
              if(lm > 1, mc[lm - 1], 0.) AS lo,
              greatest(arrayFirstIndex(x -> x >= lo + ${U(2)} * (1 - lo), mc), lm) AS mi
            FROM
            (
              SELECT number AS j, arrayFirstIndex(x -> x >= ${U(1)}, {svc_cum:Array(Float64)}) AS si
              FROM numbers({from:UInt64}, {count:UInt64})
            )
          )
        )
      )
    )
  )
  ARRAY JOIN ev_types AS type, ev_steps AS step, ev_idx AS step_index, arrayEnumerate(ev_types) AS p
)
WHERE occurred_at < {now:DateTime64(3, 'UTC')}`;
}

function surveySql(): string {
  const k = 'event_id';
  return `
INSERT INTO survey_responses (org, service, submitted_at, response_id, channel, journey_id, region, client_type, satisfaction, effort, comment, language, run_id)
SELECT org, service, submitted_at, response_id, channel, journey_id, region, client_type, satisfaction, effort, comment, language, 'demo'
FROM
(
  -- Region and client type of the journey's event, as ingest fills them from the linked journey.
  SELECT org, service, channel, journey_id, region, client_type,
    addMinutes(occurred_at, 1 + cityHash64({seed:UInt64}, ${k}, 1) % 240) AS submitted_at,
    concat('r', substring(${k}, 2)) AS response_id,
    least(1., greatest(0., (toYear(occurred_at) + toMonth(occurred_at) / 12 - 2018.3) / 8)) AS progress,
    multiIf(type = 'abandoned', 2.3, channel = 'web', 3.95, channel = 'mobile', 4.05, channel = 'phone', 3.5,
            channel = 'counter', 3.85, channel = 'mail', 3.3, 3.7)
      + 0.35 * progress + ((cityHash64(service) % 61) - 30) / 100. AS mean_sat,
    toUInt8(least(5, greatest(1, round(mean_sat + 1.05 * ${Z(3, 4, k)})))) AS satisfaction,
    if(${U(5, k)} < 0.3, NULL, toUInt8(least(7, greatest(1, round(7.6 - 1.3 * mean_sat + 1.2 * ${Z(6, 7, k)}))))) AS effort,
    ${U(8, k)} < 0.2 AS has_comment,
    if(satisfaction >= 4, {good:Array(String)}, {bad:Array(String)}) AS pool,
    if(satisfaction >= 4, {good_lang:Array(String)}, {bad_lang:Array(String)}) AS pool_lang,
    1 + (cityHash64({seed:UInt64}, ${k}, 9) % length(pool)) AS ci,
    if(has_comment, pool[ci], '') AS comment,
    if(has_comment, pool_lang[ci], if(${U(10, k)} < 0.88, 'fr', 'en')) AS language
  FROM service_events
  WHERE run_id = 'demo' AND type IN ('completed', 'abandoned')
    AND (cityHash64({seed:UInt64}, ${k}, 2) % 1000) < if(type = 'completed', 90, 30)
)
WHERE submitted_at < {now:DateTime64(3, 'UTC')}`;
}

function casesSql(): string {
  const k = 'event_id';
  return `
INSERT INTO cases (org, service, received_at, case_id, channel, decided_at, standard_days, working_days, run_id)
SELECT org, service, received_at, case_id, channel, if(decided < {now:DateTime64(3, 'UTC')}, decided, NULL), std, wd, 'demo'
FROM
(
  SELECT org, service, channel,
    occurred_at AS received_at,
    concat('c', substring(${k}, 2)) AS case_id,
    toUInt16(transform(service, {std_codes:Array(String)}, {std_days:Array(UInt16)}, 0)) AS std,
    transform(service, {std_codes:Array(String)}, {std_working:Array(UInt8)}, 0) = 1 AS wd,
    least(1., greatest(0., (toYear(occurred_at) + toMonth(occurred_at) / 12 - 2018.3) / 8)) AS progress,
    std * if(wd, 1.4, 1.) * (0.95 - 0.3 * progress) * if(channel = 'mail', 1.25, 1.)
      * exp(0.45 * ${Z(3, 4, k)}) AS days,
    addSeconds(occurred_at, toInt64(days * 86400)) AS decided
  FROM service_events
  WHERE run_id = 'demo' AND type = 'completed' AND outcome = 'success'
    AND has({std_codes:Array(String)}, service)
)`;
}

function probesSql(): string {
  return `
INSERT INTO availability_probes (org, service, probed_at, probe, up, response_ms, interval_s)
SELECT org, service, probed_at, 'montreal', up, response_ms, 21600
FROM
(
  SELECT number AS j,
    intDiv(number, {slots:UInt64}) + 1 AS si,
    {p_org:Array(String)}[si] AS org,
    {p_code:Array(String)}[si] AS service,
    addHours(toDateTime64('2023-01-01 00:00:00', 3, 'UTC'), (number % {slots:UInt64}) * 6) AS probed_at,
    (cityHash64({seed:UInt64}, service, toDate(probed_at)) % 500) = 0 AS outage_day,
    NOT (outage_day AND ${U(2)} < 0.6) AND ${U(3)} > 0.002 AS up,
    toUInt32(if(up, least(30000., 350 * exp(0.5 * ${Z(4, 5)})), 30000)) AS response_ms
  FROM numbers({total:UInt64})
)
WHERE probed_at < {now:DateTime64(3, 'UTC')}`;
}

function eventCostsSql(): string {
  return `
INSERT INTO costs (org, service, period_start, period_grain, channel, period_end, period, amount_cad, run_id)
SELECT org, service, makeDate(fy, 4, 1), 'fiscal_year', channel, makeDate(fy + 1, 3, 31), concat(toString(fy), '-', toString(fy + 1)),
       toDecimal64(n * transform(channel, {cost_channels:Array(String)}, {cost_units:Array(Float64)}, 10.)
                   * (0.9 + (cityHash64({seed:UInt64}, org, service, channel, fy) % 200) / 1000.), 2), 'demo'
FROM
(
  SELECT org, service, channel,
    toYear(toTimeZone(occurred_at, 'America/Toronto')) - if(toMonth(toTimeZone(occurred_at, 'America/Toronto')) < 4, 1, 0) AS fy,
    count() AS n
  FROM service_events
  WHERE run_id = 'demo' AND type = 'completed'
  GROUP BY org, service, channel, fy
)
WHERE makeDate(fy + 1, 3, 31) < toDate({now:DateTime64(3, 'UTC')}, 'America/Toronto')`;
}

interface Period {
  grain: 'month' | 'quarter' | 'fiscal_year';
  start: Date;
  end: Date; // last day
  label: string;
}

function periods(grain: Period['grain'], from: Date, now: Date): Period[] {
  const out: Period[] = [];
  const step = grain === 'month' ? 1 : grain === 'quarter' ? 3 : 12;
  let d = grain === 'fiscal_year' ? new Date(Date.UTC(from.getUTCMonth() >= 3 ? from.getUTCFullYear() : from.getUTCFullYear() - 1, 3, 1))
    : grain === 'quarter' ? new Date(Date.UTC(from.getUTCFullYear(), Math.floor(from.getUTCMonth() / 3) * 3, 1)) : from;
  for (;;) {
    const next = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + step, 1));
    const end = new Date(next.getTime() - DAY_MS);
    if (end.getTime() >= now.getTime()) break; // only periods already closed are declared
    const y = d.getUTCFullYear();
    const label = grain === 'month' ? isoDate(d).slice(0, 7) : grain === 'quarter' ? `${y}-Q${Math.floor(d.getUTCMonth() / 3) + 1}` : `${y}-${y + 1}`;
    out.push({ grain, start: d, end, label });
    d = next;
  }
  return out;
}

const digitalShareAt = (svc: DemoService, orgMid: number, year: number): number =>
  svc.digital[0] + (svc.digital[1] - svc.digital[0]) / (1 + Math.exp(-(year - orgMid) * 1.4));

function aggregateRows(seed: number, now: Date) {
  const volumes: Record<string, unknown>[] = [];
  const standards: Record<string, unknown>[] = [];
  const costs: Record<string, unknown>[] = [];
  const start = new Date(`${DEMO_START}T00:00:00Z`);
  for (const org of ORGANIZATIONS.filter((o) => o.reporting === 'aggregates')) {
    for (const svc of SERVICES.filter((s) => s.org === org.code)) {
      const rand = prng(seed * 7919 + hashString(svc.code));
      const fyTotals = new Map<string, { p: Period; byChannel: Map<string, number> }>();
      for (const p of periods(org.volumeGrain ?? 'month', start, now)) {
        const months = monthsBetween(p.start, new Date(p.end.getTime() + DAY_MS));
        const base = months.reduce((s, m) => s + monthWeight(svc.season, m), 0) * svc.weight * 900;
        const mid = yearFraction(new Date((p.start.getTime() + p.end.getTime()) / 2));
        const dig = digitalShareAt(svc, org.adoptionMidYear, mid);
        const mobile = 0.04 + 0.36 * clamp01((mid - 2018.3) / 8);
        const split: Record<string, number> = {
          web: dig * (1 - mobile), mobile: dig * mobile, phone: (1 - dig) * 0.5, counter: (1 - dig) * 0.32, mail: (1 - dig) * 0.18
        };
        for (const [channel, share] of Object.entries(split)) {
          const volume = Math.round(base * share * (0.92 + 0.16 * rand()));
          volumes.push({ org: org.code, service: svc.code, period_start: isoDate(p.start), period_grain: p.grain, channel, period_end: isoDate(p.end), period: p.label, volume, run_id: 'demo' });
          const fy = p.start.getUTCMonth() >= 3 ? p.start.getUTCFullYear() : p.start.getUTCFullYear() - 1;
          const key = `${fy}`;
          if (!fyTotals.has(key)) {
            const fs = new Date(Date.UTC(fy, 3, 1));
            fyTotals.set(key, { p: { grain: 'fiscal_year', start: fs, end: new Date(Date.UTC(fy + 1, 2, 31)), label: `${fy}-${fy + 1}` }, byChannel: new Map() });
          }
          const t = fyTotals.get(key)!;
          t.byChannel.set(channel, (t.byChannel.get(channel) ?? 0) + volume);
        }
        if (svc.standardDays) {
          const total = Math.round(base * (0.95 + 0.1 * rand()));
          const rate = Math.min(0.97, 0.62 + 0.3 * clamp01((mid - 2018.3) / 8) + 0.06 * (rand() - 0.5));
          standards.push({ org: org.code, service: svc.code, period_start: isoDate(p.start), period_grain: p.grain, channel: '', period_end: isoDate(p.end), period: p.label, met: Math.round(total * rate), total, run_id: 'demo' });
        }
      }
      for (const { p, byChannel } of fyTotals.values()) {
        if (p.end.getTime() >= now.getTime()) continue;
        for (const [channel, n] of byChannel) {
          costs.push({ org: org.code, service: svc.code, period_start: isoDate(p.start), period_grain: 'fiscal_year', channel, period_end: isoDate(p.end), period: p.label, amount_cad: (n * (CHANNEL_UNIT_COST[channel] ?? 10) * (0.9 + 0.2 * rand())).toFixed(2), run_id: 'demo' });
        }
      }
    }
  }
  return { volumes, standards, costs };
}

function referenceRows() {
  const organizations = ORGANIZATIONS.map((o) => ({ code: o.code, name_fr: o.fr, name_en: o.en, parent_code: o.parent ?? '', kind: o.kind, reporting: o.reporting, placeholder: false }));
  const services = SERVICES.map((s) => {
    const complexity = Math.sqrt(s.webMinutes / 20);
    const baseline: Record<string, number> = {
      web: s.webMinutes, mobile: Math.round(s.webMinutes * 0.9 * 10) / 10,
      phone: Math.round(CHANNEL_MINUTES.phone + s.webMinutes * 0.3), counter: Math.round(CHANNEL_MINUTES.counter + s.webMinutes * 0.5),
      mail: Math.round(CHANNEL_MINUTES.mail + s.webMinutes * 0.5), partner: CHANNEL_MINUTES.partner
    };
    const unit: Record<string, number> = Object.fromEntries(Object.entries(CHANNEL_UNIT_COST).map(([c, v]) => [c, Math.round(v * complexity * 100) / 100]));
    return {
      org: s.org, code: s.code, name_fr: s.fr, name_en: s.en, launched_on: s.launched, end_to_end_digital: s.endToEnd ?? false,
      client_types: (s.business ?? 0) >= 1 ? ['business'] : (s.business ?? 0) > 0 ? ['citizen', 'business'] : ['citizen'],
      steps: [...s.steps], standard_days: s.standardDays ?? 0, working_days: s.workingDays ?? false, standard_target: 0.9,
      baseline_minutes: baseline, unit_cost_cad: unit, placeholder: false
    };
  });
  return { organizations, services };
}

/** One value_parameters row per service and channel with a baseline or a unit cost (sql/schema/062). */
function valueParameterRows(services: ReturnType<typeof referenceRows>['services']): Record<string, unknown>[] {
  return services.flatMap((s) =>
    [...new Set([...Object.keys(s.baseline_minutes), ...Object.keys(s.unit_cost_cad)])].map((channel) => ({
      org: s.org, service: s.code, channel, effective_from: '1970-01-01',
      baseline_minutes: s.baseline_minutes[channel] ?? null, unit_cost_cad: s.unit_cost_cad[channel] ?? null, source: 'demo', run_id: 'demo'
    }))
  );
}

function annotationRows(seed: number, now: Date) {
  const rows: Record<string, unknown>[] = [
    { org: 'SAAQ', service: 'SAAQ-TRANSFERT', at: '2023-02-20T13:00:00Z', kind: 'release', text_fr: 'Lancement de SAAQclic', text_en: 'SAAQclic launch' },
    { org: 'SAAQ', service: '', at: '2023-02-27T14:00:00Z', kind: 'incident', text_fr: "Files d'attente dans les centres de service", text_en: 'Queues at service centres' },
    { org: 'RQ', service: 'RQ-TP1', at: '2020-03-17T12:00:00Z', kind: 'note', text_fr: 'Report de la date limite de production (pandémie)', text_en: 'Filing deadline postponed (pandemic)' },
    { org: 'RAMQ', service: 'RAMQ-CARTE-RENOUV', at: '2021-06-01T12:00:00Z', kind: 'release', text_fr: 'Renouvellement en ligne sans photo pour les 75 ans et plus', text_en: 'Online renewal without photo for people 75 and over' },
    { org: 'MIFI', service: 'MIFI-FRANCISATION', at: '2023-06-01T12:00:00Z', kind: 'release', text_fr: 'Création de Francisation Québec', text_en: 'Francisation Québec created' }
  ];
  const rand = prng(seed * 31 + 7);
  const span = now.getTime() - new Date('2019-01-01T00:00:00Z').getTime();
  for (const s of SERVICES.filter((x) => x.steps.length > 0)) {
    const at = new Date(new Date('2019-01-01T00:00:00Z').getTime() + Math.floor(rand() * span));
    const step = s.steps[Math.floor(rand() * s.steps.length)];
    // A release note names the step as people read it (« Paiement »), never its internal id (paiement).
    const name = STEP_NAMES[step] ?? { fr: step, en: step };
    rows.push({ org: s.org, service: s.code, at: at.toISOString(), kind: 'release', text_fr: `Refonte de l'étape « ${name.fr} »`, text_en: `“${name.en}” step redesigned` });
    if (rand() < 0.35) {
      const inc = new Date(new Date('2019-01-01T00:00:00Z').getTime() + Math.floor(rand() * span));
      rows.push({ org: s.org, service: s.code, at: inc.toISOString(), kind: 'incident', text_fr: 'Panne du service en ligne', text_en: 'Online service outage' });
    }
  }
  return rows;
}

function declaredRows(seed: number, now: Date) {
  const rows: Record<string, unknown>[] = [];
  const rand = prng(seed * 104729 + 3);
  const fyStart = 2018;
  for (const o of ORGANIZATIONS) {
    const scale = Math.max(1, SERVICES.filter((s) => s.org === o.code).reduce((a, s) => a + s.weight, 0) / 5);
    for (let fy = fyStart; ; fy++) {
      const end = new Date(Date.UTC(fy + 1, 2, 31));
      if (end.getTime() >= now.getTime()) break;
      for (const ind of DECLARED_INDICATORS) {
        const years = fy - fyStart;
        let value = ind.base * Math.pow(1 + ind.growth, years) * (ind.perOrgScale ? scale : 1) * (0.85 + 0.3 * rand());
        if (ind.code.endsWith('_pct')) value = Math.min(100, value);
        value = ind.code.endsWith('_pct') ? Math.round(value * 10) / 10 : Math.round(value);
        // Some organizations skip a year: completeness must show it.
        if (rand() < 0.06) continue;
        rows.push({ org: o.code, service: '', period_start: `${fy}-04-01`, period_grain: 'fiscal_year', indicator: ind.code, period_end: isoDate(end), period: `${fy}-${fy + 1}`, value, note: '', run_id: 'demo' });
      }
    }
  }
  return rows;
}

async function countRows(wh: Warehouse, table: string): Promise<number> {
  const [row] = await wh.query<{ n: number }>(`SELECT count() AS n FROM ${table}`);
  return Number(row.n);
}

/** Counts per demo table (the demo's JSON summary, and what `start` checks for emptiness). */
export async function countDemoTables(wh: Warehouse): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of DEMO_TABLES) out[t] = await countRows(wh, t);
  return out;
}

/** The demo's own record in ingest_runs (kind `demo`): `running` while it loads, `ok` once every table is in; with its
 *  process, so that a sweep of stopped runs (ingest/stopped-runs.ts) leaves a load under way alone. */
const DEMO_KIND = 'demo';

async function recordDemoRun(wh: Warehouse, run: { id: string; startedAt: Date; status: 'running' | 'ok'; inserted?: number }): Promise<void> {
  await wh.insert('ingest_runs', [{
    run_id: run.id, kind: DEMO_KIND, source: 'jalon demo', format: '', org: '', started_at: sqlDateTime(run.startedAt),
    finished_at: run.status === 'ok' ? sqlDateTime(new Date()) : null,
    status: run.status, read: run.inserted ?? 0, inserted: run.inserted ?? 0, holder: thisProcess(), updated_at: sqlDateTime(new Date())
  }]);
}

/**
 * Whether the last demo load was stopped before its end (a Ctrl-C, a closed terminal, a crash): its record is still
 * `running`, or `failed` once the sweep of stopped runs has seen it. `otherDeliveries`: ingest runs that are not the
 * demo's and stored rows, i.e. data someone added since, which a reload would erase. A warehouse loaded before the demo
 * recorded itself has no record: `interrupted` is false.
 */
export async function demoLoadState(wh: Warehouse): Promise<{ interrupted: boolean; otherDeliveries: number }> {
  const [r] = await wh.query<{ demos: number; last: string; others: number }>(
    `SELECT countIf(kind = {kind:String}) AS demos, argMaxIf(status, started_at, kind = {kind:String}) AS last,
            countIf(kind != {kind:String} AND inserted > 0) AS others
     FROM ingest_runs FINAL`,
    { kind: DEMO_KIND }
  );
  return { interrupted: Number(r?.demos ?? 0) > 0 && r.last !== 'ok', otherDeliveries: Number(r?.others ?? 0) };
}

export function defaultDemoNow(clock: Date = new Date()): Date {
  return new Date(Date.UTC(clock.getUTCFullYear(), clock.getUTCMonth(), clock.getUTCDate()));
}

export async function generateDemo(wh: Warehouse, options: DemoOptions): Promise<DemoSummary> {
  const t0 = performance.now();
  const now = options.now ?? defaultDemoNow();
  const seed = options.seed;
  const progress = options.onProgress ?? (() => {});

  const existing = await countDemoTables(wh);
  if (Object.values(existing).some((n) => n > 0)) {
    if (!options.replace) {
      throw new Error('Le entrepôt contient déjà des données : ajoutez --replace pour les effacer / the warehouse already holds data: add --replace to erase it');
    }
    // The rollups go with the rows they summarize (those fed by materialized views would otherwise keep the old sums).
    for (const t of [...DEMO_TABLES, 'value_restatements', ...ROLLUP_TABLES]) await wh.command(`TRUNCATE TABLE ${t}`);
  }

  // Recorded before the first row: a load stopped midway is then known as such (`jalon start` loads it again).
  const run = { id: `demo-${t0.toFixed(0)}-${Date.now()}`, startedAt: new Date() };
  await recordDemoRun(wh, { ...run, status: 'running' });

  progress({ phase: 'reference', done: 0, total: 1 });
  const ref = referenceRows();
  await wh.insert('organizations', ref.organizations);
  await wh.insert('services', ref.services);
  // Value-created parameters: the services' baseline minutes and unit costs, one first report in force since always.
  await wh.insert('value_parameters', valueParameterRows(ref.services));
  await wh.insert('annotations', annotationRows(seed, now));

  // Parameters of the event generator, per event-reporting service (1-based in SQL).
  const eventOrgs = new Map(ORGANIZATIONS.filter((o) => o.reporting === 'events').map((o) => [o.code, o]));
  const svcs = SERVICES.filter((s) => eventOrgs.has(s.org));
  const months = monthsBetween(new Date(`${DEMO_START}T00:00:00Z`), now);
  const monthCum = SEASONS.map((season) => cumulative(months.map((m) => monthWeight(season, m))));
  const launchIdx = svcs.map((s) => launchMonthIndex(s, months));
  // A service launched late gets its weight over its active months only.
  const effectiveWeight = svcs.map((s, i) => {
    const mc = monthCum[SEASONS.indexOf(s.season)];
    const lo = launchIdx[i] > 1 ? mc[launchIdx[i] - 2] : 0;
    return s.weight * (1 - lo);
  });
  const params = {
    seed,
    now,
    svc_org: svcs.map((s) => s.org),
    svc_code: svcs.map((s) => s.code),
    svc_cum: cumulative(effectiveWeight),
    svc_season: svcs.map((s) => SEASONS.indexOf(s.season) + 1),
    svc_launch_m: launchIdx,
    svc_steps: svcs.map((s) => [...s.steps]),
    svc_drop: svcs.map((s) => s.steps.map((st) => STEP_DROP[st] ?? 0.03)),
    svc_d0: svcs.map((s) => s.digital[0]),
    svc_d1: svcs.map((s) => s.digital[1]),
    svc_mid: svcs.map((s) => eventOrgs.get(s.org)!.adoptionMidYear),
    svc_business: svcs.map((s) => s.business ?? 0.02),
    svc_signin: svcs.map((s) => (s.signIn === false ? 0 : 1)),
    svc_webmin: svcs.map((s) => s.webMinutes),
    month_cum: monthCum,
    m_start_day: months.map((m) => Math.round(m.start.getTime() / DAY_MS)),
    m_days: months.map((m) => m.days),
    m_year: months.map((m) => m.year),
    hour_cum: cumulative(HOUR_WEIGHTS),
    region_cum: cumulative(REGION_WEIGHTS)
  };

  // Journeys in deterministic chunks until the requested number of events is reached.
  const target = options.events;
  let inserted = 0;
  let journeys = 0;
  let perJourney = 3.6;
  const journeySqlText = journeySql();
  progress({ phase: 'events', done: 0, total: target });
  while (inserted < target * 0.998) {
    // The first chunk is a quarter of the estimate: it measures events per journey so the total lands close to the target.
    const estimate = Math.ceil((target - inserted) / perJourney);
    const count = Math.max(1, Math.min(400_000, journeys === 0 ? Math.ceil(estimate / 4) : estimate));
    await wh.command(journeySqlText, { ...params, from: journeys, count });
    journeys += count;
    inserted = await countRows(wh, 'service_events');
    perJourney = Math.max(1, inserted / journeys);
    progress({ phase: 'events', done: inserted, total: target });
  }

  progress({ phase: 'surveys', done: 0, total: 1 });
  const good = SURVEY_COMMENTS.filter((c) => c.mood === 'good');
  const bad = SURVEY_COMMENTS.filter((c) => c.mood === 'bad');
  await wh.command(surveySql(), {
    seed, now, good: good.map((c) => c.text), good_lang: good.map((c) => c.lang), bad: bad.map((c) => c.text), bad_lang: bad.map((c) => c.lang)
  });

  progress({ phase: 'cases', done: 0, total: 1 });
  const std = svcs.filter((s) => (s.standardDays ?? 0) > 0);
  await wh.command(casesSql(), {
    seed, now, std_codes: std.map((s) => s.code), std_days: std.map((s) => s.standardDays ?? 0), std_working: std.map((s) => (s.workingDays ? 1 : 0))
  });

  progress({ phase: 'aggregates', done: 0, total: 1 });
  const agg = aggregateRows(seed, now);
  await wh.insert('channel_volumes', agg.volumes);
  await wh.insert('standard_results', agg.standards);
  await wh.insert('costs', agg.costs);
  await wh.command(eventCostsSql(), { seed, now, cost_channels: Object.keys(CHANNEL_UNIT_COST), cost_units: Object.values(CHANNEL_UNIT_COST) });
  await wh.insert('declared_indicators', declaredRows(seed, now));

  progress({ phase: 'probes', done: 0, total: 1 });
  const slots = Math.max(0, Math.floor((now.getTime() - Date.UTC(2023, 0, 1)) / (6 * 3_600_000)));
  await wh.command(probesSql(), {
    seed, now, slots, total: slots * SERVICES.length, p_org: SERVICES.map((s) => s.org), p_code: SERVICES.map((s) => s.code)
  });

  // The journeys and cases rollups are built once the demo's events and cases are all in.
  progress({ phase: 'rollups', done: 0, total: 1 });
  await refreshRollups(wh, { full: true });

  const tables = await countDemoTables(wh);
  await recordDemoRun(wh, { ...run, status: 'ok', inserted: tables.service_events });
  const seconds = (performance.now() - t0) / 1000;
  return {
    seed,
    events_requested: target,
    now: now.toISOString(),
    seconds: Math.round(seconds * 100) / 100,
    events_per_second: Math.round(tables.service_events / seconds),
    tables
  };
}
