// Sign-in rules of issue 6 on a real warehouse: argon2id hashes, lockout after repeated failures (kept in the
// warehouse), per-address rate limiting, sessions stored as hashes and revoked server side, disabled accounts,
// callers built with the service owner's hierarchy, and the demo executive only while sign-in is not required.
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { testWarehouse, type TestWarehouse } from '../support/warehouses.ts';
import { seedAccessData } from '../support/access-fixtures.ts';
import { migrate } from '../../warehouse/migrate.ts';
import { loadConfig, type AuthConfig } from '../../config/config.ts';
import { accountProblems, findAccount, saveAccount, setDisabled } from '../../access/accounts.ts';
import { signInWithPassword, SignInError } from '../../access/sign-in.ts';
import { RateLimiter } from '../../access/rate-limit.ts';
import { clearSessionCache, resolveSession, revokeSession, sessionIdHash } from '../../access/sessions.ts';
import { identifyRequest } from '../../access/request-caller.ts';
import { ensureDemoAccounts } from '../../access/demo-accounts.ts';

const PASSWORD = 'un mot de passe assez long';

describe.each(['embedded', 'server'] as const)('sign-in — %s', (backend) => {
  let t: TestWarehouse;
  let auth: AuthConfig;
  let limiter: RateLimiter;
  beforeEach(async () => {
    t = await testWarehouse(backend, inject('clickhouseUrl'));
    await migrate(t.wh);
    await seedAccessData(t.wh);
    auth = { ...loadConfig({}).auth, maxFailures: 3, lockoutMinutes: 15, attemptsPerMinute: 5 };
    limiter = new RateLimiter({ perMinute: auth.attemptsPerMinute });
    clearSessionCache();
  });
  afterEach(async () => {
    await t.dispose();
  });

  /** A sign-in's outcome with a `code`: 'ok' or the refusal's code. */
  const attempt = (username: string, password: string, address = '10.0.0.1', now = new Date()) =>
    signInWithPassword(t.wh, auth, { username, password, address, limiter }, now).then(
      (ok) => Object.assign(ok, { code: 'ok' as const }),
      (e: unknown) => e as SignInError
    );

  it('stores argon2id hashes only and signs in with the right password', async () => {
    await saveAccount(t.wh, { username: 'ana', role: 'analyst', orgs: ['AG1'], password: PASSWORD });
    const stored = await findAccount(t.wh, 'ana');
    expect(stored?.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/u);
    expect(JSON.stringify(await t.wh.query('SELECT * FROM users'))).not.toContain(PASSWORD);
    const ok = await attempt('ana', PASSWORD);
    expect(ok).not.toBeInstanceOf(SignInError);
    const { session } = ok as Exclude<typeof ok, SignInError>;
    const [row] = await t.wh.query<{ n: number }>('SELECT count() AS n FROM sessions WHERE id_hash = {h:String}', { h: sessionIdHash(session.value) });
    expect(row.n).toBe(1);
    expect(JSON.stringify(await t.wh.query('SELECT * FROM sessions'))).not.toContain(session.value);
    expect((await resolveSession(t.wh, session.value))?.username).toBe('ana');
    await revokeSession(t.wh, session.value);
    expect(await resolveSession(t.wh, session.value)).toBeNull();
    const audit = await t.wh.query<{ detail: string }>("SELECT detail FROM audit_log WHERE action = 'sign_in'");
    expect(JSON.stringify(audit)).not.toContain(PASSWORD);
  });

  it('locks an account from the address that failed, even with the right password, until the lockout ends; never from elsewhere', async () => {
    await saveAccount(t.wh, { username: 'bob', role: 'executive', password: PASSWORD });
    const t0 = new Date(); // recent: older failures would already be past the table's TTL
    for (let i = 0; i < 3; i++) expect((await attempt('bob', 'mauvais mot de passe', '10.0.0.1', t0)).code).toBe('invalid_credentials');
    const locked = await attempt('bob', PASSWORD, '10.0.0.1', new Date(t0.getTime() + 60_000));
    expect(locked).toBeInstanceOf(SignInError);
    expect((locked as SignInError).code).toBe('locked');
    expect((locked as SignInError).status).toBe(423);
    // Someone else's failures do not lock bob out of his own address (finding 10 of issue 11).
    expect(await attempt('bob', PASSWORD, '10.0.1.1', new Date(t0.getTime() + 60_000))).not.toBeInstanceOf(SignInError);
    const later = await attempt('bob', PASSWORD, '10.0.0.1', new Date(t0.getTime() + 16 * 60_000));
    expect(later).not.toBeInstanceOf(SignInError);
  });

  it('limits attempts per address and answers the same for unknown names and wrong passwords', async () => {
    await saveAccount(t.wh, { username: 'carl', role: 'admin', password: PASSWORD });
    const unknown = await attempt('personne', PASSWORD, '10.9.9.9');
    const wrong = await attempt('carl', 'pas le bon mot de passe', '10.9.9.9');
    expect([(unknown as SignInError).status, (wrong as SignInError).status]).toEqual([401, 401]);
    expect((unknown as SignInError).message).toBe((wrong as SignInError).message);
    for (let i = 0; i < 3; i++) await attempt(`x${i}`, 'y', '10.9.9.9');
    const limited = await attempt('carl', PASSWORD, '10.9.9.9');
    expect((limited as SignInError).code).toBe('rate_limited');
    expect((limited as SignInError).status).toBe(429);
    expect(await attempt('carl', PASSWORD, '10.9.9.10')).not.toBeInstanceOf(SignInError);
  });

  it('refuses disabled accounts and accounts without a password (OpenID Connect only)', async () => {
    await saveAccount(t.wh, { username: 'dora', role: 'analyst', orgs: ['OTH'], password: PASSWORD });
    await saveAccount(t.wh, { username: 'eve@example.org', role: 'executive', password: null });
    const { session } = (await attempt('dora', PASSWORD)) as Exclude<Awaited<ReturnType<typeof attempt>>, SignInError>;
    await setDisabled(t.wh, 'dora', true);
    clearSessionCache();
    expect(await resolveSession(t.wh, session.value)).toBeNull();
    expect((await attempt('dora', PASSWORD, '10.0.0.7')).code).toBe('invalid_credentials');
    expect((await attempt('eve@example.org', '', '10.0.0.8')).code).toBe('bad_request');
    expect((await attempt('eve@example.org', 'nimporte quoi du tout', '10.0.0.8')).code).toBe('invalid_credentials');
  });

  it('builds callers: a service owner with the organizations below it; the demo executive only without required sign-in', async () => {
    await saveAccount(t.wh, { username: 'owner', role: 'service_owner', orgs: ['MIN'], withChildren: true, password: PASSWORD });
    const { session } = (await attempt('owner', PASSWORD)) as Exclude<Awaited<ReturnType<typeof attempt>>, SignInError>;
    const who = await identifyRequest(t.wh, auth, session.value);
    expect(who.caller).toEqual({ id: 'owner', role: 'service_owner', orgs: ['AG1', 'MIN'], home: 'MIN' });
    expect((await identifyRequest(t.wh, { ...auth, required: false }, undefined)).caller).toMatchObject({ role: 'executive', anonymous: true });
    expect((await identifyRequest(t.wh, { ...auth, required: true }, undefined)).caller.role).toBe('public');
    expect((await identifyRequest(t.wh, { ...auth, required: true }, 'forged-cookie')).caller.role).toBe('public');
  });

  it('checks accounts before saving them', () => {
    expect(accountProblems({ username: 'a b', role: 'analyst', orgs: [] }).length).toBe(2);
    expect(accountProblems({ username: 'x', role: 'service_owner', orgs: ['A', 'B'] })).toHaveLength(1);
    expect(accountProblems({ username: 'x', role: 'producer' })).toHaveLength(1);
    expect(accountProblems({ username: 'x', role: 'admin', password: 'court' })).toHaveLength(1);
    expect(accountProblems({ username: 'x', role: 'analyst', orgs: ["A'); DROP"] })).toHaveLength(1);
  });

  it('creates one demo account per role, with passwords shown only once', async () => {
    const first = await ensureDemoAccounts(t.wh);
    expect(first.map((a) => a.role).sort()).toEqual(['admin', 'analyst', 'executive', 'public', 'service_owner']);
    expect(first.every((a) => a.password !== null)).toBe(true);
    const again = await ensureDemoAccounts(t.wh);
    expect(again.every((a) => a.password === null)).toBe(true);
    const admin = first.find((a) => a.role === 'admin');
    expect(await attempt(admin?.username ?? '', admin?.password ?? '')).not.toBeInstanceOf(SignInError);
  });
});
