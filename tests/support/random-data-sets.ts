// Seeded random data sets for the rollup-versus-raw differential test (issue 10): journeys with and without
// `duration_ms`, steps, windows around 30 days, DST days, fiscal-year and month boundaries, late and out-of-order
// deliveries, resent events and responses, reused journey ids, second completions, survey responses with and
// without region and journey, cases corrected when decided, declared figures corrected by a later report, and
// value-created parameters changed, re-sent and restated. Events and responses go through the real ingest (which
// filters resent ids, as the rollups fed by materialized views require); reference and declared rows are inserted.
import fs from 'node:fs';
import path from 'node:path';
import type { Warehouse } from '../../warehouse/warehouse.ts';
import { runIngest } from '../../ingest/run-ingest.ts';
import type { Kind } from '../../ingest/kinds.ts';
import { ROLLUP_TABLES, forgetRollupHealth, refreshRollups } from '../../metrics/rollups.ts';

/** mulberry32: small, fast, and the same sequence on every machine for a seed. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const DAY = 86_400_000;
const MIN = 60_000;
const CHANNELS = ['web', 'web', 'web', 'mobile', 'mobile', 'phone', 'counter', 'mail', 'partner'];
const SERVICES = [
  { org: 'A', code: 'A-S1', steps: ['a', 'b', 'c'] },
  { org: 'A', code: 'A-S2', steps: [] as string[] },
  { org: 'B', code: 'B-S1', steps: ['x'] }
];
/** Instants where calendars bite (UTC): the four DST changes of 2023-2024 around 01:00–03:30 local, the fiscal-year
 *  change (midnight in Toronto on April 1), and month ends just before and after local midnight. */
const TRICKY = [
  '2023-03-12T06:30:00Z', '2023-03-12T07:30:00Z', '2023-11-05T05:30:00Z', '2023-11-05T06:30:00Z',
  '2024-03-10T06:30:00Z', '2024-03-10T07:30:00Z', '2024-11-03T05:30:00Z', '2024-11-03T06:30:00Z',
  '2023-04-01T03:30:00Z', '2023-04-01T04:30:00Z', '2024-04-01T03:30:00Z', '2024-04-01T04:30:00Z',
  '2023-07-01T03:59:00Z', '2023-10-01T04:01:00Z', '2024-01-01T04:59:00Z', '2024-01-01T05:01:00Z'
].map((s) => Date.parse(s));

export interface DataSet {
  seed: number;
  /** Request range (Toronto days, `to` exclusive) and the clock. */
  from: string;
  to: string;
  now: Date;
  /** Completions of the largest month × channel group (the big data set holds one above 8,192). */
  events: number;
}

const iso = (ms: number): string => new Date(ms).toISOString();
const isoSql = (ms: number): string => iso(ms).replace('T', ' ').replace('Z', '');
const dayOf = (ms: number): string => iso(ms).slice(0, 10);

/** Loads data set `seed` into `wh` (tables emptied first); `big` adds one month × channel group of 8,400 completions. */
export async function loadDataSet(wh: Warehouse, seed: number, dir: string, big = false): Promise<DataSet> {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
  const chance = (p: number): boolean => r() < p;
  // The big data set's span holds May 2024, where its large group lies.
  const spanStart = big ? Date.parse('2024-01-10T05:00:00Z') : Date.parse('2023-01-15T05:00:00Z') + Math.floor(r() * 300) * DAY;
  const spanDays = big ? 200 : 120 + Math.floor(r() * 330);
  const spanEnd = spanStart + spanDays * DAY;
  const inSpan = (): number => {
    if (chance(0.25)) {
      const near = TRICKY.filter((t) => t >= spanStart && t < spanEnd - 2 * DAY);
      if (near.length) return pick(near) + Math.floor((r() - 0.5) * 90) * MIN;
    }
    return spanStart + Math.floor(r() * (spanEnd - spanStart - 2 * DAY));
  };
  const now = spanEnd + (chance(0.5) ? 45 : 12) * DAY;

  // Journeys: a list of events (in time order), some of which will arrive late or twice.
  const events: Record<string, unknown>[] = [];
  let eventNo = 0;
  const ev = (j: Record<string, unknown>, type: string, at: number, extra: Record<string, unknown> = {}) => {
    if (at >= now) return;
    events.push({
      event_id: `e${seed}-${eventNo++}`, occurred_at: iso(at), org: j.org, service: j.service, journey_id: j.id, type,
      channel: j.channel, client_type: j.client_type, region: j.region, sign_in: type === 'started' ? j.sign_in : 'none', ...extra
    });
  };
  const used: { id: string; service: (typeof SERVICES)[number]; at: number }[] = [];
  const journeys = 150 + Math.floor(r() * 250);
  for (let n = 0; n < journeys; n++) {
    const svc = pick(SERVICES);
    const reuse = used.length > 10 && chance(0.05) ? pick(used) : null;
    const start = inSpan();
    const j = {
      id: reuse ? reuse.id : `j${seed}-${n}`, org: reuse ? reuse.service.org : svc.org, service: reuse ? reuse.service.code : svc.code,
      channel: pick(CHANNELS), client_type: chance(0.2) ? 'business' : 'citizen', region: chance(0.1) ? '' : String(1 + Math.floor(r() * 17)).padStart(2, '0'),
      sign_in: pick(['none', 'none', 'clicsequr', 'bank', 'partner'])
    };
    const steps = (reuse ? reuse.service : svc).steps;
    used.push({ id: j.id, service: reuse ? reuse.service : svc, at: start });
    ev(j, 'started', start);
    if (chance(0.03)) ev(j, 'started', start + Math.floor(r() * 120) * MIN); // a restart
    let t = start;
    const reached = Math.floor(r() * (steps.length + 1));
    for (let k = 1; k <= reached; k++) {
      t += (1 + Math.floor(r() * 20)) * MIN;
      ev(j, 'step', t, { step: steps[k - 1], step_index: k });
    }
    const end = r();
    // Around the 30-day window: most end within the hour, some within days, some after 25 to 40 days.
    const delay = chance(0.7) ? (2 + Math.floor(r() * 90)) * MIN : chance(0.66) ? Math.floor(r() * 3 * DAY) : 25 * DAY + Math.floor(r() * 15 * DAY);
    const endAt = t + delay;
    const channel = chance(0.1) ? pick(CHANNELS) : j.channel;
    if (end < 0.6) {
      const sent = chance(0.5) ? { duration_ms: chance(0.7) ? endAt - start : Math.floor(r() * 90) * MIN } : {};
      ev(j, 'completed', endAt, { outcome: chance(0.1) ? 'ineligible' : 'success', channel, prefilled: chance(0.3), assisted: chance(0.1), ...sent });
      if (chance(0.05)) ev(j, 'completed', endAt + Math.floor(r() * 5 * DAY), { outcome: 'success', channel }); // a second completion
    } else if (end < 0.72) ev(j, 'failed', endAt, { channel });
    else if (end < 0.82) ev(j, 'abandoned', endAt, { channel });
  }
  let bigGroup = 0;
  if (big) {
    // One month × channel group above the 8,192 values an approximate quantile state keeps.
    const month = Date.parse('2024-05-01T04:00:00Z');
    for (let n = 0; n < 8_400; n++) {
      const start = month + Math.floor(r() * 30 * DAY);
      const j = { id: `big${seed}-${n}`, org: 'A', service: 'A-S1', channel: 'web', client_type: 'citizen', region: '06', sign_in: 'none' };
      ev(j, 'started', start);
      const minutes = 3 + Math.floor(r() * 25) + (chance(0.1) ? Math.floor(r() * 400) : 0);
      ev(j, 'completed', start + minutes * MIN + Math.floor(r() * 60_000), { outcome: 'success', ...(chance(0.5) ? { duration_ms: minutes * MIN } : {}) });
    }
    bigGroup = 8_400;
  }

  // Survey responses after completions and abandonments; some carry region and client type, most take the journey's.
  const responses: Record<string, unknown>[] = [];
  for (const e of events) {
    if ((e.type !== 'completed' && e.type !== 'abandoned') || !chance(0.35) || String(e.journey_id).startsWith('big')) continue;
    const at = Date.parse(String(e.occurred_at)) + (1 + Math.floor(r() * 240)) * MIN;
    if (at >= now) continue;
    responses.push({
      response_id: `r${seed}-${responses.length}`, submitted_at: iso(at), org: e.org, service: e.service, channel: e.channel,
      ...(chance(0.9) ? { journey_id: e.journey_id } : {}), satisfaction: 1 + Math.floor(r() * 5), ...(chance(0.7) ? { effort: 1 + Math.floor(r() * 7) } : {}),
      ...(chance(0.3) ? { region: String(1 + Math.floor(r() * 17)).padStart(2, '0') } : {}), ...(chance(0.2) ? { client_type: pick(['citizen', 'business']) } : {})
    });
  }

  // Deliveries: most events first; the rest arrive late (after a refresh), shuffled, with resent copies of early ones.
  const shuffled = events.map((e) => ({ e, k: r() })).sort((a, b) => a.k - b.k).map((x) => x.e);
  const cut = Math.floor(shuffled.length * 0.75);
  const early = shuffled.slice(0, cut);
  const late = [...shuffled.slice(cut), ...early.filter(() => chance(0.05))];
  const earlyResponses = responses.filter(() => chance(0.5));
  const lateResponses = [...responses.filter((x) => !earlyResponses.includes(x)), ...earlyResponses.filter(() => chance(0.1))];

  for (const t of [
    'organizations', 'services', 'service_events', 'survey_responses', 'cases', 'channel_volumes', 'standard_results', 'declared_indicators',
    'costs', 'availability_probes', 'value_parameters', 'value_restatements', 'ingest_runs', 'quarantine', ...ROLLUP_TABLES
  ]) await wh.command(`TRUNCATE TABLE ${t}`);

  await wh.insert('organizations', ['A', 'B', 'C'].map((code) => ({ code, name_fr: code, name_en: code, reporting: code === 'C' ? 'aggregates' : 'events' })));
  await wh.insert('services', [...SERVICES, { org: 'C', code: 'C-S1', steps: [] }].map((s) => ({ org: s.org, code: s.code, name_fr: s.code, name_en: s.code, launched_on: '2018-05-01', steps: s.steps })));

  const ingest = async (kind: Kind, name: string, rows: Record<string, unknown>[]) => {
    if (!rows.length) return;
    const file = path.join(dir, `${seed}-${name}.ndjson`);
    fs.writeFileSync(file, rows.map((x) => JSON.stringify(x)).join('\n') + '\n');
    const s = await runIngest(wh, { kind, inputs: [{ source: { type: 'file', path: file }, name, format: 'ndjson' }] });
    if (s.rejected) throw new Error(`${name}: ${s.rejected} rejected: ${JSON.stringify(s.errors.slice(0, 3))}`);
  };
  await ingest('surveys', 'responses-early', earlyResponses); // some before their journey's events: region stays ''
  await ingest('events', 'events-early', early);
  // Every fourth data set brings the rollups up to date between the deliveries: the late one then goes through the
  // incremental refresh (slower: it rebuilds every day the late rows touch).
  if (seed % 4 === 0) await refreshRollups(wh);
  await ingest('events', 'events-late', late);
  await ingest('surveys', 'responses-late', lateResponses);

  // Cases: some pending, some decided; a quarter of the pending ones resent later with their decision.
  const cases: Record<string, unknown>[] = [];
  for (let n = 0; n < 40; n++) {
    const svc = pick(SERVICES);
    const received = inSpan();
    const decided = chance(0.7) ? received + Math.floor(r() * 40 * DAY) : null;
    cases.push({
      org: svc.org, service: svc.code, case_id: `c${seed}-${n}`, channel: pick(CHANNELS), received_at: isoSql(received),
      decided_at: decided !== null && decided < now ? isoSql(decided) : null, standard_days: pick([3, 5, 10, 20, 30]), working_days: chance(0.5)
    });
  }
  await wh.insert('cases', cases);
  const corrected = cases.filter((c) => c.decided_at === null && chance(0.25)).map((c) => ({ ...c, decided_at: isoSql(Math.min(now - DAY, Date.parse(`${String(c.received_at).replace(' ', 'T')}Z`) + 3 * DAY)) }));
  await new Promise((res) => setTimeout(res, 5));
  if (corrected.length) await wh.insert('cases', corrected);

  // Declared figures for the aggregates-only organization and for months of A-S2 (events first where both exist),
  // each period of a grain of its own; some corrected by a later report.
  const months: string[] = [];
  for (let m = Date.parse(`${dayOf(spanStart).slice(0, 7)}-01T12:00:00Z`); m < spanEnd; m += 31 * DAY) months.push(dayOf(m).slice(0, 7));
  const monthEnd = (ym: string) => dayOf(Date.UTC(Number(ym.slice(0, 4)), Number(ym.slice(5, 7)), 0, 12));
  const declared = (table: string, rows: Record<string, unknown>[]) => [
    ...rows.map((x) => ({ ...x, reported_at: '2025-06-01 00:00:00.000' })),
    ...rows.filter(() => chance(0.2)).map((x) => ({ ...x, reported_at: '2025-07-01 00:00:00.000', ...(table === 'standard_results' ? { met: 1 } : table === 'costs' ? { amount_cad: 777.77 } : { volume: 4242 }) }))
  ];
  const volumes: Record<string, unknown>[] = [];
  const costs: Record<string, unknown>[] = [];
  const standards: Record<string, unknown>[] = [];
  for (const ym of months) {
    for (const ch of ['web', 'counter', 'phone']) {
      volumes.push({ org: 'C', service: 'C-S1', period_start: `${ym}-01`, period_grain: 'month', channel: ch, period_end: monthEnd(ym), period: ym, volume: Math.floor(r() * 500) });
      if (chance(0.4)) volumes.push({ org: 'A', service: 'A-S2', period_start: `${ym}-01`, period_grain: 'month', channel: ch, period_end: monthEnd(ym), period: ym, volume: Math.floor(r() * 300) });
    }
    standards.push({ org: 'C', service: 'C-S1', period_start: `${ym}-01`, period_grain: 'month', channel: 'web', period_end: monthEnd(ym), period: ym, met: 50, total: 60 + Math.floor(r() * 40) });
    // Monthly costs of some services (a fiscal year rarely fits in the requested range).
    if (chance(0.6)) costs.push({ org: 'A', service: pick(['A-S1', 'A-S2']), period_start: `${ym}-01`, period_grain: 'month', channel: pick(['', 'web', 'counter']), period_end: monthEnd(ym), period: ym, amount_cad: (100 + Math.floor(r() * 900000)) / 100 });
  }
  const fyStart = Number(dayOf(spanStart).slice(0, 4)) - (dayOf(spanStart).slice(5, 7) < '04' ? 1 : 0);
  for (let y = fyStart; y <= fyStart + 1; y++) {
    const fy = { period_start: `${y}-04-01`, period_grain: 'fiscal_year', period_end: `${y + 1}-03-31`, period: `${y}-${y + 1}` };
    volumes.push({ org: 'C', service: 'C-S1', ...fy, channel: 'mail', volume: Math.floor(r() * 900) });
    for (const s of [...SERVICES, { org: 'C', code: 'C-S1' }]) {
      for (const ch of ['', 'web', 'counter']) costs.push({ org: s.org, service: s.code, ...fy, channel: ch, amount_cad: (1000 + Math.floor(r() * 90000)) / 100 });
    }
  }
  await wh.insert('channel_volumes', declared('channel_volumes', volumes));
  await wh.insert('standard_results', declared('standard_results', standards));
  await wh.insert('costs', declared('costs', costs));
  await wh.insert('declared_indicators', [{ org: 'C', service: '', period_start: `${fyStart}-04-01`, period_grain: 'fiscal_year', indicator: 'digital_specialists', period_end: `${fyStart + 1}-03-31`, period: `${fyStart}-${fyStart + 1}`, value: 12 }]);

  // Value-created parameters: a first report in force since 2018, then changes with later effective dates, re-sends
  // of the first effective date (which must not reach closed months), and sometimes an administrator's restatement.
  const params: Record<string, unknown>[] = [];
  for (const s of [...SERVICES, { org: 'C', code: 'C-S1' }]) {
    for (const ch of ['web', 'mobile', 'phone', 'counter', 'mail']) {
      params.push({ org: s.org, service: s.code, channel: ch, effective_from: '2018-01-01', baseline_minutes: 5 + Math.floor(r() * 60), unit_cost_cad: chance(0.9) ? 1 + Math.floor(r() * 30) : null, run_id: 'first', reported_at: '2018-01-01 00:00:00.000' });
      if (chance(0.4)) {
        const reported = inSpan();
        params.push({ org: s.org, service: s.code, channel: ch, effective_from: chance(0.5) ? '2018-01-01' : dayOf(inSpan()), baseline_minutes: 5 + Math.floor(r() * 90), unit_cost_cad: 1 + Math.floor(r() * 40), run_id: `later-${seed}`, reported_at: isoSql(reported) });
      }
    }
  }
  await wh.insert('value_parameters', params);
  if (chance(0.4)) await wh.insert('value_restatements', [{ org: 'A', service: chance(0.5) ? 'A-S1' : '', from_day: dayOf(inSpan()), restated_at: isoSql(spanEnd), actor: 'test', reason: 'differential' }]);

 
  await refreshRollups(wh);
  forgetRollupHealth(wh);
  // The request covers the span but starts and ends on arbitrary days.
  const from = dayOf(spanStart + Math.floor(r() * 20) * DAY);
  const to = dayOf(spanEnd - Math.floor(r() * 20) * DAY);
  return { seed, from, to, now: new Date(now), events: bigGroup };
}
