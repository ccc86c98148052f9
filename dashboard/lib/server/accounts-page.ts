// The accounts page's password reset (administrators; the page itself: access-pages.ts): a new random password for one
// account, shown once (like `jalon users add` on the terminal). Every reset is audited as `user_admin`.
import { error, fail, redirect, type RequestEvent } from '@sveltejs/kit';
import { randomBytes } from 'node:crypto';
import { isAdmin } from '../../../access/caller.ts';
import { findAccount, saveAccount } from '../../../access/accounts.ts';
import { auditWho, recordAudit } from '../../../access/audit.ts';
import type { Lang } from '../i18n/index.ts';
import { getRuntime } from './runtime.ts';

const LOGIN: Record<Lang, string> = { fr: '/fr/connexion', en: '/en/login' };

function gate(event: Pick<RequestEvent, 'locals' | 'url'>, lang: Lang): void {
  const caller = event.locals.caller;
  if (isAdmin(caller)) return;
  if (caller.role === 'public') redirect(303, `${LOGIN[lang]}?next=${encodeURIComponent(event.url.pathname)}`);
  error(403, lang === 'fr' ? `Accès refusé au rôle ${caller.role}` : `Access denied for role ${caller.role}`);
}

/** Form action: a new random password for one account, shown once to the administrator. */
export async function resetPassword(event: RequestEvent, lang: Lang) {
  gate(event, lang);
  const { warehouse } = await getRuntime();
  const username = String((await event.request.formData()).get('username') ?? '');
  const account = await findAccount(warehouse, username);
  const who = auditWho(event.locals.caller);
  if (!account) {
    await recordAudit(warehouse, { ...who, action: 'user_admin', target: username.slice(0, 128), ok: false, detail: { op: 'reset_password', reason: 'unknown account' } });
    return fail(404, { resetError: lang === 'fr' ? `Compte inconnu : ${username}` : `Unknown account: ${username}` });
  }
  const password = randomBytes(12).toString('base64url');
  await saveAccount(warehouse, { username, role: account.role, orgs: account.orgs, withChildren: Boolean(Number(account.with_children)), password, displayName: account.display_name });
  await recordAudit(warehouse, { ...who, action: 'user_admin', target: username, ok: true, detail: { op: 'reset_password' } });
  return { reset: { username, password } };
}
