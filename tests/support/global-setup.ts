// Vitest global set-up: one real ClickHouse server and one two-shard cluster (two more servers) on loopback for the
// whole run, shared by tests that each use their own database. Their URLs reach tests through
// `inject('clickhouseUrl')` and `inject('clickhouseCluster')`.
import type { TestProject } from 'vitest/node';
import { startClickHouseServer, type RunningServer } from './clickhouse-server.ts';
import { startClickHouseCluster, type RunningCluster } from './clickhouse-cluster.ts';
import { buildDashboard, buildIsStale } from '../../dashboard/serve.ts';
import { ensureCliBuild } from '../../bin/cli-build.js';

let server: RunningServer | null = null;
let cluster: RunningCluster | null = null;

export async function setup(project: TestProject): Promise<void> {
  // Every test that runs `jalon` runs the compiled CLI, rebuilt from the current source when stale (bin/jalon.js): build
  // it once here, rather than in the first test files that start `jalon` at the same time (safe, but slower).
  await ensureCliBuild();
  // Tests that serve pages need the built app; build once here rather than racing in several test files.
  if (buildIsStale()) await buildDashboard((line) => process.stdout.write(`${line}\n`));
  server = await startClickHouseServer();
  const res = await fetch(`${server.url}/?query=SELECT%20version()`);
  const version = (await res.text()).trim();
  process.stdout.write(`ClickHouse server ${version} on ${server.url} (loopback, for tests)\n`);
  project.provide('clickhouseUrl', server.url);
  project.provide('clickhouseVersion', version);
  cluster = await startClickHouseCluster();
  process.stdout.write(`ClickHouse cluster ${cluster.cluster}: ${cluster.nodes.length} shards on ${cluster.nodes.map((n) => n.url).join(', ')} (loopback, for tests)\n`);
  project.provide('clickhouseCluster', { url: cluster.url, cluster: cluster.cluster });
}

export async function teardown(): Promise<void> {
  await server?.stop();
  server = null;
  for (const n of cluster?.nodes ?? []) {
    const d = n.diagnostics();
    if (d.exited || /signal|fatal|terminate/i.test(d.stderr)) {
      process.stdout.write(`ClickHouse cluster node ${n.url} failed during the run (exit code ${String(d.exitCode)}, signal ${String(d.signal)}):\n${d.stderr}\n`);
    }
  }
  await cluster?.stop();
  cluster = null;
}

declare module 'vitest' {
  export interface ProvidedContext {
    clickhouseUrl: string;
    clickhouseVersion: string;
    clickhouseCluster: { url: string; cluster: string };
  }
}
