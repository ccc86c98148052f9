// The sandbox's messages for engine failures: built from the error's class (never the engine's text, which can quote
// row values), and parser positions moved into the analyst's own text (characters, not bytes; our prefixes removed).
import { describe, expect, it } from 'vitest';
import { classifyEngineError, describeParseError, engineFields, positionIn } from '../../access/sandbox-errors.ts';
import { WarehouseError } from '../../warehouse/warehouse.ts';

const engine = (code: number, text: string) => new WarehouseError(`query: Code: ${code}. DB::Exception: ${text}`, { code, type: /\(([A-Z_]+)\)$/u.exec(text)?.[1] ?? 'WAREHOUSE_ERROR' });

describe('sandbox engine errors', () => {
  it('never repeats a value from the engine’s message', () => {
    const f = classifyEngineError(engine(6, "Cannot parse string 'SAAQ-TRANSFERT' as UInt64: syntax error at begin of string. (CANNOT_PARSE_TEXT)"));
    expect(f).toMatchObject({ status: 400, code: 'query_failed', engineType: 'CANNOT_PARSE_TEXT' });
    expect(`${f.fr} ${f.en}`).not.toContain('SAAQ');
    const regex = classifyEngineError(engine(427, 'OptimizedRegularExpression: cannot compile re2: (RAMQ-CARTE-RENOUV, error: missing ) (CANNOT_COMPILE_REGEXP)'));
    expect(`${regex.fr} ${regex.en}`).not.toContain('RAMQ');
  });

  it('names what the analyst wrote, when it looks like a name', () => {
    const f = classifyEngineError(engine(47, "Unknown expression identifier `servce` in scope SELECT servce FROM events. Maybe you meant: ['service']. (UNKNOWN_IDENTIFIER)"));
    expect(f.fr).toBe('Colonne ou alias inconnu : servce. Vouliez-vous dire : service ? (UNKNOWN_IDENTIFIER)');
    expect(f.en).toBe('Unknown column or alias: servce. Did you mean: service? (UNKNOWN_IDENTIFIER)');
    const odd = classifyEngineError(engine(47, "Unknown expression identifier `x' OR 'SAAQ` in scope. (UNKNOWN_IDENTIFIER)"));
    expect(odd.fr).toBe('Colonne ou alias inconnu. (UNKNOWN_IDENTIFIER)');
  });

  it('answers 422 for the limits, whichever copy of the error class carries them', () => {
    expect(classifyEngineError(engine(159, 'Timeout exceeded: elapsed 2.1 s (TIMEOUT_EXCEEDED)'))).toMatchObject({ status: 422, code: 'time_limit' });
    expect(classifyEngineError({ code: 241, type: 'MEMORY_LIMIT_EXCEEDED', message: 'x' })).toMatchObject({ status: 422, code: 'memory_limit' });
    expect(classifyEngineError(new Error('query: Code: 396. DB::Exception: Limit for result exceeded (TOO_MANY_ROWS_OR_BYTES)'))).toMatchObject({ status: 422, code: 'result_limit' });
    expect(engineFields({ code: '47', message: 'query: Code: 47. DB::Exception: x (UNKNOWN_IDENTIFIER)' })).toEqual({ code: 47, type: 'UNKNOWN_IDENTIFIER', message: 'query: Code: 47. DB::Exception: x (UNKNOWN_IDENTIFIER)' });
  });

  it('moves a parser position into the analyst’s text', () => {
    // "EXPLAIN AST " (12 bytes) then the text; ClickHouse counts bytes from 1, and "é" is two bytes.
    const original = "\n  SELECT 'é', x FRM events";
    const text = original.trim();
    const at = Buffer.byteLength(`EXPLAIN AST ${text.slice(0, text.indexOf('events'))}`) + 1;
    const p = describeParseError(engine(62, `Syntax error: failed at position ${at} (events): events. Expected one of: token, Comma, FROM. (SYNTAX_ERROR)`), {
      prefix: 'EXPLAIN AST ',
      text,
      original,
      leading: 3
    });
    expect(p.position).toEqual(positionIn(original, original.indexOf('events')));
    expect(p.position).toMatchObject({ line: 2, column: 21 }); // "  SELECT 'é', x FRM " is 20 characters
    expect(p.fr).toBe('Erreur de syntaxe à la ligne 2, colonne 21 ; attendu : token, Comma, FROM.');
    expect(p.en).toBe('Syntax error at line 2, column 21; expected: token, Comma, FROM.');
  });
});
