// The answer cache's data version: a corrected declared figure is a new row that a merge of the replacing engine later
// removes, bringing the row count back to what it was before the correction. The cached answer must not come back with
// it: the version also follows the tables' insert block numbers, which only grow.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { backends, testWarehouse, type TestWarehouse } from '../support/warehouses.ts';
import { migrate } from '../../warehouse/migrate.ts';
import { forgetRollupHealth } from '../../metrics/rollups.ts';
import { createMetricsService } from '../../metrics/service.ts';
import type { MetricRequest } from '../../metrics/types.ts';

const request: MetricRequest = {
  metric: 'digital_specialists', from: '2023-04-01', to: '2024-04-01', grain: 'fiscal_year', by: [], filters: {}, compare: 'none',
  caller: { role: 'executive', orgs: [], id: 't' }, now: new Date('2024-06-15T12:00:00Z')
};
const report = (value: number, at: string) => ({
  org: 'A', service: '', indicator: 'digital_specialists', period_start: '2023-04-01', period_end: '2024-03-31', period: '2023-2024',
  period_grain: 'fiscal_year', value, reported_at: at
});

describe.each(backends)('data version — %s', (backend) => {
  let t: TestWarehouse;
  beforeAll(async () => {
    t = await testWarehouse(backend, inject('clickhouseUrl'));
    await migrate(t.wh);
  });
  afterAll(async () => {
    await t?.dispose();
  });

  it('a correction merged away does not bring the earlier cached answer back', async () => {
    const metrics = createMetricsService(t.wh, { smallCountThreshold: 10, digitalChannels: ['web', 'mobile'] });
    const value = async () => {
      forgetRollupHealth(t.wh); // the version is re-read now, not after its 5-second reuse
      return (await metrics.run(request)).rows[0]?.value ?? null;
    };
    await t.wh.insert('declared_indicators', [report(10, '2024-05-01 12:00:00')]);
    expect(await value()).toBe(10);
    await t.wh.insert('declared_indicators', [report(12, '2024-05-20 12:00:00')]);
    expect(await value()).toBe(12);
    // The merge keeps the later report only: one row again, as before the correction.
    await t.wh.command('OPTIMIZE TABLE declared_indicators FINAL');
    const [{ n }] = await t.wh.query<{ n: number }>('SELECT count() AS n FROM declared_indicators');
    expect(Number(n)).toBe(1);
    expect(await value()).toBe(12);
  });
});
