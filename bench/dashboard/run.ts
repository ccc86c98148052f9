// Dashboard benchmark: server-render time (p50/p95) of the scorecard, organization and service pages on the
// default demo, and JavaScript shipped per route (gzip). Targets: p95 under 150 ms, under 200 kB per route.
// Usage: npx tsx bench/dashboard/run.ts [--events N] [--requests N] [--data DIR]   (results in bench/results/dashboard.json)
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { parseArgs, promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const { values } = parseArgs({
  options: { events: { type: 'string', default: '2000000' }, requests: { type: 'string', default: '60' }, data: { type: 'string' }, port: { type: 'string', default: '5399' } }
});
const REQUESTS = Number(values.requests);
const ROUTES = [
  { name: 'scorecard', path: '/fr' },
  { name: 'organization', path: '/fr/organisations/RAMQ' },
  { name: 'service', path: '/fr/services/RAMQ-CARTE-RENOUV' }
];
/** Distinct filters, each first request of which is answered cold (nothing cached for it). */
const COLD_QUERIES = ['?period=6m', '?period=ytd', '?period=fy2024'];

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)];
};

async function timed(url: string): Promise<number> {
  const t0 = performance.now();
  const res = await fetch(url);
  await res.text();
  if (res.status !== 200) throw new Error(`${url}: HTTP ${res.status}`);
  return performance.now() - t0;
}

async function main() {
  const dataDir = values.data ?? fs.mkdtempSync(path.join(os.tmpdir(), 'jalon-bench-dashboard-'));
  const env = { ...process.env, JALON_DATA_DIR: dataDir, JALON_LOG_LEVEL: 'warn' };
  const jalon = path.join(ROOT, 'bin', 'jalon.js');
  if (!values.data) {
    process.stderr.write(`demo: ${values.events} events → ${dataDir}\n`);
    await promisify(execFile)(process.execPath, [jalon, 'demo', '--events', values.events], { cwd: ROOT, env, maxBuffer: 16 << 20 });
  }
  const child = spawn(process.execPath, [jalon, 'serve', '--port', values.port], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  const base = await new Promise<string>((resolve, reject) => {
    const on = (d: Buffer) => {
      log += d.toString();
      const m = /Jalon: (http:\/\/\S+)/.exec(log);
      if (m) resolve(m[1]);
    };
    child.stdout.on('data', on);
    child.stderr.on('data', on);
    child.once('exit', (c) => reject(new Error(`serve exited ${c}\n${log}`)));
  });
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'] });
  try {
    const results = [];
    for (const r of ROUTES) {
      const cold: number[] = [];
      for (const q of COLD_QUERIES) {
        cold.push(await timed(base + r.path + q));
        process.stderr.write(`${r.name}${q}: ${cold.at(-1)?.toFixed(0)} ms (cold)\n`);
      }
      await timed(base + r.path); // warm-up: fills the one-minute answer cache for the default view
      const warm: number[] = [];
      for (let k = 0; k < REQUESTS; k++) warm.push(await timed(base + r.path));
      // JavaScript shipped: every script Chromium loads for the page (entry, app, layout and page nodes, their chunks).
      const context = await browser.newContext(); // fresh cache: every script of the route is fetched
      const page = await context.newPage();
      const scripts = new Map<string, Buffer>();
      page.on('response', async (res) => {
        if (res.request().resourceType() === 'script' || res.url().endsWith('.js')) scripts.set(res.url(), await res.body().catch(() => Buffer.alloc(0)));
      });
      await page.goto(base + r.path, { waitUntil: 'networkidle' });
      await context.close();
      const files = [...scripts.keys()];
      const gzip = [...scripts.values()].reduce((s, b) => s + zlib.gzipSync(b, { level: 9 }).length, 0);
      const raw = [...scripts.values()].reduce((s, b) => s + b.length, 0);
      results.push({
        route: r.name, path: r.path,
        warm: { n: warm.length, p50_ms: +quantile(warm, 0.5).toFixed(1), p95_ms: +quantile(warm, 0.95).toFixed(1) },
        cold: { n: cold.length, p50_ms: +quantile(cold, 0.5).toFixed(1), p95_ms: +quantile(cold, 0.95).toFixed(1) },
        js: { files: files.length, bytes: raw, gzip_bytes: gzip }
      });
    }
    const out = { at: new Date().toISOString(), events: Number(values.events), cpus: os.cpus().length, node: process.version, results };
    fs.mkdirSync(path.join(ROOT, 'bench', 'results'), { recursive: true });
    fs.writeFileSync(path.join(ROOT, 'bench', 'results', 'dashboard.json'), JSON.stringify(out, null, 2) + '\n');
    process.stdout.write('| page | warm p50 | warm p95 | cold p50 | cold p95 | JS (gzip) |\n|---|---:|---:|---:|---:|---:|\n');
    for (const r of results) {
      process.stdout.write(`| ${r.route} | ${r.warm.p50_ms} ms | ${r.warm.p95_ms} ms | ${r.cold.p50_ms} ms | ${r.cold.p95_ms} ms | ${(r.js.gzip_bytes / 1024).toFixed(1)} kB (${r.js.files} files) |\n`);
    }
  } finally {
    await browser.close();
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    if (!values.data) fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
