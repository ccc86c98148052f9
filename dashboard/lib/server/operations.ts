// Server side of the operations pages and API (issue 12): alerts, the administrators' jobs page, the producers'
// quarantine page, digests. Each function checks who may act, calls jobs/ or ingest/, and shapes the answer; the
// figures inside alerts and digests come from the metrics service (jobs/alert-evaluate.ts, jobs/digest.ts).
import { error, fail, redirect, type RequestEvent } from '@sveltejs/kit';
import { isAdmin, type Caller } from '../../../access/caller.ts';
import { operatorCaller } from '../../../access/operator-key.ts';
import { auditWho, recordAudit } from '../../../access/audit.ts';
import { verifyToken } from '../../../access/tokens.ts';
import { producerCaller } from '../../../access/caller.ts';
import { listQuarantine, mayReadQuarantine, quarantineCsv } from '../../../access/quarantine-view.ts';
import { evaluateAlerts } from '../../../jobs/alert-evaluate.ts';
import { listAlerts, type AlertRecord } from '../../../jobs/alert-store.ts';
import { deleteStoredRule, loadRules, RuleError, saveStoredRule, type RuleWithOrigin } from '../../../jobs/alert-rules.ts';
import { undelivered, type DeliveryRow } from '../../../jobs/notify.ts';
import { runJob, type JobContext } from '../../../jobs/job.ts';
import { activeScheduler, loadJobs } from '../../../jobs/scheduler.ts';
import { lastJobRuns, recentJobRuns, type JobRunRow } from '../../../jobs/job-runs.ts';
import { DigestError, sendDigest, unsubscribeByToken } from '../../../jobs/digest.ts';
import { getRuntime } from './runtime.ts';
import { ApiError } from './api.ts';
import type { Lang } from '../i18n/index.ts';

const LOGIN: Record<Lang, string> = { fr: '/fr/connexion', en: '/en/login' };

/** The caller of an API request: the operator key (`jalon` CLI beside a running serve, access/operator-key.ts), else
 *  the session the hooks found. */
export async function apiCaller(event: Pick<RequestEvent, 'request' | 'locals'>): Promise<Caller> {
  return operatorCaller((await getRuntime()).operatorKey, event.request.headers.get('authorization')) ?? event.locals.caller;
}

/** Also a producer token (Authorization: Bearer jalon_…): the quarantine download for its organization. */
async function callerWithToken(event: Pick<RequestEvent, 'request' | 'locals'>): Promise<Caller> {
  const operator = operatorCaller((await getRuntime()).operatorKey, event.request.headers.get('authorization'));
  if (operator) return operator;
  const auth = event.request.headers.get('authorization');
  if (auth?.startsWith('Bearer jalon_')) {
    const { warehouse } = await getRuntime();
    const token = await verifyToken(warehouse, auth.slice(7));
    if (!token) throw new ApiError(401, 'unauthorized', 'jeton inconnu ou révoqué / unknown or revoked token');
    return producerCaller(token.tokenId, token.org);
  }
  return event.locals.caller;
}

/** The jobs' context: the running scheduler's (serve), or one over the runtime (vite dev). */
async function jobContext(): Promise<JobContext> {
  const active = activeScheduler();
  if (active) return active.context;
  const { config, warehouse, metrics } = await getRuntime();
  return { warehouse, config, metrics, now: () => new Date(), log: (l) => process.stderr.write(`${l}\n`) };
}

function gate(caller: Caller, lang: Lang, path: string, allowed: boolean): void {
  if (allowed) return;
  if (caller.role === 'public') redirect(303, `${LOGIN[lang]}?next=${encodeURIComponent(path)}`);
  error(403, lang === 'fr' ? `Accès refusé au rôle ${caller.role}` : `Access denied for role ${caller.role}`);
}

function requireAdmin(caller: Caller): void {
  if (isAdmin(caller)) return;
  if (caller.role === 'public') throw new ApiError(401, 'unauthorized', 'Connexion requise / sign-in required');
  throw new ApiError(403, 'forbidden', `Accès refusé au rôle ${caller.role} / access denied for role ${caller.role}`);
}

// ——— Alerts ———

export interface AlertsPageData {
  lang: Lang;
  admin: boolean;
  open: AlertRecord[];
  recent: AlertRecord[];
  rules: (RuleWithOrigin & { json: string })[];
  ruleProblems: string[];
  undelivered: DeliveryRow[];
}

export async function loadAlertsPage(lang: Lang, url: URL, locals: App.Locals): Promise<AlertsPageData> {
  const caller = locals.caller;
  gate(caller, lang, url.pathname, caller.role !== 'public' && caller.role !== 'producer');
  const { warehouse, config, metrics } = await getRuntime();
  const all = await listAlerts(warehouse, caller, { state: 'all', limit: 300 });
  const admin = isAdmin(caller);
  let rules: AlertsPageData['rules'] = [];
  let ruleProblems: string[] = [];
  if (admin) {
    try {
      const loaded = await loadRules(warehouse, config.alerts.file, new Set(metrics.definitions().keys()));
      rules = loaded.rules.map((r) => ({ ...r, json: JSON.stringify(r.rule, null, 2) }));
      ruleProblems = loaded.problems;
    } catch (err) {
      ruleProblems = [err instanceof Error ? err.message : String(err)];
    }
  }
  return {
    lang,
    admin,
    open: all.filter((a) => a.state === 'open'),
    recent: all.filter((a) => a.state === 'resolved').slice(0, 50),
    rules,
    ruleProblems,
    undelivered: admin ? await undelivered(warehouse, 50) : []
  };
}

/** Form actions of the alerts page (administrators): save a stored rule from its JSON, delete one. Audited. */
export async function alertRuleAction(event: RequestEvent, action: 'save' | 'delete'): Promise<{ ok: boolean; message: string }> {
  const caller = event.locals.caller;
  if (!isAdmin(caller)) error(403, 'forbidden');
  const { warehouse, config, metrics } = await getRuntime();
  const form = await event.request.formData();
  try {
    if (action === 'save') {
      let input: unknown;
      try {
        input = JSON.parse(String(form.get('rule') ?? ''));
      } catch {
        return { ok: false, message: 'JSON illisible / unreadable JSON' };
      }
      const rule = await saveStoredRule(warehouse, input, caller.id, config.alerts.file, new Set(metrics.definitions().keys()));
      await recordAudit(warehouse, { ...auditWho(caller), action: 'alert_rule', target: rule.id, ok: true, detail: { change: 'save', rule } });
      return { ok: true, message: rule.id };
    }
    const id = String(form.get('id') ?? '');
    const loaded = await loadRules(warehouse, config.alerts.file, new Set(metrics.definitions().keys()));
    const found = loaded.rules.find((r) => r.rule.id === id);
    if (!found || found.origin !== 'stored') return { ok: false, message: `${id}: règle enregistrée introuvable / no such stored rule` };
    await deleteStoredRule(warehouse, id, caller.id);
    await recordAudit(warehouse, { ...auditWho(caller), action: 'alert_rule', target: id, ok: true, detail: { change: 'delete' } });
    return { ok: true, message: id };
  } catch (err) {
    if (err instanceof RuleError) return { ok: false, message: err.message };
    throw err;
  }
}

export async function apiListAlerts(event: RequestEvent) {
  const caller = await apiCaller(event);
  if (caller.role === 'public' || caller.role === 'producer') throw new ApiError(caller.role === 'public' ? 401 : 403, caller.role === 'public' ? 'unauthorized' : 'forbidden', 'Connexion requise / sign-in required');
  const state = event.url.searchParams.get('state') ?? 'open';
  if (state !== 'open' && state !== 'resolved' && state !== 'all') throw new ApiError(400, 'bad_request', `state "${state}": open, resolved, all`);
  const org = event.url.searchParams.get('org') ?? undefined;
  const { warehouse } = await getRuntime();
  return { alerts: await listAlerts(warehouse, caller, { state, ...(org ? { org } : {}) }), undelivered: isAdmin(caller) ? await undelivered(warehouse) : [] };
}

export async function apiEvaluateAlerts(event: RequestEvent) {
  const caller = await apiCaller(event);
  requireAdmin(caller);
  return evaluateAlerts(await jobContext());
}

/** Open alerts of one organization as the caller may see them (the organization page's component). */
export async function openAlertsFor(caller: Caller, org: string): Promise<AlertRecord[]> {
  if (caller.role === 'public' || caller.role === 'producer') return [];
  const { warehouse } = await getRuntime();
  return listAlerts(warehouse, caller, { state: 'open', org, limit: 20 });
}

// ——— Jobs ———

export interface JobsPageData {
  lang: Lang;
  jobs: { id: string; schedule: string; description: string; last: JobRunRow | null; runs: JobRunRow[] }[];
  ran: { id: string; status: string; error: string } | null;
  scheduler: boolean;
}

export async function loadJobsPage(lang: Lang, url: URL, locals: App.Locals): Promise<JobsPageData> {
  gate(locals.caller, lang, url.pathname, isAdmin(locals.caller));
  const { warehouse, config } = await getRuntime();
  const jobs = activeScheduler()?.jobs ?? loadJobs(config);
  const last = await lastJobRuns(warehouse);
  const rows = await Promise.all(jobs.map(async (j) => ({ id: j.id, schedule: j.schedule, description: j.description, last: last.get(j.id) ?? null, runs: await recentJobRuns(warehouse, j.id, 5) })));
  return { lang, jobs: rows, ran: null, scheduler: activeScheduler() !== null };
}

/** The jobs page's "run now" form (both languages): the job's answer, or the refusal in the page. */
export async function runJobAction(event: Pick<RequestEvent, 'request' | 'locals'>) {
  const id = String((await event.request.formData()).get('id') ?? '');
  try {
    return await runJobNow(event.locals.caller, id);
  } catch (err) {
    if (err instanceof ApiError) return fail(err.status, { id, status: 'refused', error: err.message });
    throw err;
  }
}

/** "Run now": the job runs through the scheduler (recorded, never overlapping itself) and the request is audited. */
export async function runJobNow(caller: Caller, id: string): Promise<{ id: string; status: string; error: string }> {
  requireAdmin(caller);
  const { warehouse, config } = await getRuntime();
  const active = activeScheduler();
  const jobs = active?.jobs ?? loadJobs(config);
  const job = jobs.find((j) => j.id === id);
  if (!job) throw new ApiError(404, 'not_found', `tâche inconnue / unknown job "${id}"`);
  const t0 = performance.now();
  const result = active ? await active.run(id) : await runJob(job, await jobContext());
  await recordAudit(warehouse, { ...auditWho(caller), action: 'job_run', target: id, ok: result.status === 'ok', durationMs: performance.now() - t0, detail: { run_id: result.run_id, status: result.status, counts: result.counts, error: result.error.slice(0, 500) } });
  return { id, status: result.status, error: result.error };
}

// ——— Quarantine ———

export interface QuarantinePageData {
  lang: Lang;
  org: string;
  orgs: string[] | null;
  rows: Awaited<ReturnType<typeof listQuarantine>>;
}

export async function loadQuarantinePage(lang: Lang, url: URL, locals: App.Locals): Promise<QuarantinePageData> {
  const caller = locals.caller;
  gate(caller, lang, url.pathname, mayReadQuarantine(caller));
  const { warehouse } = await getRuntime();
  const org = url.searchParams.get('org') ?? (caller.role === 'service_owner' ? (caller.home ?? caller.orgs[0] ?? '') : '');
  if (org && caller.role !== 'admin' && !caller.orgs.includes(org)) error(403, lang === 'fr' ? `Accès refusé à ${org}` : `Access denied to ${org}`);
  const rows = await listQuarantine(warehouse, caller, { ...(org ? { org } : {}), limit: 500 });
  await recordAudit(warehouse, { ...auditWho(caller), action: 'view_restricted', target: 'quarantine', ok: true, rows: rows.length, detail: { org } });
  return { lang, org, orgs: caller.role === 'admin' ? null : [...caller.orgs], rows };
}

/** GET /api/v1/quarantine?org=&format=csv|json: session (admin, service owner) or producer token. Audited as an export. */
export async function apiQuarantine(event: RequestEvent): Promise<Response> {
  const caller = await callerWithToken(event);
  if (!mayReadQuarantine(caller)) {
    if (caller.role === 'public') throw new ApiError(401, 'unauthorized', 'Connexion ou jeton requis / sign-in or token required');
    throw new ApiError(403, 'forbidden', `Accès refusé au rôle ${caller.role} / access denied for role ${caller.role}`);
  }
  const org = event.url.searchParams.get('org') ?? undefined;
  if (org && caller.role !== 'admin' && !caller.orgs.includes(org)) throw new ApiError(403, 'forbidden', `Accès refusé à ${org} / access denied to ${org}`);
  const format = event.url.searchParams.get('format') ?? 'csv';
  if (format !== 'csv' && format !== 'json') throw new ApiError(400, 'bad_request', `format "${format}": csv, json`);
  const { warehouse } = await getRuntime();
  const rows = await listQuarantine(warehouse, caller, { ...(org ? { org } : {}), limit: 100_000 });
  await recordAudit(warehouse, { ...auditWho(caller), action: 'export', target: 'quarantine', ok: true, rows: rows.length, detail: { org: org ?? '', format } });
  if (format === 'json') return Response.json({ rows });
  const name = `quarantaine-${org ?? (caller.orgs[0] || 'toutes')}.csv`;
  return new Response(quarantineCsv(rows), { headers: { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="${name}"`, 'cache-control': 'private, no-store' } });
}

// ——— Digests ———

export async function apiSendDigest(event: RequestEvent) {
  const caller = await apiCaller(event);
  requireAdmin(caller);
  const body = (await event.request.json().catch(() => null)) as { user?: unknown; org?: unknown } | null;
  if (!body || typeof body.user !== 'string') throw new ApiError(400, 'bad_request', 'corps / body: {"user": "NAME", "org"?: "X"}');
  const ctx = await jobContext();
  const withUrl: JobContext = ctx.appUrl ? ctx : { ...ctx, appUrl: event.url.origin };
  const sent = await sendDigest(withUrl, body.user, typeof body.org === 'string' ? body.org : null).catch((err: unknown) => {
    if (err instanceof DigestError) throw new ApiError(400, 'bad_request', err.message);
    throw err;
  });
  await recordAudit(ctx.warehouse, { ...auditWho(caller), action: 'digest', target: body.user, ok: sent.every((s) => s.status === 'sent'), detail: { orgs: sent.map((s) => s.org) } });
  return { sent };
}

export async function unsubscribe(token: string): Promise<{ org: string } | null> {
  const { warehouse } = await getRuntime();
  const sub = await unsubscribeByToken(warehouse, token);
  return sub ? { org: sub.org } : null;
}
