// End-to-end set-up: a small demo in a database of its own on the test ClickHouse server, then `jalon serve` as the
// open demo (loopback, no sign-in) on a free port (it builds the app first when the build is older than the sources), and Debian's Chromium.
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../support/clickhouse-server.ts';
import { testDatabaseName } from '../../support/database-name.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
export const SCREENSHOTS = path.join(ROOT, 'test-results', 'screenshots');
export const DEMO = { events: 200_000, seed: 7, now: '2026-11-01' };

/** Fails with the package to install when Debian's Chromium is missing (`.ci/run` installs it). */
export function requireChromium(): void {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium introuvable (${CHROMIUM}) : installez le paquet Debian « chromium » (apt-get install -y chromium) / ` +
        `Chromium not found at ${CHROMIUM}: install the Debian package "chromium" (apt-get install -y chromium)`
    );
  }
}

export interface RunningDashboard {
  url: string;
  env: NodeJS.ProcessEnv;
  database: string;
  stop(): Promise<void>;
}

/** `env`: extra variables for the server (e.g. JALON_AUTH_REQUIRED); `database`: serve a database another
 *  startDashboard already filled (no demo is generated, and stop() leaves the database to its owner). */
export async function startDashboard(clickhouseUrl: string, options: { env?: NodeJS.ProcessEnv; database?: string } = {}): Promise<RunningDashboard> {
  const database = options.database ?? testDatabaseName();
  const port = await freePort();
  // The public URL is the one the tests browse (127.0.0.1), so that form posts pass SvelteKit's same-origin check.
  const env: NodeJS.ProcessEnv = {
    ...process.env, CLICKHOUSE_URL: clickhouseUrl, CLICKHOUSE_DATABASE: database, PORT: String(port), JALON_LOG_LEVEL: 'warn',
    JALON_AUTH_REQUIRED: 'false', JALON_REQUESTS_PER_MINUTE: '6000', JALON_PUBLIC_URL: `http://127.0.0.1:${port}`, ...(options.env ?? {})
  };
  const jalon = path.join(ROOT, 'bin', 'jalon.js');
  if (!options.database) {
    await promisify(execFile)(process.execPath, [jalon, 'demo', '--events', String(DEMO.events), '--seed', String(DEMO.seed), '--now', DEMO.now], { cwd: ROOT, env, maxBuffer: 16 << 20 });
  }
  const child: ChildProcess = spawn(process.execPath, [jalon, 'serve', '--port', String(port)], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`jalon serve n'a pas démarré / did not start:\n${log}`)), 110_000);
    const onData = (d: Buffer) => {
      log = (log + d.toString()).slice(-8000);
      const m = /Jalon: (http:\/\/\S+)/.exec(log);
      if (m) {
        clearTimeout(timer);
        resolve(m[1].replace('localhost', '127.0.0.1'));
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`jalon serve exited (${code}):\n${log}`));
    });
  });
  return {
    url,
    env,
    database,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      if (!options.database) await fetch(`${clickhouseUrl}/?query=${encodeURIComponent(`DROP DATABASE IF EXISTS ${database}`)}`, { method: 'POST' }).catch(() => undefined);
    }
  };
}
