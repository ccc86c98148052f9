// The CLI as a newcomer meets it: `start` on an empty folder serves the demo, `demo --json` is deterministic,
// a folder held by a running server is refused in one clear line, bad configuration names the variable.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { runJalon, startJalon } from '../support/cli.ts';

const dirs: string[] = [];
const tempDir = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'jalon-cli-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

describe('jalon CLI', () => {
  it('demo --json prints counts per table, identical for the same seed on another empty folder', async () => {
    const args = ['demo', '--events', '200000', '--seed', '7', '--json'];
    const a = await runJalon(args, { JALON_DATA_DIR: tempDir() });
    const b = await runJalon(args, { JALON_DATA_DIR: tempDir() });
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    const sa = JSON.parse(a.stdout) as { tables: Record<string, number>; seed: number };
    const sb = JSON.parse(b.stdout) as { tables: Record<string, number> };
    expect(sa.seed).toBe(7);
    expect(sa.tables.service_events).toBeGreaterThanOrEqual(199_600);
    expect(sb.tables).toEqual(sa.tables);
  }, 120_000);

  it('start on an empty folder migrates, loads the demo and serves the organizations with their event counts; a second process is refused in one line', async () => {
    const dir = tempDir();
    const server = await startJalon(['start', '--port', '0'], { JALON_DATA_DIR: dir, JALON_DEMO_EVENTS: '60000' });
    try {
      expect(server.url).toMatch(/^http:\/\/localhost:\d+$/);
      // `start` is the open demo (issue 11): it says so, and serves this machine only.
      for (let i = 0; i < 50 && !server.stderr().includes('open demo'); i++) await new Promise((r) => setTimeout(r, 100)); // stderr may trail stdout
      expect(server.stderr()).toContain('open demo: no sign-in, on this computer only (127.0.0.1)');
      // The home redirects to the scorecard in the browser's language; the organizations page lists every service's events.
      const home = await fetch(server.url, { headers: { 'accept-language': 'fr-CA,fr;q=0.9' } });
      expect(home.url).toMatch(/\/fr$/);
      const html = await (await fetch(`${server.url}/fr/organisations`)).text();
      const byOrg = new Map<string, number>();
      for (const m of html.matchAll(/data-org="([A-Z]+)" data-service="[^"]+">([^<]+)</g)) {
        byOrg.set(m[1], (byOrg.get(m[1]) ?? 0) + Number(m[2].replace(/\D/g, '')));
      }
      const totals = [...byOrg.entries()];
      const codes = totals.map(([c]) => c);
      for (const code of ['RAMQ', 'RQ', 'SAAQ', 'RETRAITEQC', 'CNESST', 'SERVICESQC', 'AFE', 'DEC', 'REQ', 'TAL']) expect(codes).toContain(code);
      expect(codes.length).toBeGreaterThanOrEqual(15);
      const sum = totals.reduce((s, [, n]) => s + n, 0);

      // The same demo generated elsewhere has exactly as many events as the page shows.
      const other = await runJalon(['demo', '--events', '60000', '--json'], { JALON_DATA_DIR: tempDir() });
      expect(other.code, other.stderr).toBe(0);
      expect(sum).toBe((JSON.parse(other.stdout) as { tables: Record<string, number> }).tables.service_events);

      const second = await runJalon(['migrate'], { JALON_DATA_DIR: dir });
      expect(second.code).toBe(1);
      const lines = second.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(dir);
      // Started on --port 0: the holder names the port it answers on, not port 0.
      expect(lines[0]).toContain(`jalon serve ${server.url} (pid`);
      expect(lines[0]).not.toContain('Cannot lock file');
    } finally {
      await server.stop();
    }
    // Once the server stops, the folder opens again.
    const after = await runJalon(['migrate', '--json'], { JALON_DATA_DIR: dir });
    expect(after.code, after.stderr).toBe(0);
    expect(JSON.parse(after.stdout).applied).toEqual([]);
  }, 180_000);

  it('`npm start` stops when npm is sent SIGTERM (what a process manager sends), and the folder opens again', async () => {
    const dir = tempDir();
    const root = path.resolve(import.meta.dirname, '..', '..');
    const npm = spawn('npm', ['start', '--silent', '--', '--port', '0'], { cwd: root, env: { ...process.env, JALON_DATA_DIR: dir, JALON_DEMO_EVENTS: '20000' }, stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<number | null>((resolve) => npm.once('exit', (code) => resolve(code)));
    let out = '';
    await new Promise<void>((resolve, reject) => {
      npm.stdout.on('data', (d: Buffer) => ((out += d.toString()), /Jalon: http/u.test(out) && resolve()));
      void exited.then(() => reject(new Error(`npm start ended before serving: ${out}`)));
    });
    npm.kill('SIGTERM');
    await exited;
    // The server itself stopped (no orphan holding the folder): another command opens it at once.
    let after = await runJalon(['migrate', '--json'], { JALON_DATA_DIR: dir });
    for (let i = 0; i < 20 && after.code !== 0; i++) {
      await new Promise((r) => setTimeout(r, 500)); // the server is still closing the warehouse
      after = await runJalon(['migrate', '--json'], { JALON_DATA_DIR: dir });
    }
    expect(after.code, after.stderr).toBe(0);
  }, 180_000);

  it('stops on a bad configuration value, naming the variable', async () => {
    const r = await runJalon(['migrate'], { JALON_DATA_DIR: tempDir(), PORT: 'eighty', CLICKHOUSE_URL: 'ftp://x' });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('PORT="eighty"');
    expect(r.stderr).toContain('CLICKHOUSE_URL');
  });

  it('says which command is unknown', async () => {
    const r = await runJalon(['frobnicate'], {});
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('frobnicate');
  });
});
