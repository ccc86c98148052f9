// Page and API speed as people feel it (issue 18), against a real `jalon serve` on loopback, bounded in time:
//  1. first views after the rollups job (run through the jobs API first): every page type, the public and a signed-in
//     executive, each page's first request timed (p50/p95/max);
//  2. views nobody prepared (a filter nobody asked for yet) and single metric requests with parameters never asked;
//     the government scorecard computed (a day never asked);
//  3. throughput with autocannon (16 connections, --seconds each), side by side in one run: the cached home page for
//     the public and for the executive, the cached scorecard and metric API answers (ratio page/API). The generator is
//     autocannon without decoding bodies (lean-cannon.cjs: stock autocannon saturated its own core on pages first);
//     stock autocannon runs too on the gzipped page and the scorecard, to compare with earlier runs;
//  4. cached answers under load: autocannon on the home page (public, as a browser, the executive) and on the scorecard
//     API while 8 uncached heavy requests run at once.
// Pages are measured as autocannon asks by default (no Accept-Encoding: the whole HTML) and as a browser asks (gzip).
//   JALON_DATA_DIR=<data-dir> npx jalon demo                     # once: a warehouse with the demo
//   node --import tsx bench/load/pages.ts --data <data-dir> [--seconds 10] [--port 3191]
//   node --import tsx bench/load/pages.ts --server-data <server-data-dir>     # on a loopback ClickHouse server's folder
// The per-client rate limit is lifted for the run (JALON_REQUESTS_PER_MINUTE): this measures speed, not the limit.
import fs from 'node:fs';
import path from 'node:path';
import { execSync, spawn } from 'node:child_process';
import { ROOT, serveForLoad } from './served.ts';
import { parseArgs } from 'node:util';
import { startClickHouseServer } from '../../tests/support/clickhouse-server.ts';

const AUTOCANNON = path.join(ROOT, 'node_modules', 'autocannon', 'autocannon.js');
const LEAN_CANNON = path.join(ROOT, 'bench', 'load', 'lean-cannon.cjs');
const { values } = parseArgs({
  options: {
    data: { type: 'string' }, 'server-data': { type: 'string' }, port: { type: 'string', default: '3191' }, seconds: { type: 'string', default: '10' }, json: { type: 'string' }
  }
});
if (!values.data && !values['server-data']) {
  throw new Error('--data <dossier de l’entrepôt avec la démo / embedded warehouse folder holding the demo> ou/or --server-data <dossier d’un serveur ClickHouse / a ClickHouse server data folder>');
}
// --server-data: a loopback ClickHouse server on a folder that holds the demo (e.g. the one bench/metrics/run.ts made at
// 100 M events), and `jalon serve` on that server.
const chServer = values['server-data'] ? await startClickHouseServer({ dataDir: path.resolve(values['server-data']) }) : null;
const port = Number(values.port);
const seconds = Number(values.seconds);

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)] : NaN;
};
const summary = (xs: number[]) => ({ n: xs.length, p50: Math.round(quantile(xs, 0.5)), p95: Math.round(quantile(xs, 0.95)), max: Math.round(Math.max(...xs)) });

async function timed(p: string, cookie: string | null): Promise<number> {
  const t0 = performance.now();
  const res = await fetch(base + p, { headers: cookie ? { cookie } : {} });
  await res.arrayBuffer();
  if (res.status !== 200) throw new Error(`${p}: HTTP ${res.status}`);
  return performance.now() - t0;
}

/** autocannon's latencies (p95 from every latency the lean generator records; stock autocannon reports p90 and p97.5,
 *  not p95). `serverCpuUs`: the server process's CPU time (all its threads) per request answered during the run. */
interface Cannon { rps: number; p50: number; p90: number; p95: number | null; p97_5: number; p99: number; non2xx: number; errors: number; serverCpuUs: number }

const CLOCK_TICKS = Number(execSync('getconf CLK_TCK').toString().trim()) || 100;
/** CPU time of a process so far (user + system, all threads), in microseconds, from /proc. */
function cpuUs(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return ((Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS) * 1e6; // utime and stime: fields 14 and 15 of the line
}

/**
 * autocannon on one address, in its own process; `browser`: with the Accept-Encoding a browser sends (kept pages are then
 * sent gzipped). By default the lean generator (lean-cannon.cjs: autocannon without decoding every body into a string,
 * which made stock autocannon saturate its core on a gzipped page long before the server did); `stock`: autocannon as
 * shipped, kept to compare with earlier runs.
 */
function cannon(p: string, cookie: string | null, options: { browser?: boolean; stock?: boolean } = {}, connections = 16): Promise<Cannon> {
  const headers: Record<string, string> = { ...(cookie ? { cookie } : {}), ...(options.browser ? { 'accept-encoding': 'gzip, deflate, br' } : {}) };
  const args = options.stock
    ? [AUTOCANNON, '-c', String(connections), '-d', String(seconds), '--json', ...Object.entries(headers).flatMap(([k, v]) => ['-H', `${k}=${v}`]), base + p]
    : [LEAN_CANNON, JSON.stringify({ url: base + p, connections, duration: seconds, headers })];
  const cpuBefore = cpuUs(server.pid!);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', () => {
      try {
        const r = JSON.parse(out) as { requests: { average: number; total: number }; latency: Record<string, number>; non2xx: number; errors: number };
        const serverCpuUs = Math.round((cpuUs(server.pid!) - cpuBefore) / Math.max(1, r.requests.total));
        const p95 = r.latency.p95 === undefined ? null : Math.round(r.latency.p95 * 10) / 10;
        resolve({ rps: Math.round(r.requests.average), p50: r.latency.p50, p90: r.latency.p90, p95, p97_5: r.latency.p97_5, p99: r.latency.p99, non2xx: r.non2xx, errors: r.errors, serverCpuUs });
      } catch (err) {
        reject(err);
      }
    });
  });
}

const { base, server, signIn } = await serveForLoad({
  data: values.data ?? '', ...(chServer ? { clickhouseUrl: chServer.url } : {}), port, password: 'page bench password 1', accounts: { 'bench-executive': 'executive', 'bench-admin': 'admin' },
  // The job runs when the benchmark says, not on the minute. A loopback server shares the machine with Jalon: its query
  // threads give way to the pages' (JALON_ENGINE_NICE, as the README advises for a server on the same machine).
  env: { JALON_ROLLUP_SCHEDULE: '0 0 1 1 *', ...(chServer ? { JALON_ENGINE_NICE: '10' } : {}) }
});
const results: Record<string, unknown> = { date: new Date().toISOString(), load: fs.readFileSync('/proc/loadavg', 'utf8').trim() };
try {
  const executive = await signIn('bench-executive');
  const admin = await signIn('bench-admin');
  const inventory = (await (await fetch(`${base}/api/v1/metrics`)).json()) as { metrics: { id: string; grains: string[] }[] };
  const monthly = inventory.metrics.filter((m) => m.grains.includes('month')).map((m) => m.id);
  // Organizations and services: from the metrics API, split by each (the executive sees them all).
  const codesBy = async (dimension: string) => {
    const res = await fetch(`${base}/api/v1/metrics/completion_rate?grain=all&from=2018-05-01&to=2030-01-01&by=${dimension}`, { headers: { cookie: executive } });
    const answer = (await res.json()) as { rows: { dimensions: Record<string, string> }[] };
    return [...new Set(answer.rows.map((r) => r.dimensions[dimension]))].sort();
  };
  const orgCodes = await codesBy('org');
  const serviceCodes = await codesBy('service');
  // 1. The rollups job, as the scheduler runs it, then every page type's first view.
  // The scheduler starts one run when the server starts: wait for it to end, then run it once more and time that run.
  const runJob = async () => (await (await fetch(`${base}/api/v1/jobs/rollups/run`, { method: 'POST', headers: { cookie: admin, origin: base } })).json()) as { status: string };
  while ((await runJob()).status === 'skipped') await new Promise((r) => setTimeout(r, 2000));
  const t0 = performance.now();
  results.job = { answer: await runJob(), seconds: Math.round((performance.now() - t0) / 100) / 10 };
  const pageTypes: Record<string, string[]> = {
    home: ['/fr', '/en'],
    organizations: ['/fr/organisations', '/en/organizations'],
    organization: orgCodes.map((c) => `/fr/organisations/${c}`),
    service: serviceCodes.slice(0, 20).map((c) => `/fr/services/${c}`),
    indicator: inventory.metrics.map((m) => `/fr/indicateurs/${m.id}`),
    catalogue: ['/fr/indicateurs', '/en/indicators']
  };
  const first: Record<string, unknown> = {};
  for (const [who, cookie] of [['public', null], ['executive', executive]] as const) {
    for (const [type, paths] of Object.entries(pageTypes)) {
      const times: number[] = [];
      for (const p of paths) times.push(await timed(p, cookie));
      first[`${who} ${type}`] = summary(times);
    }
  }
  results.firstViewsAfterJob = first;
  // 2. Views nobody prepared: each organization with a filter never asked; metric requests with days never asked;
  //    the government scorecard on days never asked.
  const unprepared: number[] = [];
  for (const c of orgCodes) unprepared.push(await timed(`/fr/organisations/${c}?period=ytd&channel=web`, executive));
  const metricTimes: number[] = [];
  for (let i = 0; i < 20; i++) {
    const to = new Date(Date.UTC(2025, 0, 1) + i * 86_400_000 * 7).toISOString().slice(0, 10);
    metricTimes.push(await timed(`/api/v1/metrics/${monthly[i % monthly.length]}?from=2024-04-01&to=${to}&grain=month`, executive));
  }
  const scorecardTimes: number[] = [];
  for (let i = 0; i < 5; i++) scorecardTimes.push(await timed(`/api/v1/scorecard?at=2025-0${i + 1}-15`, executive));
  results.unprepared = { organizationNewFilter: summary(unprepared), metricUncached: summary(metricTimes), governmentScorecardComputed: summary(scorecardTimes) };
  // 3. Throughput of cached answers, side by side.
  const metric = `/api/v1/metrics/digital_take_up?from=2025-04-01&to=2026-04-01&grain=month`;
  await timed(metric, null);
  results.throughput = {
    pagePublic: await cannon('/fr', null),
    pagePublicAsBrowser: await cannon('/fr', null, { browser: true }),
    pageExecutive: await cannon('/fr', executive),
    organizationPublic: await cannon(`/fr/organisations/${orgCodes[0]}`, null),
    apiScorecard: await cannon('/api/v1/scorecard', null),
    apiMetric: await cannon(metric, null),
    // Stock autocannon on the same two, to compare with runs before the lean generator.
    stockPagePublicAsBrowser: await cannon('/fr', null, { browser: true, stock: true }),
    stockApiScorecard: await cannon('/api/v1/scorecard', null, { stock: true })
  };
  const t = results.throughput as Record<string, Cannon>;
  const ratio = (a: number, b: number) => Math.round((a / b) * 100) / 100;
  results.ratioPageToApi = {
    wholeHtml: ratio(t.pagePublic.rps, t.apiScorecard.rps),
    asBrowser: ratio(t.pagePublicAsBrowser.rps, t.apiScorecard.rps),
    executive: ratio(t.pageExecutive.rps, t.apiScorecard.rps),
    stockAutocannonAsBrowser: ratio(t.stockPagePublicAsBrowser.rps, t.stockApiScorecard.rps)
  };
  // The same ratio from the server's side: requests per CPU second of the server, page against API.
  results.ratioPageToApiServerCpu = {
    wholeHtml: Math.round((t.apiScorecard.serverCpuUs / t.pagePublic.serverCpuUs) * 100) / 100,
    asBrowser: Math.round((t.apiScorecard.serverCpuUs / t.pagePublicAsBrowser.serverCpuUs) * 100) / 100
  };
  // 4. A cached page while 8 uncached heavy requests run (each a breakdown by organization and service over days).
  let heavyDone = 0;
  let stop = false;
  const heavy = Array.from({ length: 8 }, async (_, k) => {
    for (let i = 0; !stop; i++) {
      const to = new Date(Date.UTC(2019, 0, 1) + (k * 1000 + i) * 86_400_000).toISOString().slice(0, 10);
      const res = await fetch(`${base}/api/v1/metrics/completion_rate?grain=week&from=2018-05-01&to=${to}&by=org,service`, { headers: { cookie: executive } }).catch(() => null);
      await res?.arrayBuffer();
      heavyDone++;
    }
  });
  results.cachedUnderHeavyLoad = {
    page: await cannon('/fr', null),
    pageAsBrowser: await cannon('/fr', null, { browser: true }),
    pageExecutive: await cannon('/fr', executive),
    apiScorecard: await cannon('/api/v1/scorecard', null),
    heavyRequestsCompleted: 0
  };
  stop = true;
  await Promise.all(heavy);
  (results.cachedUnderHeavyLoad as { heavyRequestsCompleted: number }).heavyRequestsCompleted = heavyDone;
  results.loadAfter = fs.readFileSync('/proc/loadavg', 'utf8').trim();
  const text = JSON.stringify(results, null, 2);
  process.stdout.write(`${text}\n`);
  if (values.json) fs.writeFileSync(values.json, text);
} finally {
  server.kill('SIGTERM');
  if (chServer) {
    await new Promise((resolve) => server.once('exit', resolve));
    await chServer.stop();
  }
}
