// For commands that work with or without a running `jalon serve`: open the warehouse; when a server holds the
// embedded data folder, reach that server's API with its local administrator token (access/local-admin.ts).
import { openWarehouse } from '../warehouse/open-warehouse.ts';
import { migrate } from '../warehouse/migrate.ts';
import { WarehouseError, type Warehouse } from '../warehouse/warehouse.ts';
import { readLocalAdminToken } from '../access/local-admin.ts';
import type { Config } from '../config/config.ts';

/** The running server refused or failed a call: one line naming the route and its message. */
export class RemoteError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RemoteError';
  }
}

export interface RunningServer {
  url: string;
  /** Calls the server's API as the local administrator; a non-2xx answer becomes one line naming the route. */
  call<T>(method: 'GET' | 'POST', route: string, body?: unknown): Promise<T>;
}

export async function withWarehouseOrServer<T>(config: Config, holder: string, local: (wh: Warehouse) => Promise<T>, remote: (server: RunningServer) => Promise<T>): Promise<T> {
  let wh: Warehouse;
  try {
    wh = await openWarehouse(config.warehouse, { holder, createDatabase: true });
  } catch (err) {
    const info = err instanceof WarehouseError && err.type === 'DATA_DIR_LOCKED' && config.warehouse.kind === 'embedded' ? readLocalAdminToken(config.warehouse.dataDir) : null;
    if (!info) throw err;
    return remote({
      url: info.url,
      async call<R>(method: 'GET' | 'POST', route: string, body?: unknown): Promise<R> {
        const res = await fetch(`${info.url}${route}`, {
          method,
          headers: { authorization: `Bearer ${info.token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
          ...(body !== undefined ? { body: JSON.stringify(body) } : {})
        });
        const payload = (await res.json().catch(() => null)) as (R & { error?: { code: string; message: string } }) | null;
        if (!res.ok || payload === null) throw new RemoteError(`${info.url}${route}: ${payload?.error?.message ?? `HTTP ${res.status}`}`);
        return payload;
      }
    });
  }
  try {
    await migrate(wh);
    return await local(wh);
  } finally {
    await wh.close();
  }
}
