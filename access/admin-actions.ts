// What administrators change while the service runs: disable or enable an account, revoke a producer token. Each
// takes effect at once in the process that calls it (the session cache forgets the account; tokens are read on
// every push) and is audited. The app's pages and API call these; the CLI calls them through the running server's
// API when a server holds the embedded folder (cli/operator.ts), or directly otherwise.
import type { Warehouse } from '../warehouse/warehouse.ts';
import { listAccounts, setDisabled } from './accounts.ts';
import { clearSessionCache } from './sessions.ts';
import { recordAudit } from './audit.ts';
import { AccessError } from './caller.ts';
import { listTokens, revokeToken, type TokenInfo } from './tokens.ts';

export interface Operator {
  /** Who acts, for the audit log: an administrator's account name, or `cli:<user>`. */
  actor: string;
}

export async function setAccountDisabled(wh: Warehouse, by: Operator, username: string, disabled: boolean): Promise<void> {
  await setDisabled(wh, username, disabled);
  clearSessionCache();
  await recordAudit(wh, { actor: by.actor, role: 'admin', org: '', action: 'user_admin', target: username, ok: true, detail: { action: disabled ? 'disable' : 'enable' } });
}

export async function revokeProducerToken(wh: Warehouse, by: Operator, tokenId: string): Promise<void> {
  if (!(await revokeToken(wh, tokenId))) throw new AccessError(`jeton inconnu / unknown token ${tokenId}`);
  await recordAudit(wh, { actor: by.actor, role: 'admin', org: '', action: 'user_admin', target: `token:${tokenId}`, ok: true, detail: { action: 'revoke' } });
}

export async function adminLists(wh: Warehouse): Promise<{ accounts: Awaited<ReturnType<typeof listAccounts>>; tokens: TokenInfo[] }> {
  return { accounts: await listAccounts(wh), tokens: await listTokens(wh) };
}
