// Alerts against real peers on loopback: a threshold rule on digital take-up fires once (the figure from the metrics
// service), stays open without a second notification while the condition holds, and resolves when new data lifts the
// figure; it notifies by e-mail (received by a real SMTP server, smtp-server) and by webhook (a local HTTP receiver
// that fails the first attempt; the second is received and its HMAC signature verified here). A recipient whose
// account may not see the organization is not sent it; a delivery failing every inline attempt is recorded and
// sent by a later evaluation.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import http from 'node:http';
import { createHmac } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { simpleParser, type ParsedMail } from 'mailparser';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig, type Config } from '../../config/config.ts';
import { migrate } from '../../warehouse/migrate.ts';
import { createMetricsService } from '../../metrics/service.ts';
import { evaluateAlerts } from '../../jobs/alert-evaluate.ts';
import { refreshRollups } from '../../metrics/rollups.ts';
import { runJob } from '../../jobs/job.ts';
import { rollupsJob } from '../../jobs/rollups.ts';
import type { JobContext } from '../../jobs/job.ts';
import { saveAccount } from '../../access/accounts.ts';
import { serverTestWarehouse, type TestWarehouse } from '../support/warehouses.ts';

const SECRET = 'test-webhook-secret-0123456789';
let t: TestWarehouse;
let dir: string;
let smtp: SMTPServer;
let receiver: http.Server;
const mails: ParsedMail[] = [];
const hooks: { attempt: number; status: number; body: string; headers: http.IncomingHttpHeaders }[] = [];
let failFirst = 1; // the receiver answers 500 to this many requests, then 200
let config: Config;
let clock = new Date('2026-11-16T15:00:00Z');

// Completed journeys in November 2026 (Toronto): `web` is digital, `counter` is not.
function completions(prefix: string, web: number, counter: number): Record<string, unknown>[] {
  const rows: Record<string, unknown>[] = [];
  const add = (n: number, channel: string) => {
    for (let k = 0; k < n; k++) {
      rows.push({ org: 'RAMQ', service: 'RAMQ-CARTE', occurred_at: `2026-11-${String(2 + (k % 10)).padStart(2, '0')} 15:00:00.000`, event_id: `${prefix}-${channel}-${k}`, journey_id: `${prefix}-${channel}-${k}`, type: 'completed', outcome: 'success', channel });
    }
  };
  add(web, 'web');
  add(counter, 'counter');
  return rows;
}

function ctx(): JobContext {
  return { warehouse: t.wh, config, metrics: createMetricsService(t.wh, config), now: () => clock, log: () => undefined };
}

beforeAll(async () => {
  t = await serverTestWarehouse(inject('clickhouseUrl'));
  await migrate(t.wh);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jalon-alerts-'));
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, _session, done) {
      simpleParser(stream).then((m) => {
        mails.push(m);
        done();
      }, done);
    }
  });
  await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', () => r()));
  receiver = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const status = failFirst > 0 ? 500 : 200;
      if (failFirst > 0) failFirst--;
      hooks.push({ attempt: hooks.length + 1, status, body, headers: req.headers });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
  const hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  const rules = path.join(dir, 'alerts.json');
  fs.writeFileSync(
    rules,
    JSON.stringify({
      rules: [{ id: 'ramq-take-up', type: 'threshold', metric: 'digital_take_up', org: 'RAMQ', grain: 'month', below: 0.5, notify: ['mailto:exec@example.org', 'mailto:saaq-owner@example.org', hookUrl] }]
    })
  );
  config = loadConfig({
    CLICKHOUSE_URL: inject('clickhouseUrl'),
    CLICKHOUSE_DATABASE: t.wh.database,
    JALON_ALERTS_FILE: rules,
    JALON_SMTP_URL: `smtp://127.0.0.1:${(smtp.server.address() as AddressInfo).port}`,
    JALON_WEBHOOK_SECRET: SECRET,
    JALON_NOTIFY_BACKOFF_MS: '50'
  });
  // Two accounts with addresses: an executive (sees RAMQ) and SAAQ's service owner (may not).
  await saveAccount(t.wh, { username: 'exec@example.org', role: 'executive' });
  await saveAccount(t.wh, { username: 'saaq-owner@example.org', role: 'service_owner', orgs: ['SAAQ'] });
  // Take-up 3 ÷ 10 = 0.3, under the 0.5 threshold.
  await t.wh.insert('service_events', completions('a', 3, 7));
}, 120_000);

afterAll(async () => {
  await new Promise<void>((r) => smtp.close(() => r()));
  await new Promise<void>((r) => receiver.close(() => r()));
  await t.dispose();
  fs.rmSync(dir, { recursive: true, force: true });
});

const statusOf = async (target: RegExp) =>
  (await t.wh.query<{ target: string; status: string; attempts: number; event: string }>('SELECT target, status, attempts, event FROM notifications FINAL ORDER BY created_at, target')).filter((d) => target.test(d.target));

describe('alerts', () => {
  it('fire once with a figure from the metrics service, notify by e-mail and by a signed webhook after a failed first attempt', async () => {
    const first = await evaluateAlerts(ctx());
    expect(first.errors).toEqual([]);
    expect(first.fired).toHaveLength(1);
    expect(first.fired[0]).toMatchObject({ rule_id: 'ramq-take-up', scope: 'RAMQ', org: 'RAMQ', value: 0.3 });
    expect(first.open).toBe(1);
    // What the metrics service says for the same request is what the alert carries.
    const answer = await ctx().metrics.run({ metric: 'digital_take_up', from: '2026-10-01', to: '2026-12-01', grain: 'month', by: [], filters: { org: ['RAMQ'] }, compare: 'none', caller: { role: 'admin', orgs: [], id: 't' }, now: clock });
    expect(answer.rows.find((r) => r.period === '2026-11')?.value).toBe(0.3);

    // E-mail: one message to the executive, French and English, with the figure.
    expect(mails).toHaveLength(1);
    expect(mails[0].to && 'text' in mails[0].to ? mails[0].to.text : '').toBe('exec@example.org');
    expect(mails[0].subject).toContain('Alerte');
    expect(mails[0].text).toMatch(/Adoption du numérique à 30\s%/u);
    expect(mails[0].text).toContain('Alert — RAMQ: Digital take-up at 30%');
    expect(mails[0].html).toContain('lang="en"');
    // SAAQ's service owner may not see RAMQ: nothing sent, recorded as refused.
    expect(await statusOf(/saaq-owner/)).toEqual([{ target: 'mailto:saaq-owner@example.org', status: 'refused', attempts: 0, event: 'fired' }]);

    // Webhook: the first attempt got 500, the second 200; the body is signed with HMAC-SHA256 over "<timestamp>.<body>".
    expect(hooks.map((h) => h.status)).toEqual([500, 200]);
    const ok = hooks[1];
    const expected = `sha256=${createHmac('sha256', SECRET).update(`${String(ok.headers['x-jalon-timestamp'])}.${ok.body}`).digest('hex')}`;
    expect(ok.headers['x-jalon-signature']).toBe(expected);
    expect(ok.headers['x-jalon-delivery']).toBe(hooks[0].headers['x-jalon-delivery']);
    const body = JSON.parse(ok.body) as { event: string; alert: { rule_id: string; org: string; value: number | null } };
    expect(body).toMatchObject({ event: 'alert.fired', alert: { rule_id: 'ramq-take-up', org: 'RAMQ', value: 0.3 } });
    expect(await statusOf(/^http/)).toEqual([expect.objectContaining({ status: 'sent', attempts: 2, event: 'fired' })]);
  });

  it('stays open without a second notification while the condition holds', async () => {
    clock = new Date(clock.getTime() + 60_000);
    const again = await evaluateAlerts(ctx());
    expect(again.fired).toEqual([]);
    expect(again.resolved).toEqual([]);
    expect(again.open).toBe(1);
    expect(mails).toHaveLength(1);
    expect(hooks).toHaveLength(2);
    const open = await t.wh.query<{ n: number }>("SELECT count() AS n FROM alerts FINAL WHERE state = 'open'");
    expect(open[0].n).toBe(1);
  });

  it('resolves by itself when new data lifts the figure above the threshold', async () => {
    // 3 + 10 web of 20 completions: 0.65.
    await t.wh.insert('service_events', completions('b', 10, 0));
    await refreshRollups(t.wh); // as the rollups job does before it evaluates
    clock = new Date(clock.getTime() + 60_000);
    const after = await evaluateAlerts(ctx());
    expect(after.fired).toEqual([]);
    expect(after.resolved).toEqual([expect.objectContaining({ rule_id: 'ramq-take-up', scope: 'RAMQ' })]);
    expect(after.open).toBe(0);
    const history = await t.wh.query<{ state: string; resolved: string | null }>('SELECT state, toString(resolved_at) AS resolved FROM alerts FINAL');
    expect(history).toEqual([{ state: 'resolved', resolved: '2026-11-16 15:02:00.000' }]);
    // The resolution is one notice per target (no second "fired").
    expect(mails).toHaveLength(2);
    expect(mails[1].subject).toContain('résolue');
    expect(hooks.filter((h) => h.status === 200).map((h) => (JSON.parse(h.body) as { event: string }).event)).toEqual(['alert.fired', 'alert.resolved']);
  });

  it('a webhook failing every inline attempt is recorded as failed with its next attempt, then sent by a later evaluation', async () => {
    // Take-up back under the threshold (13 ÷ 40): fires again, as a new alert.
    await t.wh.insert('service_events', completions('c', 0, 20));
    failFirst = 3;
    clock = new Date(clock.getTime() + 60_000);
    // Through the rollups job this time: it refreshes, then evaluates, and records what the evaluation did.
    const run = await runJob(rollupsJob('* * * * *'), ctx());
    expect(run.status).toBe('ok');
    expect(run.counts).toMatchObject({ alerts_fired: 1, alerts_resolved: 0, alerts_open: 1, notifications_failed: 1 });
    const failed = (await statusOf(/^http/)).filter((d) => d.status !== 'sent');
    expect(failed).toEqual([expect.objectContaining({ status: 'failed', attempts: 3, event: 'fired' })]);
    // Not yet due: the next attempt waits its backoff (50 ms × 2³ after the clock).
    const early = await evaluateAlerts(ctx());
    expect(early.notifications.retried).toBe(0);
    clock = new Date(clock.getTime() + 1_000);
    const later = await evaluateAlerts(ctx());
    expect(later.fired).toEqual([]);
    expect(later.notifications.retried).toBe(1);
    const deliveries = await statusOf(/^http/);
    expect(deliveries.filter((d) => d.status !== 'sent')).toEqual([]);
    expect(deliveries.at(-1)).toMatchObject({ status: 'sent', attempts: 4 });
  });
});
