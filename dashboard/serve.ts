// `jalon serve`: one process owns the warehouse and serves the built SvelteKit app (pages and API) on it.
// Builds the app first when the build is missing or older than its sources.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { setRuntime, type Runtime } from './lib/server/runtime.ts';
import { serveKeptBeforeApp } from './lib/server/kept-fast-path.ts';
import { openBeyondLoopback, type Config } from '../config/config.ts';

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
  /** Where a process on this machine reaches the server (loopback when it listens on every interface). */
  localUrl: string;
  close(): Promise<void>;
}

type NodeHandler = (req: http.IncomingMessage, res: http.ServerResponse, next?: () => void) => void;

/** Sign-in takes a name and a password: a few kilobytes at most. */
export const SIGN_IN_MAX_BODY_BYTES = 16 * 1024;

/** The body limit of a path: the push limit on the push API only, a small one for sign-in, the general one elsewhere. */
export function bodyLimitOf(pathname: string, config: Config): number {
  if (pathname.startsWith('/api/v1/ingest/')) return config.ingest.maxBodyBytes;
  if (pathname.startsWith('/api/v1/auth/')) return SIGN_IN_MAX_BODY_BYTES;
  return config.http.maxBodyBytes;
}

function refuse(req: http.IncomingMessage, res: http.ServerResponse, status: number, code: string, message: string): void {
  // The body is discarded as it arrives (never buffered nor parsed), so the client reads the answer, not a reset.
  req.resume();
  res.statusCode = status;
  res.setHeader('content-type', 'application/json');
  res.setHeader('connection', 'close');
  res.end(JSON.stringify({ error: { code, message } }));
}

/**
 * Refuses a body over its route's limit before anything reads it (413); a body of unknown length (chunked) is taken
 * by the push API only, which counts it as it reads (411 elsewhere). True when the request may go on.
 */
function bodyAllowed(req: http.IncomingMessage, res: http.ServerResponse, config: Config): boolean {
  const pathname = (req.url ?? '/').split('?')[0];
  const limit = bodyLimitOf(pathname, config);
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) {
    refuse(req, res, 413, 'payload_too_large', `corps trop volumineux : au plus ${limit} octets sur ${pathname} / body too large: at most ${limit} bytes on ${pathname}`);
    return false;
  }
  if (declared === undefined && req.headers['transfer-encoding'] !== undefined && !pathname.startsWith('/api/v1/ingest/')) {
    refuse(req, res, 411, 'length_required', 'longueur requise : envoyez Content-Length / length required: send Content-Length');
    return false;
  }
  return true;
}

export async function serveHttp(given: Omit<Runtime, 'metrics' | 'guards'> & Partial<Pick<Runtime, 'metrics' | 'guards'>>): Promise<RunningHttp> {
  // Without required sign-in (the open demo) the app serves this machine only; `jalon serve` says so in one line first.
  const open = openBeyondLoopback(given.config);
  if (open) throw new Error(open);
  const runtime = setRuntime(given);
  // adapter-node takes the site's origin from ORIGIN when it loads; without it, it assumes https and refuses
  // same-site form posts (sign-in) as cross-site. The public URL is the origin people use.
  process.env.ORIGIN ??= runtime.config.http.publicUrl;
  // adapter-node reads its own body limit from the environment when the handler loads (512 KB by default); the push
  // API enforces Jalon's limit itself (413 in our error shape), so the adapter's sits just above it.
  process.env.BODY_SIZE_LIMIT ??= String(runtime.config.ingest.maxBodyBytes + 65536);
  // The client address is the socket's; forwarded headers are read by the hooks only from JALON_TRUSTED_PROXIES.
  process.env.ADDRESS_HEADER = '';
  process.env.PROTOCOL_HEADER = '';
  process.env.HOST_HEADER = '';
  const { handler } = (await import(pathToFileURL(BUILD_HANDLER).href)) as { handler: NodeHandler };
  const toApp = (req: http.IncomingMessage, res: http.ServerResponse) =>
    handler(req, res, () => {
      res.statusCode = 404;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ error: { code: 'not_found', message: 'introuvable / not found' } }));
    });
  const server = http.createServer((req, res) => {
    if (!bodyAllowed(req, res, runtime.config)) return;
    // A page or answer already kept for this caller is written at once (kept-fast-path.ts); everything else goes to the app.
    serveKeptBeforeApp(req, res, runtime).then(
      (served) => served || toApp(req, res),
      () => toApp(req, res)
    );
  });
  const { host, port } = runtime.config.http;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      // The system error keeps its code and port: the CLI's choke point turns it into one line naming both and the fix.
      reject(err);
    });
    server.listen(port, host, () => resolve());
  });
  const address = server.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  const url = runtime.config.http.publicUrl.replace(/:\d+$/, `:${actualPort}`);
  const localHost = host === '0.0.0.0' || host === '::' || host === 'localhost' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  return {
    url,
    localUrl: `http://${localHost}:${actualPort}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      })
  };
}
