// Privacy at the door: survey comments are scrubbed of e-mail addresses, phone numbers, social-insurance (NAS/SIN)
// and health-insurance (RAMQ) numbers, postal codes and street addresses before they are stored. The patterns run
// inside the engine (RE2), on every path (files, push API).
import { quoteString } from '../warehouse/identifiers.ts';

/** Ordered: longer, more specific patterns first (RAMQ before phone, phone before NAS). */
export const SCRUB_RULES: readonly { pattern: string; replacement: string }[] = [
  { pattern: '[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\\.[A-Za-z]{2,}', replacement: '[courriel]' },
  { pattern: '\\b[A-Za-z]{4}[ -]?\\d{4}[ -]?\\d{4}\\b', replacement: '[RAMQ]' },
  { pattern: '(?:\\+?1[ .-]?)?\\(?\\b\\d{3}\\)?[ .-]?\\d{3}[ .-]?\\d{4}\\b', replacement: '[téléphone]' },
  { pattern: '\\b\\d{3}[ -]?\\d{3}[ -]?\\d{3}\\b', replacement: '[NAS]' },
  { pattern: '\\b[A-Za-z]\\d[A-Za-z][ -]?\\d[A-Za-z]\\d\\b', replacement: '[code postal]' },
  {
    pattern:
      '(?i)\\b\\d{1,6}[a-z]?,? +(?:rue|av\\.?|avenue|boul\\.?|boulevard|bd|ch\\.?|chemin|rang|route|place|montée|côte|cote|croissant|impasse|allée|promenade|square)\\b(?: +[\\pL\'’.-]+){1,4}',
    replacement: '[adresse]'
  },
  {
    pattern: '\\b\\d{1,6} +(?:[A-Z][\\pL\'’.-]* +){1,3}(?:Street|St\\.?|Avenue|Ave\\.?|Road|Rd\\.?|Boulevard|Blvd\\.?|Drive|Dr\\.?|Lane|Way|Crescent|Court)(?:\\b|$)',
    replacement: '[adresse]'
  }
];

/** The SQL expression scrubbing `column` (patterns are our constants; RE2 syntax). */
export function scrubSql(column: string): string {
  let expr = column;
  for (const r of SCRUB_RULES) expr = `replaceRegexpAll(${expr}, ${quoteString(r.pattern)}, ${quoteString(r.replacement)})`;
  return expr;
}
