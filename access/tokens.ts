// Producer tokens for the push API: created for one organization, shown once, stored as an argon2id hash.
// Verification looks the token up by its public id (revocation applies at once), then checks the secret; argon2
// successes are cached briefly so a busy producer does not pay the hash on every request.
import { createHash, randomBytes } from 'node:crypto';
import { hash as argonHash, verify as argonVerify } from '@node-rs/argon2';
import type { Warehouse } from '../warehouse/warehouse.ts';

export interface TokenInfo {
  token_id: string;
  org: string;
  label: string;
  created_at: string;
  revoked: boolean;
}

const TOKEN = /^jalon_([0-9a-f]{12})_([A-Za-z0-9_-]{32,64})$/;
const CACHE_MS = 60_000;
const cache = new Map<string, { org: string; tokenId: string; until: number }>();

export async function createToken(wh: Warehouse, org: string, label = ''): Promise<{ token: string; token_id: string; org: string }> {
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(org)) throw new Error(`--org "${org}": code d'organisation invalide / invalid organization code`);
  const tokenId = randomBytes(6).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  const hash = await argonHash(secret);
  await wh.insert('ingest_tokens', [{ token_id: tokenId, org, hash, label }]);
  return { token: `jalon_${tokenId}_${secret}`, token_id: tokenId, org };
}

export async function listTokens(wh: Warehouse): Promise<TokenInfo[]> {
  return wh.query<TokenInfo>('SELECT token_id, org, label, toString(created_at) AS created_at, revoked FROM ingest_tokens FINAL ORDER BY org, created_at');
}

export async function revokeToken(wh: Warehouse, tokenId: string): Promise<boolean> {
  const [row] = await wh.query<{ org: string; hash: string; label: string; created_at: string }>(
    'SELECT org, hash, label, toString(created_at) AS created_at FROM ingest_tokens FINAL WHERE token_id = {id:String}',
    { id: tokenId }
  );
  if (!row) return false;
  await wh.insert('ingest_tokens', [{ token_id: tokenId, ...row, revoked: true }]);
  return true;
}

/** The organization a bearer token may push for, or null when the token is unknown, wrong or revoked. */
export async function verifyToken(wh: Warehouse, bearer: string, nowMs: number = Date.now()): Promise<{ org: string; tokenId: string } | null> {
  const m = TOKEN.exec(bearer.trim());
  if (!m) return null;
  // The row is read on every request, so a revocation applies at once; only the argon2 check is cached.
  const [row] = await wh.query<{ org: string; hash: string; revoked: boolean }>(
    'SELECT org, hash, revoked FROM ingest_tokens FINAL WHERE token_id = {id:String}',
    { id: m[1] }
  );
  if (!row || row.revoked) return null;
  const key = createHash('sha256').update(`${row.hash}\n${bearer.trim()}`).digest('hex');
  const hit = cache.get(key);
  if (!(hit && hit.until > nowMs)) {
    if (!(await argonVerify(row.hash, m[2]).catch(() => false))) return null;
    cache.set(key, { org: row.org, tokenId: m[1], until: nowMs + CACHE_MS });
  }
  return { org: row.org, tokenId: m[1] };
}
