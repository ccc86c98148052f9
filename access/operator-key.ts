// The running server's operator key, the one way the CLI reaches a server that holds an embedded folder: `jalon serve`
// writes a random key and its loopback URL to `<data>/jalon.operator` (readable by the folder's owner only, who could
// read the data itself), so that `jalon users`, `jalon tokens`, `jalon alerts` and `jalon digest`, which cannot open
// a folder the server holds, ask the server instead — and the change applies in the serving process at once.
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Caller } from './caller.ts';

export const OPERATOR_FILE = 'jalon.operator';

export interface OperatorFile {
  url: string;
  key: string;
  pid: number;
}

/** Who a request carrying the operator key acts as: an administrator of every organization, audited as the CLI. */
export const OPERATOR_CALLER: Caller = { role: 'admin', orgs: [], id: 'cli:operator' };

export function newOperatorKey(): string {
  return randomBytes(32).toString('base64url');
}

export function writeOperatorFile(dataDir: string, info: OperatorFile): void {
  const file = path.join(dataDir, OPERATOR_FILE);
  fs.rmSync(file, { force: true });
  fs.writeFileSync(file, JSON.stringify(info), { mode: 0o600, flag: 'wx' });
}

export function readOperatorFile(dataDir: string): OperatorFile | null {
  try {
    const info = JSON.parse(fs.readFileSync(path.join(dataDir, OPERATOR_FILE), 'utf8')) as OperatorFile;
    return typeof info.url === 'string' && typeof info.key === 'string' ? info : null;
  } catch {
    return null;
  }
}

export function removeOperatorFile(dataDir: string, pid: number = process.pid): void {
  const info = readOperatorFile(dataDir);
  if (info?.pid === pid) fs.rmSync(path.join(dataDir, OPERATOR_FILE), { force: true });
}

/** Whether `Authorization: Bearer …` carries the operator key (compared in constant time). */
export function isOperator(expected: string | null, authorization: string | null): boolean {
  const m = /^Bearer\s+(\S+)\s*$/u.exec(authorization ?? '');
  if (!expected || !m) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(m[1]);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The administrator caller when `authorization` carries the operator key; null otherwise. */
export function operatorCaller(expected: string | null | undefined, authorization: string | null): Caller | null {
  return isOperator(expected ?? null, authorization) ? OPERATOR_CALLER : null;
}
