// What the analyst sandbox says when the engine refuses or fails a query: a message in each language built from the
// error's class, never the engine's own text, which can quote values of rows (e.g. "Cannot parse string 'X'"). Only
// names the analyst wrote (a column, a function, a table) are repeated, and only when they look like names.
// Parser positions are moved from the text the engine saw (ours around theirs) into the analyst's own text.
import type { TextPosition } from './sandbox-check.ts';

export interface EngineFailure {
  /** HTTP status: 400 for the query's own mistakes, 422 for a sandbox limit. */
  status: number;
  /** Stable code for programs. */
  code: 'query_failed' | 'time_limit' | 'memory_limit' | 'result_limit';
  fr: string;
  en: string;
  /** ClickHouse's error name (UNKNOWN_IDENTIFIER…): a constant, never data. */
  engineType: string | null;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_.]{0,63}$/u;

/** A name the analyst wrote, or null when the text does not look like one (then nothing is repeated). */
function safeName(candidate: string | undefined): string | null {
  return candidate !== undefined && NAME.test(candidate) ? candidate : null;
}

/** "Maybe you meant: ['service', 'org']" → the names that look like names. */
function suggestions(message: string): string[] {
  const list = /Maybe you meant:? \[([^\]]{0,400})\]/u.exec(message)?.[1] ?? '';
  return [...list.matchAll(/'([^']*)'/gu)].map((m) => safeName(m[1])).filter((n): n is string => n !== null).slice(0, 5);
}

/**
 * Code, type and text of an engine failure. Read from the error's fields rather than `instanceof WarehouseError`:
 * in `serve` the warehouse comes from the CLI's copy of warehouse.ts and the sandbox runs in the app's bundle, whose
 * copy of the class is another one.
 */
export function engineFields(err: unknown): { code: number | null; type: string | null; message: string } {
  const e = (typeof err === 'object' && err !== null ? err : {}) as { code?: unknown; type?: unknown; message?: unknown };
  const message = typeof e.message === 'string' ? e.message : String(err);
  const code = typeof e.code === 'number' ? e.code : Number(/Code: (\d+)\./u.exec(message)?.[1] ?? Number.NaN);
  const given = typeof e.type === 'string' && /^[A-Z_]{3,}$/u.test(e.type) && e.type !== 'WAREHOUSE_ERROR' ? e.type : null;
  return { code: Number.isFinite(code) ? code : null, type: given ?? /\(([A-Z_]{3,})\)\s*$/u.exec(message.trim())?.[1] ?? null, message };
}

const DATA_CODES = new Set([6, 26, 27, 32, 38, 41, 69, 70, 72, 117, 131, 153, 190, 321, 407, 395]);

/** Classifies an engine failure of an analyst query. */
export function classifyEngineError(err: unknown): EngineFailure {
  const { code, type: engineType, message } = engineFields(err);
  const suffix = engineType ? ` (${engineType})` : '';
  const fail = (fr: string, en: string): EngineFailure => ({ status: 400, code: 'query_failed', fr: fr + suffix, en: en + suffix, engineType });
  const limit = (c: EngineFailure['code'], fr: string, en: string): EngineFailure => ({ status: 422, code: c, fr, en, engineType });

  if (code === 159 || code === 160 || engineType === 'TIMEOUT_EXCEEDED' || engineType === 'TOO_SLOW') {
    return limit('time_limit', 'Délai dépassé : le moteur a arrêté la requête. Réduisez la période ou ajoutez des filtres.', 'Time limit exceeded: the engine stopped the query. Narrow the period or add filters.');
  }
  if (code === 241 || code === 173 || engineType === 'MEMORY_LIMIT_EXCEEDED' || engineType === 'CANNOT_ALLOCATE_MEMORY') {
    return limit('memory_limit', 'Mémoire dépassée : le moteur a arrêté la requête. Agrégez davantage ou réduisez la période.', 'Memory limit exceeded: the engine stopped the query. Aggregate more or narrow the period.');
  }
  if (code === 396 || code === 307 || engineType === 'RESULT_TOO_LARGE' || engineType === 'TOO_MANY_ROWS_OR_BYTES') {
    return limit('result_limit', 'Résultat trop volumineux : demandez moins de lignes ou de colonnes, ou agrégez.', 'Result too large: ask for fewer rows or columns, or aggregate.');
  }
  if (code === 69 && /would produce \d+ array elements/u.test(message)) {
    return limit('result_limit', 'Tableau trop grand : range() dépasse le plafond du bac à sable.', 'Array too large: range() passes the sandbox cap.');
  }
  switch (code) {
    case 47: {
      const name = safeName(/identifier `([^`]*)`/u.exec(message)?.[1] ?? /Missing columns: '([^']*)'/u.exec(message)?.[1]);
      const hint = suggestions(message);
      const frHint = hint.length ? ` Vouliez-vous dire : ${hint.join(', ')} ?` : '';
      const enHint = hint.length ? ` Did you mean: ${hint.join(', ')}?` : '';
      return fail(`Colonne ou alias inconnu${name ? ` : ${name}` : ''}.${frHint}`, `Unknown column or alias${name ? `: ${name}` : ''}.${enHint}`);
    }
    case 46: {
      const name = safeName(/[Ff]unction `?([A-Za-z_][A-Za-z0-9_]*)`?/u.exec(message)?.[1]);
      return fail(`Fonction inconnue${name ? ` : ${name}` : ''}.`, `Unknown function${name ? `: ${name}` : ''}.`);
    }
    case 60: {
      const raw = /identifier '([^']*)'/u.exec(message)?.[1] ?? /Table ([A-Za-z0-9_.`]+) does(?:n't| not) exist/u.exec(message)?.[1]?.replace(/`/gu, '');
      const name = safeName(raw?.split('.').pop());
      return fail(
        `Table ou vue inconnue${name ? ` : ${name}` : ''} (voyez les vues disponibles).`,
        `Unknown table or view${name ? `: ${name}` : ''} (see the available views).`
      );
    }
    case 43:
    case 53:
    case 386: {
      const fn = safeName(/of function `?([A-Za-z_][A-Za-z0-9_]*)/u.exec(message)?.[1]);
      return fail(
        `Types incompatibles${fn ? ` dans ${fn}()` : ''} : vérifiez les arguments et les comparaisons (CAST, toString…).`,
        `Incompatible types${fn ? ` in ${fn}()` : ''}: check the arguments and comparisons (CAST, toString…).`
      );
    }
    case 34:
    case 35:
    case 42: {
      const fn = safeName(/function `?([A-Za-z_][A-Za-z0-9_]*)/u.exec(message)?.[1]);
      return fail(`Nombre d'arguments incorrect${fn ? ` pour ${fn}()` : ''}.`, `Wrong number of arguments${fn ? ` for ${fn}()` : ''}.`);
    }
    case 215:
      return fail('Une colonne choisie n’est ni agrégée ni dans le GROUP BY.', 'A selected column is neither aggregated nor in the GROUP BY.');
    case 184:
      return fail('Agrégat mal placé : pas d’agrégat dans un agrégat ni dans WHERE (utilisez HAVING).', 'Misplaced aggregate: no aggregate inside an aggregate or in WHERE (use HAVING).');
    case 179:
    case 207:
    case 352:
      return fail('Nom ambigu ou en double : qualifiez la colonne (e.org) ou changez l’alias.', 'Ambiguous or duplicate name: qualify the column (e.org) or change the alias.');
    default:
      if (code !== null && DATA_CODES.has(code)) {
        return fail(
          'Une valeur n’a pas pu être convertie ou calculée. Utilisez les variantes qui tolèrent les valeurs invalides (toUInt64OrNull, parseDateTimeBestEffortOrNull…). Le message du moteur n’est pas montré : il peut citer des données.',
          'A value could not be converted or computed. Use the variants that tolerate invalid values (toUInt64OrNull, parseDateTimeBestEffortOrNull…). The engine’s message is not shown: it can quote data.'
        );
      }
      return fail('La requête a échoué.', 'The query failed.');
  }
}

/** Offset (0-based), line and column (1-based) of a character of `text`. */
export function positionIn(text: string, offset: number): TextPosition {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { offset, line, column: offset - (before.lastIndexOf('\n') + 1) + 1 };
}

export interface ParseFailure {
  fr: string;
  en: string;
  position?: TextPosition;
}

/**
 * A parser error from the engine, for a text the engine saw as `prefix + text` where `text` starts `leading`
 * characters into the analyst's `original`. ClickHouse counts positions in bytes from 1; we count characters of the
 * analyst's own text from 0 (and lines and columns from 1). A position outside their text is dropped.
 */
export function describeParseError(err: unknown, seen: { prefix: string; text: string; original: string; leading: number }): ParseFailure {
  const { message } = engineFields(err);
  const at = /failed at position (\d+)/u.exec(message);
  let position: TextPosition | undefined;
  if (at) {
    const full = Buffer.from(seen.prefix + seen.text, 'utf8');
    const chars = full.subarray(0, Math.max(0, Number(at[1]) - 1)).toString('utf8').length - seen.prefix.length;
    if (chars >= 0 && chars <= seen.text.length) position = positionIn(seen.original, seen.leading + chars);
  }
  // The expected tokens are the parser's own words (keywords, token classes): no data, the same in both languages.
  const expected = /Expected (?:one of: )?(.*?)\.?\s*(?:\([A-Z_]+\))?\s*$/u.exec(message.split('\n')[0])?.[1] ?? '';
  const items = expected.split(/,\s*/u).filter((x) => /^[A-Za-z_ ()'.,:-]{1,40}$/u.test(x)).slice(0, 8);
  const list = items.length ? items.join(', ') : '';
  const where = position ? [`ligne ${position.line}, colonne ${position.column}`, `line ${position.line}, column ${position.column}`] : null;
  if (/Max(imum)? (parse|query) depth|TOO_DEEP/u.test(message)) {
    return { fr: 'Requête trop imbriquée pour être lue.', en: 'Query nested too deeply to be parsed.' };
  }
  return {
    fr: `Erreur de syntaxe${where ? ` à la ${where[0]}` : ''}${list ? ` ; attendu : ${list}` : ''}.`,
    en: `Syntax error${where ? ` at ${where[1]}` : ''}${list ? `; expected: ${list}` : ''}.`,
    ...(position ? { position } : {})
  };
}
