// Password sign-in with rate limiting (per client address, access/rate-limit.ts) and lockout (per account and address,
// from the failures recorded in the warehouse, so a restart does not reset it). Every attempt is audited (repeated
// refusals counted, not written one by one); passwords never are.
import type { Warehouse } from '../warehouse/warehouse.ts';
import type { AuthConfig } from '../config/config.ts';
import { dummyPasswordHash, findAccount, verifyPassword, type Account } from './accounts.ts';
import { createSession } from './sessions.ts';
import { recordAudit, recordRefusedSignIn } from './audit.ts';
import type { RateLimiter } from './rate-limit.ts';

export class SignInError extends Error {
  readonly status: number;
  readonly code: 'invalid_credentials' | 'rate_limited' | 'locked' | 'bad_request' | 'no_account';
  constructor(status: number, code: SignInError['code'], message: string) {
    super(message);
    this.name = 'SignInError';
    this.status = status;
    this.code = code;
  }
}

/** Failed sign-ins for this account from this address within the lockout period. Counted per account and address,
 *  so nobody elsewhere can lock an account out: the lockout stops guessing from one address, the per-address rate
 *  limit (and its shared overflow bucket) bounds guessing from many. */
async function recentFailures(wh: Warehouse, username: string, address: string, since: Date): Promise<number> {
  const [row] = await wh.query<{ n: number }>(
    "SELECT count() AS n FROM login_failures WHERE username = {u:String} AND address = {a:String} AND at >= {since:DateTime64(3, 'UTC')}",
    { u: username, a: address, since }
  );
  return Number(row?.n ?? 0);
}

export interface SignedIn {
  account: Account;
  session: { value: string; expires: Date };
}

const INVALID = 'Nom ou mot de passe incorrect / wrong name or password';

export async function signInWithPassword(
  wh: Warehouse,
  auth: AuthConfig,
  input: { username: string; password: string; address: string; limiter: RateLimiter },
  now: Date = new Date()
): Promise<SignedIn> {
  const username = input.username.trim();
  if (!username || !input.password || username.length > 128 || input.password.length > 1024) {
    throw new SignInError(400, 'bad_request', 'Nom et mot de passe requis / name and password required');
  }
  const refused = (reason: string) => recordRefusedSignIn(wh, { username, address: input.address, reason }, now);
  if (!input.limiter.take(input.address, now.getTime())) {
    await refused('rate_limited');
    throw new SignInError(429, 'rate_limited', 'Trop de tentatives : réessayez dans une minute / too many attempts: try again in a minute');
  }
  const since = new Date(now.getTime() - auth.lockoutMinutes * 60_000);
  if ((await recentFailures(wh, username, input.address, since)) >= auth.maxFailures) {
    await refused('locked');
    throw new SignInError(
      423,
      'locked',
      `Compte verrouillé depuis cette adresse ${auth.lockoutMinutes} minutes après ${auth.maxFailures} échecs / account locked from this address for ${auth.lockoutMinutes} minutes after ${auth.maxFailures} failures`
    );
  }
  const account = await findAccount(wh, username);
  const stored = account && account.password_hash && !account.disabled ? account.password_hash : await dummyPasswordHash();
  const ok = (await verifyPassword(stored, input.password)) && account !== null && !account.disabled && account.password_hash !== '';
  if (!ok || !account) {
    await wh.insert('login_failures', [{ username, at: now.toISOString(), address: input.address }]);
    await refused('invalid_credentials');
    throw new SignInError(401, 'invalid_credentials', INVALID);
  }
  const session = await createSession(wh, account.username, 'password', auth.sessionHours, now);
  await recordAudit(wh, { actor: account.username, role: account.role, org: account.orgs.join(','), action: 'sign_in', target: 'password', ok: true, detail: { address: input.address } }, now);
  return { account, session };
}
