// Alert rules beyond thresholds, on a real ClickHouse: rule checking names every problem; stale sources from a cadence
// learnt from the delivery history (twice the median gap) or given, resolving when data arrives again; status rules
// fire exactly for the scorecard's at-risk and late indicators; the file's rules win over stored ones of the same id.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig, type Config } from '../../config/config.ts';
import { migrate } from '../../warehouse/migrate.ts';
import { createMetricsService } from '../../metrics/service.ts';
import { runIngest } from '../../ingest/run-ingest.ts';
import { evaluateAlerts, evaluateRule, SYSTEM_CALLER } from '../../jobs/alert-evaluate.ts';
import { loadRules, parseRule, RuleError, saveStoredRule } from '../../jobs/alert-rules.ts';
import type { JobContext } from '../../jobs/job.ts';
import { torontoDay } from '../../metrics/periods.ts';
import { seedAccessData } from '../support/access-fixtures.ts';
import { serverTestWarehouse, type TestWarehouse } from '../support/warehouses.ts';

let t: TestWarehouse;
let dir: string;
let config: Config;
let rulesFile: string;
const DAY = 86_400_000;
const T0 = Date.parse('2026-11-01T12:00:00Z');

const ctxAt = (ms: number): JobContext => ({ warehouse: t.wh, config, metrics: createMetricsService(t.wh, config), now: () => new Date(ms), log: () => undefined });

async function deliver(org: string, atMs: number, id: string): Promise<void> {
  const line = JSON.stringify({ event_id: id, occurred_at: new Date(atMs).toISOString(), org, service: `${org.toLowerCase()}-permis`, channel: 'web', journey_id: id, type: 'started' });
  await runIngest(t.wh, { kind: 'events', inputs: [{ source: { type: 'stream', stream: Readable.from([Buffer.from(`${line}\n`)]), name: 'f.ndjson' }, name: 'f.ndjson', format: 'ndjson' }], mapping: null, org, pseudonymKey: null, now: () => new Date(atMs) });
}

beforeAll(async () => {
  t = await serverTestWarehouse(inject('clickhouseUrl'));
  await migrate(t.wh);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jalon-rules-'));
  rulesFile = path.join(dir, 'alerts.json');
  fs.writeFileSync(
    rulesFile,
    JSON.stringify({
      rules: [
        { id: 'stale-history', type: 'stale', notify: [] },
        { id: 'stale-given', type: 'stale', org: 'NEVER', max_age_hours: 24, notify: [] }
      ]
    })
  );
  config = loadConfig({ CLICKHOUSE_URL: inject('clickhouseUrl'), CLICKHOUSE_DATABASE: t.wh.database, JALON_ALERTS_FILE: rulesFile });
}, 120_000);
afterAll(async () => {
  await t.dispose();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('alert rules', () => {
  it('are checked with every problem named', () => {
    const known = new Set(['digital_take_up']);
    expect(parseRule({ id: 'ok', type: 'threshold', metric: 'digital_take_up', grain: 'quarter', above: 0.9, notify: ['https://h.example/x'] }, known).problems).toEqual([]);
    const bad = parseRule({ id: 'a b', type: 'threshold', metric: 'x', grain: 'century', notify: ['ftp://x', 'mailto:nobody'] }, known).problems.join('\n');
    for (const part of ['id "a b"', 'notify "ftp://x"', 'notify "mailto:nobody"', 'metric "x"', 'grain "century"', 'below ou/or above']) expect(bad).toContain(part);
    expect(parseRule({ id: 's', type: 'status', statuses: ['achieved'] }, known).problems).toEqual(['statuses: ["at_risk", "late"] ou l’un des deux / or one of them']);
    expect(parseRule({ id: 'i', type: 'ingest', max_rejected_share: 2 }, known).problems).toEqual(['max_rejected_share 2: nombre de 0 à 1 / number from 0 to 1']);
    expect(parseRule({ id: 'k', type: 'stale', kind: 'letters' }, known).problems[0]).toMatch(/^kind "letters"/u);
  });

  it('stale: cadence from the delivery history (twice the median gap) or given; resolves when data arrives again', async () => {
    // MIN delivers every two days: expected within four.
    for (const k of [0, 2, 4, 6]) await deliver('MIN', T0 + k * DAY, `m${k}`);
    const day9 = await evaluateAlerts(ctxAt(T0 + 9.5 * DAY));
    expect(day9.errors).toEqual([]);
    expect(day9.fired.map((f) => `${f.rule_id}:${f.scope}`).sort()).toEqual(['stale-given:NEVER']); // 3.5 days: within 4
    const day11 = await evaluateAlerts(ctxAt(T0 + 10.5 * DAY));
    expect(day11.fired.map((f) => `${f.rule_id}:${f.scope}`)).toEqual(['stale-history:MIN']);
    expect(day11.fired[0].value).toBeCloseTo(4.5 * 24, 6);
    await deliver('MIN', T0 + 11 * DAY, 'm11');
    const day12 = await evaluateAlerts(ctxAt(T0 + 11.5 * DAY));
    expect(day12.resolved.map((f) => `${f.rule_id}:${f.scope}`)).toEqual(['stale-history:MIN']);
    expect(day12.open).toBe(1); // NEVER still has no data
  });

  it('status: fires exactly for the at-risk and late indicators of each organization’s scorecard', async () => {
    await seedAccessData(t.wh);
    const ctx = ctxAt(Date.now());
    const conditions = await evaluateRule(ctx, { id: 'st', type: 'status', statuses: ['at_risk', 'late'], notify: [] });
    const expected = new Set<string>();
    for (const org of ['AG1', 'MIN', 'OTH']) {
      const card = await ctx.metrics.scorecard({ caller: SYSTEM_CALLER, org, at: torontoDay(new Date()), now: new Date() });
      for (const c of card.characteristics) for (const i of c.indicators) if (i.status === 'at_risk' || i.status === 'late') expected.add(`${org}/${i.metric}`);
    }
    expect(expected.size).toBeGreaterThan(0); // the seeded data leaves some indicators behind their targets
    expect(new Set(conditions.map((c) => c.scope))).toEqual(expected);
    const lateOnly = await evaluateRule(ctx, { id: 'st2', type: 'status', org: 'MIN', statuses: ['late'], notify: [] });
    expect(lateOnly.every((c) => c.org === 'MIN' && c.detail.status === 'late')).toBe(true);
  });

  it('a rule whose id is in the file is the file’s: a stored rule of that id is refused; others are stored and loaded', async () => {
    const known = new Set(createMetricsService(t.wh, config).definitions().keys());
    await expect(saveStoredRule(t.wh, { id: 'stale-given', type: 'stale', notify: [] }, 'admin', rulesFile, known)).rejects.toBeInstanceOf(RuleError);
    await saveStoredRule(t.wh, { id: 'ingest-all', type: 'ingest', max_rejected_share: 0.1, notify: [] }, 'admin', rulesFile, known);
    const { rules } = await loadRules(t.wh, rulesFile, known);
    expect(rules.map((r) => `${r.rule.id}:${r.origin}`)).toEqual(['stale-history:file', 'stale-given:file', 'ingest-all:stored']);
  });
});
