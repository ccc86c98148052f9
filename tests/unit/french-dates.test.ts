// French typography in the one date formatter: the first of the month is an ordinal (« 1er »), other days are not;
// English is untouched. Messages put a non-breaking space before « : », « ; » and « % ».
import { describe, expect, test } from 'vitest';
import { i18n } from '../../dashboard/lib/i18n/index.ts';
import { fr } from '../../dashboard/lib/i18n/messages-fr.ts';

describe('i.date and French messages', () => {
  test('1er for the first of the month, in French only', () => {
    expect(i18n('fr').date('2026-12-01')).toBe('1er décembre 2026');
    expect(i18n('fr').date('2026-12-11')).toBe('11 décembre 2026');
    expect(i18n('fr').date('2026-12-21')).toBe('21 décembre 2026');
    expect(i18n('en').date('2026-12-01')).toBe('December 1, 2026');
  });

  test('no ordinary space before « : », « ; » or « % » in a French message', () => {
    const bad = Object.entries(fr).filter(([, v]) => / [:;%]/.test(v));
    expect(bad).toEqual([]);
    expect(fr.scorecard_scope_filter).toBe('Limité à\u00a0: {filters}');
  });
});
