// Bounded load test (issue 11, "Done when" 3): 2,000 metric requests with distinct parameters, 4 at a time, against a
// real `jalon serve` on loopback — once anonymously (the public) and once as a signed-in executive — sampling the
// server's resident memory. One request in five is the review's heavy breakdown (refused, 422); the others answer.
// Passes when the server still answers and its peak stays under --max-rss-mb (1,500); prints answers by status and code.
//   JALON_DATA_DIR=<data-dir> npx jalon demo          # once: a warehouse with the demo
//   node --import tsx bench/load/metrics-memory.ts --data <data-dir> [--requests 2000] [--concurrency 4]
// The per-client rate limit is lifted for the run (JALON_REQUESTS_PER_MINUTE): this measures memory, not the limit.
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { serveForLoad } from './served.ts';

const { values } = parseArgs({
  options: {
    data: { type: 'string' },
    port: { type: 'string', default: '3190' },
    requests: { type: 'string', default: '2000' },
    concurrency: { type: 'string', default: '4' },
    'max-rss-mb': { type: 'string', default: '1500' }
  }
});
if (!values.data) throw new Error('--data <dossier de l’entrepôt avec la démo / warehouse folder holding the demo>');
const total = Number(values.requests);
const concurrency = Number(values.concurrency);
let base = '';

function rssMb(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/u.exec(status)?.[1] ?? 0) / 1024;
}

interface CatalogueEntry { id: string; dimensions: string[]; grains: string[]; source: 'computed' | 'declared' }

const day = (offset: number): string => new Date(Date.UTC(2019, 5, 1) + offset * 86_400_000).toISOString().slice(0, 10);
const back = (to: string, days: number): string => new Date(Date.parse(`${to}T00:00:00Z`) - days * 86_400_000).toISOString().slice(0, 10);

/**
 * Request i, each with its own end day (distinct parameters: no answer is reused). One in five is the review's heavy
 * breakdown (day × five dimensions since 2018, refused 422 `too_large`); the others are what pages and API users ask,
 * turning through the computed metrics of the catalogue: a year by month split by one of the metric's dimensions, half a
 * year by week, fiscal years by organization with the previous one, a quarter by day and channel.
 */
function requestPath(i: number, metrics: readonly CatalogueEntry[]): string {
  const to = day(i);
  if (i % 5 === 0) return `/api/v1/metrics/digital_take_up?grain=day&from=2018-05-01&to=${to}&by=org,service,channel,region,client_type`;
  const m = metrics[Math.floor(i / 5) % metrics.length];
  const dim = (wanted: readonly string[]) => wanted.find((d) => m.dimensions.includes(d));
  const query = (grain: string, from: string, extra: Record<string, string | undefined>) => {
    const q = new URLSearchParams({ grain: m.grains.includes(grain) ? grain : m.grains[0], from, to });
    for (const [k, v] of Object.entries(extra)) if (v) q.set(k, v);
    return `/api/v1/metrics/${m.id}?${q}`;
  };
  switch (i % 5) {
    case 1:
      return query('month', back(to, 365), { by: m.dimensions[Math.floor(i / 5) % Math.max(1, m.dimensions.length)] });
    case 2:
      return query('week', back(to, 182), {});
    case 3:
      return query('fiscal_year', '2018-04-01', { by: dim(['org']), compare: 'previous_period' });
    default:
      return query('day', back(to, 91), { by: dim(['channel']) });
  }
}

async function pass(label: string, cookie: string | null, pid: number, metrics: readonly CatalogueEntry[]): Promise<{ label: string; statuses: Record<string, number>; peakMb: number; seconds: number; alive: boolean }> {
  const statuses: Record<string, number> = {};
  let peak = rssMb(pid);
  const sampler = setInterval(() => (peak = Math.max(peak, rssMb(pid))), 250);
  const t0 = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        const i = next++;
        const res = await fetch(base + requestPath(i, metrics), { headers: cookie ? { cookie } : {} }).catch(() => null);
        let key = res ? String(res.status) : 'failed';
        if (res && res.status >= 400) key += ` ${((await res.json().catch(() => ({}))) as { error?: { code?: string } }).error?.code ?? ''}`;
        else if (res) await res.arrayBuffer();
        statuses[key] = (statuses[key] ?? 0) + 1;
      }
    })
  );
  clearInterval(sampler);
  peak = Math.max(peak, rssMb(pid));
  const alive = (await fetch(`${base}/api/v1/metrics`).catch(() => null))?.status === 200;
  return { label, statuses, peakMb: Math.round(peak), seconds: Math.round((performance.now() - t0) / 1000), alive };
}

const served = await serveForLoad({ data: values.data, port: Number(values.port), password: 'load test password 1', accounts: { 'load-executive': 'executive' } });
const { server } = served;
base = served.base;
try {
  const pid = server.pid as number;
  const cookie = await served.signIn('load-executive');
  const catalogue = (await (await fetch(`${base}/api/v1/metrics`)).json()) as { metrics: CatalogueEntry[] };
  const metrics = catalogue.metrics.filter((m) => m.source === 'computed');
  const results = [];
  // Each pass is printed as it ends: a run of two thousand requests per caller is long on a busy machine.
  for (const [label, who] of [['anonymous (public)', null], ['executive', cookie]] as const) {
    const r = await pass(label, who, pid, metrics);
    process.stdout.write(`${r.label}: ${JSON.stringify(r.statuses)} in ${r.seconds} s, peak RSS ${r.peakMb} MB, answering: ${r.alive}\n`);
    results.push(r);
  }
  const limit = Number(values['max-rss-mb']);
  const ok = results.every((r) => r.alive && r.peakMb < limit);
  process.stdout.write(ok ? `OK: under ${limit} MB and answering\n` : `FAILED: over ${limit} MB or not answering\n`);
  process.exitCode = ok ? 0 : 1;
} finally {
  server.kill('SIGTERM');
}
