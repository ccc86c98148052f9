// What ingest keeps and says about rejected rows and new codes: a quarantined row's stored raw text and message hold
// none of the kinds of personal information of DESIGN §7 (e-mail, phone, SIN, health-insurance number, postal code,
// street address), including rows quarantined before the change (scrubbed by migration 120); a run registering many
// new codes lists the first 20 with the count and keeps them all in its record; an inbox row of another organization
// is refused with a message naming the folder and its organization.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { backends, testWarehouse, type TestWarehouse } from '../support/warehouses.ts';
import { loadMigrations, migrate, SCHEMA_DIR, splitStatements } from '../../warehouse/migrate.ts';
import { resolveInputs, runIngest, type IngestSummary } from '../../ingest/run-ingest.ts';
import { scrubSql } from '../../ingest/privacy.ts';
import { loadConfig } from '../../config/config.ts';
import { createMetricsService } from '../../metrics/service.ts';
import { scanInbox } from '../../jobs/inbox.ts';
import type { Kind } from '../../ingest/kinds.ts';
import type { Warehouse } from '../../warehouse/warehouse.ts';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jalon-privacy-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Personal information as producers let it slip, one of each kind, and a pattern that finds it written any way. */
const PERSONAL = {
  email: ['jean.tremblay@exemple.qc.ca', /[\w.+-]+@[\w-]+\.[\w.]+/],
  phone: ['(514) 555-1234', /\(?\d{3}\)?[ .-]?\d{3}[ .-]?\d{4}/],
  sin: ['046 454 286', /\d{3}[ -]?\d{3}[ -]?\d{3}/],
  ramq: ['TREJ 1234 5678', /[A-Z]{4}[ -]?\d{4}[ -]?\d{4}/],
  postal: ['H2X 1Y4', /[A-Z]\d[A-Z][ -]?\d[A-Z]\d/],
  address: ['1234 rue Sainte-Catherine Ouest', /rue Sainte-Catherine/]
} as const;
const SENTENCE = `Écrivez à ${PERSONAL.email[0]} ou ${PERSONAL.phone[0]}, NAS ${PERSONAL.sin[0]}, RAMQ ${PERSONAL.ramq[0]}, au ${PERSONAL.address[0]}, ${PERSONAL.postal[0]}`;

function expectScrubbed(text: string): void {
  for (const [kind, [, pattern]] of Object.entries(PERSONAL)) expect(text, `${kind} left in: ${text}`).not.toMatch(pattern);
}

const ev = (o: Record<string, unknown>) =>
  JSON.stringify({ occurred_at: '2024-04-01T10:00:00-04:00', org: 'RAMQ', service: 'carte', channel: 'web', journey_id: 'j1', type: 'started', ...o });

async function ingest(wh: Warehouse, kind: Kind, file: string, extra: { org?: string } = {}): Promise<IngestSummary> {
  const s = await runIngest(wh, { kind, inputs: resolveInputs(file, null), org: extra.org ?? null });
  expect(s.read).toBe(s.inserted + s.duplicates + s.rejected);
  return s;
}

describe.each(backends)('quarantine and summaries — %s', (backend) => {
  let t: TestWarehouse;
  beforeEach(async () => {
    t = await testWarehouse(backend, inject('clickhouseUrl'));
  });
  afterEach(async () => {
    await t.dispose();
  });

  it('a quarantined row keeps no personal information in its raw text nor in its message', async () => {
    await migrate(t.wh);
    const lines = [
      ev({ event_id: 'e1' }),
      ev({ event_id: 'e2', channel: PERSONAL.email[0], note: SENTENCE }), // unknown_channel: the message quotes the value
      ev({ event_id: 'e3', occurred_at: `appelez le ${PERSONAL.phone[0]}` }), // bad_date quoting a phone number
      ev({ event_id: 'e4', region: PERSONAL.postal[0], note: SENTENCE }), // bad_value quoting a postal code
      `pas du JSON : ${SENTENCE}` // malformed_row
    ];
    const s = await ingest(t.wh, 'events', writeFile(`pii-${backend}.ndjson`, lines.join('\n') + '\n'));
    expect([s.read, s.inserted, s.rejected]).toEqual([5, 1, 4]);
    const surveys = 'response_id,submitted_at,org,service,channel,satisfaction,comment\n' + `r1,2024-04-01T10:00:00-04:00,RQ,impot,web,9,"${SENTENCE}"\n`;
    const s2 = await ingest(t.wh, 'surveys', writeFile(`pii-${backend}.csv`, surveys));
    expect([s2.read, s2.rejected]).toEqual([1, 1]);
    const rows = await t.wh.query<{ line: number; raw: string; reason: string; message: string }>('SELECT toUInt64(line) AS line, raw, reason, message FROM quarantine ORDER BY run_id, line');
    expect(rows.map((r) => r.reason).sort()).toEqual(['bad_date', 'bad_value', 'malformed_row', 'out_of_range', 'unknown_channel']);
    for (const r of rows) {
      expectScrubbed(r.raw);
      expectScrubbed(r.message);
    }
    // What is left still says what was wrong, with the placeholders where the information was.
    const channel = rows.find((r) => r.reason === 'unknown_channel');
    expect(channel?.message).toMatch(/^channel = «\[courriel\]»/);
    expect(channel?.raw).toContain('"event_id":"e2"');
    expect(rows.find((r) => r.reason === 'malformed_row')?.raw).toMatch(/^pas du JSON : Écrivez à \[courriel\] ou \[téléphone\], NAS \[NAS\], RAMQ \[RAMQ\], au \[adresse\], \[code postal\]$/);
  });

  it('rows quarantined before the change are scrubbed by migration 120, with the same rules', async () => {
    // The schema as it stood before: every migration but 120, then rows stored unscrubbed as the old code did.
    const before = path.join(dir, `schema-before-${backend}`);
    fs.mkdirSync(before, { recursive: true });
    for (const f of fs.readdirSync(SCHEMA_DIR)) if (f.endsWith('.sql') && !f.startsWith('120_')) fs.copyFileSync(path.join(SCHEMA_DIR, f), path.join(before, f));
    await migrate(t.wh, { dir: before });
    await t.wh.insert('quarantine', [
      { run_id: 'old', kind: 'surveys', org: 'RQ', source: 'vieux.csv', line: 2, raw: `r1,2024-04-01,RQ,impot,web,9,"${SENTENCE}"`, reason: 'out_of_range', message: 'satisfaction = «9»' },
      { run_id: 'old', kind: 'events', org: 'RQ', source: 'vieux.ndjson', line: 7, raw: ev({ channel: PERSONAL.email[0] }), reason: 'unknown_channel', message: `channel = «${PERSONAL.email[0]}» : canal inconnu` }
    ]);
    const result = await migrate(t.wh);
    expect(result.applied).toEqual(['120_scrub_quarantine']);
    const rows = await t.wh.query<{ raw: string; message: string }>("SELECT raw, message FROM quarantine WHERE run_id = 'old' ORDER BY line");
    expect(rows.length).toBe(2);
    for (const r of rows) {
      expectScrubbed(r.raw);
      expectScrubbed(r.message);
    }
    expect(rows[1].message).toBe('channel = «[courriel]» : canal inconnu');
  });

  it('a run registering 45 new codes lists the first 20 with the count, and its record keeps all 45', async () => {
    await migrate(t.wh);
    // Each organization its own two codes (a code new to the warehouse belongs to the first organization sending it).
    const lines = Array.from({ length: 15 }, (_, i) => ev({ event_id: `n${i}`, org: `ORG${String(i).padStart(2, '0')}`, service: `a${i}` }))
      .concat(Array.from({ length: 15 }, (_, i) => ev({ event_id: `m${i}`, org: `ORG${String(i).padStart(2, '0')}`, service: `b${i}` })));
    const s = await ingest(t.wh, 'events', writeFile(`codes-${backend}.ndjson`, lines.join('\n') + '\n'));
    expect(s.new_codes_count).toBe(45);
    expect(s.new_codes.length).toBe(20);
    const [run] = await t.wh.query<{ new_codes: string[] }>('SELECT new_codes FROM ingest_runs FINAL WHERE run_id = {r:String}', { r: s.run_id });
    expect(run.new_codes.length).toBe(45);
    expect(run.new_codes.slice(0, 20)).toEqual(s.new_codes);
    expect(new Set(run.new_codes)).toEqual(new Set([...Array.from({ length: 15 }, (_, i) => `ORG${String(i).padStart(2, '0')}`), ...Array.from({ length: 15 }, (_, i) => [`ORG${String(i).padStart(2, '0')}/a${i}`, `ORG${String(i).padStart(2, '0')}/b${i}`]).flat()]));
  });
});

function writeFile(name: string, content: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, content);
  return file;
}

describe('one scrubber', () => {
  it('migration 120 applies exactly the expression ingest uses (ingest/privacy.ts)', () => {
    const m = loadMigrations().find((x) => x.id === '120_scrub_quarantine');
    expect(m).toBeDefined();
    const [statement] = splitStatements(fs.readFileSync(m?.file ?? '', 'utf8'));
    expect(statement).toContain(`raw = ${scrubSql('raw')},`);
    expect(statement).toContain(`message = ${scrubSql('message')}\n`);
  });
});

describe('inbox messages name the folder and its organization', () => {
  let t: TestWarehouse;
  beforeEach(async () => {
    t = await testWarehouse('server', inject('clickhouseUrl'));
    await migrate(t.wh);
  });
  afterEach(async () => {
    await t.dispose();
  });

  it('a row of another organization in inbox/RQ/events/, an unknown kind folder and an unknown format', async () => {
    const inbox = path.join(dir, 'inbox');
    const put = (rel: string, content: string) => {
      const f = path.join(inbox, rel);
      fs.mkdirSync(path.dirname(f), { recursive: true });
      fs.writeFileSync(f, content);
      fs.utimesSync(f, new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
    };
    put('RQ/events/lot.ndjson', [ev({ event_id: 'i1', org: 'RQ' }), ev({ event_id: 'i2', org: 'SAAQ' })].join('\n') + '\n');
    put('RQ/evenements/lot.ndjson', ev({ event_id: 'i3' }) + '\n');
    put('RQ/events/lot.docx', 'x');
    const config = loadConfig({ CLICKHOUSE_URL: inject('clickhouseUrl'), CLICKHOUSE_DATABASE: t.wh.database, JALON_INBOX_DIR: inbox });
    const counts = await scanInbox({ warehouse: t.wh, config, metrics: createMetricsService(t.wh, config), now: () => new Date(), log: () => undefined }, inbox);
    expect(counts).toMatchObject({ files: 3, done: 1, failed: 2 });
    const [q] = await t.wh.query<{ message: string }>("SELECT message FROM quarantine WHERE reason = 'foreign_org'");
    expect(q.message).toMatch(/^org = «SAAQ» : ligne d’une autre organisation que RQ, celle du dossier inbox\/RQ\/events\/ où le fichier a été déposé/);
    expect(q.message).toContain('the organization of folder inbox/RQ/events/');
    const report = (rel: string) => JSON.parse(fs.readFileSync(path.join(inbox, rel), 'utf8')) as { error?: string };
    expect(report('RQ/evenements/failed/lot.ndjson.report.json').error).toMatch(/^inbox\/RQ\/evenements\/ : « evenements » n’est pas un type/);
    expect(report('RQ/events/failed/lot.docx.report.json').error).toMatch(/^inbox\/RQ\/events\/lot\.docx : format inconnu/);
  });
});
