// Unit tests of the pure parts of metrics/: periods, holidays, the loader's problem list and the compiler's checks.
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseDefinition, loadDefinitions } from '../../metrics/definition.ts';
import { compileMetric } from '../../metrics/compile.ts';
import { periodOf, periodRange, shiftLabel, torontoDay } from '../../metrics/periods.ts';
import { quebecHolidays } from '../../metrics/holidays.ts';
import { decideTable } from '../../metrics/table-decider.ts';
import type { MetricRequest } from '../../metrics/types.ts';
import { DEMO_EXECUTIVE } from '../../access/caller.ts';

describe('periods in America/Toronto', () => {
  it('puts 2024-04-01 02:30 UTC on 2024-03-31 and in fiscal year 2023-2024', () => {
    const day = torontoDay(new Date('2024-04-01T02:30:00Z'));
    expect(day).toBe('2024-03-31');
    expect(periodOf('fiscal_year', day)).toBe('2023-2024');
    expect(periodOf('quarter', day)).toBe('2024-Q1');
  });
  it('handles both daylight-saving changes', () => {
    expect(torontoDay(new Date('2024-03-10T04:59:00Z'))).toBe('2024-03-09'); // 23:59 EST
    expect(torontoDay(new Date('2024-03-10T07:30:00Z'))).toBe('2024-03-10'); // 03:30 EDT
    expect(torontoDay(new Date('2024-11-04T04:30:00Z'))).toBe('2024-11-03'); // 23:30 EST after fall-back
  });
  it('labels and ranges periods the way the CLI writes them', () => {
    expect(periodRange('fiscal_year', '2023-2024')).toEqual({ from: '2023-04-01', to: '2024-04-01' });
    expect(periodRange('quarter', '2023-Q2')).toEqual({ from: '2023-04-01', to: '2023-07-01' });
    expect(periodRange('week', '2024-W01')).toEqual({ from: '2024-01-01', to: '2024-01-08' });
    expect(shiftLabel('month', '2024-01', 'previous_period')).toBe('2023-12');
    expect(shiftLabel('fiscal_year', '2023-2024', 'previous_year')).toBe('2022-2023');
    expect(periodOf('week', '2021-01-03')).toBe('2020-W53');
  });
});

describe('Québec statutory holidays', () => {
  it('knows 2024: Good Friday, Easter Monday, Patriotes, Fête nationale, Canada Day, Labour Day, Thanksgiving', () => {
    expect(quebecHolidays(2024)).toEqual(['2024-01-01', '2024-03-29', '2024-04-01', '2024-05-20', '2024-06-24', '2024-07-01', '2024-09-02', '2024-10-14', '2024-12-25']);
  });
  it('moves June 24 and July 1 to Monday when they fall on a Sunday', () => {
    expect(quebecHolidays(2029)).toContain('2029-07-02');
    expect(quebecHolidays(2029)).toContain('2029-06-25');
  });
});

describe('definition loader', () => {
  it('loads the whole catalogue without problems', () => {
    const { definitions, problems } = loadDefinitions();
    expect(problems).toEqual([]);
    for (const id of ['digital_take_up', 'completion_rate', 'abandonment_rate', 'step_drop_off', 'time_to_complete', 'satisfaction', 'effort',
      'within_service_standard', 'cost_per_transaction', 'availability', 'online_end_to_end', 'once_only', 'partner_sign_in',
      'value_time_saved', 'value_cost_avoided', 'freshness', 'completeness']) expect(definitions.has(id)).toBe(true);
  });
  it('reports every problem of a file at once, each with its line', () => {
    const text = ['-- id: bad_metric', '-- unit: furlongs', '-- direction: up', '-- colour: blue', "SELECT {x:String} AS period, 1 AS numerator {{nope}}"].join('\n');
    const { definition, problems } = parseDefinition(text, '/x/bad_metric.sql');
    expect(definition).toBeNull();
    const lines = problems.map((p) => `${p.line}:${p.message.split(' ')[0]}`);
    expect(problems.length).toBeGreaterThanOrEqual(6);
    expect(lines).toContain('2:unit');
    expect(lines).toContain('3:direction');
    expect(problems.some((p) => p.line === 4 && /colour/.test(p.message))).toBe(true);
    expect(problems.some((p) => p.line === 5 && /\{x\}/.test(p.message))).toBe(true);
    expect(problems.some((p) => p.line === 5 && /nope/.test(p.message))).toBe(true);
  });
  it('reads the dimensions a figure cannot vary within, and refuses one the metric does not have', () => {
    const defs = loadDefinitions().definitions;
    expect(defs.get('digital_take_up')!.constantBy).toEqual(['channel']);
    // Cost avoided is counted on digital channels only, but web and mobile each avoid their own part: drawn by channel.
    expect(defs.get('value_cost_avoided')!.constantBy).toEqual([]);
    const text = fs.readFileSync(defs.get('once_only')!.file, 'utf8').replace('-- dimensions: org, service, channel, region, client_type\n', '$&-- constant_by: channel, sign_in\n');
    const { problems } = parseDefinition(text, defs.get('once_only')!.file);
    expect(problems.map((p) => p.message)).toEqual([expect.stringContaining('constant_by "sign_in"')]);
  });
});

describe('compiler', () => {
  const defs = loadDefinitions().definitions;
  const base: MetricRequest = {
    metric: 'digital_take_up', from: '2023-04-01', to: '2024-04-01', grain: 'fiscal_year', by: [], filters: {}, compare: 'none',
    caller: DEMO_EXECUTIVE, now: new Date('2024-06-15T12:00:00Z')
  };
  const ctx = { scope: null, digitalChannels: ['web', 'mobile'], rollups: {} };
  it('binds values as typed parameters, never in the SQL text', () => {
    const hostile = "x') OR 1=1 --";
    const c = compileMetric(defs.get('digital_take_up')!, { ...base, filters: { service: [hostile] }, by: ['service'] }, { ...ctx, scope: ['RAMQ'] });
    expect(c.errors).toEqual([]);
    expect(c.main!.sql).not.toContain(hostile);
    expect(c.main!.sql).not.toContain('RAMQ');
    expect(c.main!.params.f_service).toEqual([hostile]);
    expect(c.main!.params.scope_orgs).toEqual(['RAMQ']);
  });
  it('collects every problem of a request', () => {
    const c = compileMetric(defs.get('satisfaction')!, { ...base, metric: 'satisfaction', from: '2024-13-01', grain: 'decade' as never, by: ['region', 'bogus' as never] }, ctx);
    expect(c.main).toBeNull();
    expect(c.errors.length).toBeGreaterThanOrEqual(3);
  });
  it('lets the table decider use a rollup only when it is complete and keeps the requested dimensions', () => {
    const def = defs.get('digital_take_up')!;
    expect(decideTable(def, base, { rollup_events_daily: true }, false)).toBe('rollup');
    expect(decideTable(def, { ...base, by: ['region'] }, { rollup_events_daily: true }, false)).toBe('raw');
    expect(decideTable(def, base, { rollup_events_daily: false }, false)).toBe('raw');
    expect(decideTable(def, base, { rollup_events_daily: true }, true)).toBe('raw');
  });
  it('reads the completions rollup’s coarser twin when it is current and keeps every dimension asked', () => {
    const reads = (metric: string, request: Partial<MetricRequest>, coarse: boolean) => {
      const rollups = { rollup_events_daily: true, rollup_completions_daily: true, rollup_completions_coarse: coarse };
      const sql = compileMetric(defs.get(metric)!, { ...base, metric, ...request }, { ...ctx, rollups }).main!.sql;
      return ['rollup_completions_daily', 'rollup_completions_coarse'].filter((t) => new RegExp(`\\b${t}\\b`).test(sql));
    };
    expect(reads('time_to_complete', { by: ['channel'] }, true)).toEqual(['rollup_completions_coarse']);
    expect(reads('completion_time_distribution', { filters: { service: ['A-S1'] } }, true)).toEqual(['rollup_completions_coarse']);
    expect(reads('value_time_saved', {}, true)).toEqual(['rollup_completions_coarse']);
    // Region and client type are only in the finer rollup; a twin not yet current is not read.
    expect(reads('time_to_complete', { by: ['region'] }, true)).toEqual(['rollup_completions_daily']);
    expect(reads('time_to_complete', { filters: { client_type: ['citizen'] } }, true)).toEqual(['rollup_completions_daily']);
    expect(reads('time_to_complete', { by: ['channel'] }, false)).toEqual(['rollup_completions_daily']);
  });
  it('reads the completions merged by fiscal year only for whole fiscal years, when current, else the day rollups', () => {
    const tables = ['rollup_completions_daily', 'rollup_completions_coarse', 'rollup_completions_fiscal'];
    const reads = (metric: string, request: Partial<MetricRequest>, fiscal = true) => {
      const rollups = { rollup_events_daily: true, rollup_completions_daily: true, rollup_completions_coarse: true, rollup_completions_fiscal: fiscal };
      const sql = compileMetric(defs.get(metric)!, { ...base, metric, ...request }, { ...ctx, rollups }).main!.sql;
      return tables.filter((t) => new RegExp(`\\b${t}\\b`).test(sql));
    };
    // April 1 to April 1, by fiscal year or over the whole range: the scorecard's series and headline.
    expect(reads('time_to_complete', { from: '2018-04-01', to: '2024-04-01' })).toEqual(['rollup_completions_fiscal']);
    expect(reads('time_to_complete', { grain: 'all', by: ['channel'], filters: { org: ['A'] } })).toEqual(['rollup_completions_fiscal']);
    expect(reads('value_time_saved', {})).toEqual(['rollup_completions_fiscal']);
    expect(reads('completion_time_distribution', { filters: { service: ['A-S1'] } })).toEqual(['rollup_completions_fiscal']);
    // A range that stops inside a fiscal year, a grain finer than one, a dimension the table does not keep, or the table
    // not current: the day rollups.
    expect(reads('time_to_complete', { to: '2024-03-15' })).toEqual(['rollup_completions_coarse']);
    expect(reads('time_to_complete', { from: '2023-04-02' })).toEqual(['rollup_completions_coarse']);
    expect(reads('time_to_complete', { grain: 'quarter' })).toEqual(['rollup_completions_coarse']);
    expect(reads('time_to_complete', { grain: 'year', from: '2023-04-01', to: '2024-04-01' })).toEqual(['rollup_completions_coarse']);
    expect(reads('time_to_complete', { by: ['region'] })).toEqual(['rollup_completions_daily']);
    expect(reads('time_to_complete', {}, false)).toEqual(['rollup_completions_coarse']);
  });
});
