// Notifications: e-mail over SMTP (nodemailer) and webhooks (JSON signed with HMAC-SHA256), each recorded in
// `notifications` with its attempts. A delivery is tried a few times with a doubling pause; one still failing is
// recorded `failed` with the time of its next attempt and retried by later evaluations until JALON_NOTIFY_ATTEMPTS,
// then `abandoned` — shown on the alerts page and by `jalon alerts list`, never lost silently.
// What a recipient reads is decided per recipient: an address that belongs to an account gets what that account's
// role and scope may see (figures asked again of the metrics service as that caller); any other address and every
// webhook get the public view; a recipient who may not see the alert's organization is not sent it (`refused`).
import { createHmac, randomUUID } from 'node:crypto';
import nodemailer from 'nodemailer';
import type { JobContext } from './job.ts';
import type { Warehouse } from '../warehouse/warehouse.ts';
import { AccessError, allowedOrgs, PUBLIC_CALLER, publishedOnly, type Caller, type Role } from '../access/caller.ts';
import { buildCaller } from '../access/org-scope.ts';
import type { Localized } from '../metrics/types.ts';
import { torontoDay } from '../metrics/periods.ts';
import type { AlertRule } from './alert-rules.ts';
import type { AlertRecord } from './alert-store.ts';

export interface MailMessage {
  subject: string;
  text: string;
  html: string;
  attachments?: { filename: string; content: Buffer; contentType: string }[];
  headers?: Record<string, string>;
}

type Payload = { mail: Omit<MailMessage, 'attachments'> } | { webhook: string } | { digest: { username: string; org: string } };

export interface Delivery {
  delivery_id: string;
  subject_kind: 'alert' | 'digest';
  subject_id: string;
  event: 'fired' | 'resolved' | 'digest';
  target: string;
  status: 'pending' | 'sent' | 'failed' | 'refused' | 'abandoned';
  attempts: number;
  next_at: string | null;
  last_error: string;
  payload: string;
  created_at: string;
}

const stamp = (d: Date) => d.toISOString().replace('T', ' ').replace('Z', '');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Attempts made at once, before a failing delivery waits for a later evaluation. */
const INLINE_ATTEMPTS = 3;

export async function recordDelivery(wh: Warehouse, d: Delivery, now: Date): Promise<void> {
  await wh.insert('notifications', [{ ...d, updated_at: stamp(now) }]);
}

/** The caller a notification target reads as: the account owning a `mailto:` address, else the public. */
export async function recipientCaller(wh: Warehouse, target: string): Promise<{ caller: Caller; username: string | null }> {
  if (!target.startsWith('mailto:')) return { caller: PUBLIC_CALLER, username: null };
  const email = target.slice(7).toLowerCase();
  const rows = await wh.query<{ username: string; role: Role; orgs: string[]; with_children: boolean }>(
    `SELECT username, role, orgs, with_children FROM users FINAL
     WHERE NOT disabled AND (lower(username) = {e:String} OR username IN (SELECT username FROM account_emails FINAL WHERE lower(email) = {e:String}))
     ORDER BY username LIMIT 1`,
    { e: email }
  );
  const a = rows[0];
  if (!a) return { caller: PUBLIC_CALLER, username: null };
  return { caller: await buildCaller(wh, { id: a.username, role: a.role, orgs: a.orgs, withDescendants: a.with_children }), username: a.username };
}

/** The address an account's mail goes to: the one recorded for it, else its name when that is an address. */
export async function accountAddress(wh: Warehouse, username: string): Promise<string | null> {
  const rows = await wh.query<{ email: string }>('SELECT email FROM account_emails FINAL WHERE username = {u:String} AND email != \'\'', { u: username });
  if (rows[0]) return rows[0].email;
  return /^[^\s@]+@[^\s@]+\.[A-Za-z]{2,}$/.test(username) ? username : null;
}

export interface AlertView {
  summary: Localized;
  value: number | null;
  detail: Record<string, unknown>;
}

/** What `caller` may read of an alert, or null when it may not see the alert's organization. */
export async function alertViewFor(ctx: JobContext, rule: AlertRule, alert: AlertRecord, caller: Caller, event: 'fired' | 'resolved'): Promise<AlertView | null> {
  const allowed = allowedOrgs(caller);
  if (allowed !== null && (alert.org === '' || !allowed.includes(alert.org))) return null;
  if (event === 'resolved') {
    // A resolved notice carries no figure: the condition no longer holds, say which.
    return { summary: { fr: `Résolue : ${alert.scope} (règle ${rule.id})`, en: `Resolved: ${alert.scope} (rule ${rule.id})` }, value: null, detail: {} };
  }
  if (caller.role === 'admin') return { summary: alert.summary, value: alert.value, detail: alert.detail };
  try {
    switch (rule.type) {
      case 'threshold': {
        // Asked again as the recipient: their scope and their suppression apply to the figure they read.
        const { thresholdFigure } = await import('./alert-evaluate.ts');
        const { row, unit } = await thresholdFigure(ctx, rule, caller);
        const shown = row?.suppressed || !row ? null : row.value;
        const hidden = { fr: 'valeur masquée (petit effectif)', en: 'value suppressed (small count)' };
        const summary = shown === null ? { fr: `${alert.scope} : ${rule.metric} — ${hidden.fr}`, en: `${alert.scope}: ${rule.metric} — ${hidden.en}` } : alert.summary;
        return { summary, value: shown, detail: { metric: rule.metric, grain: rule.grain, period: row?.period ?? null, unit } };
      }
      case 'status': {
        const card = await ctx.metrics.scorecard({ caller, org: alert.org, at: torontoDay(ctx.now()), now: ctx.now(), public: publishedOnly(caller) });
        const metric = String(alert.detail.metric ?? '');
        const ind = card.characteristics.flatMap((c) => c.indicators).find((i) => i.metric === metric);
        if (!ind || ind.status !== alert.detail.status) return null; // this recipient's scorecard does not show it
        return { summary: alert.summary, value: ind.suppressed ? null : ind.value, detail: { metric, status: ind.status, period: ind.period } };
      }
      case 'stale':
      case 'ingest':
        // Operations detail (files, errors, counts) is for the organization's people; the public hears only that
        // data is late or was refused.
        if (publishedOnly(caller)) {
          return {
            summary: rule.type === 'stale' ? { fr: `${alert.org} : données en retard`, en: `${alert.org}: data overdue` } : { fr: `${alert.org} : problème de dépôt de données`, en: `${alert.org}: data delivery problem` },
            value: null,
            detail: {}
          };
        }
        return { summary: alert.summary, value: alert.value, detail: alert.detail };
      default:
        return null;
    }
  } catch (err) {
    if (err instanceof AccessError) return null;
    throw err;
  }
}

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function alertMail(ctx: JobContext, alert: AlertRecord, view: AlertView, event: 'fired' | 'resolved'): MailMessage {
  const base = ctx.config.http.publicUrl;
  const head = event === 'fired' ? { fr: 'Alerte', en: 'Alert' } : { fr: 'Alerte résolue', en: 'Alert resolved' };
  const links = { fr: `${base}/fr/alertes`, en: `${base}/en/alerts` };
  const text = `${head.fr} — ${view.summary.fr}\nOuverte le ${alert.opened_at} UTC. Voir ${links.fr}\n\n${head.en} — ${view.summary.en}\nOpened ${alert.opened_at} UTC. See ${links.en}\n`;
  const html = `<!doctype html><html lang="fr"><body>
<div lang="fr"><h1>${esc(head.fr)}</h1><p>${esc(view.summary.fr)}</p><p>Ouverte le ${esc(alert.opened_at)} UTC. <a href="${esc(links.fr)}">Voir les alertes</a></p></div>
<hr><div lang="en"><h1>${esc(head.en)}</h1><p>${esc(view.summary.en)}</p><p>Opened ${esc(alert.opened_at)} UTC. <a href="${esc(links.en)}">See the alerts</a></p></div>
</body></html>`;
  return { subject: `[Jalon] ${head.fr} / ${head.en}: ${view.summary.fr}`.slice(0, 250), text, html };
}

function alertWebhook(alert: AlertRecord, view: AlertView, event: 'fired' | 'resolved', now: Date): string {
  return JSON.stringify({
    event: `alert.${event}`,
    sent_at: now.toISOString(),
    alert: { id: alert.alert_id, rule_id: alert.rule_id, type: alert.rule_type, scope: alert.scope, org: alert.org, state: alert.state, opened_at: alert.opened_at, resolved_at: alert.resolved_at, summary: view.summary, value: view.value, detail: view.detail }
  });
}

/** The signature header of a webhook body: `sha256=` and the hex HMAC of `<timestamp>.<body>`. */
export function signWebhook(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

async function sendMail(ctx: JobContext, to: string, message: MailMessage): Promise<void> {
  if (!ctx.config.alerts.smtpUrl) throw new Error('JALON_SMTP_URL non configurée / not set: aucun serveur SMTP / no SMTP server');
  const transport = nodemailer.createTransport(ctx.config.alerts.smtpUrl);
  try {
    await transport.sendMail({ from: ctx.config.alerts.mailFrom, to, subject: message.subject, text: message.text, html: message.html, ...(message.attachments ? { attachments: message.attachments } : {}), ...(message.headers ? { headers: message.headers } : {}) });
  } finally {
    transport.close();
  }
}

async function postWebhook(ctx: JobContext, url: string, deliveryId: string, body: string): Promise<void> {
  const secret = ctx.config.alerts.webhookSecret;
  if (!secret) throw new Error('JALON_WEBHOOK_SECRET non configurée / not set: les webhooks sont signés / webhooks are signed');
  const timestamp = String(Math.floor(ctx.now().getTime() / 1000));
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'user-agent': 'Jalon', 'x-jalon-delivery': deliveryId, 'x-jalon-timestamp': timestamp, 'x-jalon-signature': signWebhook(secret, timestamp, body) },
    body,
    signal: AbortSignal.timeout(10_000),
    redirect: 'error'
  });
  await res.arrayBuffer().catch(() => undefined);
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
}

/** Sends a delivery once (its payload, or a digest made again). */
async function sendOnce(ctx: JobContext, d: Delivery): Promise<void> {
  const payload = JSON.parse(d.payload) as Payload;
  if ('mail' in payload) return sendMail(ctx, d.target.slice(7), payload.mail);
  if ('webhook' in payload) return postWebhook(ctx, d.target, d.delivery_id, payload.webhook);
  const { resendDigest } = await import('./digest.ts');
  return resendDigest(ctx, payload.digest.username, payload.digest.org);
}

const errorLine = (err: unknown) => (err instanceof Error ? err.message : String(err)).split('\n')[0].slice(0, 500);

/** Tries a delivery `times` times (pausing JALON_NOTIFY_BACKOFF_MS, doubled each time), recording each outcome. */
export async function attemptDelivery(ctx: JobContext, d: Delivery, times: number, send: () => Promise<void> = () => sendOnce(ctx, d)): Promise<Delivery> {
  const { attempts: max, backoffMs } = ctx.config.alerts;
  let current = d;
  for (let i = 0; i < times && current.attempts < max; i++) {
    if (i > 0) await sleep(backoffMs * 2 ** (current.attempts - 1));
    try {
      await send();
      current = { ...current, status: 'sent', attempts: current.attempts + 1, next_at: null, last_error: '' };
      await recordDelivery(ctx.warehouse, current, ctx.now());
      return current;
    } catch (err) {
      const attempts = current.attempts + 1;
      const abandoned = attempts >= max;
      current = { ...current, attempts, status: abandoned ? 'abandoned' : 'failed', last_error: errorLine(err), next_at: abandoned ? null : stamp(new Date(ctx.now().getTime() + backoffMs * 2 ** attempts)) };
      await recordDelivery(ctx.warehouse, current, ctx.now());
      ctx.log(`notification ${current.target.replace(/\/\/[^@/]*@/, '//…@')} : échec / failed (${attempts}/${max}): ${current.last_error}`);
    }
  }
  return current;
}

export function newDelivery(kind: Delivery['subject_kind'], subjectId: string, event: Delivery['event'], target: string, payload: Payload, now: Date): Delivery {
  return { delivery_id: randomUUID(), subject_kind: kind, subject_id: subjectId, event, target, status: 'pending', attempts: 0, next_at: null, last_error: '', payload: JSON.stringify(payload), created_at: stamp(now) };
}

/** Notifies every target of a rule about one alert, each as its recipient may read it. */
export async function notifyAlert(ctx: JobContext, rule: AlertRule, alert: AlertRecord, event: 'fired' | 'resolved'): Promise<{ sent: number; failed: number; refused: number }> {
  const counts = { sent: 0, failed: 0, refused: 0 };
  for (const target of rule.notify) {
    const { caller } = await recipientCaller(ctx.warehouse, target);
    const view = await alertViewFor(ctx, rule, alert, caller, event);
    if (!view) {
      const refused: Delivery = { ...newDelivery('alert', alert.alert_id, event, target, { webhook: '' }, ctx.now()), status: 'refused', last_error: `le destinataire ne voit pas ${alert.org || 'cette alerte'} / recipient may not see ${alert.org || 'this alert'}` };
      await recordDelivery(ctx.warehouse, refused, ctx.now());
      counts.refused++;
      continue;
    }
    const payload: Payload = target.startsWith('mailto:') ? { mail: alertMail(ctx, alert, view, event) } : { webhook: alertWebhook(alert, view, event, ctx.now()) };
    const done = await attemptDelivery(ctx, newDelivery('alert', alert.alert_id, event, target, payload, ctx.now()), INLINE_ATTEMPTS);
    if (done.status === 'sent') counts.sent++;
    else counts.failed++;
  }
  return counts;
}

/** Sends a digest delivery now (with its inline retries); used by the digest job and `jalon digest send`. */
export async function deliverDigest(ctx: JobContext, username: string, org: string, address: string, message: MailMessage): Promise<Delivery> {
  const d = newDelivery('digest', `${username}/${org}`, 'digest', `mailto:${address}`, { digest: { username, org } }, ctx.now());
  return attemptDelivery(ctx, d, INLINE_ATTEMPTS, () => sendMail(ctx, address, message));
}

/** Retries the failed deliveries whose next attempt is due (one attempt each). */
export async function retryDueDeliveries(ctx: JobContext): Promise<{ attempted: number; sent: number }> {
  const due = await ctx.warehouse.query<Delivery>(
    `SELECT delivery_id, subject_kind, subject_id, event, target, status, attempts, toString(next_at) AS next_at, last_error, payload, toString(created_at) AS created_at
     FROM (SELECT * FROM notifications FINAL WHERE status = 'failed' AND next_at <= {now:DateTime64(3, 'UTC')}) ORDER BY next_at LIMIT 100`,
    { now: ctx.now() }
  );
  let sent = 0;
  for (const d of due) {
    const done = await attemptDelivery(ctx, d, 1);
    if (done.status === 'sent') sent++;
  }
  return { attempted: due.length, sent };
}

export interface DeliveryRow extends Delivery {
  updated_at: string;
}

/** Deliveries that did not go out (failed, abandoned, refused), newest first: the alerts page and `alerts list` show them. */
export async function undelivered(wh: Warehouse, limit = 100): Promise<DeliveryRow[]> {
  return wh.query<DeliveryRow>(
    `SELECT delivery_id, subject_kind, subject_id, event, target, status, attempts, toString(next_at) AS next_at, last_error, '' AS payload,
            toString(created_at) AS created_at, toString(updated_at) AS updated_at
     FROM notifications FINAL WHERE status IN ('failed', 'abandoned', 'refused') ORDER BY updated_at DESC LIMIT {limit:UInt32}`,
    { limit }
  );
}
