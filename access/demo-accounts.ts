// Demo accounts, one per role, so a newcomer can sign in as each (`npm start` prints them). Created once per
// warehouse with random passwords that are shown only when created; later starts list the names only.
import { randomBytes } from 'node:crypto';
import type { Warehouse } from '../warehouse/warehouse.ts';
import type { Role } from './caller.ts';
import { findAccount, saveAccount } from './accounts.ts';

export interface DemoAccount {
  username: string;
  role: Role;
  orgs: string[];
  withChildren: boolean;
  /** Present only when the account was created by this call. */
  password: string | null;
}

/** Organizations from the demo catalogue: the service owner's is RAMQ, which sends events (so its service pages are
 *  full: funnels, completion times, annotations); the analyst reads two agencies. */
const PLAN: readonly Omit<DemoAccount, 'password'>[] = [
  { username: 'demo-admin', role: 'admin', orgs: [], withChildren: false },
  { username: 'demo-direction', role: 'executive', orgs: [], withChildren: false },
  { username: 'demo-responsable', role: 'service_owner', orgs: ['RAMQ'], withChildren: false },
  { username: 'demo-analyste', role: 'analyst', orgs: ['RAMQ', 'SAAQ'], withChildren: false },
  { username: 'demo-public', role: 'public', orgs: [], withChildren: false }
];

export async function ensureDemoAccounts(wh: Warehouse): Promise<DemoAccount[]> {
  const out: DemoAccount[] = [];
  for (const plan of PLAN) {
    const existing = await findAccount(wh, plan.username);
    if (existing) {
      out.push({ ...plan, password: null });
      continue;
    }
    const password = randomBytes(12).toString('base64url');
    await saveAccount(wh, { username: plan.username, role: plan.role, orgs: plan.orgs, withChildren: plan.withChildren, password, displayName: plan.username });
    out.push({ ...plan, password });
  }
  return out;
}

/** Lines for the terminal, French first. */
export function formatDemoAccounts(accounts: readonly DemoAccount[], url: string): string {
  const lines = [`Comptes de démonstration / demo accounts — ${url}/fr/connexion`];
  for (const a of accounts) {
    const scope = a.orgs.length ? ` ${a.orgs.join(',')}${a.withChildren ? ' (+ organisations rattachées / and below)' : ''}` : '';
    const pw = a.password
      ? `mot de passe / password: ${a.password}`
      : 'mot de passe affiché à la création / password shown when created — un administrateur le réinitialise dans Comptes / an administrator resets it in Accounts (/fr/admin/comptes)';
    lines.push(`  ${a.username.padEnd(18)} ${a.role.padEnd(14)}${scope} — ${pw}`);
  }
  return lines.join('\n');
}
