// Pure checks of the analyst SQL sandbox (no I/O): the text rules applied before anything reaches the engine,
// and the allow-list walk over ClickHouse's own parse tree (`EXPLAIN AST`, one row per node). Default-deny: a node
// type, function or table that is not explicitly allowed is refused. The runner is access/sql-sandbox.ts.
import { SANDBOX_AGGREGATES, SANDBOX_CASE_INSENSITIVE, SANDBOX_FUNCTIONS, SANDBOX_SUPERLINEAR } from './sandbox-functions.ts';

/** Why a query was refused: a stable machine code and a message for people in each language (`message` holds
 * both, French first, for the CLI and the audit log). */
export interface Refusal {
  code: RefusalCode;
  message: string;
  fr: string;
  en: string;
  /** Where in the analyst's own text, when the engine's parser said so. */
  position?: TextPosition;
}

/** A place in the analyst's text: 0-based offset, 1-based line and column. */
export interface TextPosition {
  offset: number;
  line: number;
  column: number;
}

export type RefusalCode =
  | 'empty'
  | 'too_long'
  | 'control_character'
  | 'several_statements'
  | 'not_select'
  | 'into_outfile_or_format'
  | 'settings'
  | 'table_function'
  | 'table_not_allowed'
  | 'function_not_allowed'
  | 'construct_not_allowed'
  | 'query_parameter'
  | 'syntax';

const MESSAGES: Record<RefusalCode, (detail: string) => [fr: string, en: string]> = {
  empty: () => ['Requête vide', 'Empty query'],
  too_long: (d) => [`Requête trop longue (${d})`, `Query too long (${d})`],
  control_character: () => ['Caractère de contrôle interdit dans la requête', 'Control character not allowed in the query'],
  several_statements: () => ["Un seul énoncé : « ; » n'est permis qu'à la toute fin", "One statement only: ';' is allowed only at the very end"],
  not_select: (d) => [`Seul un SELECT (ou WITH … SELECT) est permis, pas ${d}`, `Only a SELECT (or WITH … SELECT) is allowed, not ${d}`],
  into_outfile_or_format: () => [
    'INTO OUTFILE et FORMAT ne sont pas permis : le bac à sable choisit le format',
    'INTO OUTFILE and FORMAT are not allowed: the sandbox picks the format'
  ],
  settings: () => [
    'SETTINGS n’est pas permis : les limites du bac à sable ne se changent pas',
    'SETTINGS is not allowed: the sandbox limits cannot be changed'
  ],
  table_function: (d) => [
    `Fonction de table interdite : ${d} (seules les vues organisées sont lisibles)`,
    `Table function not allowed: ${d} (only curated views can be read)`
  ],
  table_not_allowed: (d) => [
    `Table ou vue non permise : ${d} (seules les vues organisées sont lisibles)`,
    `Table or view not allowed: ${d} (only curated views can be read)`
  ],
  function_not_allowed: (d) => [`Fonction non permise : ${d}`, `Function not allowed: ${d}`],
  construct_not_allowed: (d) => [`Construction SQL non permise : ${d}`, `SQL construct not allowed: ${d}`],
  query_parameter: () => ['Paramètres {nom:Type} non permis', '{name:Type} parameters are not allowed'],
  syntax: (d) => [`Requête illisible${d ? ` : ${d}` : ''}`, `Query cannot be parsed${d ? `: ${d}` : ''}`]
};

/** A refusal; `detail` is the same in both languages, or a [fr, en] pair. */
export function refusal(code: RefusalCode, detail: string | readonly [string, string] = '', position?: TextPosition): Refusal {
  const [dfr, den] = typeof detail === 'string' ? [detail, detail] : detail;
  const fr = MESSAGES[code](dfr)[0];
  const en = MESSAGES[code](den)[1];
  return { code, message: `${fr} / ${en}`, fr, en, ...(position ? { position } : {}) };
}

/** Longest accepted query text, in characters. */
export const MAX_SQL_LENGTH = 20_000;

/**
 * Text rules, before the engine sees anything. The embedded engine runs every statement of a text it is given
 * (even after `EXPLAIN AST`), so a `;` anywhere but at the very end is refused, even inside a string or a
 * comment: no tokenizer of ours can then disagree with ClickHouse's about where a statement ends.
 * Returns the text to check (trailing `;` and blanks removed) or a refusal.
 */
export function checkSqlText(sql: string): { ok: true; text: string } | { ok: false; refusal: Refusal } {
  const text = sql.replace(/[\s;]+$/u, '').replace(/^\s+/u, '');
  if (text === '') return { ok: false, refusal: refusal('empty') };
  if (text.length > MAX_SQL_LENGTH) return { ok: false, refusal: refusal('too_long', `${text.length} > ${MAX_SQL_LENGTH}`) };
  if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/u.test(text)) return { ok: false, refusal: refusal('control_character') };
  if (text.includes(';')) return { ok: false, refusal: refusal('several_statements') };
  return { ok: true, text };
}

/** One node of ClickHouse's `EXPLAIN AST` dump. */
export interface AstNode {
  type: string;
  /** The rest of the row after the type: a name, a literal, `(alias x)`, `(children n)`. */
  detail: string;
  children: AstNode[];
}

/**
 * Builds the tree from `EXPLAIN AST` rows. Each row is one node, indented by one space per level; names inside a
 * row may contain anything (even newlines), which is why rows are never split further.
 */
export function parseExplainRows(rows: readonly string[]): AstNode | null {
  const root: AstNode = { type: '(root)', detail: '', children: [] };
  const stack: { depth: number; node: AstNode }[] = [{ depth: -1, node: root }];
  for (const row of rows) {
    const depth = row.length - row.replace(/^ +/u, '').length;
    const body = row.slice(depth);
    const space = body.indexOf(' ');
    const node: AstNode = { type: space === -1 ? body : body.slice(0, space), detail: space === -1 ? '' : body.slice(space + 1), children: [] };
    while (stack.length > 1 && stack[stack.length - 1].depth >= depth) stack.pop();
    const parent = stack[stack.length - 1];
    if (depth !== parent.depth + 1) return null; // a gap in indentation: not a dump we understand
    parent.node.children.push(node);
    stack.push({ depth, node });
  }
  return root.children.length === 1 ? root.children[0] : null;
}

/** The name at the start of a node's detail: what comes before ` (alias ` and ` (children `. A name that itself
 * contains those markers is cut short, which can only make it unknown to the allow-lists, never known. */
export function nodeName(detail: string): string {
  const name = detail.replace(/ ?\(children \d+\)$/u, '');
  if (name.startsWith('(alias ')) return '';
  const at = name.indexOf(' (alias ');
  return at === -1 ? name : name.slice(0, at);
}

/** Node types a read-only SELECT is made of. Anything else (Set, QueryParameter, ColumnsApplyTransformer…) is refused. */
const ALLOWED_NODES = new Set([
  'SelectWithUnionQuery',
  'SelectIntersectExceptQuery',
  'SelectQuery',
  'ExpressionList',
  'TablesInSelectQuery',
  'TablesInSelectQueryElement',
  'TableExpression',
  'TableIdentifier',
  'TableJoin',
  'ArrayJoin',
  'Identifier',
  'Literal',
  'Function',
  'Asterisk',
  'QualifiedAsterisk',
  'ColumnsRegexpMatcher',
  'ColumnsListMatcher',
  'QualifiedColumnsRegexpMatcher',
  'QualifiedColumnsListMatcher',
  'ColumnsTransformerList',
  'ColumnsExceptTransformer',
  'ColumnsReplaceTransformer',
  'ColumnsReplaceTransformer::Replacement',
  'Subquery',
  'OrderByElement',
  'WithElement',
  'WindowDefinition',
  'WindowListElement',
  'SampleRatio',
  'InterpolateElement'
]);

/** Pseudo-functions the parser produces for syntax (lambdas, EXISTS, GROUPING) that are not in system.functions. */
const SYNTAX_FUNCTIONS = new Set(['lambda', 'exists', 'grouping', 'untuple', 'tuple', 'array', 'in', 'notIn', 'nullIn', 'notNullIn']);

const AGGREGATES_ANY_CASE = new Set([...SANDBOX_AGGREGATES].map((n) => n.toLowerCase()).filter((n) => SANDBOX_CASE_INSENSITIVE.has(n)));

/** `x IN name` reads the table `name`: the right side of these must be a subquery, a literal or a tuple instead. */
const IN_FUNCTIONS = new Set(['in', 'notIn', 'nullIn', 'notNullIn']);

const COMBINATORS = ['MergeState', 'SimpleState', 'OrDefault', 'Resample', 'Distinct', 'ForEach', 'ArgMin', 'ArgMax', 'OrNull', 'State', 'Merge', 'Array', 'Map', 'If'];

/** Whether an analyst's query may call this function (aggregate combinators such as sumIf or uniqMergeState included). */
export function isAllowedFunction(name: string): boolean {
  if (SANDBOX_SUPERLINEAR.has(name.toLowerCase())) return false;
  if (SANDBOX_FUNCTIONS.has(name) || SYNTAX_FUNCTIONS.has(name)) return true;
  if (SANDBOX_CASE_INSENSITIVE.has(name.toLowerCase())) return true;
  // Strip combinator suffixes (up to four deep) and require an aggregate underneath.
  let base = name;
  for (let depth = 0; depth < 4; depth++) {
    const suffix = COMBINATORS.find((c) => base.length > c.length && base.endsWith(c));
    if (!suffix) break;
    base = base.slice(0, -suffix.length);
    if (SANDBOX_AGGREGATES.has(base) || AGGREGATES_ANY_CASE.has(base.toLowerCase())) return true;
  }
  return false;
}

export interface AstContext {
  /** The curated views' database: the only one a table name may name. */
  analystDatabase: string;
  /** Names of the curated views. */
  views: ReadonlySet<string>;
}

export interface AstVerdict {
  refusals: Refusal[];
  /** Curated views the query reads (for the audit log and the organization scope). */
  views: string[];
}

/**
 * Walks the parse tree. Table names: a curated view, bare or qualified by the analyst database; or a bare name
 * (a CTE), which can only resolve among the curated views since the query runs with the analyst database as its
 * current database. Every function must be on the allow-list; functions under a table expression are table
 * functions and always refused.
 */
export function checkAst(root: AstNode, ctx: AstContext): AstVerdict {
  const refusals: Refusal[] = [];
  const seen = new Set<string>();
  const views = new Set<string>();
  const refuse = (r: Refusal) => {
    const key = `${r.code}:${r.message}`;
    if (!seen.has(key)) {
      seen.add(key);
      refusals.push(r);
    }
  };
  if (root.type !== 'SelectWithUnionQuery') {
    refuse(refusal('not_select', root.type.replace(/Query$/u, '').toUpperCase() || 'this statement'));
    return { refusals, views: [] };
  }
  const walk = (node: AstNode, parent: AstNode | null) => {
    if (!ALLOWED_NODES.has(node.type)) {
      if (node.type === 'Set') refuse(refusal('settings'));
      else if (node.type === 'QueryParameter') refuse(refusal('query_parameter'));
      else refuse(refusal('construct_not_allowed', node.type));
      return;
    }
    if (node.type === 'SelectWithUnionQuery' && node.children.length !== 1) {
      // The list of selects is the only child; a second one is INTO OUTFILE's file name, a FORMAT, or SETTINGS.
      refuse(refusal('into_outfile_or_format'));
    }
    if (node.type === 'TableIdentifier') {
      const name = nodeName(node.detail);
      const dot = name.indexOf('.');
      if (dot === -1) {
        if (ctx.views.has(name)) views.add(name);
      } else {
        const db = name.slice(0, dot);
        const table = name.slice(dot + 1);
        if (db === ctx.analystDatabase && ctx.views.has(table)) views.add(table);
        else refuse(refusal('table_not_allowed', name));
      }
    }
    if (node.type === 'Function') {
      const name = nodeName(node.detail);
      if (parent?.type === 'TableExpression') refuse(refusal('table_function', `${name}()`));
      else if (!isAllowedFunction(name)) refuse(refusal('function_not_allowed', `${name}()`));
      else if (IN_FUNCTIONS.has(name)) {
        const right = node.children[0]?.children[1];
        if (right?.type === 'Identifier') {
          const table = nodeName(right.detail);
          refuse(refusal('construct_not_allowed', [`IN ${table} (une table après IN : utilisez IN (SELECT …))`, `IN ${table} (a table after IN: use IN (SELECT …))`]));
        }
      }
    }
    for (const child of node.children) walk(child, node);
  };
  walk(root, null);
  return { refusals, views: [...views].sort() };
}

/** Rows of `EXPLAIN AST` without child counts, for comparing two dumps structurally. */
function normalized(rows: readonly string[]): string[] {
  return rows.map((r) => r.replace(/ \(children \d+\)$/u, ''));
}

/**
 * The dump the wrapped query must produce: our outer `SELECT * FROM (…) LIMIT n SETTINGS …` around exactly the
 * analyst's tree. Comparing the two proves the text we append was not absorbed into, or changed, the query.
 */
export function expectedWrappedRows(userRows: readonly string[], limit: number): string[] {
  return normalized([
    'SelectWithUnionQuery',
    ' ExpressionList',
    '  SelectQuery',
    '   ExpressionList',
    '    Asterisk',
    '   TablesInSelectQuery',
    '    TablesInSelectQueryElement',
    '     TableExpression',
    '      Subquery',
    ...userRows.map((r) => `       ${r}`),
    `   Literal UInt64_${limit}`,
    '   Set'
  ]);
}

export function sameDump(actual: readonly string[], expected: readonly string[]): boolean {
  const a = normalized(actual);
  return a.length === expected.length && a.every((row, i) => row === expected[i]);
}
