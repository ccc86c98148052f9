// Server side of the access pages (sign-in, explore, audit, accounts): what each page loads and who may open it.
// Nobody signed in on a restricted page → the sign-in page; signed in with the wrong role → 403.
import { error, fail, redirect, type RequestEvent } from '@sveltejs/kit';
import { isAdmin, maySql, type Caller } from '../../../access/caller.ts';
import { getRuntime } from './runtime.ts';
import { describeCuratedViews } from '../../../access/curated-views.ts';
import { listSavedQueries } from '../../../access/saved-queries.ts';
import { auditFilterFromParams, auditWho, recordAudit, searchAudit } from '../../../access/audit.ts';
import type { Lang } from '../i18n/index.ts';
import { adminLists, revokeProducerToken, setAccountDisabled } from '../../../access/admin-actions.ts';
import { isAccessError } from '../../../access/caller.ts';

const LOGIN: Record<Lang, string> = { fr: '/fr/connexion', en: '/en/login' };

function gate(caller: Caller, lang: Lang, path: string, allowed: (c: Caller) => boolean): void {
  if (allowed(caller)) return;
  if (caller.anonymous || caller.role === 'public') redirect(303, `${LOGIN[lang]}?next=${encodeURIComponent(path)}`);
  error(403, lang === 'fr' ? `Accès refusé au rôle ${caller.role}` : `Access denied for role ${caller.role}`);
}

export async function loadLogin(lang: Lang, url: URL, locals: App.Locals) {
  const { config } = await getRuntime();
  return {
    lang,
    error: url.searchParams.get('error'),
    next: url.searchParams.get('next') ?? `/${lang}`,
    oidc: config.auth.oidc !== null,
    username: locals.username,
    role: locals.caller.role
  };
}

export async function loadExplore(lang: Lang, url: URL, locals: App.Locals) {
  gate(locals.caller, lang, url.pathname, maySql);
  const { warehouse } = await getRuntime();
  return {
    lang,
    views: await describeCuratedViews(warehouse),
    saved: await listSavedQueries(warehouse, locals.caller),
    role: locals.caller.role,
    orgs: locals.caller.orgs,
    username: locals.username
  };
}

export async function loadAudit(lang: Lang, url: URL, locals: App.Locals) {
  gate(locals.caller, lang, url.pathname, isAdmin);
  const { warehouse } = await getRuntime();
  const entries = await searchAudit(warehouse, auditFilterFromParams(url.searchParams));
  await recordAudit(warehouse, { ...auditWho(locals.caller), action: 'view_restricted', target: 'audit_log', ok: true, rows: entries.length, detail: { search: url.search } });
  return { lang, entries, params: Object.fromEntries(url.searchParams) };
}


/** Accounts and producer tokens (administrators): who may sign in and who may push, with disable and revoke. */
export async function loadAccounts(lang: Lang, url: URL, locals: App.Locals) {
  gate(locals.caller, lang, url.pathname, isAdmin);
  const { warehouse } = await getRuntime();
  return { lang, ...(await adminLists(warehouse)), me: locals.username };
}

/** The accounts page's form actions; each applies at once (access/admin-actions.ts). SvelteKit refuses them from
 *  another site (its origin check on form posts). */
export function accountActions(lang: Lang) {
  const act = async (event: RequestEvent, run: (form: FormData, by: { actor: string }) => Promise<void>) => {
    gate(event.locals.caller, lang, event.url.pathname, isAdmin);
    const form = await event.request.formData();
    try {
      await run(form, { actor: event.locals.username ?? event.locals.caller.id });
      return { done: true };
    } catch (err) {
      if (isAccessError(err)) return fail(404, { message: err.message });
      throw err;
    }
  };
  const wh = async () => (await getRuntime()).warehouse;
  return {
    disable: (e: RequestEvent) => act(e, async (f, by) => setAccountDisabled(await wh(), by, String(f.get('username') ?? ''), true)),
    enable: (e: RequestEvent) => act(e, async (f, by) => setAccountDisabled(await wh(), by, String(f.get('username') ?? ''), false)),
    revoke: (e: RequestEvent) => act(e, async (f, by) => revokeProducerToken(await wh(), by, String(f.get('token_id') ?? '')))
  };
}
