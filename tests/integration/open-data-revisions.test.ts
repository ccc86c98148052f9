// Done-when 3 of issue 13: a declared figure is published final, then its report is corrected: the next snapshot has
// the new value, revisions.csv holds the old and new values with the reason, and the earlier snapshot is unchanged.
// Real chDB warehouse, the real metrics service and publisher; expected values worked out by hand from the reports.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { embeddedTestWarehouse, type TestWarehouse } from '../support/warehouses.ts';
import { migrate } from '../../warehouse/migrate.ts';
import { createMetricsService } from '../../metrics/service.ts';
import { listRevisions } from '../../metrics/revisions.ts';
import { loadConfig } from '../../config/config.ts';
import { publishOpenData } from '../../opendata/publish.ts';

let t: TestWarehouse;
let out: string;
const config = loadConfig({ JALON_DATA_DIR: os.tmpdir() }).openData;

/** Declared service-standard results for fiscal year 2023-2024 (met / total per organization). */
const report = (org: string, met: number, total: number, reportedAt: string) => ({
  org, service: `${org}-PERMIS`, period_start: '2023-04-01', period_grain: 'fiscal_year', channel: 'web',
  period_end: '2024-03-31', period: '2023-2024', met, total, reported_at: reportedAt
});

function parseCsv(text: string): Record<string, string>[] {
  const [head, ...lines] = text.trimEnd().split('\r\n');
  const cols = head.split(',');
  return lines.map((l) => {
    // Cells here hold no quotes except the reason, which has no comma-quote mix beyond RFC 4180's doubling.
    const cells: string[] = [];
    let cur = '';
    let quoted = false;
    for (let k = 0; k < l.length; k++) {
      const c = l[k];
      if (quoted) {
        if (c === '"' && l[k + 1] === '"') (cur += '"'), k++;
        else if (c === '"') quoted = false;
        else cur += c;
      } else if (c === '"') quoted = true;
      else if (c === ',') cells.push(cur), (cur = '');
      else cur += c;
    }
    cells.push(cur);
    return Object.fromEntries(cols.map((c, k) => [c, cells[k] ?? '']));
  });
}

const hashes = (dir: string): Record<string, string> =>
  Object.fromEntries(fs.readdirSync(dir).sort().map((f) => [f, createHash('sha256').update(fs.readFileSync(path.join(dir, f))).digest('hex')]));

beforeAll(async () => {
  t = await embeddedTestWarehouse();
  await migrate(t.wh);
  out = fs.mkdtempSync(path.join(os.tmpdir(), 'jalon-od-rev-'));
  await t.wh.insert('organizations', ['AAA', 'BBB', 'CCC'].map((code) => ({ code, name_fr: code, name_en: code, reporting: 'aggregates' })));
  await t.wh.insert('standard_results', [report('AAA', 80, 100, '2024-05-01 12:00:00.000'), report('BBB', 30, 50, '2024-05-01 12:00:00.000'), report('CCC', 45, 60, '2024-05-01 12:00:00.000')]);
}, 120_000);

afterAll(async () => {
  await t?.dispose();
  if (out) fs.rmSync(out, { recursive: true, force: true });
});

describe('a corrected declared figure is published as a revision', () => {
  it('publishes final, then the corrected value with revisions.csv, leaving the earlier snapshot unchanged', async () => {
    const metrics = createMetricsService(t.wh, { smallCountThreshold: 10, digitalChannels: ['web', 'mobile'], finalAfterDays: 90 });
    const publish = (day: string) => publishOpenData({ metrics, config, publicUrl: 'https://jalon.example', dir: out, now: new Date(`${day}T16:00:00Z`) });

    // 2025-06-15: fiscal year 2023-2024 ended 2024-04-01, more than 90 days before: final.
    const first = await publish('2025-06-15');
    expect(first.snapshot).toBe('2025-06-15');
    const firstDir = path.join(out, '2025-06-15');
    const year1 = parseCsv(fs.readFileSync(path.join(firstDir, 'within_service_standard-by-fiscal-year.csv'), 'utf8'));
    expect(year1).toHaveLength(1);
    expect(year1[0].fiscal_year).toBe('2023-2024');
    expect(Number(year1[0].value_ratio)).toBeCloseTo(155 / 210, 12); // (80 + 30 + 45) / (100 + 50 + 60)
    expect([year1[0].numerator, year1[0].denominator, year1[0].status]).toEqual(['155', '210', 'final']);
    const org1 = parseCsv(fs.readFileSync(path.join(firstDir, 'within_service_standard-by-org-and-fiscal-year.csv'), 'utf8'));
    expect(org1.map((r) => [r.org, Number(r.value_ratio), r.status])).toEqual([['AAA', 0.8, 'final'], ['BBB', 0.6, 'final'], ['CCC', 0.75, 'final']]);
    expect(parseCsv(fs.readFileSync(path.join(firstDir, 'revisions.csv'), 'utf8'))).toEqual([]);
    const before = hashes(firstDir);

    // AAA corrects its report: 90 met out of 100 (a later reported_at replaces the row).
    await t.wh.insert('standard_results', [report('AAA', 90, 100, '2025-06-15 18:00:00.000')]);
    // The engine's answers are cached by data version, which it re-reads at most every 5 s.
    await new Promise((r) => setTimeout(r, 5_200));

    const second = await publish('2025-06-16');
    expect(second.revisions).toBe(2); // the national figure and AAA's
    const secondDir = path.join(out, '2025-06-16');
    const year2 = parseCsv(fs.readFileSync(path.join(secondDir, 'within_service_standard-by-fiscal-year.csv'), 'utf8'));
    expect(Number(year2[0].value_ratio)).toBeCloseTo(165 / 210, 12);
    const org2 = parseCsv(fs.readFileSync(path.join(secondDir, 'within_service_standard-by-org-and-fiscal-year.csv'), 'utf8'));
    expect(Number(org2.find((r) => r.org === 'AAA')?.value_ratio)).toBe(0.9);

    const revisions = parseCsv(fs.readFileSync(path.join(secondDir, 'revisions.csv'), 'utf8'));
    const byScope = new Map(revisions.map((r) => [r.scope, r]));
    expect([...byScope.keys()].sort()).toEqual(['AAA', 'all']);
    for (const r of revisions) {
      expect(r.indicator).toBe('within_service_standard');
      expect(r.period).toBe('2023-2024');
      expect(r.snapshot).toBe('2025-06-16');
      expect(r.reason).toMatch(/déclaration corrigée.*corrected or late declared report/u);
      expect(r.revised_at).toMatch(/^2025-06-16T16:00:00/u);
    }
    expect([Number(byScope.get('AAA')?.old_value), Number(byScope.get('AAA')?.new_value)]).toEqual([0.8, 0.9]);
    expect(Number(byScope.get('all')?.old_value)).toBeCloseTo(155 / 210, 12);
    expect(Number(byScope.get('all')?.new_value)).toBeCloseTo(165 / 210, 12);

    // latest/ is the new snapshot (same files, catalogue aside); the earlier snapshot is byte for byte what it was.
    const latest = hashes(path.join(out, 'latest'));
    const now = hashes(secondDir);
    expect(Object.keys(latest)).toEqual(Object.keys(now));
    for (const f of Object.keys(now)) if (f !== 'catalog.jsonld') expect(latest[f], f).toBe(now[f]);
    expect(hashes(firstDir)).toEqual(before);

    // Publishing again without a change records nothing new; the revision stays in the indicator's history.
    const third = await publish('2025-06-17');
    expect(third.revisions).toBe(0);
    const history = await listRevisions(t.wh, { indicator: 'within_service_standard' });
    expect(history.map((r) => r.scope).sort()).toEqual(['AAA', 'all']);
    expect(parseCsv(fs.readFileSync(path.join(out, '2025-06-17', 'revisions.csv'), 'utf8'))).toHaveLength(2);

    // BBB restates its year on 8 requests (4 met): under the threshold, withheld, and CCC (the smallest other
    // organization) withheld beside it. Both are revisions whose old value is not republished.
    await t.wh.insert('standard_results', [report('BBB', 4, 8, '2025-06-17 18:00:00.000')]);
    await new Promise((r) => setTimeout(r, 5_200));
    const fourth = await publish('2025-06-18');
    expect(fourth.revisions).toBe(3);
    const org4 = parseCsv(fs.readFileSync(path.join(out, '2025-06-18', 'within_service_standard-by-org-and-fiscal-year.csv'), 'utf8'));
    expect(org4.map((r) => [r.org, r.suppressed, r.value_ratio])).toEqual([['AAA', 'false', '0.9'], ['BBB', 'true', ''], ['CCC', 'true', '']]);
    const rev4 = parseCsv(fs.readFileSync(path.join(out, '2025-06-18', 'revisions.csv'), 'utf8')).filter((r) => r.snapshot === '2025-06-18');
    const by4 = new Map(rev4.map((r) => [r.scope, r]));
    expect([...by4.keys()].sort()).toEqual(['BBB', 'CCC', 'all']);
    for (const org of ['BBB', 'CCC']) {
      expect([by4.get(org)?.old_value, by4.get(org)?.new_value], org).toEqual(['', '']);
      expect(by4.get(org)?.reason, org).toMatch(/now suppressed/u);
    }
    expect(Number(by4.get('all')?.old_value)).toBeCloseTo(165 / 210, 12);
    expect(Number(by4.get('all')?.new_value)).toBeCloseTo(139 / 168, 12); // (90 + 4 + 45) / (100 + 8 + 60)
  }, 400_000); // four publications of the whole catalogue on a shared machine

  it('keeps a period closed for less than the delay provisional while an organization has not reported, final once all have', async () => {
    // Fiscal year 2024-2025 seen on 2025-05-01: closed for 30 days, under the 90-day delay, and only AAA has reported
    // for it: provisional. Once BBB and CCC report, its sources are complete: final before the delay.
    await t.wh.insert('standard_results', [{ ...report('AAA', 50, 60, '2025-04-20 12:00:00.000'), period_start: '2024-04-01', period_end: '2025-03-31', period: '2024-2025' }]);
    const metrics = createMetricsService(t.wh, { smallCountThreshold: 10, digitalChannels: ['web', 'mobile'], finalAfterDays: 90 });
    const answer = await metrics.run(
      { metric: 'within_service_standard', from: '2023-04-01', to: '2025-05-01', grain: 'fiscal_year', by: [], filters: {}, compare: 'none', caller: { role: 'public', orgs: [], id: 'public' }, now: new Date('2025-05-01T16:00:00Z') },
      { public: true }
    );
    expect(answer.rows.map((r) => [r.period, r.status])).toEqual([['2023-2024', 'final'], ['2024-2025', 'provisional']]);

    await t.wh.insert('standard_results', ['BBB', 'CCC'].map((org) => ({ ...report(org, 20, 30, '2025-04-25 12:00:00.000'), period_start: '2024-04-01', period_end: '2025-03-31', period: '2024-2025' })));
    await new Promise((r) => setTimeout(r, 5_200)); // the engine re-reads its data version at most every 5 s
    const complete = await metrics.run(
      { metric: 'within_service_standard', from: '2023-04-01', to: '2025-05-01', grain: 'fiscal_year', by: [], filters: {}, compare: 'none', caller: { role: 'public', orgs: [], id: 'public' }, now: new Date('2025-05-01T16:00:00Z') },
      { public: true }
    );
    expect(complete.rows.map((r) => [r.period, r.status])).toEqual([['2023-2024', 'final'], ['2024-2025', 'final']]);
  }, 60_000);
});
