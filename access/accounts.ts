// Accounts: who may sign in, with which role and organizations. Passwords are stored as argon2id hashes only;
// an account without a password signs in through OpenID Connect. Used by `jalon users` and the sign-in routes.
import { hash, verify } from '@node-rs/argon2';
import type { Warehouse } from '../warehouse/warehouse.ts';
import { AccessError, ROLES, type Role } from './caller.ts';
import { isOrgCode } from './org-scope.ts';

export const USERNAME = /^[A-Za-z0-9][A-Za-z0-9._@+-]{0,127}$/u;
export const MIN_PASSWORD_LENGTH = 12;
/** Roles an account may hold; producers push with tokens, not accounts. */
export const ACCOUNT_ROLES: readonly Role[] = ROLES.filter((r) => r !== 'producer');

export interface Account {
  username: string;
  display_name: string;
  role: Role;
  orgs: string[];
  with_children: boolean;
  password_hash: string;
  disabled: boolean;
}

export interface NewAccount {
  username: string;
  role: Role;
  orgs?: readonly string[];
  withChildren?: boolean;
  password?: string | null;
  displayName?: string;
}

// argon2id (algorithm 2), OWASP's second recommended profile: 19 MiB, 2 passes, 1 lane.
const ARGON2 = { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export async function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2);
}

export async function verifyPassword(stored: string, password: string): Promise<boolean> {
  try {
    return await verify(stored, password);
  } catch {
    return false;
  }
}

/** A hash of a random password: verified against when the account does not exist, so timing does not tell. */
let dummyHash: Promise<string> | null = null;
export function dummyPasswordHash(): Promise<string> {
  dummyHash ??= hashPassword(`dummy-${Math.random()}-${Date.now()}`);
  return dummyHash;
}

/** Checks an account's shape; every problem at once, French first. */
export function accountProblems(a: NewAccount): string[] {
  const problems: string[] = [];
  if (!USERNAME.test(a.username)) problems.push(`nom invalide / invalid name: ${JSON.stringify(a.username)} (lettres, chiffres, . _ @ + - / letters, digits, . _ @ + -)`);
  if (!ACCOUNT_ROLES.includes(a.role)) problems.push(`rôle invalide / invalid role: ${a.role} (${ACCOUNT_ROLES.join(', ')})`);
  const orgs = a.orgs ?? [];
  for (const o of orgs) if (!isOrgCode(o)) problems.push(`code d'organisation invalide / invalid organization code: ${JSON.stringify(o)}`);
  if ((a.role === 'service_owner' || a.role === 'analyst') && orgs.length === 0) problems.push(`le rôle ${a.role} exige --org / role ${a.role} needs --org`);
  if (a.role === 'service_owner' && orgs.length > 1) problems.push('un responsable de service a une seule organisation / a service owner has one organization');
  if (a.withChildren && a.role !== 'service_owner') problems.push('--with-children : responsables de service seulement / service owners only');
  if (a.password !== undefined && a.password !== null && a.password.length < MIN_PASSWORD_LENGTH) {
    problems.push(`mot de passe trop court (${MIN_PASSWORD_LENGTH} caractères au moins) / password too short (at least ${MIN_PASSWORD_LENGTH} characters)`);
  }
  return problems;
}

/** Creates or replaces an account (a later row replaces the earlier one). */
export async function saveAccount(wh: Warehouse, a: NewAccount): Promise<Account> {
  const problems = accountProblems(a);
  if (problems.length) throw new AccessError(problems.join(' ; '));
  const account: Account = {
    username: a.username,
    display_name: a.displayName ?? a.username,
    role: a.role,
    orgs: [...(a.orgs ?? [])].sort(),
    with_children: a.withChildren ?? false,
    password_hash: a.password ? await hashPassword(a.password) : '',
    disabled: false
  };
  await wh.insert('users', [{ ...account, updated_at: new Date().toISOString() }]);
  return account;
}

export async function findAccount(wh: Warehouse, username: string): Promise<Account | null> {
  const rows = await wh.query<Account>(
    'SELECT username, display_name, role, orgs, with_children, password_hash, disabled FROM users FINAL WHERE username = {u:String}',
    { u: username }
  );
  return rows[0] ?? null;
}

export async function listAccounts(wh: Warehouse): Promise<Omit<Account, 'password_hash'>[]> {
  return wh.query('SELECT username, display_name, role, orgs, with_children, disabled, password_hash != \'\' AS has_password FROM users FINAL ORDER BY username');
}

export async function setDisabled(wh: Warehouse, username: string, disabled: boolean): Promise<void> {
  const a = await findAccount(wh, username);
  if (!a) throw new AccessError(`compte inconnu / unknown account: ${username}`);
  await wh.insert('users', [{ ...a, disabled, updated_at: new Date().toISOString() }]);
}
