// Every metric's definition tests (sql/metrics/tests/*.json, expected values worked out by hand) against a real
// ClickHouse server in a database of its own, and on the two-shard cluster: raw tables first, then the rollups,
// which must agree.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { clusterTestWarehouse, serverTestWarehouse, type TestWarehouse } from '../support/warehouses.ts';
import { runDefinitionTests, type TestReport } from '../../metrics/definition-tests.ts';
import { catalogue } from '../../metrics/definition.ts';

describe.each(['server', 'cluster'] as const)('metric definition tests — %s', (backend) => {
  let t: TestWarehouse;
  let report: TestReport;
  beforeAll(async () => {
    t = backend === 'server' ? await serverTestWarehouse(inject('clickhouseUrl')) : await clusterTestWarehouse();
    report = await runDefinitionTests({ warehouse: t.wh });
  });
  afterAll(async () => {
    await t?.dispose();
  });

  it('covers every catalogue metric', () => {
    expect(report.untested).toEqual([]);
    expect(new Set(report.results.map((r) => r.metric)).size).toBe(catalogue().definitions.size);
  });

  it.each([...catalogue().definitions.keys()])('%s: every case gives the hand-worked values', (metric) => {
    const failures = report.results.filter((r) => r.metric === metric && !r.ok).map((r) => `${r.case} [${r.table}]: ${r.problems.join('; ')}`);
    expect(failures).toEqual([]);
    expect(report.results.some((r) => r.metric === metric)).toBe(true);
  });
});
