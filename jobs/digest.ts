// Digests: a user's opt-in subscription per organization (weekly or monthly) brings an e-mail with the scorecard's
// status changes since the last digest, the biggest movers, stale sources and open alerts, and a PDF of the
// organization's scorecard page printed by headless Chromium as that user (their session: their role, scope and
// suppression). Every figure comes from the metrics service as that user's caller. `jalon digest send --user` sends
// one now, only to that account's own address; an organization the account may not see is refused.
import { randomBytes } from 'node:crypto';
import type { JobContext, Job } from './job.ts';
import type { Warehouse } from '../warehouse/warehouse.ts';
import { AccessError, allowedOrgs, type Caller } from '../access/caller.ts';
import { findAccount } from '../access/accounts.ts';
import { buildCaller, isOrgCode } from '../access/org-scope.ts';
import { createSession, revokeSession, SESSION_COOKIE } from '../access/sessions.ts';
import type { Localized, Status } from '../metrics/types.ts';
import type { Scorecard, ScorecardIndicator } from '../metrics/scorecard.ts';
import { addDays, isoDay, parseDay, torontoDay } from '../metrics/periods.ts';
import { listAlerts, type AlertRecord } from './alert-store.ts';
import { accountAddress, deliverDigest, type Delivery, type MailMessage } from './notify.ts';

export type Frequency = 'weekly' | 'monthly';

export interface Subscription {
  username: string;
  org: string;
  frequency: Frequency;
  lang: 'fr' | 'en';
  active: boolean;
  token: string;
  last_sent_at: string | null;
}

export class DigestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DigestError';
  }
}

const stamp = (d: Date) => d.toISOString().replace('T', ' ').replace('Z', '');

export async function listSubscriptions(wh: Warehouse, username?: string): Promise<Subscription[]> {
  return wh.query<Subscription>(
    `SELECT username, org, frequency, lang, active, token, toString(last_sent_at) AS last_sent_at FROM digest_subscriptions FINAL
     WHERE ({u:String} = '' OR username = {u:String}) ORDER BY username, org`,
    { u: username ?? '' }
  );
}

async function writeSubscription(wh: Warehouse, s: Subscription, now: Date): Promise<void> {
  await wh.insert('digest_subscriptions', [{ ...s, last_sent_at: s.last_sent_at, updated_at: stamp(now) }]);
}

async function callerOf(wh: Warehouse, username: string): Promise<Caller> {
  const account = await findAccount(wh, username);
  if (!account || account.disabled) throw new DigestError(`compte inconnu ou désactivé / unknown or disabled account: ${username}`);
  return buildCaller(wh, { id: account.username, role: account.role, orgs: account.orgs, withDescendants: account.with_children });
}

function assertMaySee(caller: Caller, org: string): void {
  const allowed = allowedOrgs(caller);
  if (caller.role === 'public' || caller.role === 'producer' || (allowed !== null && !allowed.includes(org))) {
    throw new AccessError(`${caller.id} ne peut pas voir ${org} / may not see ${org} (rôle / role ${caller.role})`);
  }
}

/** Opts a user in for an organization they may see (and records their address when given). */
export async function subscribe(wh: Warehouse, input: { username: string; org: string; frequency: Frequency; lang?: 'fr' | 'en'; email?: string }, now: Date = new Date()): Promise<Subscription> {
  if (!isOrgCode(input.org)) throw new DigestError(`--org ${JSON.stringify(input.org)}: code d'organisation / organization code`);
  if (input.frequency !== 'weekly' && input.frequency !== 'monthly') throw new DigestError(`--every ${JSON.stringify(input.frequency)}: weekly ou/or monthly`);
  assertMaySee(await callerOf(wh, input.username), input.org);
  if (input.email !== undefined) {
    if (!/^[^\s@<>]+@[^\s@<>]+\.[A-Za-z]{2,}$/.test(input.email)) throw new DigestError(`--email ${JSON.stringify(input.email)}: adresse courriel invalide / invalid e-mail address`);
    await wh.insert('account_emails', [{ username: input.username, email: input.email, updated_at: stamp(now) }]);
  }
  const existing = (await listSubscriptions(wh, input.username)).find((s) => s.org === input.org);
  const sub: Subscription = { username: input.username, org: input.org, frequency: input.frequency, lang: input.lang ?? existing?.lang ?? 'fr', active: true, token: existing?.token ?? randomBytes(24).toString('base64url'), last_sent_at: existing?.last_sent_at ?? null };
  await writeSubscription(wh, sub, now);
  return sub;
}

/** Ends a subscription by its unsubscribe token (the e-mail's link); returns it, or null for an unknown token. */
export async function unsubscribeByToken(wh: Warehouse, token: string, now: Date = new Date()): Promise<Subscription | null> {
  if (!token || token.length > 100) return null;
  const rows = await wh.query<Subscription>(
    `SELECT username, org, frequency, lang, active, token, toString(last_sent_at) AS last_sent_at FROM digest_subscriptions FINAL WHERE token = {t:String}`,
    { t: token }
  );
  const sub = rows[0];
  if (!sub) return null;
  const ended = { ...sub, active: false };
  await writeSubscription(wh, ended, now);
  return ended;
}

export interface DigestContent {
  org: string;
  orgName: Localized;
  since: string;
  at: string;
  changes: { metric: string; title: Localized; from: Status; to: Status }[];
  movers: { metric: string; title: Localized; unit: string; before: number; after: number; change: number }[];
  stale: AlertRecord[];
  open: AlertRecord[];
  card: Scorecard;
}

const indicators = (card: Scorecard): Map<string, ScorecardIndicator> => new Map(card.characteristics.flatMap((c) => c.indicators.map((i) => [i.metric, i] as const)));

/** What a digest says, from the metrics service as `caller`: the scorecard at `at` against the one at `since`. */
export async function buildDigest(ctx: JobContext, caller: Caller, org: string, since: string, at: string): Promise<DigestContent> {
  assertMaySee(caller, org);
  const [now, before] = await Promise.all([
    ctx.metrics.scorecard({ caller, org, at, now: ctx.now() }),
    ctx.metrics.scorecard({ caller, org, at: since, now: ctx.now() })
  ]);
  const a = indicators(now);
  const b = indicators(before);
  const changes: DigestContent['changes'] = [];
  const movers: DigestContent['movers'] = [];
  for (const [metric, ind] of a) {
    const old = b.get(metric);
    if (!old) continue;
    if (old.status !== ind.status) changes.push({ metric, title: ind.title, from: old.status, to: ind.status });
    if (ind.value !== null && old.value !== null && !ind.suppressed && !old.suppressed && ind.value !== old.value) {
      movers.push({ metric, title: ind.title, unit: ind.unit, before: old.value, after: ind.value, change: old.value === 0 ? Infinity : (ind.value - old.value) / Math.abs(old.value) });
    }
  }
  movers.sort((x, y) => Math.abs(y.change) - Math.abs(x.change));
  const open = await listAlerts(ctx.warehouse, caller, { state: 'open', org });
  const names = await ctx.warehouse.query<{ name_fr: string; name_en: string }>('SELECT name_fr, name_en FROM organizations FINAL WHERE code = {o:String}', { o: org });
  const orgName = names[0] ? { fr: names[0].name_fr, en: names[0].name_en || names[0].name_fr } : { fr: org, en: org };
  return { org, orgName, since, at, changes, movers: movers.slice(0, 5), stale: open.filter((x) => x.rule_type === 'stale'), open, card: now };
}

const STATUS: Record<Status, Localized> = {
  achieved: { fr: 'atteint', en: 'achieved' },
  on_track: { fr: 'en bonne voie', en: 'on track' },
  at_risk: { fr: 'à risque', en: 'at risk' },
  late: { fr: 'en retard', en: 'late' },
  no_target: { fr: 'sans cible', en: 'no target' },
  no_data: { fr: 'sans données', en: 'no data' }
};
const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function value(v: number, unit: string, lang: 'fr' | 'en'): string {
  const locale = lang === 'fr' ? 'fr-CA' : 'en-CA';
  return unit === 'ratio' ? new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 1 }).format(v) : new Intl.NumberFormat(locale, { maximumFractionDigits: 1 }).format(v);
}

/** The digest e-mail, French then English, with the unsubscribe link when the user is subscribed. */
export function digestMail(c: DigestContent, unsubscribeUrl: string | null, pdf: Buffer): MailMessage {
  const part = (lang: 'fr' | 'en') => {
    const t = (fr: string, en: string) => (lang === 'fr' ? fr : en);
    const lines: string[] = [];
    const html: string[] = [];
    html.push(`<h1>${esc(t('Sommaire', 'Digest'))} — ${esc(c.orgName[lang])}</h1><p>${esc(t(`Du ${c.since} au ${c.at}`, `From ${c.since} to ${c.at}`))}</p>`);
    lines.push(`${t('Sommaire', 'Digest')} — ${c.orgName[lang]} (${c.since} → ${c.at})`);
    const section = (title: string, items: string[], empty: string) => {
      lines.push('', title, ...(items.length ? items.map((x) => `- ${x}`) : [`  ${empty}`]));
      html.push(`<h2>${esc(title)}</h2>`, items.length ? `<ul>${items.map((x) => `<li>${esc(x)}</li>`).join('')}</ul>` : `<p>${esc(empty)}</p>`);
    };
    section(t('Changements de statut', 'Status changes'), c.changes.map((x) => `${x.title[lang]} : ${STATUS[x.from][lang]} → ${STATUS[x.to][lang]}`), t('Aucun', 'None'));
    section(t('Plus fortes variations', 'Biggest movers'), c.movers.map((m) => `${m.title[lang]} : ${value(m.before, m.unit, lang)} → ${value(m.after, m.unit, lang)}`), t('Aucune', 'None'));
    section(t('Sources en retard', 'Stale sources'), c.stale.map((a) => a.summary[lang]), t('Aucune', 'None'));
    section(t('Alertes ouvertes', 'Open alerts'), c.open.map((a) => a.summary[lang]), t('Aucune', 'None'));
    lines.push('', t('Tableau de bord de l’organisation en pièce jointe (PDF).', 'The organization’s scorecard is attached (PDF).'));
    if (unsubscribeUrl) {
      lines.push(t(`Se désabonner : ${unsubscribeUrl}`, `Unsubscribe: ${unsubscribeUrl}`));
      html.push(`<p><a href="${esc(unsubscribeUrl)}">${esc(t('Se désabonner', 'Unsubscribe'))}</a></p>`);
    }
    return { text: lines.join('\n'), html: `<div lang="${lang}">${html.join('\n')}</div>` };
  };
  const fr = part('fr');
  const en = part('en');
  return {
    subject: `[Jalon] Sommaire / Digest — ${c.orgName.fr} (${c.at})`,
    text: `${fr.text}\n\n---\n\n${en.text}\n`,
    html: `<!doctype html><html lang="fr"><body>${fr.html}<hr>${en.html}</body></html>`,
    attachments: [{ filename: `jalon-${c.org}-${c.at}.pdf`, content: pdf, contentType: 'application/pdf' }],
    ...(unsubscribeUrl ? { headers: { 'List-Unsubscribe': `<${unsubscribeUrl}>` } } : {})
  };
}

/** Prints the organization's scorecard page (its print stylesheet) to PDF in headless Chromium, signed in as the user. */
export async function renderScorecardPdf(ctx: JobContext, appUrl: string, username: string, org: string, lang: 'fr' | 'en'): Promise<Buffer> {
  const session = await createSession(ctx.warehouse, username, 'password', 1, ctx.now());
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: ctx.config.alerts.chromiumPath, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'] });
  try {
    const context = await browser.newContext();
    const url = new URL(appUrl);
    await context.addCookies([{ name: SESSION_COOKIE, value: session.value, domain: url.hostname, path: '/', httpOnly: true, sameSite: 'Lax' }]);
    const page = await context.newPage();
    const res = await page.goto(`${appUrl}/${lang}?org=${encodeURIComponent(org)}`, { waitUntil: 'networkidle', timeout: 120_000 });
    if (!res || !res.ok()) throw new DigestError(`${appUrl}/${lang}?org=${org}: HTTP ${res?.status() ?? '—'}`);
    await page.emulateMedia({ media: 'print' });
    return await page.pdf({ format: 'Letter', printBackground: true, margin: { top: '1.5cm', bottom: '1.5cm', left: '1.2cm', right: '1.2cm' } });
  } finally {
    await browser.close();
    await revokeSession(ctx.warehouse, session.value, ctx.now());
  }
}

/** The day a digest starts from: the last one sent, else one period back. */
function sinceDay(sub: Subscription | undefined, at: string): string {
  if (sub?.last_sent_at) return torontoDay(new Date(`${sub.last_sent_at.replace(' ', 'T')}Z`));
  return isoDay(addDays(parseDay(at), sub?.frequency === 'weekly' ? -7 : -30));
}

export interface DigestSent {
  username: string;
  org: string;
  to: string;
  status: Delivery['status'];
  attempts: number;
  error: string;
  pdf_bytes: number;
}

/** Sends one digest now to the account's own address; throws when the account may not see the organization. */
export async function sendDigest(ctx: JobContext, username: string, org: string | null): Promise<DigestSent[]> {
  const caller = await callerOf(ctx.warehouse, username);
  const subs = (await listSubscriptions(ctx.warehouse, username)).filter((s) => s.active);
  const orgs = org ? [org] : subs.map((s) => s.org);
  if (orgs.length === 0) throw new DigestError(`${username} : aucun abonnement, précisez --org / no subscription, give --org`);
  const address = await accountAddress(ctx.warehouse, username);
  if (!address) throw new DigestError(`${username} : pas d'adresse courriel / no e-mail address (jalon digest subscribe --user ${username} --org X --email …)`);
  const appUrl = ctx.appUrl;
  if (!appUrl) throw new DigestError("le tableau de bord n'est pas servi / the dashboard is not served (needed for the PDF)");
  const out: DigestSent[] = [];
  for (const o of orgs) {
    assertMaySee(caller, o);
    const sub = subs.find((s) => s.org === o);
    const at = torontoDay(ctx.now());
    const content = await buildDigest(ctx, caller, o, sinceDay(sub, at), at);
    const pdf = await renderScorecardPdf(ctx, appUrl, username, o, sub?.lang ?? 'fr');
    const unsubscribe = sub ? `${ctx.config.http.publicUrl}/api/v1/digests/unsubscribe?token=${encodeURIComponent(sub.token)}` : null;
    const d = await deliverDigest(ctx, username, o, address, digestMail(content, unsubscribe, pdf));
    if (sub && d.status === 'sent') await writeSubscription(ctx.warehouse, { ...sub, last_sent_at: stamp(ctx.now()) }, ctx.now());
    out.push({ username, org: o, to: address, status: d.status, attempts: d.attempts, error: d.last_error, pdf_bytes: pdf.length });
  }
  return out;
}

/** A failed digest delivery, tried again by a later evaluation: the digest is made again (fresh figures, fresh PDF). */
export async function resendDigest(ctx: JobContext, username: string, org: string): Promise<void> {
  const [sent] = await sendDigest(ctx, username, org);
  if (sent?.status !== 'sent') throw new Error(sent?.error || 'digest not sent');
}

/** Whether a subscription is due at `now`: weekly every 7 days, monthly every calendar month, first one at once. */
export function isDue(sub: Subscription, now: Date): boolean {
  if (!sub.active) return false;
  if (!sub.last_sent_at) return true;
  const last = new Date(`${sub.last_sent_at.replace(' ', 'T')}Z`);
  if (sub.frequency === 'weekly') return now.getTime() - last.getTime() >= 7 * 86_400_000 - 3_600_000;
  const next = new Date(last);
  next.setUTCMonth(next.getUTCMonth() + 1);
  return now.getTime() >= next.getTime() - 3_600_000;
}

/** The digest job: every subscription that is due is sent (a failure is recorded and does not stop the others). */
export function digestJob(schedule: string): Job {
  return {
    id: 'digests',
    schedule,
    description: 'sommaires hebdomadaires et mensuels par abonné / weekly and monthly digests per subscriber',
    async run(ctx) {
      const counts = { due: 0, sent: 0, failed: 0 };
      for (const sub of await listSubscriptions(ctx.warehouse)) {
        if (!isDue(sub, ctx.now())) continue;
        counts.due++;
        try {
          const [r] = await sendDigest(ctx, sub.username, sub.org);
          if (r?.status === 'sent') counts.sent++;
          else counts.failed++;
        } catch (err) {
          counts.failed++;
          ctx.log(`digest ${sub.username}/${sub.org}: ${err instanceof Error ? err.message : String(err)}`);
        }
      }
      return counts;
    }
  };
}
