// What the load benchmarks share: a real `jalon serve` on loopback over a warehouse holding the demo, accounts made
// beforehand with `jalon users add`, and sign-in over HTTP. The per-client rate limit is lifted (this measures the
// server, not the limit).
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const JALON = path.join(ROOT, 'bin', 'jalon.js');

export interface Served {
  base: string;
  server: ChildProcess;
  signIn(username: string): Promise<string>;
}

/** Adds the accounts (`role` by name, one password), starts `jalon serve` and resolves once it answers. */
export async function serveForLoad(options: { data: string; port: number; password: string; accounts: Record<string, string>; env?: Record<string, string>; clickhouseUrl?: string }): Promise<Served> {
  const base = `http://127.0.0.1:${options.port}`;
  // A ClickHouse server's URL, when given, is the warehouse (database `jalon`); otherwise the embedded folder `data`.
  const warehouse = options.clickhouseUrl ? { CLICKHOUSE_URL: options.clickhouseUrl, CLICKHOUSE_DATABASE: 'jalon' } : { JALON_DATA_DIR: path.resolve(options.data) };
  const env = { ...process.env, ...warehouse, PORT: String(options.port), JALON_REQUESTS_PER_MINUTE: '1000000', JALON_LOG_LEVEL: 'warn' };
  for (const [username, role] of Object.entries(options.accounts)) {
    await new Promise<void>((resolve) => {
      const child = spawn(process.execPath, [JALON, 'users', 'add', username, '--role', role, '--password-stdin'], { cwd: ROOT, env, stdio: ['pipe', 'ignore', 'inherit'] });
      child.stdin.end(options.password);
      child.on('exit', () => resolve());
    });
  }
  const server = spawn(process.execPath, [JALON, 'serve', '--port', String(options.port)], { cwd: ROOT, env: { ...env, ...(options.env ?? {}) }, stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    server.stdout?.on('data', (d: Buffer) => ((out += d.toString()), /Jalon: http/u.test(out) && resolve()));
    server.once('exit', (code) => reject(new Error(`jalon serve exited (${code})`)));
  });
  const signIn = async (username: string) => {
    const res = await fetch(`${base}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json', origin: base }, body: JSON.stringify({ username, password: options.password }) });
    if (res.status !== 200) throw new Error(`sign-in ${username}: HTTP ${res.status}`);
    return (res.headers.get('set-cookie') ?? '').split(';')[0];
  };
  return { base, server, signIn };
}
