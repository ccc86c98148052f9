// The CLI's way into a running server: when `jalon serve` holds the embedded folder, `jalon users` and `jalon tokens`
// send their change to its admin API with the operator key it wrote (access/operator-key.ts), so the change applies
// in the serving process at once. Answers come back in the one error shape; failures end in one line.
import type { Config } from '../config/config.ts';
import { isAlive } from '../warehouse/embedded.ts';
import { readOperatorFile, type OperatorFile } from '../access/operator-key.ts';


/** The running server holding this configuration's embedded folder, or null (then the command opens the folder). */
export function runningServer(config: Config): OperatorFile | null {
  if (config.warehouse.kind !== 'embedded') return null;
  const info = readOperatorFile(config.warehouse.dataDir);
  return info && isAlive(info.pid) ? info : null;
}

export class ServerCallError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ServerCallError';
  }
}

export async function callServer<T>(server: OperatorFile, method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(new URL(path, server.url), {
      method,
      headers: { authorization: `Bearer ${server.key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) })
    });
  } catch (err) {
    throw new ServerCallError(`serveur injoignable / server unreachable at ${server.url}: ${(err as Error).message}`);
  }
  const answer = (await res.json().catch(() => null)) as (T & { error?: { message?: string } }) | null;
  if (!res.ok || answer === null) throw new ServerCallError(`${path}: ${answer?.error?.message ?? `HTTP ${res.status}`}`);
  return answer as T;
}
