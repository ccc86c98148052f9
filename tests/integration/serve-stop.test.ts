// A stop (SIGTERM from a process manager, Ctrl-C) waits for running jobs, but not without end: past
// JALON_SHUTDOWN_GRACE_SECONDS the process ends and names what it was waiting for. The job here is a real availability
// probe of a real loopback server that accepts the connection and never answers.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runJalon, startJalon } from '../support/cli.ts';

const dirs: string[] = [];
const sockets: net.Socket[] = [];
const silent = net.createServer((socket) => sockets.push(socket)); // reads the request, never answers
afterAll(() => {
  for (const s of sockets) s.destroy();
  silent.close();
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

describe('jalon serve, stopped while a job waits', () => {
  it('ends after the grace period, naming the step, instead of waiting for the job', async () => {
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as net.AddressInfo).port;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jalon-stop-'));
    dirs.push(dir);
    const jobsFile = path.join(dir, 'jobs.json');
    fs.writeFileSync(jobsFile, JSON.stringify({ jobs: [{ id: 'probes', type: 'probes', interval_s: 1, targets: [{ org: 'RAMQ', service: 'RAMQ-CARTE', url: `http://127.0.0.1:${port}/health`, timeout_ms: 60_000 }] }] }));
    const env = { JALON_DATA_DIR: path.join(dir, 'data'), JALON_JOBS_FILE: jobsFile, JALON_SHUTDOWN_GRACE_SECONDS: '2' };
    const migrated = await runJalon(['migrate'], env);
    expect(migrated.code, migrated.stderr).toBe(0);
    const server = await startJalon(['serve', '--port', '0'], env);
    // The probe runs every second: wait until the silent server holds its request.
    for (let i = 0; i < 100 && sockets.length === 0; i++) await new Promise((r) => setTimeout(r, 100));
    expect(sockets.length).toBeGreaterThan(0);
    const t0 = performance.now();
    const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => server.child.once('exit', (code, signal) => resolve({ code, signal })));
    server.child.kill('SIGTERM');
    const { signal } = await ended;
    const waited = performance.now() - t0;
    expect(signal).toBe('SIGTERM');
    expect(waited).toBeGreaterThanOrEqual(2_000); // it did wait for the job, the grace period long
    expect(waited).toBeLessThan(20_000); // and not for the probe's 60 s timeout
    for (let i = 0; i < 20 && !server.stderr().includes('forced stop'); i++) await new Promise((r) => setTimeout(r, 50));
    expect(server.stderr()).toContain('forced stop after 2 s, waiting for: jobs');
    // The folder opens again at once (no lock left behind by the ended process).
    const again = await runJalon(['migrate'], env);
    expect(again.code, again.stderr).toBe(0);
  }, 120_000);
});
