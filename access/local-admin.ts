// The local administrator token: while `jalon serve` holds an embedded data folder, CLI commands that must act on
// that warehouse (`jalon alerts evaluate`, `alerts list`, `digest send`) go through the server's API instead. `serve`
// writes a random token beside the data, readable by the folder's owner only (who could read the data itself), and
// accepts it as an administrator on the routes that say so. Only its SHA-256 stays in memory; the file goes at stop.
import fs from 'node:fs';
import path from 'node:path';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Caller } from './caller.ts';

export const LOCAL_ADMIN_FILE = 'jalon.local-admin.json';
const PREFIX = 'jalon_local_';
const KEY = Symbol.for('jalon.localAdminHash');

export interface LocalAdminFile {
  url: string;
  token: string;
  pid: number;
}

export const LOCAL_ADMIN_CALLER: Caller = { role: 'admin', orgs: [], id: 'local-admin' };

const digest = (s: string) => createHash('sha256').update(s).digest();

/** Issues the token of this process for `dataDir` (file mode 0600); returns the function that removes it. */
export function issueLocalAdminToken(dataDir: string, url: string): () => void {
  const token = `${PREFIX}${randomBytes(32).toString('base64url')}`;
  const file = path.join(dataDir, LOCAL_ADMIN_FILE);
  const content: LocalAdminFile = { url, token, pid: process.pid };
  fs.writeFileSync(file, JSON.stringify(content), { mode: 0o600 });
  (globalThis as { [KEY]?: Buffer })[KEY] = digest(token);
  return () => {
    delete (globalThis as { [KEY]?: Buffer })[KEY];
    fs.rmSync(file, { force: true });
  };
}

/** The running server's address and token for `dataDir`, or null when no live server wrote one. */
export function readLocalAdminToken(dataDir: string): LocalAdminFile | null {
  try {
    const info = JSON.parse(fs.readFileSync(path.join(dataDir, LOCAL_ADMIN_FILE), 'utf8')) as LocalAdminFile;
    process.kill(info.pid, 0);
    return typeof info.url === 'string' && typeof info.token === 'string' ? info : null;
  } catch {
    return null;
  }
}

/** The administrator caller when `authorization` carries this process's local token; null otherwise. */
export function localAdminCaller(authorization: string | null): Caller | null {
  const expected = (globalThis as { [KEY]?: Buffer })[KEY];
  if (!expected || !authorization?.startsWith(`Bearer ${PREFIX}`)) return null;
  return timingSafeEqual(digest(authorization.slice(7)), expected) ? LOCAL_ADMIN_CALLER : null;
}
