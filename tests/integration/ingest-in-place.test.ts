// The in-place path (the engine reads a whole NDJSON file and inserts it in one INSERT … SELECT) against the batched
// path: the same dirty files give the same summaries, stored rows, quarantine and placeholder codes, on the embedded
// engine (both paths) and on the server (batched path only: the server cannot read the client's files).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { embeddedTestWarehouse, serverTestWarehouse, type TestWarehouse } from '../support/warehouses.ts';
import { migrate } from '../../warehouse/migrate.ts';
import { resolveInputs, runIngest } from '../../ingest/run-ingest.ts';
import type { Kind } from '../../ingest/kinds.ts';
import type { Warehouse } from '../../warehouse/warehouse.ts';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jalon-ingest-in-place-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function write(name: string, content: string | Buffer): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, content);
  return file;
}

const ev = (o: Record<string, unknown>) =>
  JSON.stringify({ occurred_at: '2024-04-01T10:00:00-04:00', org: 'RAMQ', service: 'carte', channel: 'web', journey_id: 'j1', type: 'started', ...o });

/** A dirty events file without repeated ids: every kind of reject, blank and garbage lines, CRLF, a BOM. */
const dirtyEvents = [
  '\ufeff' + ev({ event_id: 'e1' }),
  ev({ event_id: 'e2', type: 'completed', outcome: 'success', duration_ms: 300000, assisted: true }),
  '',
  ev({ event_id: 'e3', channel: 'pigeon' }),
  ev({ event_id: 'e4', occurred_at: 'hier' }),
  ev({ event_id: 'e5', type: 'step', step_index: 'abc' }),
  JSON.stringify({ event_id: 'e6', org: 'RAMQ' }),
  ev({ event_id: 'e7', type: 'completed' }),
  ev({ event_id: 'e8', region: '18' }),
  ev({ event_id: 'x'.repeat(65) }),
  ev({ event_id: 'e9', occurred_at: '2024-04-01 23:30:00', channel: 'mobile', org: ' SAAQ ', service: 'permis' }),
  '   ',
  'garbage {"event_id": "e10"',
  ev({ event_id: 'e11', occurred_at: '2024-02-30T10:00:00-05:00' }),
  ev({ event_id: 'e12', step_index: 300, type: 'step', step: 'etape' }),
  ev({ event_id: 'e13', assisted: 'peut-être' }),
  ev({ event_id: 'e14', org: 'MCN', service: 'nouveau', occurred_at: '2023-06-01T08:00:00Z', prefilled: 'oui' }),
  '{"event_id": "e15", "occurred_at": "2024-04-01T10:00:00-04:00", "org": "RAMQ", "service": "carte", "channel": "web", "journey_id": "j2", "type": "started", "bad": \u00e9t\u00e9}',
  ev({ event_id: 'e16', org: '' }),
  ev({ event_id: 'e17', duration_ms: -5, type: 'completed', outcome: 'ineligible' }),
  ev({ event_id: 'e18' })
].join('\r\n');

const surveys = [
  JSON.stringify({ response_id: 'r1', submitted_at: '2024-04-01T10:00:00-04:00', org: 'RQ', service: 'impot', channel: 'web', satisfaction: 4, comment: 'Écrivez-moi à a.b@example.com' }),
  JSON.stringify({ response_id: 'r2', submitted_at: '2024-04-02T10:00:00-04:00', org: 'RQ', service: 'impot', channel: 'phone', satisfaction: 9 }),
  JSON.stringify({ response_id: 'r3', submitted_at: '2024-04-03', org: 'RQ', service: 'tps', channel: 'web', satisfaction: 2, effort: 3, language: 'en' }),
  '[1, 2]'
].join('\n');

interface Snapshot {
  summaries: unknown[];
  rows: string[];
  quarantine: string[];
  codes: string[];
  /** The rollups fed by views (the in-place path attaches copies it fed), folded per key. */
  rollups: string[];
}

/** Everything a run leaves behind, without run ids and clocks; values as ClickHouse text (same on both engines). */
async function snapshot(wh: Warehouse, summaries: unknown[]): Promise<Snapshot> {
  const text = async (sql: string) => (await wh.query<{ r: string }>(sql)).map((x) => x.r);
  const rows = [
    ...(await text('SELECT toString(tuple(* EXCEPT (run_id, ingested_at))) AS r FROM service_events ORDER BY org, event_id')),
    ...(await text('SELECT toString(tuple(* EXCEPT (run_id, ingested_at))) AS r FROM survey_responses ORDER BY org, response_id'))
  ];
  const quarantine = await text('SELECT toString(tuple(kind, org, source, line, raw, reason, message)) AS r FROM quarantine ORDER BY source, line, at');
  const codes = await text(
    "SELECT r FROM (SELECT concat('org ', code) AS r FROM organizations FINAL WHERE placeholder UNION ALL SELECT concat('service ', org, '/', code) FROM services FINAL WHERE placeholder) ORDER BY r"
  );
  const rollups = [
    ...(await text(`SELECT toString(tuple(org, service, day, channel, sum(events), sum(started), sum(completed), sum(completed_prefilled), sum(sign_ins),
                     sum(sign_ins_partner), max(last_at))) AS r FROM rollup_events_daily GROUP BY org, service, day, channel ORDER BY r`)),
    ...(await text(`SELECT toString(tuple(org, service, day, channel, satisfaction, effort, region, client_type, sum(responses), max(last_at))) AS r
                    FROM rollup_responses_daily GROUP BY org, service, day, channel, satisfaction, effort, region, client_type ORDER BY r`))
  ];
  // Worked out from the raw rows, not from a rollup: each day's events and responses per organization, service, channel.
  const fromRaw = await text(`SELECT toString(tuple(org, service, toDate(occurred_at, 'America/Toronto') AS day, channel, count())) AS r
                               FROM service_events FINAL GROUP BY org, service, day, channel ORDER BY r`);
  const fromRollup = await text(`SELECT toString(tuple(org, service, day, channel, sum(events))) AS r FROM rollup_events_daily GROUP BY org, service, day, channel ORDER BY r`);
  expect(fromRollup).toEqual(fromRaw);
  const [responses] = await wh.query<{ raw: string; rollup: string }>(
    'SELECT toString((SELECT count() FROM survey_responses FINAL)) AS raw, toString((SELECT sum(responses) FROM rollup_responses_daily)) AS rollup'
  );
  expect(responses.rollup).toBe(responses.raw);
  return { summaries, rows, quarantine, codes, rollups };
}

type Step = { kind: Kind; file: string; org?: string; strict?: boolean };

/** Runs the steps in order on a fresh warehouse; `inPlace` false forces the batched path. Also says which path ran. */
async function runSteps(t: TestWarehouse, steps: Step[], inPlace: boolean): Promise<{ snap: Snapshot; paths: string[] }> {
  await migrate(t.wh);
  const summaries: unknown[] = [];
  const paths: string[] = [];
  for (const step of steps) {
    const phases = new Set<string>();
    const s = await runIngest(t.wh, {
      kind: step.kind,
      inputs: resolveInputs(step.file, null),
      org: step.org ?? null,
      strict: step.strict ?? false,
      inPlace,
      trace: (phase) => phases.add(phase)
    });
    expect(s.read).toBe(s.inserted + s.duplicates + s.rejected);
    paths.push(phases.has('validate') ? 'batched' : 'in-place');
    summaries.push({ kind: s.kind, status: s.status, read: s.read, inserted: s.inserted, duplicates: s.duplicates, rejected: s.rejected, rejects: s.rejects, new_codes: s.new_codes, errors: s.errors });
  }
  // Nothing staged is left behind (the in-place path's intake, copies and views are dropped).
  expect(await t.wh.query("SELECT name FROM system.tables WHERE database = currentDatabase() AND startsWith(name, '_ingest_')")).toEqual([]);
  return { snap: await snapshot(t.wh, summaries), paths };
}

async function compare(steps: Step[]): Promise<{ inPlace: string[]; batched: string[]; snap: Snapshot }> {
  const a = await embeddedTestWarehouse();
  let fast;
  try {
    fast = await runSteps(a, steps, true);
  } finally {
    await a.dispose();
  }
  const b = await embeddedTestWarehouse();
  let slow;
  try {
    slow = await runSteps(b, steps, false);
  } finally {
    await b.dispose();
  }
  const c = await serverTestWarehouse(inject('clickhouseUrl'));
  let server;
  try {
    server = await runSteps(c, steps, true);
  } finally {
    await c.dispose();
  }
  expect(fast.snap).toEqual(slow.snap);
  expect(server.snap).toEqual(slow.snap);
  expect(server.paths.every((p) => p === 'batched')).toBe(true);
  expect(slow.paths.every((p) => p === 'batched')).toBe(true);
  return { inPlace: fast.paths, batched: slow.paths, snap: fast.snap };
}

// Each test runs several ingests and compares them with the batched path: minutes on a loaded machine, hence 180 s.
describe('ingest in place against the batched path', () => {
  it('a dirty events file, then the same file again (stored rows: the batched path), then a survey file', async () => {
    const events = write('dirty-events.ndjson', dirtyEvents);
    const again = write('dirty-events-again.ndjson', dirtyEvents);
    const surveyFile = write('surveys.jsonl', surveys);
    const r = await compare([{ kind: 'events', file: events }, { kind: 'events', file: again }, { kind: 'surveys', file: surveyFile }]);
    expect(r.inPlace).toEqual(['in-place', 'batched', 'in-place']);
    const [first, second] = r.snap.summaries as { read: number; inserted: number; duplicates: number; rejected: number; new_codes: string[] }[];
    expect([first.read, first.inserted, first.duplicates, first.rejected]).toEqual([19, 5, 0, 14]);
    const lines = (first as unknown as { errors: { line: number; reason: string }[] }).errors.map((e) => `${e.line} ${e.reason}`);
    expect(lines).toEqual([
      '4 unknown_channel', '5 bad_date', '6 bad_number', '7 missing_field', '8 missing_field', '9 bad_value', '10 too_long',
      '13 malformed_row', '14 bad_date', '15 out_of_range', '16 bad_bool', '18 malformed_row', '19 missing_field', '20 out_of_range'
    ]);
    expect(first.new_codes).toEqual(['MCN', 'RAMQ', 'SAAQ', 'MCN/nouveau', 'RAMQ/carte', 'SAAQ/permis']);
    expect([second.read, second.inserted, second.duplicates, second.rejected]).toEqual([19, 0, 5, 14]);
    expect(r.snap.quarantine.filter((q) => String(q).includes('garbage')).length).toBe(2); // once per run
  }, 180_000);

  it('a repeated id in the file sends it to the batched path; a forced organization and strict mode agree', async () => {
    // Each file in its own month, so that the stored-row check of one does not see the rows of the one before.
    const dup = write('dup.ndjson', [ev({ event_id: 'a1' }), ev({ event_id: 'a2', org: 'SAAQ' }), ev({ event_id: 'a1', channel: 'phone' })].join('\n'));
    const at = { occurred_at: '2024-05-01T10:00:00-04:00' };
    const forced = write('forced.ndjson', [ev({ event_id: 'b1', org: '', ...at }), ev({ event_id: 'b2', org: 'SAAQ', ...at }), ev({ event_id: 'b3', ...at })].join('\n') + '\n');
    const at2 = { occurred_at: '2024-06-01T10:00:00-04:00' };
    const strict = write('strict.ndjson', [ev({ event_id: 'c1', ...at2 }), ev({ event_id: 'c2', org: 'XYZ', ...at2 }), ev({ event_id: 'c3', service: 'autre', ...at2 })].join('\n') + '\n');
    const r = await compare([
      { kind: 'events', file: dup },
      { kind: 'events', file: forced, org: 'RAMQ' },
      { kind: 'events', file: strict, strict: true }
    ]);
    expect(r.inPlace).toEqual(['batched', 'in-place', 'in-place']);
    const s = r.snap.summaries as { read: number; inserted: number; duplicates: number; rejected: number; rejects: { reason: string }[] }[];
    // `carte` is new to the warehouse and sent for RAMQ first, then SAAQ: it is RAMQ's, and SAAQ's row is foreign_service.
    expect([s[0].read, s[0].inserted, s[0].duplicates, s[0].rejected]).toEqual([3, 1, 1, 1]);
    expect(s[0].rejects).toEqual([{ reason: 'foreign_service', count: 1 }]);
    expect([s[1].read, s[1].inserted, s[1].rejected]).toEqual([3, 2, 1]);
    expect(s[1].rejects).toEqual([{ reason: 'foreign_org', count: 1 }]);
    expect(s[2].rejects).toEqual([{ reason: 'unknown_org', count: 3 }]); // placeholders are not declared organizations
  }, 180_000);

  it('a JSON escape of a lone surrogate is refused, valid escapes are text, on both paths', async () => {
    const base = '"occurred_at":"2024-05-01T10:00:00-04:00","org":"RAMQ","channel":"web","journey_id":"j9","type":"started"';
    const file = write('escapes.ndjson', [
      `{"event_id":"u1",${base},"service":"carte\\u00e9"}`,
      `{"event_id":"u2",${base},"service":"carte\\udcff"}`,
      `{"event_id":"u3",${base},"service":"carte","step":"\\ud83d\\ude00"}`
    ].join('\n'));
    const r = await compare([{ kind: 'events', file }]);
    expect(r.inPlace).toEqual(['in-place']);
    const [s] = r.snap.summaries as { read: number; inserted: number; rejected: number; errors: { line: number; reason: string }[] }[];
    expect([s.read, s.inserted, s.rejected]).toEqual([3, 2, 1]);
    expect(s.errors.map((e) => [e.line, e.reason])).toEqual([[2, 'malformed_row']]); // the engine's JSON parser refuses it
    expect(r.snap.rows.some((row) => row.includes("'carteé'"))).toBe(true);
    expect(r.snap.rows.some((row) => row.includes('😀'))).toBe(true);
  }, 180_000);

  it('a file longer than the in-place limit goes through the batched path', async () => {
    const file = write('five.ndjson', [1, 2, 3, 4, 5].map((i) => ev({ event_id: `l${i}` })).join('\n'));
    for (const [max, expected] of [[4, 'batched'], [5, 'in-place']] as const) {
      const t = await embeddedTestWarehouse();
      try {
        await migrate(t.wh);
        const phases = new Set<string>();
        const s = await runIngest(t.wh, { kind: 'events', inputs: resolveInputs(file, null), inPlaceMaxLines: max, trace: (p) => phases.add(p) });
        expect(phases.has('validate') ? 'batched' : 'in-place').toBe(expected);
        expect([s.read, s.inserted]).toEqual([5, 5]);
      } finally {
        await t.dispose();
      }
    }
  }, 180_000);

  it('a run stopped right after the in-place insert, then restarted, ends as one clean run', async () => {
    const file = write('stopped.ndjson', dirtyEvents);
    const clean = await compare([{ kind: 'events', file }]);
    const t = await embeddedTestWarehouse();
    try {
      await migrate(t.wh);
      const stop = (phase: string) => {
        if (phase === 'insert') throw new Error('stopped');
      };
      await expect(runIngest(t.wh, { kind: 'events', inputs: resolveInputs(file, null), trace: stop })).rejects.toThrow('stopped');
      const phases = new Set<string>();
      const s = await runIngest(t.wh, { kind: 'events', inputs: resolveInputs(file, null), trace: (p) => phases.add(p) });
      expect(phases.has('validate')).toBe(true); // stored rows in the file's range: the batched look-up
      expect([s.read, s.inserted, s.duplicates, s.rejected]).toEqual([19, 0, 5, 14]);
      const after = await snapshot(t.wh, []);
      expect(after.rows).toEqual(clean.snap.rows);
      expect(after.quarantine).toEqual(clean.snap.quarantine);
      expect(after.codes).toEqual(clean.snap.codes);
      expect(s.new_codes).toEqual((clean.snap.summaries[0] as { new_codes: string[] }).new_codes);
    } finally {
      await t.dispose();
    }
  }, 180_000);

  it('a folder of files: each file in place, in order', async () => {
    const folder = path.join(dir, 'folder');
    fs.mkdirSync(folder);
    fs.writeFileSync(path.join(folder, 'a.ndjson'), [ev({ event_id: 'f1' }), ev({ event_id: 'f2', channel: 'pigeon' })].join('\n'));
    fs.writeFileSync(path.join(folder, 'b.ndjson'), [ev({ event_id: 'f1' }), ev({ event_id: 'f3', org: 'RQ', service: 'tps' })].join('\n'));
    const r = await compare([{ kind: 'events', file: folder }]);
    expect(r.inPlace).toEqual(['batched']); // b.ndjson repeats f1, stored by a.ndjson: that file goes through the look-up
    const [s] = r.snap.summaries as { read: number; inserted: number; duplicates: number; rejected: number }[];
    expect([s.read, s.inserted, s.duplicates, s.rejected]).toEqual([4, 2, 1, 1]);
  }, 180_000);
});
