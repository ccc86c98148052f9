// Digests end to end, as an operator and a recipient meet them: on a demo warehouse served by `jalon serve`, `jalon
// digest send --user` (through the server's API) sends RAMQ's service owner an e-mail, received by a real SMTP server
// on loopback, with a PDF printed by headless Chromium from the organization's scorecard page. The PDF's text holds the
// organization's name and the 14 characteristics, each with the status `GET /api/v1/scorecard?org=RAMQ` gives that
// recipient. A service owner of another organization cannot be sent RAMQ's digest.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { simpleParser, type ParsedMail } from 'mailparser';
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runJalon, startJalon, type RunningJalon } from '../support/cli.ts';
import { fr } from '../../dashboard/lib/i18n/messages-fr.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jalon-digest-'));
const mails: ParsedMail[] = [];
let smtp: SMTPServer;
let env: Record<string, string>;
let server: RunningJalon | null = null;
const PASSWORD = 'digest-test-password-1';

async function pdfText(data: Buffer): Promise<string> {
  const doc = await getDocument({ data: new Uint8Array(data), useSystemFonts: false }).promise;
  const parts: string[] = [];
  for (let p = 1; p <= doc.numPages; p++) {
    const content = await (await doc.getPage(p)).getTextContent();
    for (const item of content.items) if ('str' in item) parts.push(item.str);
  }
  // Chromium's PDF splits words around ligatures (« béné fi cie »): compare texts without their spaces.
  return parts.join('').replace(/\s+/gu, '');
}
const squash = (s: string) => s.replace(/\s+/gu, '');

beforeAll(async () => {
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    size: 50 * 1024 * 1024,
    onData(stream, _session, done) {
      simpleParser(stream).then((m) => {
        mails.push(m);
        done();
      }, done);
    }
  });
  await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', () => r()));
  env = { JALON_DATA_DIR: path.join(dir, 'data'), JALON_SMTP_URL: `smtp://127.0.0.1:${(smtp.server.address() as AddressInfo).port}`, JALON_AUTH_REQUIRED: 'true' };
  const demo = await runJalon(['demo', '--events', '30000', '--seed', '5', '--json'], env);
  expect(demo.code, demo.stderr).toBe(0);
  for (const [name, org] of [['owner-ramq', 'RAMQ'], ['owner-saaq', 'SAAQ']]) {
    const add = await runJalon(['users', 'add', name, '--role', 'service_owner', '--org', org, '--password-stdin'], env, `${PASSWORD}\n`);
    expect(add.code, add.stderr).toBe(0);
    const sub = await runJalon(['digest', 'subscribe', '--user', name, '--org', org, '--every', 'weekly', '--email', `${name}@example.org`], env);
    expect(sub.code, sub.stderr).toBe(0);
  }
  server = await startJalon(['serve', '--port', '0'], env, 240_000);
}, 420_000);

afterAll(async () => {
  await server?.stop();
  await new Promise<void>((r) => smtp.close(() => r()));
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('digests', () => {
  it('arrive with the scorecard PDF whose 14 characteristics carry the statuses the API gives that recipient', async () => {
    const url = server!.url;
    const login = await fetch(`${url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json', origin: url }, body: JSON.stringify({ username: 'owner-ramq', password: PASSWORD }) });
    expect(login.status).toBe(200);
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0];
    const api = (await (await fetch(`${url}/api/v1/scorecard?org=RAMQ`, { headers: { cookie } })).json()) as { characteristics: { number: number; title: { fr: string }; status: string }[] };
    expect(api.characteristics).toHaveLength(14);
    expect(new Set(api.characteristics.map((c) => c.status)).size).toBeGreaterThan(1); // the comparison below can tell statuses apart

    const sent = await runJalon(['digest', 'send', '--user', 'owner-ramq', '--json'], env);
    expect(sent.code, sent.stderr).toBe(0);
    expect(JSON.parse(sent.stdout)).toMatchObject({ sent: [{ username: 'owner-ramq', org: 'RAMQ', to: 'owner-ramq@example.org', status: 'sent' }] });
    expect(mails).toHaveLength(1);
    const mail = mails[0];
    expect(mail.to && 'text' in mail.to ? mail.to.text : '').toBe('owner-ramq@example.org');
    expect(mail.text).toContain('Alertes ouvertes');
    expect(mail.text).toContain('Open alerts');
    expect(mail.text).toMatch(/Se désabonner : http:\/\/\S+\/api\/v1\/digests\/unsubscribe\?token=/u);
    const pdf = mail.attachments.find((a) => a.contentType === 'application/pdf');
    expect(pdf?.filename).toMatch(/^jalon-RAMQ-\d{4}-\d{2}-\d{2}\.pdf$/);

    const text = await pdfText(pdf!.content);
    expect(text).toContain(squash("Régie de l'assurance maladie du Québec"));
    const labels: Record<string, string> = { achieved: fr.status_achieved, on_track: fr.status_on_track, at_risk: fr.status_at_risk, late: fr.status_late, no_target: fr.status_no_target, no_data: fr.status_no_data };
    const statusWord = new RegExp(`(${Object.values(labels).map(squash).join('|')})`, 'u');
    for (const ch of api.characteristics) {
      const heading = squash(`${fr.characteristic.replace('{n}', String(ch.number))} ${ch.title.fr}`);
      const at = text.indexOf(heading);
      expect(at, heading).toBeGreaterThanOrEqual(0);
      // The characteristic's own badge is the first status word after its title.
      expect(statusWord.exec(text.slice(at + heading.length))?.[1], heading).toBe(squash(labels[ch.status]));
    }
    // The printed page has no navigation (print stylesheet).
    expect(text).not.toContain(squash(fr.nav_catalogue));
  }, 420_000);

  it('refuse to send an organization the account may not see', async () => {
    const refused = await runJalon(['digest', 'send', '--user', 'owner-saaq', '--org', 'RAMQ'], env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/RAMQ/u);
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    expect(mails).toHaveLength(1);
  }, 60_000);
});
