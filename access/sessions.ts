// Sign-in sessions: a random value in an HttpOnly cookie, stored only as its SHA-256 with an expiry. Lookups are
// cached briefly in this process (the one that owns the warehouse); revoking clears the cache entry at once.
import { createHash, randomBytes } from 'node:crypto';
import type { Warehouse } from '../warehouse/warehouse.ts';
import type { Account } from './accounts.ts';

export const SESSION_COOKIE = 'jalon_session';

export function sessionIdHash(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

interface Cached {
  account: Account | null;
  until: number;
}
/** One cache per process, shared through a global symbol: `jalon serve` and the built app each load this module, and a
 *  sign-out or a disabled account through the app must be seen at once by the kept-page fast path too. */
const CACHE_KEY = Symbol.for('jalon.session-cache');
const cache: Map<string, Cached> = ((globalThis as { [CACHE_KEY]?: Map<string, Cached> })[CACHE_KEY] ??= new Map<string, Cached>());
const CACHE_MS = 15_000;

export async function createSession(wh: Warehouse, username: string, via: 'password' | 'oidc', hours: number, now: Date = new Date()): Promise<{ value: string; expires: Date }> {
  const value = randomBytes(32).toString('base64url');
  const expires = new Date(now.getTime() + hours * 3_600_000);
  await wh.insert('sessions', [
    { id_hash: sessionIdHash(value), username, via, created_at: now.toISOString(), expires_at: expires.toISOString(), revoked: false, updated_at: now.toISOString() }
  ]);
  return { value, expires };
}

/** The account behind a cookie value, or null (unknown, expired, revoked, or the account disabled). */
export async function resolveSession(wh: Warehouse, value: string | undefined, now: Date = new Date()): Promise<Account | null> {
  if (!value || value.length > 200) return null;
  const idHash = sessionIdHash(value);
  const hit = cache.get(idHash);
  if (hit && hit.until > now.getTime()) return hit.account;
  const rows = await wh.query<Account>(
    `SELECT u.username AS username, u.display_name AS display_name, u.role AS role, u.orgs AS orgs, u.with_children AS with_children,
            '' AS password_hash, u.disabled AS disabled
     FROM (SELECT username FROM sessions FINAL WHERE id_hash = {h:String} AND NOT revoked AND expires_at > {now:DateTime64(3, 'UTC')}) AS s
     INNER JOIN (SELECT * FROM users FINAL) AS u ON u.username = s.username
     WHERE NOT u.disabled`,
    { h: idHash, now }
  );
  const account = rows[0] ?? null;
  if (cache.size > 10_000) cache.clear();
  cache.set(idHash, { account, until: now.getTime() + CACHE_MS });
  return account;
}

export async function revokeSession(wh: Warehouse, value: string | undefined, now: Date = new Date()): Promise<void> {
  if (!value) return;
  const idHash = sessionIdHash(value);
  cache.delete(idHash);
  const rows = await wh.query<{ username: string; via: string; created_at: string; expires_at: string }>(
    'SELECT username, via, toString(created_at) AS created_at, toString(expires_at) AS expires_at FROM sessions FINAL WHERE id_hash = {h:String}',
    { h: idHash }
  );
  if (rows[0]) await wh.insert('sessions', [{ id_hash: idHash, ...rows[0], revoked: true, updated_at: now.toISOString() }]);
}

/** Forgets cached lookups (an account was disabled or changed). */
export function clearSessionCache(): void {
  cache.clear();
}
