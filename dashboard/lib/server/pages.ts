// Page loads shared by the French and English routes: read filters from the URL, find the caller, call one
// engine function, shape what the page draws. Route files only say which load and which language.
import { error, type RequestEvent } from '@sveltejs/kit';
import { dev } from '$app/environment';
import { AccessError, DEMO_EXECUTIVE, ROLES, type Caller, type Role } from '../../../access/caller.ts';
import { fiscalYearPresets, parseFilters, type Filters } from '../filters.ts';
import { i18n, type Lang } from '../i18n/index.ts';
import { catalogue, characteristicsOf, inventory, loadIndicator, loadOrganization, loadScorecard, loadService, smallCountThreshold, type Context } from './engine.ts';

const DEV_CALLER_COOKIE = 'jalon_dev_caller';

/** The caller set by sign-in (access issue) when present; until then the demo runs as an executive. In development
 *  only, `?as=service_owner:RQ` (kept in a cookie; `?as=executive` to return) switches the demo caller. */
export function callerOf(event: Pick<RequestEvent, 'locals' | 'url' | 'cookies'>): Caller {
  const fromLocals = (event.locals as { caller?: Caller }).caller;
  if (fromLocals) return fromLocals;
  if (dev) {
    const asked = event.url.searchParams.get('as');
    if (asked !== null) event.cookies.set(DEV_CALLER_COOKIE, asked, { path: '/', httpOnly: true, sameSite: 'lax' });
    const spec = asked ?? event.cookies.get(DEV_CALLER_COOKIE) ?? '';
    const [role, orgs] = spec.split(':');
    if ((ROLES as readonly string[]).includes(role)) return { role: role as Role, orgs: orgs ? orgs.split(',') : [], id: `dev-${role}` };
  }
  return DEMO_EXECUTIVE;
}

/** Runs a page load; a request outside the caller's scope is a 403 page that says so, not a crash. */
async function guarded<T>(load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (err) {
    if (err instanceof AccessError) error(403, { message: err.message });
    throw err;
  }
}

export interface Shell {
  lang: Lang;
  filters: Filters;
  role: Caller['role'];
  now: string;
  threshold: number;
  options: {
    orgs: { code: string; name: { fr: string; en: string } }[];
    services: { code: string; org: string; name: { fr: string; en: string } }[];
    fiscalYears: string[];
  };
}

async function shell(event: RequestEvent, lang: Lang): Promise<{ shell: Shell; ctx: Context }> {
  const filters = parseFilters(event.url.searchParams);
  const caller = callerOf(event);
  const now = new Date();
  const orgs = await inventory(caller);
  const threshold = await smallCountThreshold(caller);
  return {
    ctx: { caller, filters, now },
    shell: {
      lang, filters, role: caller.role, now: now.toISOString(), threshold,
      options: {
        orgs: orgs.map((o) => ({ code: o.code, name: o.name })),
        services: orgs.flatMap((o) => o.services.map((s) => ({ code: s.code, org: o.code, name: s.name }))),
        fiscalYears: fiscalYearPresets(now)
      }
    }
  };
}

export async function scorecardPage(event: RequestEvent, lang: Lang) {
  return guarded(async () => {
    const { shell: s, ctx } = await shell(event, lang);
    return { shell: s, scorecard: await loadScorecard(ctx) };
  });
}

export async function organizationsPage(event: RequestEvent, lang: Lang) {
  return guarded(async () => {
    const { shell: s, ctx } = await shell(event, lang);
    return { shell: s, organizations: await inventory(ctx.caller) };
  });
}

export async function organizationPage(event: RequestEvent, lang: Lang, code: string) {
  return guarded(async () => {
    const { shell: s, ctx } = await shell(event, lang);
    const view = await loadOrganization(ctx, code);
    if (!view) error(404, { message: i18n(lang).t('not_found_org', { code }) });
    return { shell: s, view };
  });
}

export async function servicePage(event: RequestEvent, lang: Lang, code: string) {
  return guarded(async () => {
    const { shell: s, ctx } = await shell(event, lang);
    const view = await loadService(ctx, code);
    if (!view) error(404, { message: i18n(lang).t('not_found_service', { code }) });
    return { shell: s, view };
  });
}

export async function indicatorPage(event: RequestEvent, lang: Lang, metric: string) {
  return guarded(async () => {
    const { shell: s, ctx } = await shell(event, lang);
    const view = await loadIndicator(ctx, metric);
    if (!view) error(404, { message: i18n(lang).t('not_found_metric', { code: metric }) });
    return { shell: s, view };
  });
}

export async function cataloguePage(event: RequestEvent, lang: Lang) {
  return guarded(async () => {
    const { shell: s } = await shell(event, lang);
    return { shell: s, metrics: catalogue().map((m) => ({ ...m, characteristics: characteristicsOf(m.id) })) };
  });
}
