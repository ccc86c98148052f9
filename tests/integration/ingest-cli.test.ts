// `jalon ingest` as a user runs it: NDJSON on standard input into an embedded data folder, the --json summary with
// exactly its documented keys, and one clear line with exit code 2 for a wrong kind.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';

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

  it('refuses an unknown kind with one line and exit code 2', async () => {
    const res = await jalon(['ingest', 'widgets', '-'], '');
    expect(res.code).toBe(2);
    expect(res.stderr.trim().split('\n')).toHaveLength(1);
    expect(res.stderr).toMatch(/widgets/);
  }, 60_000);
});
