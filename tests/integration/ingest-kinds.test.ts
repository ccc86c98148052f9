// Ingest over every kind and format with dirty inputs: counts reconcile (read = inserted + duplicates + rejected),
// each reject carries its reason and line number, and stored values are the ones worked out by hand here.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { tableFromArrays, tableToIPC } from 'apache-arrow';
import { backends, withCluster, embeddedTestWarehouse, testWarehouse, type TestWarehouse } from '../support/warehouses.ts';
import { migrate } from '../../warehouse/migrate.ts';
import { resolveInputs, runIngest, type IngestSummary } from '../../ingest/run-ingest.ts';
import { parseMapping, pseudonymize, type Mapping } from '../../ingest/mapping.ts';
import type { Kind } from '../../ingest/kinds.ts';
import type { Warehouse } from '../../warehouse/warehouse.ts';

let dir: string;
let parquetFile: string;
beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jalon-ingest-kinds-'));
  // ClickHouse writes the Parquet file (the reference writer); one embedded engine per process, so do it up front.
  parquetFile = path.join(dir, 'events.parquet');
  const writer = await embeddedTestWarehouse();
  try {
    await writer.wh.command(
      `INSERT INTO FUNCTION file({f:String}, 'Parquet')
       SELECT concat('p', toString(number)) AS event_id, toDateTime64('2024-04-01 14:00:00', 3, 'UTC') + number AS occurred_at, 'RQ' AS org, 'impot' AS service,
              if(number = 2, 'pigeon', 'web') AS channel, concat('NAS-', toString(number)) AS citizen, 'started' AS type
       FROM numbers(4)
       SETTINGS output_format_parquet_compression_method = 'snappy'`,
      { f: parquetFile }
    );
  } finally {
    await writer.dispose();
  }
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function write(name: string, content: string | Buffer): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, content);
  return file;
}

const KEY = 'test-pseudonym-key-0123456789';

async function ingest(wh: Warehouse, kind: Kind, file: string, extra: { mapping?: Mapping; org?: string; strict?: boolean } = {}): Promise<IngestSummary> {
  const s = await runIngest(wh, {
    kind,
    inputs: resolveInputs(file, extra.mapping?.format ?? null),
    mapping: extra.mapping ?? null,
    org: extra.org ?? null,
    strict: extra.strict ?? false,
    pseudonymKey: KEY
  });
  expect(s.read).toBe(s.inserted + s.duplicates + s.rejected);
  return s;
}

async function rejectsOf(wh: Warehouse, runId: string): Promise<[number, string, string][]> {
  const rows = await wh.query<{ line: number; reason: string; message: string }>(
    'SELECT toUInt64(line) AS line, reason, message FROM quarantine WHERE run_id = {run:String} ORDER BY line',
    { run: runId }
  );
  return rows.map((r) => [Number(r.line), r.reason, r.message]);
}

async function count(wh: Warehouse, table: string): Promise<number> {
  const [row] = await wh.query<{ n: number }>(`SELECT toUInt64(count()) AS n FROM ${table} FINAL`);
  return Number(row.n);
}

const ev = (o: Record<string, unknown>) =>
  JSON.stringify({ occurred_at: '2024-04-01T10:00:00-04:00', org: 'RAMQ', service: 'carte', channel: 'web', journey_id: 'j1', type: 'started', ...o });

describe.each(withCluster)('ingest kinds and formats — %s', (backend) => {
  let t: TestWarehouse;
  beforeEach(async () => {
    t = await testWarehouse(backend, inject('clickhouseUrl'));
    await migrate(t.wh);
  });
  afterEach(async () => {
    await t.dispose();
  });

  it('events NDJSON: wrong types, missing fields, bad dates, unknown channel, empty and garbage lines', async () => {
    const lines = [
      ev({ event_id: 'e1' }), // 1 ok
      ev({ event_id: 'e2', type: 'completed', outcome: 'success', duration_ms: 300000, assisted: true }), // 2 ok
      '', // 3 empty: not a row
      ev({ event_id: 'e3', channel: 'pigeon' }), // 4 unknown_channel
      ev({ event_id: 'e4', occurred_at: 'hier' }), // 5 bad_date
      ev({ event_id: 'e2', type: 'completed', outcome: 'success', duration_ms: 300000, assisted: true }), // 6 duplicate of line 2
      ev({ event_id: 'e5', type: 'step', step_index: 'abc' }), // 7 bad_number
      JSON.stringify({ event_id: 'e6', org: 'RAMQ' }), // 8 missing_field (occurred_at)
      ev({ event_id: 'e7', type: 'completed' }), // 9 missing outcome on completed
      ev({ event_id: 'e8', region: '18' }), // 10 bad_value
      ev({ event_id: 'x'.repeat(65) }), // 11 too_long
      ev({ event_id: 'e9', occurred_at: '2024-04-01 23:30:00', channel: 'mobile' }), // 12 ok (Toronto time)
      '   ', // 13 blank
      'garbage {"event_id": "e10"' // 14 malformed_row
    ];
    const file = write(`events-${backend}.ndjson`, lines.join('\r\n') + '\r\n');
    const s = await ingest(t.wh, 'events', file);
    expect([s.read, s.inserted, s.duplicates, s.rejected]).toEqual([12, 3, 1, 8]);
    expect(s.new_codes).toEqual(['RAMQ', 'RAMQ/carte']);
    const rejects = await rejectsOf(t.wh, s.run_id);
    expect(rejects.map(([l, r]) => [l, r])).toEqual([
      [4, 'unknown_channel'], [5, 'bad_date'], [7, 'bad_number'], [8, 'missing_field'], [9, 'missing_field'],
      [10, 'bad_value'], [11, 'too_long'], [14, 'malformed_row']
    ]);
    expect(rejects[0][2]).toContain('channel');
    expect(rejects[0][2]).toContain('pigeon');
    expect(rejects[4][2]).toMatch(/^outcome/);
    const rows = await t.wh.query<{ event_id: string; at: string; assisted: boolean; duration_ms: number | null; channel: string }>(
      "SELECT event_id, toString(occurred_at) AS at, assisted, duration_ms, channel FROM service_events ORDER BY event_id"
    );
    expect(rows).toEqual([
      { event_id: 'e1', at: '2024-04-01 14:00:00.000', assisted: false, duration_ms: null, channel: 'web' },
      { event_id: 'e2', at: '2024-04-01 14:00:00.000', assisted: true, duration_ms: 300000, channel: 'web' },
      { event_id: 'e9', at: '2024-04-02 03:30:00.000', assisted: false, duration_ms: null, channel: 'mobile' }
    ]);
    const again = await ingest(t.wh, 'events', file);
    expect([again.read, again.inserted, again.duplicates, again.rejected]).toEqual([12, 0, 4, 8]);
    expect(again.new_codes).toEqual([]);
    expect(await count(t.wh, 'service_events')).toBe(3);
    const [run] = await t.wh.query<{ status: string; read: number }>('SELECT status, read FROM ingest_runs FINAL WHERE run_id = {r:String}', { r: s.run_id });
    expect(run).toEqual({ status: 'partial', read: 12 });
  });

  it('surveys CSV: CRLF, semicolons, quotes, Windows-1252, comments scrubbed', async () => {
    const text =
      'response_id;submitted_at;org;service;channel;satisfaction;effort;comment;language\r\n' +
      'r1;2024-04-01T10:00:00-04:00;RQ;impot;web;5;2;"Très bien; écrivez-moi à jean.tremblay@exemple.qc.ca ou au 514-555-1234";fr\r\n' +
      'r2;2024-04-01T11:00:00-04:00;RQ;impot;web;9;;"trop";fr\r\n' + // satisfaction out of range
      'r3;2024-04-01T12:00:00-04:00;RQ;impot;phone;4;;"Mon NAS 123 456 789, RAMQ TREJ 1234 5678, j’habite au 1234 rue Sainte-Catherine Ouest";fr\r\n' +
      'r4;pas une date;RQ;impot;web;4;;;en\r\n' + // bad_date
      '\r\n' +
      'r5;2024-04-02T12:00:00-04:00;RQ;impot;web;3;8;;xx\r\n'; // effort out of range (checked before language)
    const file = write(`surveys-${backend}.csv`, Buffer.from(text.replace(/’/g, "'"), 'latin1'));
    const s = await ingest(t.wh, 'surveys', file);
    expect([s.read, s.inserted, s.duplicates, s.rejected]).toEqual([5, 2, 0, 3]);
    expect((await rejectsOf(t.wh, s.run_id)).map(([l, r]) => [l, r])).toEqual([[3, 'out_of_range'], [5, 'bad_date'], [7, 'out_of_range']]);
    const rows = await t.wh.query<{ response_id: string; comment: string; effort: number | null }>('SELECT response_id, comment, effort FROM survey_responses ORDER BY response_id');
    expect(rows).toEqual([
      { response_id: 'r1', comment: 'Très bien; écrivez-moi à [courriel] ou au [téléphone]', effort: 2 },
      { response_id: 'r3', comment: "Mon NAS [NAS], RAMQ [RAMQ], j'habite au [adresse]", effort: null }
    ]);
  });

  it('cases NDJSON: decided before received is inconsistent; a resent case with a decision replaces it', async () => {
    const c = (o: Record<string, unknown>) => JSON.stringify({ org: 'SAAQ', service: 'permis', channel: 'counter', received_at: '2024-05-01T09:00:00-04:00', standard_days: 10, ...o });
    const file = write(`cases-${backend}.ndjson`, [c({ case_id: 'c1' }), c({ case_id: 'c2', decided_at: '2024-04-01T09:00:00-04:00' }), c({ case_id: 'c3', working_days: 'maybe' })].join('\n'));
    const s = await ingest(t.wh, 'cases', file);
    expect([s.read, s.inserted, s.duplicates, s.rejected]).toEqual([3, 1, 0, 2]);
    expect((await rejectsOf(t.wh, s.run_id)).map(([l, r]) => [l, r])).toEqual([[2, 'inconsistent'], [3, 'bad_bool']]);
    const file2 = write(`cases2-${backend}.ndjson`, [c({ case_id: 'c1' }), c({ case_id: 'c1', decided_at: '2024-05-08T09:00:00-04:00' })].join('\n'));
    const s2 = await ingest(t.wh, 'cases', file2);
    expect([s2.read, s2.inserted, s2.duplicates, s2.rejected]).toEqual([2, 1, 1, 0]);
    const rows = await t.wh.query<{ n: number; decided: string }>("SELECT toUInt64(count()) AS n, toString(max(decided_at)) AS decided FROM cases FINAL");
    expect(rows).toEqual([{ n: 1, decided: '2024-05-08 13:00:00.000' }]);
  });

  it('volumes CSV with the mapping of the issue: fiscal years, 6,400,000 and French numbers, values map; a later report wins', async () => {
    const mapping = parseMapping({
      format: 'csv',
      csv: { delimiter: ';' },
      kind: 'volumes',
      fields: {
        period: { column: 'fiscal_yr', as: 'fiscal_year' },
        org: { column: 'org_id' },
        service: { column: 'service_id' },
        channel: { column: 'channel', values: { online: 'web', in_person: 'counter' } },
        volume: { column: 'volume', as: 'number' }
      }
    });
    const csv = [
      'fiscal_yr;org_id;service_id;channel;volume',
      '2018-19;RQ;impot;online;"6,400,000"', // ok
      '2018-2019;RQ;impot;in_person;1 234', // ok (French thousands)
      '2018-20;RQ;impot;online;5', // bad_period
      '2019-2020;RQ;impot;carrier;5', // unknown_channel
      '2019-2020;RQ;impot;online;beaucoup', // bad_number
      '2019-2020;RQ;impot;online;12,5', // out_of_range (not a whole count)
      '2018-19;RQ;impot;online;"6,500,000"' // same key as line 2, later: wins
    ].join('\n');
    const s = await ingest(t.wh, 'volumes', write(`volumes-${backend}.csv`, csv), { mapping });
    expect([s.read, s.inserted, s.duplicates, s.rejected]).toEqual([7, 2, 1, 4]);
    expect((await rejectsOf(t.wh, s.run_id)).map(([l, r]) => [l, r])).toEqual([[4, 'bad_period'], [5, 'unknown_channel'], [6, 'bad_number'], [7, 'out_of_range']]);
    const rows = await t.wh.query<Record<string, unknown>>(
      'SELECT period, period_grain, toString(period_start) AS s, toString(period_end) AS e, channel, volume FROM channel_volumes FINAL ORDER BY channel'
    );
    expect(rows).toEqual([
      { period: '2018-2019', period_grain: 'fiscal_year', s: '2018-04-01', e: '2019-03-31', channel: 'counter', volume: 1234 },
      { period: '2018-2019', period_grain: 'fiscal_year', s: '2018-04-01', e: '2019-03-31', channel: 'web', volume: 6500000 }
    ]);
    // A correction file: one value changed, one identical.
    const fix = ['fiscal_yr;org_id;service_id;channel;volume', '2018-2019;RQ;impot;online;6 600 000', '2018-2019;RQ;impot;in_person;1234'].join('\n');
    const s2 = await ingest(t.wh, 'volumes', write(`volumes-fix-${backend}.csv`, fix), { mapping });
    expect([s2.read, s2.inserted, s2.duplicates, s2.rejected]).toEqual([2, 1, 1, 0]);
    const web = await t.wh.query<{ volume: number }>("SELECT volume FROM channel_volumes FINAL WHERE channel = 'web'");
    expect(web).toEqual([{ volume: 6600000 }]);
  });

  it('standards, indicators and costs: periods of every grain, met ≤ total, optional service and channel', async () => {
    const st = [
      JSON.stringify({ period: '2024-Q2', org: 'RQ', service: 'impot', channel: 'web', met: 90, total: 100 }),
      JSON.stringify({ period: '2024-04', org: 'RQ', service: 'impot', channel: 'web', met: 120, total: 100 }),
      JSON.stringify({ period: '2024-13', org: 'RQ', service: 'impot', channel: 'web', met: 1, total: 1 })
    ].join('\n');
    const s1 = await ingest(t.wh, 'standards', write(`standards-${backend}.ndjson`, st));
    expect([s1.read, s1.inserted, s1.rejected]).toEqual([3, 1, 2]);
    expect((await rejectsOf(t.wh, s1.run_id)).map(([l, r]) => [l, r])).toEqual([[2, 'inconsistent'], [3, 'bad_period']]);
    const [q] = await t.wh.query<{ s: string; e: string; g: string }>('SELECT toString(period_start) AS s, toString(period_end) AS e, period_grain AS g FROM standard_results');
    expect(q).toEqual({ s: '2024-04-01', e: '2024-06-30', g: 'quarter' });

    const ind = ['\ufeffindicator,period,org,service,value,note', 'specialistes_numeriques,2023,MCN,,42,"déclaré"', 'formalites_simplifiees,2023,MCN,,n/a,', ',2023,MCN,,1,'].join('\n');
    const s2 = await ingest(t.wh, 'indicators', write(`indicators-${backend}.csv`, ind));
    expect([s2.read, s2.inserted, s2.rejected]).toEqual([3, 1, 2]);
    expect((await rejectsOf(t.wh, s2.run_id)).map(([l, r]) => [l, r])).toEqual([[3, 'bad_number'], [4, 'missing_field']]);
    const [i] = await t.wh.query<Record<string, unknown>>('SELECT service, value, note, period_grain FROM declared_indicators');
    expect(i).toEqual({ service: '', value: 42, note: 'déclaré', period_grain: 'year' });
    expect(s2.new_codes).toEqual(['MCN']); // no service placeholder for an organization-wide indicator

    const costs = parseMapping({
      kind: 'costs',
      fields: { period: { column: 'mois', as: 'month' }, org: { column: 'org' }, service: { column: 'svc' }, amount_cad: { column: 'montant', as: 'number' } },
      constants: { channel: 'web' }
    });
    const c = ['mois;org;svc;montant', '2024/4;RQ;impot;1 234,56', '2024-05;RQ;impot;-5', '2024-06;RQ;impot;'].join('\n');
    const s3 = await ingest(t.wh, 'costs', write(`costs-${backend}.csv`, c), { mapping: costs });
    expect([s3.read, s3.inserted, s3.rejected]).toEqual([3, 1, 2]);
    expect((await rejectsOf(t.wh, s3.run_id)).map(([l, r]) => [l, r])).toEqual([[3, 'out_of_range'], [4, 'missing_field']]);
    const [k] = await t.wh.query<{ a: string; p: string; ch: string }>('SELECT toString(amount_cad) AS a, period AS p, channel AS ch FROM costs');
    expect(k).toEqual({ a: '1234.56', p: '2024-04', ch: 'web' });
  });

  it('organizations and services, then --strict rejects unknown codes', async () => {
    const orgs = [
      JSON.stringify({ code: 'RQ', name_fr: 'Revenu Québec', name_en: 'Revenu Québec', kind: 'organisme' }),
      JSON.stringify({ code: 'MCN', name_fr: 'Ministère de la Cybersécurité et du Numérique', kind: 'ministere' }),
      JSON.stringify({ code: 'BAD', name_fr: 'x', kind: 'club' })
    ].join('\n');
    const s1 = await ingest(t.wh, 'organizations', write(`orgs-${backend}.ndjson`, orgs));
    expect([s1.read, s1.inserted, s1.rejected]).toEqual([3, 2, 1]);
    const svc = [
      JSON.stringify({ org: 'RQ', code: 'impot', name_fr: 'Déclaration de revenus', launched_on: '2019-02-01', end_to_end_digital: true, steps: ['identite', 'revenus'], baseline_minutes: { counter: 75 } }),
      JSON.stringify({ org: 'RQ', code: 'tps', name_fr: 'TPS', launched_on: '2019-02-30' })
    ].join('\n');
    const s2 = await ingest(t.wh, 'services', write(`services-${backend}.ndjson`, svc));
    expect([s2.read, s2.inserted, s2.rejected]).toEqual([2, 1, 1]);
    const again = await ingest(t.wh, 'services', write(`services-${backend}.ndjson`, svc));
    expect([again.inserted, again.duplicates]).toEqual([0, 1]);
    const [service] = await t.wh.query<Record<string, unknown>>("SELECT steps, baseline_minutes, end_to_end_digital FROM services FINAL WHERE code = 'impot'");
    expect(service).toEqual({ steps: ['identite', 'revenus'], baseline_minutes: { counter: 75 }, end_to_end_digital: true });

    const evs = [ev({ event_id: 'a', org: 'RQ', service: 'impot' }), ev({ event_id: 'b', org: 'RQ', service: 'inconnu' }), ev({ event_id: 'c', org: 'ZZZ' })].join('\n');
    const s3 = await ingest(t.wh, 'events', write(`strict-${backend}.ndjson`, evs), { strict: true });
    expect([s3.read, s3.inserted, s3.rejected]).toEqual([3, 1, 2]);
    expect((await rejectsOf(t.wh, s3.run_id)).map(([l, r]) => [l, r])).toEqual([[2, 'unknown_service'], [3, 'unknown_org']]);
    expect(s3.new_codes).toEqual([]);
    // --org: rows of another organization are refused, rows without one get it.
    const s4 = await ingest(t.wh, 'events', write(`org-${backend}.ndjson`, [ev({ event_id: 'd', org: 'RQ', service: 'impot' }), ev({ event_id: 'e', org: 'SAAQ' }), JSON.parse(JSON.stringify(ev({ event_id: 'f', service: 'impot' }))).replace('"org":"RAMQ",', '')].join('\n')), { org: 'RQ' });
    expect([s4.read, s4.inserted, s4.rejected]).toEqual([3, 2, 1]);
    expect((await rejectsOf(t.wh, s4.run_id)).map(([l, r]) => [l, r])).toEqual([[2, 'foreign_org']]);
  });

  it('Parquet and Arrow IPC events, with a mapping that hashes a direct identifier', async () => {
    const pq = parquetFile;
    const mapping = parseMapping({
      format: 'parquet',
      fields: {
        event_id: { column: 'event_id' }, occurred_at: { column: 'occurred_at' }, org: { column: 'org' }, service: { column: 'service' },
        channel: { column: 'channel' }, type: { column: 'type' }, journey_id: { column: 'citizen', direct_identifier: true }
      }
    });
    const s = await ingest(t.wh, 'events', pq, { mapping });
    expect([s.read, s.inserted, s.rejected]).toEqual([4, 3, 1]);
    expect((await rejectsOf(t.wh, s.run_id)).map(([l, r]) => [l, r])).toEqual([[3, 'unknown_channel']]);
    const [first] = await t.wh.query<{ journey_id: string; at: string }>("SELECT journey_id, toString(occurred_at) AS at FROM service_events WHERE event_id = 'p0'");
    expect(first).toEqual({ journey_id: pseudonymize('NAS-0', KEY), at: '2024-04-01 14:00:00.000' });
    expect(first.journey_id).not.toContain('NAS');

    const arrow = tableFromArrays({
      event_id: ['a1', 'a2', 'p0'],
      occurred_at: ['2024-04-02T10:00:00Z', 'bad', '2024-04-01T14:00:00Z'],
      org: ['RQ', 'RQ', 'RQ'],
      service: ['impot', 'impot', 'impot'],
      channel: ['mobile', 'web', 'web'],
      journey_id: ['j', 'j', 'j'],
      type: ['started', 'started', 'started'],
      step_index: Int32Array.from([1, 2, 3])
    });
    const af = write(`events-${backend}.arrow`, Buffer.from(tableToIPC(arrow, 'stream')));
    const s2 = await ingest(t.wh, 'events', af);
    expect([s2.read, s2.inserted, s2.duplicates, s2.rejected]).toEqual([3, 1, 1, 1]);
    expect((await rejectsOf(t.wh, s2.run_id)).map(([l, r]) => [l, r])).toEqual([[2, 'bad_date']]);
  });
});

describe('ingest encodings and folders (embedded)', () => {
  let t: TestWarehouse;
  beforeEach(async () => {
    t = await testWarehouse('embedded', inject('clickhouseUrl'));
    await migrate(t.wh);
  });
  afterEach(async () => {
    await t.dispose();
  });

  it('reads a folder of mixed formats; a UTF-8 file with a broken byte rejects that line as bad_encoding', async () => {
    const sub = path.join(dir, 'folder');
    fs.mkdirSync(sub, { recursive: true });
    fs.writeFileSync(path.join(sub, 'a.ndjson'), ev({ event_id: 'f1', step: 'étape' }) + '\n');
    fs.writeFileSync(path.join(sub, 'b.csv'), 'event_id,occurred_at,org,service,channel,journey_id,type\nf2,2024-04-01T10:00:00Z,RAMQ,carte,web,j,started\n');
    const good = Buffer.from(ev({ event_id: 'f3', step: 'é' }) + '\n');
    const bad = Buffer.concat([Buffer.from(ev({ event_id: 'f4', step: 'x' }).replace('"x"', '"x\u0001"')), Buffer.from('\n')]);
    bad[bad.indexOf(0x01)] = 0xe9; // a lone Latin-1 byte inside UTF-8 text
    fs.writeFileSync(path.join(sub, 'c.jsonl'), Buffer.concat([good, Buffer.alloc(70_000, 0x20), Buffer.from('\n'), bad]));
    const s = await ingest(t.wh, 'events', sub);
    expect([s.read, s.inserted, s.rejected]).toEqual([4, 3, 1]);
    const [row] = await t.wh.query<{ reason: string; line: number; source: string }>('SELECT reason, toUInt64(line) AS line, source FROM quarantine');
    expect(row).toEqual({ reason: 'bad_encoding', line: 3, source: path.join(sub, 'c.jsonl') });
    const [step] = await t.wh.query<{ step: string }>("SELECT step FROM service_events WHERE event_id = 'f1'");
    expect(step.step).toBe('étape');
  });
});
