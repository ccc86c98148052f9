// Answers reused as far as they are the same (issue 18: the scorecard of a day nobody asked): an answer is keyed by the
// clock only when its definition reads it, and metrics sharing sources, period and scope read their provenance once.
// Reuse must never hand out a stale figure: a definition whose window moves with the clock is computed again, with the
// figure the new day gives.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { backends, testWarehouse, type TestWarehouse } from '../support/warehouses.ts';
import { migrate } from '../../warehouse/migrate.ts';
import type { Warehouse } from '../../warehouse/warehouse.ts';
import { AnswerCache } from '../../metrics/answer-cache.ts';
import { runMetric } from '../../metrics/run-metric.ts';
import type { MetricRequest } from '../../metrics/types.ts';

const settings = { smallCountThreshold: 0, digitalChannels: ['web', 'mobile'] };
const caller = { role: 'admin' as const, orgs: [], id: 'reuse' };
const ask = (metric: string, now: string): MetricRequest => ({
  metric, from: '2024-06-01', to: '2024-07-01', grain: 'all', by: [], filters: {}, compare: 'none', caller, now: new Date(now)
});

/** The same warehouse, counting the figure and provenance queries that reach it. */
function counting(wh: Warehouse): { wh: Warehouse; figures: () => number; provenances: () => number } {
  let figures = 0;
  let provenances = 0;
  const proxy = new Proxy(wh, {
    get(target, prop) {
      if (prop === 'query') {
        return (sql: string, ...rest: unknown[]) => {
          if (/^SELECT \* FROM \(/.test(sql)) figures++;
          if (/^SELECT toString\(max\(last_at\)\) AS last_data_at/.test(sql)) provenances++;
          return (target.query as (...a: unknown[]) => unknown)(sql, ...rest);
        };
      }
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    }
  });
  return { wh: proxy, figures: () => figures, provenances: () => provenances };
}

describe.each(backends)('answers reused as far as they are the same — %s', (backend) => {
  let t: TestWarehouse;
  beforeAll(async () => {
    t = await testWarehouse(backend, inject('clickhouseUrl'));
    await migrate(t.wh);
    // Ten journeys start on 1 June 2024 (six complete the next day, two of them prefilled), four on 25 June (one completes the next day), all
    // on the web; every second start signs in through a partner, the others with clicSÉQUR.
    const events: Record<string, unknown>[] = [];
    const add = (journey: string, type: string, at: string, extra: Record<string, unknown> = {}) =>
      events.push({ org: 'A', service: 'A-S1', event_id: `${journey}-${type}`, journey_id: journey, type, channel: 'web', occurred_at: at, ...extra });
    for (let i = 0; i < 10; i++) {
      add(`j${i}`, 'started', '2024-06-01T15:00:00Z', { sign_in: i % 2 ? 'partner' : 'clicsequr' });
      if (i < 6) add(`j${i}`, 'completed', '2024-06-02T15:00:00Z', { outcome: 'success', prefilled: i < 2 });
    }
    for (let i = 0; i < 4; i++) {
      add(`k${i}`, 'started', '2024-06-25T15:00:00Z', { sign_in: i % 2 ? 'partner' : 'clicsequr' });
      if (i < 1) add(`k${i}`, 'completed', '2024-06-26T15:00:00Z', { outcome: 'success' });
    }
    await t.wh.insert('service_events', events);
  });
  afterAll(async () => {
    await t?.dispose();
  });

  it('a definition that does not read the clock is answered once for any day', async () => {
    const c = counting(t.wh);
    const cache = new AnswerCache(1 << 20);
    const first = await runMetric(c.wh, settings, ask('digital_take_up', '2024-07-10T12:00:00Z'), { cache });
    const figures = c.figures();
    const later = await runMetric(c.wh, settings, ask('digital_take_up', '2024-09-30T12:00:00Z'), { cache });
    expect(later).toEqual(first);
    expect(c.figures()).toBe(figures); // nothing read again
    // Seven completions, all on the web: 7 ÷ 7.
    expect(first.rows.map((r) => [r.numerator, r.denominator])).toEqual([[7, 7]]);
  });

  it('a definition whose window moves with the clock is computed again, with the new day’s figure', async () => {
    const cache = new AnswerCache(1 << 20);
    // On 10 July the journeys of 25 June are too recent to judge (30 days): 6 of 10. On 30 July all are judged: 7 of 14.
    const early = await runMetric(t.wh, settings, ask('completion_rate', '2024-07-10T12:00:00Z'), { cache });
    const late = await runMetric(t.wh, settings, ask('completion_rate', '2024-07-30T12:00:00Z'), { cache });
    expect(early.rows.map((r) => [r.numerator, r.denominator])).toEqual([[6, 10]]);
    expect(late.rows.map((r) => [r.numerator, r.denominator])).toEqual([[7, 14]]);
  });

  it('metrics of the same sources, period and scope read their provenance once', async () => {
    const c = counting(t.wh);
    const cache = new AnswerCache(1 << 20);
    const once = await runMetric(c.wh, settings, ask('once_only', '2024-07-10T12:00:00Z'), { cache });
    const partner = await runMetric(c.wh, settings, ask('partner_sign_in', '2024-07-10T12:00:00Z'), { cache });
    expect(c.figures()).toBe(2);
    expect(c.provenances()).toBe(1);
    expect(partner.provenance).toEqual({ ...once.provenance, formula_version: partner.provenance.formula_version, effective_from: partner.provenance.effective_from });
    expect(once.provenance).toMatchObject({ last_data_at: '2024-06-26T15:00:00.000Z', completeness: { reported: 1 } });
    // Prefilled: j0 and j1 of the seven completions. Partner sign-ins: the odd starts j1, j3, j5, j7, j9, k1, k3, of 14.
    expect(once.rows.map((r) => [r.numerator, r.denominator])).toEqual([[2, 7]]);
    expect(partner.rows.map((r) => [r.numerator, r.denominator])).toEqual([[7, 14]]);
    // Without the cache, each metric reads its own.
    const d = counting(t.wh);
    await runMetric(d.wh, settings, ask('once_only', '2024-07-10T12:00:00Z'));
    await runMetric(d.wh, settings, ask('partner_sign_in', '2024-07-10T12:00:00Z'));
    expect(d.provenances()).toBe(2);
  });
});
