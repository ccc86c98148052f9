// Starts a two-shard ClickHouse cluster on loopback for tests and benchmarks: two servers from the chdb package's
// library (clickhouse-server.ts), each given the same `remote_servers` configuration naming both. No Keeper runs
// here, so tables are sharded, not replicated (shared notes: clickhouse-cluster-from-chdb.md).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, startClickHouseServer, type RunningServer } from './clickhouse-server.ts';

export const TEST_CLUSTER = 'jalon_test';

export interface RunningCluster {
  /** The first node's HTTP URL: what CLICKHOUSE_URL names. */
  url: string;
  cluster: string;
  nodes: RunningServer[];
  stop(): Promise<void>;
}

/** The `remote_servers` configuration of a cluster of one shard per TCP port, on 127.0.0.1. */
export function clusterConfigXml(cluster: string, tcpPorts: readonly number[]): string {
  const shards = tcpPorts.map((p) => `      <shard><replica><host>127.0.0.1</host><port>${p}</port></replica></shard>`).join('\n');
  return `<clickhouse>
  <!-- chdb's default is 0: asynchronous Distributed inserts would stay queued (Jalon inserts in the foreground anyway) -->
  <background_distributed_schedule_pool_size>4</background_distributed_schedule_pool_size>
  <remote_servers>
    <${cluster}>
${shards}
    </${cluster}>
  </remote_servers>
</clickhouse>
`;
}

/** Starts `shards` servers (two by default) forming one cluster; resolves when every node answers /ping. */
export async function startClickHouseCluster(options: { shards?: number; cluster?: string } = {}): Promise<RunningCluster> {
  const cluster = options.cluster ?? TEST_CLUSTER;
  const count = options.shards ?? 2;
  const ports: { http: number; tcp: number }[] = [];
  for (let i = 0; i < count; i++) ports.push({ http: await freePort(), tcp: await freePort() });
  const confDir = fs.mkdtempSync(path.join(os.tmpdir(), 'jalon-cluster-'));
  const configXml = path.join(confDir, 'cluster.xml');
  fs.writeFileSync(configXml, clusterConfigXml(cluster, ports.map((p) => p.tcp)));
  const nodes: RunningServer[] = [];
  try {
    for (const p of ports) nodes.push(await startClickHouseServer({ httpPort: p.http, tcpPort: p.tcp, configXml }));
  } catch (err) {
    for (const n of nodes) await n.stop();
    fs.rmSync(confDir, { recursive: true, force: true });
    throw err;
  }
  return {
    url: nodes[0].url,
    cluster,
    nodes,
    async stop() {
      for (const n of nodes) await n.stop();
      fs.rmSync(confDir, { recursive: true, force: true });
    }
  };
}
