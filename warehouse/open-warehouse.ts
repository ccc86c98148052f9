// Chooses the Warehouse adapter once, from configuration (STYLE habit 3).
import type { WarehouseConfig } from '../config/config.ts';
import type { Warehouse } from './warehouse.ts';
import { EmbeddedWarehouse } from './embedded.ts';
import { ServerWarehouse } from './server.ts';
import { ClusterWarehouse } from './cluster.ts';

export interface OpenOptions {
  /** Who holds an embedded data folder, shown to a second process (e.g. "jalon serve http://localhost:3000"). */
  holder?: string;
  /** Create the database when missing (server); the embedded engine always can. */
  createDatabase?: boolean;
}

export async function openWarehouse(config: WarehouseConfig, options: OpenOptions = {}): Promise<Warehouse> {
  switch (config.kind) {
    case 'embedded':
      return EmbeddedWarehouse.open({
        dataDir: config.dataDir,
        database: config.database,
        ...(options.holder ? { holder: options.holder } : {}),
        ...(config.threadNice !== undefined ? { threadNice: config.threadNice } : {})
      });
    case 'server': {
      const server = {
        url: config.url,
        username: config.username,
        password: config.password,
        database: config.database,
        requestTimeoutMs: config.requestTimeoutMs,
        createDatabase: options.createDatabase ?? true,
        ...(config.threadNice !== undefined ? { threadNice: config.threadNice } : {})
      };
      if (config.cluster) return ClusterWarehouse.open({ ...server, cluster: config.cluster, ddl: config.clusterDdl, replicated: config.replicated });
      return ServerWarehouse.open(server);
    }
    default: {
      const never: never = config;
      throw new Error(`unknown warehouse kind: ${JSON.stringify(never)}`);
    }
  }
}
