// `jalon jobs list` as its user runs it: on an empty warehouse (every job "never" ran) and on a demo warehouse after
// `jobs run inbox` (the last run's status, start and counts), in text and with --json. It failed on every
// warehouse with ILLEGAL_AGGREGATION before this test existed.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runJalon } from '../support/cli.ts';

const dirs: string[] = [];
const tempDir = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'jalon-jobs-cli-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

interface Listed {
  id: string;
  schedule: string;
  last: { status: string; started_at: string; counts: Record<string, number>; error: string } | null;
}

describe('jalon jobs list', () => {
  it('works on an empty warehouse: every configured job listed, none has run', async () => {
    const env = { JALON_DATA_DIR: tempDir(), JALON_INBOX_SCHEDULE: '*/5 * * * *' };
    const text = await runJalon(['jobs', 'list'], env);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/^inbox\s+\*\/5 \* \* \* \*\s+jamais \/ never/m);
    const json = await runJalon(['jobs', 'list', '--json'], env);
    expect(json.code, json.stderr).toBe(0);
    const rows = JSON.parse(json.stdout) as Listed[];
    expect(rows.map((r) => r.id)).toEqual(expect.arrayContaining(['inbox', 'rollups']));
    expect(rows.every((r) => r.last === null)).toBe(true);
    expect(rows.find((r) => r.id === 'inbox')?.schedule).toBe('*/5 * * * *');
  }, 200_000);

  it('works on a demo warehouse: the last run of a job run now shows with its status and counts', async () => {
    const env = { JALON_DATA_DIR: tempDir() };
    const demo = await runJalon(['demo', '--events', '20000', '--seed', '3', '--json'], env);
    expect(demo.code, demo.stderr).toBe(0);
    const before = Date.now();
    // The inbox scan, quick on any machine (the rollups job warms every scorecard: minutes on a busy one).
    const run = await runJalon(['jobs', 'run', 'inbox', '--json'], env);
    expect(run.code, run.stderr).toBe(0);
    const ran = JSON.parse(run.stdout) as { run_id: string; status: string; counts: Record<string, number> };
    expect(ran.status).toBe('ok');
    const json = await runJalon(['jobs', 'list', '--json'], env);
    expect(json.code, json.stderr).toBe(0);
    const rows = JSON.parse(json.stdout) as Listed[];
    const inbox = rows.find((r) => r.id === 'inbox');
    expect(inbox?.last?.status).toBe('ok');
    expect(inbox?.last?.counts).toEqual(ran.counts);
    expect(Object.keys(ran.counts)).toContain('files');
    expect(Math.abs(Date.parse(`${inbox?.last?.started_at.replace(' ', 'T')}Z`) - before)).toBeLessThan(120_000);
    expect(rows.find((r) => r.id === 'rollups')?.last).toBeNull();
    const text = await runJalon(['jobs', 'list'], env);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/^inbox\s+\* \* \* \* \*\s+ok \d{4}-\d{2}-\d{2} /m);
    expect(text.stdout).toMatch(/^rollups\s+\* \* \* \* \*\s+jamais \/ never/m);
  }, 400_000);
});
