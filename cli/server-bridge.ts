// For commands that work with or without a running `jalon serve`: open the warehouse; when a server holds the
// embedded data folder, reach that server's API with its operator key (cli/operator.ts, access/operator-key.ts).
import { openWarehouse } from '../warehouse/open-warehouse.ts';
import { migrate } from '../warehouse/migrate.ts';
import { isWarehouseError, type Warehouse } from '../warehouse/warehouse.ts';
import type { Config } from '../config/config.ts';
import { callServer, runningServer } from './operator.ts';

export interface RunningServer {
  url: string;
  /** Calls the server's API as the operator; a non-2xx answer becomes one line (ServerCallError). */
  call<T>(method: 'GET' | 'POST', route: string, body?: unknown): Promise<T>;
}

export async function withWarehouseOrServer<T>(config: Config, holder: string, local: (wh: Warehouse) => Promise<T>, remote: (server: RunningServer) => Promise<T>): Promise<T> {
  let wh: Warehouse;
  try {
    wh = await openWarehouse(config.warehouse, { holder, createDatabase: true });
  } catch (err) {
    const server = isWarehouseError(err) && err.type === 'DATA_DIR_LOCKED' ? runningServer(config) : null;
    if (!server) throw err;
    return remote({ url: server.url, call: (method, route, body) => callServer(server, method, route, body) });
  }
  try {
    await migrate(wh);
    return await local(wh);
  } finally {
    await wh.close();
  }
}
