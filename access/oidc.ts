// OpenID Connect sign-in (authorization code with PKCE) through openid-client, configured by issuer, client id and
// secret. The provider proves who the person is; the role and organizations come from the Jalon account whose name
// equals the configured claim (e-mail by default) — an e-mail only once the provider says it is verified, and only an
// account made for OpenID Connect (no password). Pending sign-ins live in this process for ten minutes, at most
// MAX_PENDING at once.
import { randomBytes } from 'node:crypto';
import * as client from 'openid-client';
import type { OidcConfig } from '../config/config.ts';

export const OIDC_COOKIE = 'jalon_oidc';
const PENDING_MS = 10 * 60_000;
/** Sign-ins started and not finished, kept at once: beyond, new ones are refused until some finish or expire. */
export const MAX_PENDING = 1000;

interface Pending {
  verifier: string;
  state: string;
  nonce: string;
  next: string;
  until: number;
}
const pending = new Map<string, Pending>();
const discovered = new Map<string, Promise<client.Configuration>>();

function isLoopback(url: URL): boolean {
  return url.hostname === 'localhost' || url.hostname === '127.0.0.1' || url.hostname === '[::1]';
}

export function oidcConfiguration(config: OidcConfig): Promise<client.Configuration> {
  const key = `${config.issuer}|${config.clientId}`;
  let found = discovered.get(key);
  if (!found) {
    const issuer = new URL(config.issuer);
    // Plain http is accepted for a provider on this machine only (tests, development).
    const insecure = issuer.protocol === 'http:' && isLoopback(issuer);
    found = client.discovery(issuer, config.clientId, config.clientSecret, undefined, insecure ? { execute: [client.allowInsecureRequests] } : undefined);
    found.catch(() => discovered.delete(key));
    discovered.set(key, found);
  }
  return found;
}

/** Only a path of this site may follow sign-in (never another origin). */
export function safeNext(next: string | null | undefined, fallback: string): string {
  // Browsers drop tabs and newlines inside URLs and read a backslash as a slash: "/\t/evil.example" would become
  // "//evil.example", another site. Any blank or control character, or a second slash or backslash, is refused.
  if (!next || next.length > 2000 || !next.startsWith('/') || /^\/[/\\]/u.test(next) || /[\u0000-\u001f\u007f\s\\]/u.test(next)) return fallback;
  return next;
}

/** Starts a sign-in: returns the provider URL to redirect to and the id kept in a short cookie. */
export async function startOidc(config: OidcConfig, redirectUri: string, next: string): Promise<{ url: URL; pendingId: string }> {
  const conf = await oidcConfiguration(config);
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const nonce = client.randomNonce();
  const pendingId = randomBytes(24).toString('base64url');
  const now = Date.now();
  for (const [k, v] of pending) if (v.until < now) pending.delete(k);
  if (pending.size >= MAX_PENDING) throw new OidcError('Trop de connexions en cours : réessayez dans quelques minutes / too many sign-ins in progress: try again in a few minutes', 429, 'rate_limited');
  pending.set(pendingId, { verifier, state, nonce, next, until: now + PENDING_MS });
  const url = client.buildAuthorizationUrl(conf, {
    redirect_uri: redirectUri,
    scope: config.scopes.split(/\s+/u).includes('openid') ? config.scopes : `openid ${config.scopes}`,
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce
  });
  return { url, pendingId };
}

export class OidcError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(message: string, status = 401, code = 'oidc_failed') {
    super(message);
    this.name = 'OidcError';
    this.status = status;
    this.code = code;
  }
}

/** Completes a sign-in from the callback URL: returns the name to look up and where to go next. */
export async function finishOidc(config: OidcConfig, callbackUrl: URL, pendingId: string | undefined): Promise<{ username: string; subject: string; next: string }> {
  const p = pendingId ? pending.get(pendingId) : undefined;
  if (!p || !pendingId || p.until < Date.now()) throw new OidcError('Connexion expirée : recommencez / sign-in expired: start again');
  pending.delete(pendingId);
  const conf = await oidcConfiguration(config);
  let claims: client.IDToken | undefined;
  let value: unknown;
  let verified: unknown;
  try {
    const tokens = await client.authorizationCodeGrant(conf, callbackUrl, { pkceCodeVerifier: p.verifier, expectedState: p.state, expectedNonce: p.nonce });
    claims = tokens.claims();
    value = claims?.[config.usernameClaim];
    verified = claims?.email_verified;
    // Providers that keep scope claims out of the ID token (OpenID Connect's default) give them at userinfo.
    if (claims && (typeof value !== 'string' || !value || (config.usernameClaim === 'email' && verified === undefined))) {
      const info = await client.fetchUserInfo(conf, tokens.access_token, claims.sub);
      if (typeof value !== 'string' || !value) value = info[config.usernameClaim];
      verified ??= info.email_verified;
    }
  } catch (err) {
    throw new OidcError(`Le fournisseur d'identité a refusé la connexion / the identity provider refused the sign-in (${(err as Error).name})`);
  }
  if (!claims || typeof value !== 'string' || !value) {
    throw new OidcError(`Le jeton ne contient pas « ${config.usernameClaim} » / the token has no "${config.usernameClaim}" claim`);
  }
  // Anyone can write any address into an account at many providers: an e-mail names a Jalon account only once the
  // provider has verified it.
  if (config.usernameClaim === 'email' && verified !== true) {
    throw new OidcError("Adresse courriel non vérifiée par le fournisseur d'identité / e-mail address not verified by the identity provider");
  }
  return { username: value, subject: claims.sub, next: p.next };
}
