// Starts and stops a real ClickHouse 26.x server on loopback for tests and benchmarks, from the library inside
// the chdb package (see chdb-server.py). Free ports are picked per start; the data folder is private and removed.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

export interface RunningServer {
  url: string;
  httpPort: number;
  tcpPort: number;
  dataDir: string;
  /** The end of the server's standard error, and how it ended: its exit code, or the signal that stopped it (a crash
   *  of the library: SIGABRT, SIGSEGV…); both null while it runs. `exited` says whether it is gone either way. */
  diagnostics(): { exited: boolean; exitCode: number | null; signal: NodeJS.Signals | null; stderr: string };
  stop(): Promise<void>;
}

export function findLibchdb(): string {
  const require = createRequire(import.meta.url);
  const pkg = require.resolve('@chdb/lib-linux-x64-gnu/package.json', { paths: [require.resolve('chdb')] });
  return path.join(path.dirname(pkg), 'libchdb.so');
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

async function waitForPing(url: string, child: ChildProcess, stderr: () => string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`ClickHouse server exited (${child.exitCode}): ${stderr()}`);
    try {
      const res = await fetch(`${url}/ping`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`ClickHouse server did not answer ${url}/ping within ${timeoutMs} ms: ${stderr()}`);
}

export interface StartOptions {
  httpPort?: number;
  tcpPort?: number;
  configXml?: string;
  dataDir?: string;
}

/** Starts a server; resolves when /ping answers. */
export async function startClickHouseServer(options: StartOptions = {}): Promise<RunningServer> {
  const python = process.env.PYTHON ?? 'python3';
  const lib = findLibchdb();
  for (let attempt = 0; ; attempt++) {
    const httpPort = options.httpPort ?? (await freePort());
    const tcpPort = options.tcpPort ?? (await freePort());
    const dataDir = options.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'jalon-ch-'));
    const args = [path.join(here, 'chdb-server.py'), lib, String(httpPort), String(tcpPort), dataDir];
    if (options.configXml) args.push(options.configXml);
    const child = spawn(python, args, { stdio: ['pipe', 'ignore', 'pipe'], cwd: dataDir });
    let errText = '';
    child.stderr?.on('data', (d: Buffer) => {
      errText = (errText + d.toString()).slice(-4000);
    });
    const url = `http://127.0.0.1:${httpPort}`;
    try {
      await waitForPing(url, child, () => errText, 60_000);
    } catch (err) {
      child.kill('SIGKILL');
      if (attempt < 2 && /Address already in use/.test(errText) && !options.httpPort) continue;
      throw err;
    }
    return {
      url,
      httpPort,
      tcpPort,
      dataDir,
      diagnostics: () => ({ exited: child.exitCode !== null || child.signalCode !== null, exitCode: child.exitCode, signal: child.signalCode, stderr: errText }),
      async stop() {
        // A server killed by a signal has exitCode null and signalCode set: it is gone, and its 'exit' event with it.
        if (child.exitCode === null && child.signalCode === null) {
          const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
          child.stdin?.end();
          const timer = setTimeout(() => child.kill('SIGTERM'), 10_000);
          await exited;
          clearTimeout(timer);
        }
        if (!options.dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
      }
    };
  }
}
