// `jalon ingest` as a user runs it: NDJSON on standard input into an embedded data folder, the --json summary with
// exactly its documented keys, and one clear line with exit code 2 for a wrong kind; a new service code sent for two
// organizations in one file belongs to the first, the other's rows quarantined (issue 11, ownership by organization).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { EmbeddedWarehouse } from '../../warehouse/embedded.ts';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jalon-ingest-cli-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function jalon(args: string[], stdin: string | null): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'jalon.js'), ...args], {
    cwd: ROOT,
    env: { ...process.env, JALON_DATA_DIR: path.join(dir, 'data'), CLICKHOUSE_URL: '' },
    stdio: [stdin === null ? 'ignore' : 'pipe', 'pipe', 'pipe']
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  if (stdin !== null) child.stdin?.end(stdin);
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr })));
}

const ev = (id: string, o: Record<string, unknown> = {}) =>
  JSON.stringify({ event_id: id, occurred_at: '2024-04-01T10:00:00-04:00', org: 'RAMQ', service: 'carte', channel: 'web', journey_id: 'j', type: 'started', ...o });

describe('jalon ingest (CLI)', () => {
  it('reads standard input and prints the JSON summary; a second run counts duplicates', async () => {
    const input = [ev('s1'), ev('s2'), ev('s3', { channel: 'fax machine' }), ''].join('\n');
    const first = await jalon(['ingest', 'events', '-', '--json'], input);
    expect(first.code, first.stderr).toBe(0);
    const summary = JSON.parse(first.stdout) as Record<string, unknown>;
    expect(Object.keys(summary)).toEqual(['run_id', 'kind', 'read', 'inserted', 'duplicates', 'rejected', 'rejects', 'new_codes', 'new_codes_count', 'status']);
    expect(summary).toMatchObject({ kind: 'events', read: 3, inserted: 2, duplicates: 0, rejected: 1, rejects: [{ reason: 'unknown_channel', count: 1 }], new_codes: ['RAMQ', 'RAMQ/carte'], new_codes_count: 2 });
    const second = await jalon(['ingest', 'events', '-', '--json'], input);
    expect(JSON.parse(second.stdout)).toMatchObject({ read: 3, inserted: 0, duplicates: 2, rejected: 1, new_codes: [] });
  }, 120_000);

  it('gives a new service code sent for two organizations in one file to the first, in a file read in place and on standard input', async () => {
    // Events in a file (the engine reads it in place unless a code is shared): RAMQ's rows come first.
    const file = path.join(dir, 'shared-code.ndjson');
    const rows = [
      ...['p1', 'p2', 'p3'].map((id) => ev(id, { org: 'RAMQ', service: 'partage' })),
      ...['q1', 'q2'].map((id) => ev(id, { org: 'SAAQ', service: 'partage' })),
      ev('q3', { org: 'SAAQ', service: 'saaq-propre' })
    ];
    fs.writeFileSync(file, rows.join('\n') + '\n');
    const events = await jalon(['ingest', 'events', file, '--json'], null);
    expect(events.code, events.stderr).toBe(0);
    expect(JSON.parse(events.stdout)).toMatchObject({ read: 6, inserted: 4, rejected: 2, rejects: [{ reason: 'foreign_service', count: 2 }] });
    expect((JSON.parse(events.stdout) as { new_codes: string[] }).new_codes).not.toContain('SAAQ/partage');
    // Services declared on standard input (the batched path): SAAQ first this time, so the code is SAAQ's.
    const declared = [
      JSON.stringify({ org: 'SAAQ', code: 'commun', name_fr: 'Commun SAAQ', launched_on: '2020-01-01' }),
      JSON.stringify({ org: 'RAMQ', code: 'commun', name_fr: 'Commun RAMQ', launched_on: '2020-01-01' })
    ].join('\n');
    const services = await jalon(['ingest', 'services', '-', '--json'], declared);
    expect(services.code, services.stderr).toBe(0);
    expect(JSON.parse(services.stdout)).toMatchObject({ read: 2, inserted: 1, rejected: 1, rejects: [{ reason: 'foreign_service', count: 1 }] });

    const wh = await EmbeddedWarehouse.open({ dataDir: path.join(dir, 'data'), database: 'jalon' });
    try {
      const owners = await wh.query<{ code: string; orgs: string[] }>(
        "SELECT code, groupArray(org) AS orgs FROM (SELECT DISTINCT code, org FROM services FINAL WHERE code IN ('partage', 'commun', 'saaq-propre')) GROUP BY code ORDER BY code"
      );
      expect(owners).toEqual([{ code: 'commun', orgs: ['SAAQ'] }, { code: 'partage', orgs: ['RAMQ'] }, { code: 'saaq-propre', orgs: ['SAAQ'] }]);
      const filed = await wh.query<{ org: string; n: number }>("SELECT org, toUInt32(count()) AS n FROM service_events WHERE service = 'partage' GROUP BY org");
      expect(filed).toEqual([{ org: 'RAMQ', n: 3 }]);
      // Each refused row says which field and what to do, in one line.
      const held = await wh.query<{ org: string; message: string }>("SELECT org, message FROM quarantine WHERE reason = 'foreign_service' ORDER BY org, line");
      expect(held.map((h) => h.org)).toEqual(['RAMQ', 'SAAQ', 'SAAQ']);
      for (const h of held) {
        expect(h.message).toMatch(/^(service|code) = «(partage|commun)» : ce code de service appartient à une autre organisation/u);
        expect(h.message).toContain('use a code of your own');
        expect(h.message).not.toContain('\n');
      }
    } finally {
      await wh.close();
    }
  }, 180_000);

  it('refuses an unknown kind with one line and exit code 2', async () => {
    const res = await jalon(['ingest', 'widgets', '-'], '');
    expect(res.code).toBe(2);
    expect(res.stderr.trim().split('\n')).toHaveLength(1);
    expect(res.stderr).toMatch(/widgets/);
  }, 60_000);
});
