// Test helpers: a fresh, private warehouse per test — an embedded one in its own temporary folder, or a
// database of its own on the loopback server or on the loopback two-shard cluster — removed afterwards, so tests
// run in parallel and leave nothing.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { testDatabaseName } from './database-name.ts';
export { testDatabaseName, TEST_DATABASE_PATTERN } from './database-name.ts';
import { EmbeddedWarehouse } from '../../warehouse/embedded.ts';
import { ServerWarehouse } from '../../warehouse/server.ts';
import { ClusterWarehouse } from '../../warehouse/cluster.ts';
import { localDatabaseOf } from '../../warehouse/cluster-layout.ts';
import { inject } from 'vitest';
import type { Warehouse } from '../../warehouse/warehouse.ts';

export interface TestWarehouse {
  wh: Warehouse;
  dispose(): Promise<void>;
}

export async function embeddedTestWarehouse(): Promise<TestWarehouse> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jalon-test-'));
  const wh = await EmbeddedWarehouse.open({ dataDir: dir, database: 'jalon' });
  return {
    wh,
    async dispose() {
      await wh.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  };
}

export async function serverTestWarehouse(url: string): Promise<TestWarehouse> {
  const database = testDatabaseName();
  const wh = await ServerWarehouse.open({ url, username: 'default', password: '', database, createDatabase: true });
  return {
    wh,
    async dispose() {
      await wh.command(`DROP DATABASE IF EXISTS ${database}`);
      await wh.close();
    }
  };
}

/** A database of its own on the two-shard cluster (Jalon's and the shards' databases on every node). */
export async function clusterTestWarehouse(cluster: { url: string; cluster: string } = inject('clickhouseCluster')): Promise<TestWarehouse> {
  const database = testDatabaseName();
  const wh = await ClusterWarehouse.open({ url: cluster.url, username: 'default', password: '', database, cluster: cluster.cluster, ddl: 'per_node', replicated: false, createDatabase: true });
  return {
    wh,
    async dispose() {
      for (const n of await wh.nodes()) {
        for (const db of [database, localDatabaseOf(database), `${database}_analyst`]) await n.wh.command(`DROP DATABASE IF EXISTS ${db}`, {}, { database: 'system' });
      }
      await wh.close();
    }
  };
}

export const backends = ['embedded', 'server'] as const;
/** The suites issue 17 names also run on the two-shard cluster (`withCluster`); others keep one engine and one server. */
export const withCluster = [...backends, 'cluster'] as const;
export type Backend = (typeof withCluster)[number];

export async function testWarehouse(backend: Backend, url: string): Promise<TestWarehouse> {
  switch (backend) {
    case 'embedded':
      return embeddedTestWarehouse();
    case 'server':
      return serverTestWarehouse(url);
    case 'cluster':
      return clusterTestWarehouse();
    default: {
      const never: never = backend;
      throw new Error(`unknown test backend ${String(never)}`);
    }
  }
}
