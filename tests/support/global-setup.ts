// Vitest global set-up: one real ClickHouse server on loopback for the whole run, shared by tests that each
// use their own database. Its URL reaches tests through `inject('clickhouseUrl')`.
import type { TestProject } from 'vitest/node';
import { startClickHouseServer, type RunningServer } from './clickhouse-server.ts';
import { buildDashboard, buildIsStale } from '../../dashboard/serve.ts';

let server: RunningServer | null = null;

export async function setup(project: TestProject): Promise<void> {
  // Tests that serve pages need the built app; build once here rather than racing in several test files.
  if (buildIsStale()) await buildDashboard((line) => process.stdout.write(`${line}\n`));
  server = await startClickHouseServer();
  const res = await fetch(`${server.url}/?query=SELECT%20version()`);
  const version = (await res.text()).trim();
  process.stdout.write(`ClickHouse server ${version} on ${server.url} (loopback, for tests)\n`);
  project.provide('clickhouseUrl', server.url);
  project.provide('clickhouseVersion', version);
}

export async function teardown(): Promise<void> {
  await server?.stop();
  server = null;
}

declare module 'vitest' {
  export interface ProvidedContext {
    clickhouseUrl: string;
    clickhouseVersion: string;
  }
}
