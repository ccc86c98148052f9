// The security headers every response carries, in one list: the hooks add them to what SvelteKit answers, and the
// kept-page fast path (kept-fast-path.ts) to what it answers before SvelteKit, so both answers carry the same ones.
// Pages' own Content-Security-Policy comes from kit.csp (svelte.config.js); anything without one gets a closed one.

const ALWAYS: readonly [string, string][] = [
  ['x-content-type-options', 'nosniff'],
  ['referrer-policy', 'same-origin'],
  ['x-frame-options', 'DENY'],
  ['permissions-policy', 'camera=(), microphone=(), geolocation=(), payment=()'],
  ['cross-origin-opener-policy', 'same-origin']
];
export const CLOSED_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";
const HSTS = 'max-age=31536000; includeSubDomains';

/** Sets the security headers on `headers` (a response's): `https` when the site is served over https. */
export function setSecurityHeaders(headers: { has(name: string): boolean; set(name: string, value: string): void }, https: boolean): void {
  for (const [name, value] of ALWAYS) headers.set(name, value);
  if (!headers.has('content-security-policy')) headers.set('content-security-policy', CLOSED_CSP);
  if (https) headers.set('strict-transport-security', HSTS);
}
