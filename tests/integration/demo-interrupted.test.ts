// A newcomer presses Ctrl-C while `jalon start` loads the demo for the first time. The process stops at once, and the
// next `jalon start` does not serve the half-loaded demo: it loads it again, so its tables hold exactly what a demo
// loaded without a stop holds. When data was delivered since, nothing is erased: `start` says the demo is incomplete.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { JALON, ROOT, runJalon, startJalon } from '../support/cli.ts';
import { openWarehouse } from '../../warehouse/open-warehouse.ts';
import { loadConfig } from '../../config/config.ts';
import { countDemoTables, demoLoadState } from '../../ingest/demo/generate-demo.ts';

const EVENTS = '1000000'; // about 10 s to load on two cores: time enough to stop it midway
const dirs: string[] = [];
const tempDir = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'jalon-demo-stop-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

/** `jalon start` on `dir`, sent SIGINT `afterMs` after it says it loads the demo; resolves with how it ended. */
function startAndInterrupt(dir: string, afterMs: number): Promise<{ signal: NodeJS.Signals | null; code: number | null; stderr: string; stopMs: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [JALON, 'start', '--port', '0'], { cwd: ROOT, env: { ...process.env, JALON_DATA_DIR: dir, JALON_DEMO_EVENTS: EVENTS }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    let sentAt = 0;
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (!sentAt && /loading the demo/u.test(stderr)) {
        sentAt = -1;
        setTimeout(() => ((sentAt = performance.now()), child.kill('SIGINT')), afterMs);
      }
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve({ code, signal, stderr, stopMs: performance.now() - sentAt }));
  });
}

async function tables(dir: string): Promise<{ counts: Record<string, number>; state: { interrupted: boolean; otherDeliveries: number } }> {
  const wh = await openWarehouse(loadConfig({ JALON_DATA_DIR: dir }).warehouse, { holder: 'test' });
  try {
    return { counts: await countDemoTables(wh), state: await demoLoadState(wh) };
  } finally {
    await wh.close();
  }
}

describe('a demo load stopped midway', () => {
  it('stops at once on Ctrl-C, and the next start loads the demo again, equal to one loaded without a stop', async () => {
    const dir = tempDir();
    const stopped = await startAndInterrupt(dir, 2_000);
    expect(stopped.signal, stopped.stderr).toBe('SIGINT');
    expect(stopped.stderr).toContain('demo load stopped, loaded again at the next start');
    // It used to wait for the load to end (minutes on a busy machine); now the signal ends it.
    expect(stopped.stopMs).toBeLessThan(5_000);
    const half = await tables(dir);
    expect(half.state).toEqual({ interrupted: true, otherDeliveries: 0 });
    expect(half.counts.organizations).toBeGreaterThan(0);
    expect(half.counts.availability_probes).toBe(0); // the last table the demo fills

    // The same demo loaded without a stop, in another folder: what the restarted one must hold.
    const whole = tempDir();
    const reference = await runJalon(['demo', '--events', EVENTS, '--json'], { JALON_DATA_DIR: whole, JALON_DEMO_EVENTS: EVENTS });
    expect(reference.code, reference.stderr).toBe(0);
    const expected = await tables(whole);
    expect(expected.state).toEqual({ interrupted: false, otherDeliveries: 0 });

    const server = await startJalon(['start', '--port', '0'], { JALON_DATA_DIR: dir, JALON_DEMO_EVENTS: EVENTS });
    try {
      expect(server.stderr()).toContain('the last demo load was stopped: loading it again');
      const res = await fetch(`${server.url}/api/v1/metrics/digital_take_up?grain=all&from=2018-01-01&to=2100-01-01`);
      expect(res.status).toBe(200);
    } finally {
      await server.stop();
    }
    // Stopped right after the load, while pages were being prepared: it ends cleanly. It used to crash in the engine's
    // teardown (SIGSEGV, 3 times in 4) when the process exited with a query still running.
    expect({ code: server.child.exitCode, signal: server.child.signalCode }).toEqual({ code: 0, signal: null });
    const reloaded = await tables(dir);
    expect(reloaded.counts).toEqual(expected.counts);
    expect(reloaded.state).toEqual({ interrupted: false, otherDeliveries: 0 });
  }, 300_000);

  it('erases nothing when data was delivered after the stop: start serves and says the demo is incomplete', async () => {
    const dir = tempDir();
    const stopped = await startAndInterrupt(dir, 2_000);
    expect(stopped.signal, stopped.stderr).toBe('SIGINT');
    const file = path.join(tempDir(), 'events.ndjson');
    fs.writeFileSync(file, `${JSON.stringify({ event_id: 'after-stop', occurred_at: '2026-01-05T10:00:00Z', org: 'RAMQ', service: 'RAMQ-CARTE', channel: 'web', journey_id: 'j-after-stop', type: 'started' })}\n`);
    const ingest = await runJalon(['ingest', 'events', file], { JALON_DATA_DIR: dir });
    expect(ingest.code, ingest.stderr).toBe(0);
    const before = await tables(dir);
    expect(before.state).toEqual({ interrupted: true, otherDeliveries: 1 });

    const server = await startJalon(['start', '--port', '0'], { JALON_DATA_DIR: dir, JALON_DEMO_EVENTS: EVENTS });
    try {
      for (let i = 0; i < 50 && !server.stderr().includes('open demo'); i++) await new Promise((r) => setTimeout(r, 100));
      expect(server.stderr()).toContain('the demo load was interrupted and its figures are incomplete; `jalon demo --replace` loads it again');
      expect(server.stderr()).not.toContain('loading it again');
    } finally {
      await server.stop();
    }
    expect((await tables(dir)).counts).toEqual(before.counts);
  }, 300_000);
});
