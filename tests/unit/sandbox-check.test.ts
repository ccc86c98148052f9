// The sandbox's pure checks, without an engine: text rules, reading EXPLAIN AST rows, names, the function allow-list.
import { describe, expect, it } from 'vitest';
import { checkAst, checkSqlText, expectedWrappedRows, isAllowedFunction, nodeName, parseExplainRows, sameDump } from '../../access/sandbox-check.ts';
import { scopeFilters, sandboxSettings, wrapQuery, DEFAULT_LIMITS } from '../../access/sql-sandbox.ts';

const ctx = { analystDatabase: 'jalon_analyst', views: new Set(['events', 'organizations']) };

describe('text rules', () => {
  it('keeps one statement, strips a final semicolon, refuses any other', () => {
    expect(checkSqlText('  SELECT 1 ;  \n')).toEqual({ ok: true, text: 'SELECT 1' });
    for (const [sql, code] of [
      ['', 'empty'],
      [';', 'empty'],
      ['SELECT 1; SELECT 2', 'several_statements'],
      ["SELECT ';'", 'several_statements'],
      ['SELECT 1 -- ; x\n', 'several_statements'],
      ['SELECT 1\u0000', 'control_character'],
      ['SELECT ' + 'x'.repeat(30_000), 'too_long']
    ] as const) {
      const r = checkSqlText(sql);
      expect(r.ok, sql).toBe(false);
      if (!r.ok) expect(r.refusal.code).toBe(code);
    }
  });
});

describe('EXPLAIN AST rows', () => {
  const rows = [
    'SelectWithUnionQuery (children 1)',
    ' ExpressionList (children 1)',
    '  SelectQuery (children 2)',
    '   ExpressionList (children 1)',
    '    Function file (alias x) (children 1)',
    '     ExpressionList (children 1)',
    "      Literal '/etc/hostname'",
    '   TablesInSelectQuery (children 1)',
    '    TablesInSelectQueryElement (children 1)',
    '     TableExpression (children 1)',
    '      TableIdentifier system.tables (alias t)'
  ];
  it('builds the tree from indentation, one node per row', () => {
    const tree = parseExplainRows(rows);
    expect(tree?.type).toBe('SelectWithUnionQuery');
    expect(tree?.children[0].children[0].children.map((c) => c.type)).toEqual(['ExpressionList', 'TablesInSelectQuery']);
    expect(parseExplainRows(['A', '   B'])).toBeNull(); // a gap in indentation
  });
  it('reads names before aliases and child counts; odd names can only become unknown', () => {
    expect(nodeName('file (alias x) (children 1)')).toBe('file');
    expect(nodeName('system.tables (alias t)')).toBe('system.tables');
    expect(nodeName('plus (alias y (alias z) (children 2)')).toBe('plus');
    expect(nodeName('(children 1)')).toBe('');
  });
  it('collects every refusal of a tree', () => {
    const verdict = checkAst(parseExplainRows(rows)!, ctx);
    expect(verdict.refusals.map((r) => r.code).sort()).toEqual(['function_not_allowed', 'table_not_allowed']);
  });
  it('compares the wrapped dump with the checked one', () => {
    const user = ['SelectWithUnionQuery (children 1)', ' ExpressionList (children 1)', '  SelectQuery (children 1)', '   ExpressionList (children 1)', '    Literal UInt64_1'];
    const wrapped = [
      'SelectWithUnionQuery (children 1)', ' ExpressionList (children 1)', '  SelectQuery (children 4)', '   ExpressionList (children 1)', '    Asterisk',
      '   TablesInSelectQuery (children 1)', '    TablesInSelectQueryElement (children 1)', '     TableExpression (children 1)', '      Subquery (children 1)',
      ...user.map((r) => `       ${r}`), '   Literal UInt64_11', '   Set'
    ];
    expect(sameDump(wrapped, expectedWrappedRows(user, 11))).toBe(true);
    expect(sameDump([...wrapped.slice(0, -1)], expectedWrappedRows(user, 11))).toBe(false);
  });
});

describe('function allow-list', () => {
  it('allows pure functions, aggregates and their combinators, in any case ClickHouse accepts', () => {
    for (const f of ['count', 'COUNT', 'sumIf', 'uniqMerge', 'avgOrNull', 'quantilesIfState', 'toStartOfMonth', 'arrayMap', 'lambda', 'CAST', 'multiIf', 'in', 'exists']) {
      expect(isAllowedFunction(f), f).toBe(true);
    }
  });
  it('refuses what reaches outside or reads settings, and combinators on non-aggregates', () => {
    for (const f of ['file', 'FILE', 'url', 'dictGet', 'dictGetString', 'joinGet', 'sleep', 'sleepEachRow', 'getSetting', 'hostName', 'currentUser', 'catboostEvaluate', 'hasColumnInTable', 'globalIn', '__getScalar', 'aiGenerate', 'fileIf', 'sleepIf', 'evalMLMethod', 'filesystemAvailable', 'generateSerialID']) {
      expect(isAllowedFunction(f), f).toBe(false);
    }
  });
});

describe('settings', () => {
  it('binds the scope to every view and its table, and ends with readonly', () => {
    const s = sandboxSettings('jalon', ['AG1', 'MIN'], DEFAULT_LIMITS);
    expect(s.endsWith('readonly = 1')).toBe(true);
    expect(scopeFilters('jalon', ['AG1'])).toContain("'jalon_analyst.events': 'org IN (\\'AG1\\')'");
    expect(scopeFilters('jalon', ['AG1'])).toContain("'jalon.service_events': 'org IN (\\'AG1\\')'");
    expect(scopeFilters('jalon', ['AG1'])).toContain("'jalon.organizations': 'code IN (\\'AG1\\')'");
    expect(sandboxSettings('jalon', null, DEFAULT_LIMITS)).not.toContain('additional_table_filters');
    expect(wrapQuery('SELECT 1', 11, 'readonly = 1')).toBe('SELECT * FROM (\nSELECT 1\n) LIMIT 11\nSETTINGS readonly = 1');
  });
});

