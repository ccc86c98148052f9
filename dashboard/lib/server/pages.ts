// Page loads shared by the French and English routes: read filters from the URL, find the caller, call one
// engine function, shape what the page draws. Route files only say which load and which language.
import { error, type RequestEvent } from '@sveltejs/kit';
import { DEMO_EXECUTIVE, type Caller } from '../../../access/caller.ts';
import { fiscalYearPresets, parseFilters, type Filters } from '../filters.ts';
import type { Lang } from '../i18n/index.ts';
import { catalogue, characteristicsOf, inventory, loadIndicator, loadOrganization, loadScorecard, loadService, smallCountThreshold, type Context } from './engine.ts';

/** The caller set by sign-in (access issue) when present; until then the demo runs as an executive. */
export function callerOf(event: Pick<RequestEvent, 'locals'>): Caller {
  const fromLocals = (event.locals as { caller?: Caller }).caller;
  return fromLocals ?? DEMO_EXECUTIVE;
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
  const { shell: s, ctx } = await shell(event, lang);
  return { shell: s, scorecard: await loadScorecard(ctx) };
}

export async function organizationsPage(event: RequestEvent, lang: Lang) {
  const { shell: s, ctx } = await shell(event, lang);
  return { shell: s, organizations: await inventory(ctx.caller) };
}

export async function organizationPage(event: RequestEvent, lang: Lang, code: string) {
  const { shell: s, ctx } = await shell(event, lang);
  const view = await loadOrganization(ctx, code);
  if (!view) error(404, { message: lang === 'fr' ? `Organisation introuvable : ${code}` : `Organization not found: ${code}` });
  return { shell: s, view };
}

export async function servicePage(event: RequestEvent, lang: Lang, code: string) {
  const { shell: s, ctx } = await shell(event, lang);
  const view = await loadService(ctx, code);
  if (!view) error(404, { message: lang === 'fr' ? `Service introuvable : ${code}` : `Service not found: ${code}` });
  return { shell: s, view };
}

export async function indicatorPage(event: RequestEvent, lang: Lang, metric: string) {
  const { shell: s, ctx } = await shell(event, lang);
  const view = await loadIndicator(ctx, metric);
  if (!view) error(404, { message: lang === 'fr' ? `Indicateur introuvable : ${metric}` : `Indicator not found: ${metric}` });
  return { shell: s, view };
}

export async function cataloguePage(event: RequestEvent, lang: Lang) {
  const { shell: s } = await shell(event, lang);
  return { shell: s, metrics: catalogue().map((m) => ({ ...m, characteristics: characteristicsOf(m.id) })) };
}
