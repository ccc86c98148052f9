// Expected failures end in one line naming the input and the fix, never a stack trace: every CLI command
// (cli/commands/*) run as a person would with a bad argument or a bad file, and every API route of a running
// `jalon serve` called with a bad argument or body. A stack trace appears only with JALON_LOG_LEVEL=debug.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import ExcelJS from 'exceljs';
import { ROOT, runJalon, startJalon, type RunningJalon } from '../support/cli.ts';

const dirs: string[] = [];
const tempDir = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'jalon-errors-'));
  dirs.push(d);
  return d;
};
let files: string;
/** A data folder with Jalon's tables, for commands that do not create them. */
let migrated: string;
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

/** A stack frame (`    at f (file:1:2)`) or an error class dumped with its message (`TypeError: …`, `[cause]: …`). */
const STACK = /^\s+at \S|^\s*\[?cause\]?:|^\s*(\w+)?Error: /m;

function expectOneLine(output: string, named: RegExp): void {
  expect(output).not.toMatch(STACK);
  expect(output).toMatch(named);
  const lines = output.trim().split('\n');
  expect(lines.length, output).toBeLessThanOrEqual(3);
}

beforeAll(async () => {
  migrated = tempDir();
  const m = await runJalon(['migrate'], { JALON_DATA_DIR: migrated, CLICKHOUSE_URL: '' });
  expect(m.code, m.stderr).toBe(0);
  files = tempDir();
  fs.writeFileSync(path.join(files, 'fake.parquet'), 'event_id,occurred_at\n1,2\n');
  fs.writeFileSync(path.join(files, 'fake.arrow'), 'not arrow at all, but long enough to pass the first check\n');
  fs.writeFileSync(path.join(files, 'mapping.json'), '{"kind": "events", "fields": {"event_id": {"colum": "id"}}}');
  fs.writeFileSync(path.join(files, 'broken.json'), '{"kind": ');
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('Volumes');
  ws.addRow(['Période', 'Canal', '', 'Volume']);
  ws.mergeCells('B1:C1');
  ws.addRow(['2024-04', 'web', 'x', 12]);
  await wb.xlsx.writeFile(path.join(files, 'merged.xlsx'));
});

/** One bad invocation per command: its arguments, extra environment, and what the line must name. */
const CLI_CASES: { command: string; args: (f: string) => string[]; env?: Record<string, string>; migrated?: boolean; named: RegExp }[] = [
  { command: 'demo', args: () => ['demo', '--events', 'beaucoup'], named: /--events "beaucoup".*expected a number/ },
  { command: 'ingest', args: (f) => ['ingest', 'events', path.join(f, 'fake.parquet')], named: /fake\.parquet : pas un fichier Parquet.*not a Parquet file/ },
  { command: 'ingest', args: (f) => ['ingest', 'events', path.join(f, 'fake.arrow')], named: /fake\.arrow : fichier arrow illisible.*unreadable arrow file/ },
  { command: 'ingest', args: (f) => ['ingest', 'volumes', path.join(f, 'merged.xlsx')], named: /merged\.xlsx, feuille \/ sheet « Volumes » : cellules fusionnées dans l’en-tête \(B1:C1\)/ },
  { command: 'ingest', args: (f) => ['ingest', 'events', path.join(f, 'nope.ndjson')], named: /nope\.ndjson: fichier ou dossier introuvable/ },
  { command: 'ingest', args: (f) => ['ingest', 'events', path.join(f, 'fake.parquet'), '--mapping', path.join(f, 'mapping.json')], named: /fields\.event_id\.column/ },
  { command: 'ingest', args: (f) => ['ingest', 'events', path.join(f, 'fake.parquet'), '--mapping', path.join(f, 'broken.json')], named: /broken\.json: JSON illisible/ },
  { command: 'ingest', args: () => ['ingest', 'pigeons', '-'], named: /unknown kind "pigeons"/ },
  { command: 'jobs', args: () => ['jobs', 'run', 'nope'], named: /unknown job "nope"/ },
  { command: 'metrics', args: () => ['metrics', 'run', 'digital_take_up', '--as', 'service_owner', '--orgs', 'RAMQ', '--org', 'SAAQ'], migrated: true, named: /SAAQ/ },
  { command: 'opendata', args: () => ['opendata', 'publier'], named: /usage: jalon opendata publish/ },
  { command: 'metrics', args: () => ['metrics', 'run', 'nope'], migrated: true, named: /unknown metric "nope"/ },
  { command: 'metrics', args: () => ['metrics', 'strategy', '--id', 'nope'], named: /unknown strategy "nope"/ },
  { command: 'metrics', args: () => ['metrics', 'run', 'digital_take_up', '--grain', 'decade'], named: /grain "decade"/ },
  { command: 'migrate', args: () => ['migrate'], env: { CLICKHOUSE_URL: 'http://127.0.0.1:9' }, named: /CLICKHOUSE_URL/ },
  { command: 'opendata', args: () => ['opendata', 'publish', '--at', 'hier'], named: /--at "hier"/ },
  { command: 'opendata', args: () => ['opendata', 'unpublish'], named: /usage: jalon opendata publish/ },
  { command: 'alerts', args: () => ['alerts', 'silence'], named: /usage: jalon alerts evaluate/ },
  { command: 'digest', args: () => ['digest', 'send'], named: /--user NAME/ },
  { command: 'query', args: () => ['query', 'SELECT * FROM system.tables', '--role', 'analyst', '--org', 'RQ'], migrated: true, named: /system\.tables/ },
  { command: 'query', args: () => ['query', 'SELECT count() FROM events_v', '--role', 'analyst', '--org', 'RQ'], named: /jalon migrate/ },
  { command: 'query', args: () => ['query', 'SELECT 1', '--role', 'roi'], named: /--role/ },
  { command: 'serve', args: () => ['serve', '--port', '99999'], named: /--port "99999"/ },
  { command: 'start', args: () => ['start', '--port', 'abc'], named: /--port "abc"/ },
  { command: 'tokens', args: () => ['tokens', 'create'], named: /--org is required/ },
  { command: 'tokens', args: () => ['tokens', 'revoke', 'nope'], named: /unknown token nope/ },
  { command: 'users', args: () => ['users', 'add', 'bob', '--role', 'roi'], named: /--role/ },
  { command: 'users', args: () => ['users', 'disable', 'personne'], named: /unknown account: personne/ },
  { command: 'migrate', args: () => ['migrate', '--bogus'], named: /Unknown option '--bogus'/ },
  { command: '(config)', args: () => ['migrate'], env: { JALON_LOG_LEVEL: 'bavard' }, named: /JALON_LOG_LEVEL="bavard"/ },
  { command: '(unknown)', args: () => ['fly'], named: /unknown command "fly"/ }
];

describe('every CLI command: a bad argument or a bad file gives one line, no stack trace', () => {
  it('covers every command of cli/commands', () => {
    const names = fs
      .readdirSync(path.join(ROOT, 'cli', 'commands'))
      .flatMap((f) => [...fs.readFileSync(path.join(ROOT, 'cli', 'commands', f), 'utf8').matchAll(/name: '([a-z]+)'|serveWith\('([a-z]+)'/g)].map((m) => m[1] ?? m[2]));
    const covered = new Set(CLI_CASES.map((c) => c.command));
    for (const n of new Set([...names, 'start'])) expect(covered.has(n), `no bad-input case for jalon ${n}`).toBe(true);
  });

  it.each(CLI_CASES.map((c) => [c.args('<files>').join(' '), c] as const))('jalon %s', async (_label, c) => {
    const r = await runJalon(c.args(files), { JALON_DATA_DIR: c.migrated ? migrated : tempDir(), CLICKHOUSE_URL: '', ...(c.env ?? {}) });
    expect(r.code, r.stderr).not.toBe(0);
    expectOneLine(r.stdout + r.stderr, c.named);
  }, 180_000);

  it('a port already in use names the port and the fix', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', () => resolve()));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const r = await runJalon(['serve', '--port', String(port)], { JALON_DATA_DIR: tempDir(), CLICKHOUSE_URL: '' });
      expect(r.code).not.toBe(0);
      expectOneLine(r.stdout.replace(/^Jalon prêt.*\n/m, '') + r.stderr.replace(/^(Jalon prêt|Construction).*\n/gm, ''), new RegExp(`${port}.*port already in use`));
    } finally {
      blocker.close();
    }
  }, 120_000);

  it('with JALON_LOG_LEVEL=debug the same failure also prints its stack trace', async () => {
    const r = await runJalon(['metrics', 'run', 'digital_take_up', '--as', 'service_owner', '--orgs', 'RAMQ', '--org', 'SAAQ'], { JALON_DATA_DIR: migrated, CLICKHOUSE_URL: '', JALON_LOG_LEVEL: 'debug' });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^\s+at \S/m);
  }, 180_000);
});

describe('every API route: a bad argument or body gives one JSON error, no stack trace', () => {
  let server: RunningJalon;
  let token: string;
  beforeAll(async () => {
    const dir = tempDir();
    const created = await runJalon(['tokens', 'create', '--org', 'RQ', '--json'], { JALON_DATA_DIR: dir, CLICKHOUSE_URL: '' });
    expect(created.code, created.stderr).toBe(0);
    token = (JSON.parse(created.stdout) as { token: string }).token;
    server = await startJalon(['serve', '--port', '0'], { JALON_DATA_DIR: dir, CLICKHOUSE_URL: '' });
  }, 180_000);
  afterAll(async () => {
    await server?.stop();
  });

  const API_CASES: { route: string; method: string; path: string; body?: string; headers?: Record<string, string>; status: number; code: string }[] = [
    { route: 'metrics', method: 'POST', path: '/api/v1/metrics', body: '{}', status: 405, code: 'method_not_allowed' },
    { route: 'metrics/[id]', method: 'GET', path: '/api/v1/metrics/nope', status: 404, code: 'unknown_metric' },
    { route: 'metrics/[id]', method: 'GET', path: '/api/v1/metrics/digital_take_up?grain=decade', status: 400, code: 'bad_request' },
    { route: 'scorecard', method: 'GET', path: '/api/v1/scorecard?at=hier', status: 400, code: 'bad_request' },
    { route: 'ingest/[kind]', method: 'POST', path: '/api/v1/ingest/events', body: '{"event_id": "x"}', status: 401, code: 'unauthorized' },
    { route: 'ingest/[kind]', method: 'POST', path: '/api/v1/ingest/pigeons', body: '{}', headers: { authorization: 'Bearer TOKEN' }, status: 404, code: 'unknown_kind' },
    { route: 'query', method: 'POST', path: '/api/v1/query', body: '{pas du json', status: 400, code: 'bad_request' },
    { route: 'query/views', method: 'POST', path: '/api/v1/query/views', body: '{}', status: 405, code: 'method_not_allowed' },
    // Nobody signed in (sign-in required by default): refused before the body is read.
    { route: 'query/saved', method: 'POST', path: '/api/v1/query/saved', body: '{"title": 3}', status: 401, code: 'unauthorized' },
    { route: 'query/saved/[id]', method: 'GET', path: '/api/v1/query/saved/nope', status: 405, code: 'method_not_allowed' },
    { route: 'auth/login', method: 'POST', path: '/api/v1/auth/login', body: '{"username": "x"}', status: 400, code: 'bad_request' },
    { route: 'auth/logout', method: 'GET', path: '/api/v1/auth/logout', status: 405, code: 'method_not_allowed' },
    { route: 'auth/me', method: 'POST', path: '/api/v1/auth/me', body: '{}', status: 405, code: 'method_not_allowed' },
    { route: 'auth/oidc/start', method: 'GET', path: '/api/v1/auth/oidc/start', status: 404, code: 'oidc_not_configured' },
    { route: 'auth/oidc/callback', method: 'GET', path: '/api/v1/auth/oidc/callback?code=x&state=y', status: 404, code: 'oidc_not_configured' },
    { route: 'audit', method: 'GET', path: '/api/v1/audit?from=hier', status: 401, code: 'unauthorized' },
    { route: 'admin/tokens', method: 'GET', path: '/api/v1/admin/tokens?org=', status: 401, code: 'unauthorized' },
    { route: 'admin/tokens/[id]', method: 'DELETE', path: '/api/v1/admin/tokens/nope', status: 401, code: 'unauthorized' },
    { route: 'admin/users', method: 'GET', path: '/api/v1/admin/users', status: 401, code: 'unauthorized' },
    { route: 'admin/users/[name]', method: 'POST', path: '/api/v1/admin/users/personne', body: '{"disabled": "peut-être"}', status: 401, code: 'unauthorized' },
    // Alerts, jobs, quarantine, digests and annotations: a method the route does not take, in the one error shape.
    { route: 'alerts', method: 'DELETE', path: '/api/v1/alerts', status: 405, code: 'method_not_allowed' },
    { route: 'alerts/evaluate', method: 'GET', path: '/api/v1/alerts/evaluate', status: 405, code: 'method_not_allowed' },
    { route: 'annotations', method: 'DELETE', path: '/api/v1/annotations', status: 405, code: 'method_not_allowed' },
    { route: 'annotations/[id]', method: 'POST', path: '/api/v1/annotations/nope', body: '{}', status: 405, code: 'method_not_allowed' },
    { route: 'digests/unsubscribe', method: 'DELETE', path: '/api/v1/digests/unsubscribe', status: 405, code: 'method_not_allowed' },
    { route: 'digests/send', method: 'GET', path: '/api/v1/digests/send', status: 405, code: 'method_not_allowed' },
    { route: 'jobs/[id]/run', method: 'GET', path: '/api/v1/jobs/inbox/run', status: 405, code: 'method_not_allowed' },
    { route: 'quarantine', method: 'POST', path: '/api/v1/quarantine', body: '{}', status: 405, code: 'method_not_allowed' },
    { route: 'openapi.json', method: 'POST', path: '/api/v1/openapi.json', body: '{}', status: 405, code: 'method_not_allowed' },
    { route: '(unknown)', method: 'GET', path: '/api/v1/nulle-part', status: 404, code: 'not_found' }
  ];

  it('covers every route under dashboard/routes/api', () => {
    const routes: string[] = [];
    const walk = (d: string, rel: string) => {
      for (const e of fs.readdirSync(d, { withFileTypes: true })) {
        if (e.isDirectory()) walk(path.join(d, e.name), rel ? `${rel}/${e.name}` : e.name);
        else if (e.name === '+server.ts') routes.push(rel);
      }
    };
    walk(path.join(ROOT, 'dashboard', 'routes', 'api', 'v1'), '');
    const covered = new Set(API_CASES.map((c) => c.route));
    for (const r of routes) expect(covered.has(r), `no bad-input case for /api/v1/${r}`).toBe(true);
  });

  it.each(API_CASES.map((c) => [`${c.method} ${c.path}`, c] as const))('%s', async (_label, c) => {
    const headers: Record<string, string> = { 'content-type': 'application/json', ...(c.headers ?? {}) };
    if (headers.authorization) headers.authorization = headers.authorization.replace('TOKEN', token);
    const res = await fetch(`${server.url}${c.path}`, { method: c.method, headers, ...(c.body !== undefined ? { body: c.body } : {}), redirect: 'manual' });
    const text = await res.text();
    expect(text).not.toMatch(STACK);
    expect(res.headers.get('content-type') ?? '').toContain('application/json');
    const body = JSON.parse(text) as { error: { code: string; message: string } };
    expect([res.status, body.error.code]).toEqual([c.status, c.code]);
    expect(body.error.message).not.toContain('\n');
    expect(body.error.message.length).toBeGreaterThan(10);
  });

  it('a push of a file that is not NDJSON stores nothing and names the lines', async () => {
    const res = await fetch(`${server.url}/api/v1/ingest/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-ndjson' },
      body: Buffer.concat([Buffer.from('PAR1'), Buffer.alloc(64, 7), Buffer.from('\n{"event_id": 1\n')])
    });
    const text = await res.text();
    expect(text).not.toMatch(STACK);
    const s = JSON.parse(text) as { read: number; inserted: number; rejected: number; errors: { line: number; reason: string }[] };
    expect([s.read, s.inserted, s.rejected]).toEqual([2, 0, 2]);
    expect(s.errors.map((e) => [e.line, e.reason])).toEqual([[1, 'malformed_row'], [2, 'malformed_row']]);
  });
});
