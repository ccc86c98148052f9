// Page loads shared by the French and English routes: read filters from the URL, find the caller, call one
// engine function, shape what the page draws. Route files only say which load and which language.
import { error, fail, redirect, type RequestEvent } from '@sveltejs/kit';
import { defaultOrg, isAccessError, type Caller } from '../../../access/caller.ts';
import { fiscalYearPresets, isCalendarDay, parseFilters, type Filters } from '../filters.ts';
import { i18n, type Lang } from '../i18n/index.ts';
import { indicatorRevisions } from './open-data.ts';
import {
  catalogue, characteristicsOf, strategyCharacteristics, inventory, loadIndicator, loadOrganization, loadScorecard, loadService, smallCountThreshold,
  saveAnnotation, removeAnnotation, type Context, type ServiceOptions
} from './page-views.ts';

/** The caller the hooks found (access/request-caller.ts: session, demo, public, or the development switch). */
export function callerOf(event: Pick<RequestEvent, 'locals'>): Caller {
  return event.locals.caller;
}

/** Runs a page load; a request outside the caller's scope is a 403 page that says so, not a crash. */
async function guarded<T>(load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (err) {
    if (isAccessError(err)) error(403, { message: err.message });
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
  const caller = callerOf(event);
  const asked = parseFilters(event.url.searchParams);
  // A service owner's pages open on their own organization; asking for another one is refused by the engine.
  const filters: Filters = asked.org ? asked : { ...asked, org: defaultOrg(caller) ?? '' };
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

/** The before/after view asked in the URL: `around` a day, `days` per window. */
function serviceOptions(url: URL): ServiceOptions {
  const around = url.searchParams.get('around') ?? '';
  const days = Number(url.searchParams.get('days') ?? '');
  return { ...(isCalendarDay(around) ? { around } : {}), ...(Number.isInteger(days) && days > 0 ? { days } : {}) };
}

export async function servicePage(event: RequestEvent, lang: Lang, code: string) {
  return guarded(async () => {
    const { shell: s, ctx } = await shell(event, lang);
    const view = await loadService(ctx, code, serviceOptions(event.url));
    if (!view) error(404, { message: i18n(lang).t('not_found_service', { code }) });
    return { shell: s, view };
  });
}

export async function indicatorPage(event: RequestEvent, lang: Lang, metric: string) {
  return guarded(async () => {
    const { shell: s, ctx } = await shell(event, lang);
    const view = await loadIndicator(ctx, metric);
    if (!view) error(404, { message: i18n(lang).t('not_found_metric', { code: metric }) });
    return { shell: s, view, revisions: await indicatorRevisions(metric) };
  });
}

export async function cataloguePage(event: RequestEvent, lang: Lang) {
  return guarded(async () => {
    const { shell: s } = await shell(event, lang);
    const metrics = await catalogue();
    return {
      shell: s,
      metrics: await Promise.all(metrics.map(async (m) => ({ ...m, characteristics: await characteristicsOf(m.id) }))),
      characteristics: await strategyCharacteristics(),
      q: (event.url.searchParams.get('q') ?? '').slice(0, 100)
    };
  });
}

/** The service page's annotation forms (create, edit, delete): one server function each, checked and audited by the
 *  engine; a refusal or a bad field comes back to the form (400/403) with its one-line message. */
export function annotationActions() {
  const act = async (event: RequestEvent, op: 'save' | 'delete') => {
    const data = await event.request.formData();
    const text = (k: string) => String(data.get(k) ?? '').trim();
    const id = text('id');
    try {
      const caller = callerOf(event);
      if (op === 'delete') await removeAnnotation(caller, id);
      else await saveAnnotation(caller, id || null, { service: event.params.service ?? '', date: text('date'), kind: text('kind'), text_fr: text('text_fr'), text_en: text('text_en') });
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (isAccessError(err)) return fail(403, { annotationError: message, id });
      if (err instanceof Error && err.name === 'AnnotationError') return fail((err as { code?: string }).code === 'not_found' ? 404 : 400, { annotationError: message, id, field: (err as { field?: string }).field ?? '' });
      throw err;
    }
    // Back to the page (one history entry), keeping its filters; the annotations list is where the change shows.
    redirect(303, `${event.url.pathname}${event.url.search.replace(/[?&]\/[a-z]+/u, '')}#annotations-title`);
  };
  return { annotate: (event: RequestEvent) => act(event, 'save'), unannotate: (event: RequestEvent) => act(event, 'delete') };
}
