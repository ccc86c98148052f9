// Where a sign-in (password or OpenID Connect) may send the browser back to: paths of this site only.
import { describe, expect, it } from 'vitest';
import { safeNext } from '../../access/oidc.ts';

describe('where sign-in may send back to', () => {
  it('accepts paths of this site only', () => {
    expect(safeNext('/fr/explorer?x=1', '/fr')).toBe('/fr/explorer?x=1');
    for (const bad of ['//evil.example', '/\\evil.example', '/\t/evil.example', '/\n/evil.example', 'https://evil.example', 'javascript:alert(1)', '', null, '/ /x']) {
      expect(safeNext(bad, '/fr'), String(bad)).toBe('/fr');
    }
  });
});
