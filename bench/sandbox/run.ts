// Sandbox overhead (issue 6, done-when 4): the same five analyst queries, in one run, straight on the warehouse
// (the curated views, no checks, no HTTP) and through POST /api/v1/query (checks, two EXPLAIN AST, limits, audit,
// HTTP, JSON). Median of N runs each after a warm-up. Writes the "Sandbox" section of docs/benchmarks.md with --write.
//   npx tsx bench/sandbox/run.ts [--events 200000] [--runs 15] [--write]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig, withPort } from '../../config/config.ts';
import { EmbeddedWarehouse } from '../../warehouse/embedded.ts';
import { migrate } from '../../warehouse/migrate.ts';
import { generateDemo } from '../../ingest/demo/generate-demo.ts';
import { buildDashboard, buildIsStale, serveHttp, ROOT } from '../../dashboard/serve.ts';
import { saveAccount } from '../../access/accounts.ts';
import { analystDatabaseOf, ensureCuratedViews } from '../../access/curated-views.ts';
import { ANALYST_QUERIES } from './analyst-queries.ts';

const { values } = parseArgs({ options: { events: { type: 'string', default: '200000' }, runs: { type: 'string', default: '15' }, write: { type: 'boolean', default: false } } });
const EVENTS = Number(values.events);
const RUNS = Number(values.runs);

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

async function time(fn: () => Promise<unknown>): Promise<number> {
  await fn(); // warm-up
  const out: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    await fn();
    out.push(performance.now() - t0);
  }
  return median(out);
}

if (buildIsStale()) await buildDashboard((l) => process.stderr.write(`${l}\n`));
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jalon-bench-sandbox-'));
const wh = await EmbeddedWarehouse.open({ dataDir: dir, database: 'jalon' });
try {
  await migrate(wh);
  process.stderr.write(`démo / demo: ${EVENTS} événements / events…\n`);
  await generateDemo(wh, { events: EVENTS, seed: 7, now: new Date('2026-01-01T00:00:00Z') });
  await ensureCuratedViews(wh);
  const password = 'bench password 0123456789';
  await saveAccount(wh, { username: 'bench-analyst', role: 'analyst', orgs: ['RAMQ', 'SAAQ'], password });
  await saveAccount(wh, { username: 'bench-exec', role: 'executive', password });
  const config = withPort(loadConfig({ JALON_DATA_DIR: dir, JALON_AUTH_REQUIRED: 'true', JALON_LOGIN_ATTEMPTS_PER_MINUTE: '1000' }, dir), 0);
  const http = await serveHttp({ config, warehouse: wh });
  const cookieOf = async (username: string) => {
    const res = await fetch(new URL('/api/v1/auth/login', http.url), { method: 'POST', headers: { 'content-type': 'application/json', origin: new URL(http.url).origin }, body: JSON.stringify({ username, password }) });
    return (res.headers.get('set-cookie') ?? '').split(';')[0];
  };
  const cookies = { exec: await cookieOf('bench-exec'), analyst: await cookieOf('bench-analyst') };
  const viaApi = (cookie: string, sql: string) => async () => {
    const res = await fetch(new URL('/api/v1/query', http.url), { method: 'POST', headers: { 'content-type': 'application/json', cookie, origin: new URL(http.url).origin }, body: JSON.stringify({ sql }) });
    if (!res.ok) throw new Error(`${res.status} ${await res.text()}`);
    await res.json();
  };
  const adb = analystDatabaseOf(wh.database);
  const rows: { id: string; direct: number; apiExec: number; apiAnalyst: number }[] = [];
  for (const q of ANALYST_QUERIES) {
    const direct = await time(() => wh.query(q.sql, {}, { database: adb }));
    const apiExec = await time(viaApi(cookies.exec, q.sql));
    const apiAnalyst = await time(viaApi(cookies.analyst, q.sql));
    rows.push({ id: q.id, direct, apiExec, apiAnalyst });
    process.stderr.write(`${q.id}: ${direct.toFixed(1)} ms direct, ${apiExec.toFixed(1)} ms API (executive), ${apiAnalyst.toFixed(1)} ms API (analyst, 2 orgs)\n`);
  }
  await http.close();
  const sum = (k: 'direct' | 'apiExec' | 'apiAnalyst') => rows.reduce((s, r) => s + r[k], 0);
  const ratio = sum('apiExec') / sum('direct');
  const fmt = (n: number) => n.toFixed(1);
  const section = [
    '## Sandbox',
    '',
    `Issue 6, done-when 4. \`npx tsx bench/sandbox/run.ts --events ${EVENTS} --runs ${RUNS}\` on ${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'cpu'}),`,
    `embedded warehouse (chDB), demo of ${EVENTS.toLocaleString('en-CA')} events (seed 7). Median of ${RUNS} runs after a warm-up, in milliseconds, one run.`,
    '"Direct" runs the query on the curated views with `Warehouse.query` (no checks, no HTTP); "API" is `POST /api/v1/query` on the built',
    'app: text rules, two `EXPLAIN AST` (the query and the wrapped query), the limits, the audit-log insert, HTTP and JSON.',
    'The analyst column adds the organization scope (`additional_table_filters` on every view and its table, 2 organizations), so it also reads fewer rows.',
    '',
    '| query | direct | API (executive) | ratio | API (analyst, 2 orgs) |',
    '|---|---:|---:|---:|---:|',
    ...rows.map((r) => `| ${r.id} | ${fmt(r.direct)} | ${fmt(r.apiExec)} | ${(r.apiExec / r.direct).toFixed(2)} | ${fmt(r.apiAnalyst)} |`),
    `| **total** | ${fmt(sum('direct'))} | ${fmt(sum('apiExec'))} | **${ratio.toFixed(2)}** | ${fmt(sum('apiAnalyst'))} |`,
    '',
    `Overhead per query: ${fmt((sum('apiExec') - sum('direct')) / rows.length)} ms on average (API − direct, executive).`,
    'The machine is shared (other work runs on the same cores), so single medians move between runs; a query can even run faster through the',
    'API, where the sandbox\'s own settings apply (max_threads, no spilling to disk). The fixed cost of the sandbox is the two EXPLAIN AST and the audit insert.',
    ''
  ].join('\n');
  process.stdout.write(section + '\n');
  if (values.write) {
    const file = path.join(ROOT, 'docs', 'benchmarks.md');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const current = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '# Benchmarks\n\nMeasured runs, newest figures in each section.\n\n';
    const start = current.indexOf('## Sandbox');
    let next = start === -1 ? -1 : current.indexOf('\n## ', start + 1);
    if (next !== -1) next += 1;
    const updated = start === -1 ? `${current.trimEnd()}\n\n${section}` : current.slice(0, start) + section + (next === -1 ? '' : `\n${current.slice(next)}`);
    fs.writeFileSync(file, updated);
    process.stderr.write(`écrit / written: ${file}\n`);
  }
} finally {
  await wh.close();
  fs.rmSync(dir, { recursive: true, force: true });
}
