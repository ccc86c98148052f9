// `jalon serve`: one process owns the warehouse and serves the built SvelteKit app (pages and API) on it.
// Builds the app first when the build is missing or older than its sources.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { setRuntime, type Runtime } from './lib/server/runtime.ts';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BUILD_HANDLER = path.join(ROOT, 'build', 'handler.js');
const SOURCE_DIRS = ['dashboard', 'metrics', 'warehouse', 'config', 'ingest', 'jobs', 'sql', 'access', 'opendata'];

function newestMtime(dir: string): number {
  let newest = 0;
  if (!fs.existsSync(dir)) return 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const p = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : fs.statSync(p).mtimeMs);
  }
  return newest;
}

export function buildIsStale(): boolean {
  if (!fs.existsSync(BUILD_HANDLER)) return true;
  const built = fs.statSync(BUILD_HANDLER).mtimeMs;
  return SOURCE_DIRS.some((d) => newestMtime(path.join(ROOT, d)) > built) || fs.statSync(path.join(ROOT, 'svelte.config.js')).mtimeMs > built;
}

/** Runs `vite build` in a child process (chdb must never load in the build's worker threads). */
export async function buildDashboard(log: (line: string) => void): Promise<void> {
  log('Construction du tableau de bord… / building the dashboard…');
  const vite = path.join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js');
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, [vite, 'build', '--logLevel', 'warn'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-8000)));
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`vite build failed (${code}):\n${err}`))));
  });
}

export interface RunningHttp {
  url: string;
  close(): Promise<void>;
}

type NodeHandler = (req: http.IncomingMessage, res: http.ServerResponse, next?: () => void) => void;

export async function serveHttp(given: Omit<Runtime, 'metrics'> & { metrics?: Runtime['metrics'] }): Promise<RunningHttp> {
  const runtime = setRuntime(given);
  // adapter-node takes the site's origin from ORIGIN when it loads; without it, it assumes https and refuses
  // same-site form posts (sign-in) as cross-site. The public URL is the origin people use.
  process.env.ORIGIN ??= runtime.config.http.publicUrl;
  // adapter-node reads its own body limit from the environment when the handler loads (512 KB by default); the push
  // API enforces Jalon's limit itself (413 in our error shape), so the adapter's sits just above it.
  process.env.BODY_SIZE_LIMIT ??= String(runtime.config.ingest.maxBodyBytes + 65536);
  const { handler } = (await import(pathToFileURL(BUILD_HANDLER).href)) as { handler: NodeHandler };
  const server = http.createServer((req, res) => {
    handler(req, res, () => {
      res.statusCode = 404;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ error: { code: 'not_found', message: 'introuvable / not found' } }));
    });
  });
  const { host, port } = runtime.config.http;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      reject(err.code === 'EADDRINUSE' ? new Error(`Le port ${port} est déjà utilisé / port ${port} is already in use: choisissez-en un autre avec --port ou PORT / pick another with --port or PORT`) : err);
    });
    server.listen(port, host, () => resolve());
  });
  const address = server.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  const url = runtime.config.http.publicUrl.replace(/:\d+$/, `:${actualPort}`);
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      })
  };
}
