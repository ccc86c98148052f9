// Issue 11, "Done when" 2, with the real `jalon` command: `serve` with no environment requires sign-in (an anonymous
// query is 401, pages render for the public); the open demo refuses to listen beyond loopback in one line; and while
// a server holds the embedded folder, `jalon users disable` and `jalon tokens revoke` go through its API and apply at
// once to a signed-in session and to a producer token.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runJalon, startJalon } from '../support/cli.ts';
import { ensureBuiltApp } from '../support/built-app.ts';

const PASSWORD = 'un mot de passe assez long';
const dirs: string[] = [];
const tempDir = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'jalon-closed-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

/** Only what a person sets: no inherited JALON_* or HOST from the test runner's environment. */
function env(extra: Record<string, string>): Record<string, string> {
  const clean: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('JALON_') && !k.startsWith('CLICKHOUSE_') && k !== 'HOST' && k !== 'PORT') clean[k] = v;
  return { ...clean, ...extra };
}

describe('closed by default', () => {
  it('refuses the open demo beyond loopback in one line, for serve and for start', async () => {
    const dir = tempDir();
    for (const [args, extra] of [
      [['serve'], { JALON_AUTH_REQUIRED: 'false', HOST: '0.0.0.0' }],
      [['start'], { HOST: '0.0.0.0' }]
    ] as const) {
      const r = await runJalon([...args], env({ JALON_DATA_DIR: dir, ...extra }));
      expect(r.code, r.stderr).toBe(2);
      const lines = r.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain('HOST=0.0.0.0');
      expect(lines[0]).toContain('JALON_AUTH_REQUIRED=true');
    }
    // Nothing was created: the refusal comes before the warehouse opens.
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('serve with no environment: anonymous SQL is 401, pages render as the public; users disable and tokens revoke reach the running server', async () => {
    await ensureBuiltApp();
    const dir = tempDir();
    const base = env({ JALON_DATA_DIR: dir });
    const added = await runJalon(['users', 'add', 'cli-analyst', '--role', 'analyst', '--org', 'MIN', '--password-stdin'], base, PASSWORD);
    expect(added.code, added.stderr).toBe(0);
    const created = await runJalon(['tokens', 'create', '--org', 'MIN', '--json'], base);
    expect(created.code, created.stderr).toBe(0);
    const { token, token_id } = JSON.parse(created.stdout) as { token: string; token_id: string };

    const server = await startJalon(['serve', '--port', '0'], base);
    try {
      const url = server.url.replace('localhost', '127.0.0.1');
      expect(server.stderr()).not.toContain('open demo');
      const query = await fetch(`${url}/api/v1/query`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sql: 'SELECT org, comment FROM survey_responses' }) });
      expect(query.status).toBe(401);
      const page = await fetch(`${url}/fr`);
      expect(page.status).toBe(200);
      const html = await page.text();
      expect(html).toContain('Vous consultez en tant que\u00a0: public');
      expect(html).not.toContain('data-open-demo');

      const login = await fetch(`${url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'cli-analyst', password: PASSWORD }) });
      expect(login.status).toBe(200);
      const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0];
      const me = async () => (await (await fetch(`${url}/api/v1/auth/me`, { headers: { cookie } })).json()) as { signedIn: boolean };
      expect((await me()).signedIn).toBe(true);

      const disabled = await runJalon(['users', 'disable', 'cli-analyst'], base);
      expect(disabled.code, disabled.stderr).toBe(0);
      expect((await me()).signedIn).toBe(false); // at once: no session cache delay

      const pushOnce = (id: string) =>
        fetch(`${url}/api/v1/ingest/events`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-ndjson' },
          body: JSON.stringify({ event_id: id, occurred_at: '2024-03-01T10:00:00Z', service: 'min-permis', channel: 'web', journey_id: id, type: 'started' })
        });
      expect((await pushOnce('p1')).status).toBe(200);
      const listed = await runJalon(['tokens', 'list', '--json'], base);
      expect(listed.code, listed.stderr).toBe(0);
      expect((JSON.parse(listed.stdout) as { token_id: string }[]).map((t) => t.token_id)).toContain(token_id);
      const revoked = await runJalon(['tokens', 'revoke', token_id], base);
      expect(revoked.code, revoked.stderr).toBe(0);
      expect((await pushOnce('p2')).status).toBe(401);
      // The operator key is the folder owner's alone.
      expect(fs.statSync(path.join(dir, 'jalon.operator')).mode & 0o077).toBe(0);
    } finally {
      await server.stop();
    }
    expect(fs.existsSync(path.join(dir, 'jalon.operator'))).toBe(false);
    // With the server stopped, the commands open the folder themselves; the audit log holds both changes.
    const again = await runJalon(['users', 'enable', 'cli-analyst'], base);
    expect(again.code, again.stderr).toBe(0);
  }, 240_000);
});
