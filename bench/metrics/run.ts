// Metrics benchmark (issue 4): on a demo of N events in a loopback ClickHouse server, p50/p95 of the scorecard and of
// five metric requests through the HTTP API (the built SvelteKit app, as `jalon serve` runs it), and the same five
// metrics straight from the raw tables in the same run. Prints a JSON summary and a Markdown table.
// With --shards N (2 or more) the same runs on a loopback cluster of N servers (Distributed tables), and each raw
// request is also timed on every shard's own tables alone: what one machine of a real cluster would do.
// With --raw-only, only the five raw requests run, each with the settings the compiler gives it (FINAL without merges
// across partitions where that is exact, metrics/final-reads.ts) and with FINAL merging across partitions, alternately,
// in the same run; both must give the same rows.
//   node --import tsx bench/metrics/run.ts --events 10M [--runs 30] [--raw-runs 5] [--data-dir /tmp/jalon-bench-10M] [--seed 7] [--shards 2] [--raw-only]
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig, withPort } from '../../config/config.ts';
import { ServerWarehouse } from '../../warehouse/server.ts';
import { migrate } from '../../warehouse/migrate.ts';
import { countDemoTables, generateDemo } from '../../ingest/demo/generate-demo.ts';
import { startClickHouseServer } from '../../tests/support/clickhouse-server.ts';
import { startClickHouseCluster } from '../../tests/support/clickhouse-cluster.ts';
import { ClusterWarehouse } from '../../warehouse/cluster.ts';
import { localDatabaseOf } from '../../warehouse/cluster-layout.ts';
import type { Warehouse } from '../../warehouse/warehouse.ts';
import { buildDashboard, buildIsStale, serveHttp } from '../../dashboard/serve.ts';
import { runMetric } from '../../metrics/run-metric.ts';
import { parseMetricRequest } from '../../metrics/request.ts';
import { backfillRollups, refreshRollups, rollupHealth } from '../../metrics/rollups.ts';
import { DEMO_EXECUTIVE } from '../../access/caller.ts';
import { parseCount } from '../../cli/command.ts';
import { catalogue } from '../../metrics/definition.ts';
import { compileMetric } from '../../metrics/compile.ts';

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: {
    events: { type: 'string', default: '10M' }, runs: { type: 'string', default: '30' }, 'raw-runs': { type: 'string', default: '5' },
    'data-dir': { type: 'string' }, seed: { type: 'string', default: '7' }, shards: { type: 'string', default: '1' },
    'raw-only': { type: 'boolean', default: false }
  }
});
const events = parseCount('events', values.events, 10_000_000);
const runs = Number(values.runs);
const rawRuns = Number(values['raw-runs']);
const NOW = new Date('2026-11-29T00:00:00Z');
const AT = '2026-11-29';
const log = (l: string) => process.stderr.write(`${l}\n`);

const shards = Number(values.shards);
const dataDir = values['data-dir'] ?? `/tmp/jalon-bench-metrics-${events}`;
// A cluster's servers keep their data in folders of their own, removed at the end (generate again each run).
if (shards < 2) fs.mkdirSync(dataDir, { recursive: true });
const server = shards >= 2 ? await startClickHouseCluster({ shards }) : await startClickHouseServer({ dataDir });
const clusterEnv = 'cluster' in server ? { CLICKHOUSE_CLUSTER: server.cluster } : {};
const config = { ...withPort(loadConfig({ CLICKHOUSE_URL: server.url, ...clusterEnv }), 0), smallCountThreshold: 10 };
const wh: Warehouse = 'cluster' in server
  ? await ClusterWarehouse.open({ url: server.url, username: 'default', password: '', database: 'jalon', cluster: server.cluster, ddl: 'per_node', replicated: false, createDatabase: true })
  : await ServerWarehouse.open({ url: server.url, username: 'default', password: '', database: 'jalon', createDatabase: true });
/** Each shard's own tables, for the per-shard times of a cluster run (none on one server). */
const shardWarehouses: Warehouse[] = wh instanceof ClusterWarehouse
  ? await Promise.all((await wh.shards()).map((n) => ServerWarehouse.open({ url: n.url, username: 'default', password: '', database: localDatabaseOf('jalon') })))
  : [];

// Five requests over the kinds of rollup: events (two, one with quantiles), journeys, cases, survey responses.
const RAW_REQUESTS: { name: string; metric: string; query: string }[] = [
  { name: 'digital_take_up, month × org, 12 months', metric: 'digital_take_up', query: 'grain=month&by=org&from=2025-11-01&to=2026-11-01' },
  { name: 'completion_rate, month × channel, 12 months', metric: 'completion_rate', query: 'grain=month&by=channel&from=2025-10-01&to=2026-10-01' },
  { name: 'time_to_complete, month × channel, 12 months', metric: 'time_to_complete', query: 'grain=month&by=channel&from=2025-11-01&to=2026-11-01' },
  { name: 'within_service_standard, quarter × service, RQ', metric: 'within_service_standard', query: 'grain=quarter&by=service&org=RQ&from=2024-01-01&to=2026-10-01' },
  { name: 'satisfaction, fiscal_year, all years', metric: 'satisfaction', query: 'grain=fiscal_year&from=2018-04-01&to=2026-04-01' }
];

const quantile = (xs: number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  const i = (s.length - 1) * q;
  return s[Math.floor(i)] + (s[Math.ceil(i)] - s[Math.floor(i)]) * (i - Math.floor(i));
};
const round = (x: number) => Math.round(x * 10) / 10;

try {
  // A labeled block: --raw-only leaves it early, and `finally` still stops the servers.
  bench: {
    await migrate(wh);
    const counts = await countDemoTables(wh);
    if (Math.abs(counts.service_events - events) > events * 0.01) {
      log(`Démo de ${events} événements… / generating a demo of ${events} events…`);
      const t0 = performance.now();
      const summary = await generateDemo(wh, { events, seed: Number(values.seed), now: NOW, replace: true });
      log(`  ${summary.tables.service_events} événements en ${round((performance.now() - t0) / 1000)} s`);
    }
    const { health } = await rollupHealth(wh);
    let refreshSeconds: number | null = null;
    if (!health.rollup_events_daily || !health.rollup_responses_daily) {
      log('Remplissage des agrégats / backfilling rollups…');
      await backfillRollups(wh);
    } else if (!health.rollup_journeys_daily || !health.rollup_cases_daily) {
      // Data generated before the journeys and cases rollups existed: their first refresh is a full build.
      log('Construction des agrégats parcours et dossiers / building the journeys and cases rollups…');
      const t0 = performance.now();
      log(`  ${JSON.stringify(await refreshRollups(wh))}`);
      refreshSeconds = round((performance.now() - t0) / 1000);
      log(`  ${refreshSeconds} s`);
    }
    const tables = await countDemoTables(wh);
    const [rollupRows] = await wh.query<Record<string, number>>(
      `SELECT (SELECT count() FROM rollup_events_daily) AS events_daily, (SELECT count() FROM rollup_responses_daily) AS responses_daily,
              (SELECT count() FROM rollup_journeys_daily) AS journeys_daily, (SELECT count() FROM rollup_cases_daily) AS cases_daily`
    );

    if (values['raw-only']) {
      await rawOnly();
      break bench;
    }
    if (buildIsStale()) await buildDashboard(log);
    const http = await serveHttp({ config, warehouse: wh });
    log(`API: ${http.url}`);

    const requests = RAW_REQUESTS;
    const timeHttp = async (p: string): Promise<number> => {
      const t0 = performance.now();
      const r = await fetch(`${http.url}${p}`);
      const text = await r.text();
      if (!r.ok) throw new Error(`${p}: ${r.status} ${text.slice(0, 300)}`);
      return performance.now() - t0;
    };
    const results: Record<string, unknown>[] = [];

    // Scorecard: the first request computes (cold), later ones are served from the data-versioned memo (warm).
    const cold = await timeHttp(`/api/v1/scorecard?at=${AT}`);
    const warm: number[] = [];
    for (let i = 0; i < runs; i++) warm.push(await timeHttp(`/api/v1/scorecard?at=${AT}`));
    results.push({ request: 'scorecard, government, warm', path: `/api/v1/scorecard?at=${AT}`, p50: round(quantile(warm, 0.5)), p95: round(quantile(warm, 0.95)), cold_ms: round(cold), runs });
    const orgCold: number[] = [];
    for (const org of ['RQ', 'SAAQ', 'RAMQ', 'CPTAQ', 'SHQ']) orgCold.push(await timeHttp(`/api/v1/scorecard?org=${org}&at=${AT}`));
    results.push({ request: 'scorecard, one organization, cold (5 orgs)', path: '/api/v1/scorecard?org=…', p50: round(quantile(orgCold, 0.5)), p95: round(quantile(orgCold, 0.95)), runs: orgCold.length });

    for (const r of requests) {
      const p = `/api/v1/metrics/${r.metric}?${r.query}`;
      const first = await timeHttp(p); // computes; later identical requests reuse the answer until data arrives
      const api: number[] = [];
      for (let i = 0; i < runs; i++) api.push(await timeHttp(p));
      const { request } = parseMetricRequest(r.metric, Object.fromEntries(new URLSearchParams(r.query)), DEMO_EXECUTIVE, new Date('2026-11-29T12:00:00Z'));
      const engine: number[] = [];
      for (let i = 0; i < runs; i++) {
        const t0 = performance.now();
        await runMetric(wh, config, request!);
        engine.push(performance.now() - t0);
      }
      const raw: number[] = [];
      for (let i = 0; i < rawRuns; i++) {
        const t0 = performance.now();
        const a = await runMetric(wh, config, request!, { forceRaw: true });
        raw.push(performance.now() - t0);
        if (a.provenance.table !== 'raw') throw new Error('raw run did not use raw tables');
      }
      // On a cluster: the same raw request on each shard's own tables alone (its organizations only).
      const perShard: number[] = [];
      for (const shardWh of shardWarehouses) {
        const times: number[] = [];
        for (let i = 0; i < rawRuns; i++) {
          const t0 = performance.now();
          await runMetric(shardWh, config, request!, { forceRaw: true });
          times.push(performance.now() - t0);
        }
        perShard.push(round(quantile(times, 0.5)));
      }
      const check = await runMetric(wh, config, request!);
      results.push({
        request: r.name, path: p, table: check.provenance.table, p50: round(quantile(api, 0.5)), p95: round(quantile(api, 0.95)), runs, first_ms: round(first),
        engine_p50: round(quantile(engine, 0.5)), engine_p95: round(quantile(engine, 0.95)),
        raw_p50: round(quantile(raw, 0.5)), raw_p95: round(quantile(raw, 0.95)), raw_runs: rawRuns,
        ...(perShard.length ? { raw_per_shard_p50: perShard } : {})
      });
      log(`${r.name}: API p50 ${round(quantile(api, 0.5))} ms p95 ${round(quantile(api, 0.95))} ms (first ${round(first)}) · engine rollup p50 ${round(quantile(engine, 0.5))} p95 ${round(quantile(engine, 0.95))} · raw p50 ${round(quantile(raw, 0.5))} ms`);
    }
    await http.close();

    const warehouseName = shards >= 2 ? `ClickHouse 26.7 cluster of ${shards} shards on loopback (chdb library)` : 'ClickHouse 26.7 server on loopback (chdb library)';
    const summary = { events: tables.service_events, tables, rollup_rows: rollupRows, refresh_seconds: refreshSeconds, warehouse: warehouseName, shards, cpus: (await import('node:os')).cpus().length, at: new Date().toISOString(), results };
    process.stdout.write(JSON.stringify(summary, null, 1) + '\n');
    const md = [
      `| request | table | API p50 ms | API p95 ms | API first ms | engine (no reuse) p50 | p95 | raw tables p50 | p95 |${shardWarehouses.length ? ' raw, each shard alone, p50 |' : ''}`,
      `|---|---|---:|---:|---:|---:|---:|---:|---:|${shardWarehouses.length ? '---:|' : ''}`,
      ...results.map((r) => `| ${String(r.request)} | ${String(r.table ?? '—')} | ${String(r.p50)} | ${String(r.p95)} | ${String(r.first_ms ?? r.cold_ms ?? '—')} | ${String(r.engine_p50 ?? '—')} | ${String(r.engine_p95 ?? '—')} | ${String(r.raw_p50 ?? '—')} | ${String(r.raw_p95 ?? '—')} |${shardWarehouses.length ? ` ${(r.raw_per_shard_p50 as number[] | undefined)?.join(' / ') ?? '—'} |` : ''}`)
    ].join('\n');
    fs.mkdirSync(path.join(import.meta.dirname, '..', 'results'), { recursive: true });
    fs.writeFileSync(path.join(import.meta.dirname, '..', 'results', `metrics-${tables.service_events}${shards >= 2 ? `-${shards}-shards` : ''}.md`), md + '\n');
    process.stderr.write(md + '\n');
  }
} finally {
  for (const s of shardWarehouses) await s.close();
  await wh.close();
  await server.stop();
}

/** --raw-only: each raw request with its compiled settings and with FINAL merging across partitions, alternately. */
async function rawOnly(): Promise<void> {
  const FULL_FINAL = { do_not_merge_across_partitions_select_final: 0, enable_automatic_decision_for_merging_across_partitions_for_final: 0 };
  const [parts] = await wh.query<{ parts: number; partitions: number }>(
    `SELECT count() AS parts, uniqExact(partition_id) AS partitions FROM system.parts WHERE active AND database IN ('jalon', 'jalon_local') AND table = 'service_events'`
  );
  const rows: string[] = [];
  const out: Record<string, unknown>[] = [];
  for (const r of RAW_REQUESTS) {
    const { request } = parseMetricRequest(r.metric, Object.fromEntries(new URLSearchParams(r.query)), DEMO_EXECUTIVE, new Date('2026-11-29T12:00:00Z'));
    const def = catalogue().definitions.get(r.metric)!;
    const compiled = compileMetric(def, request!, { scope: null, digitalChannels: config.digitalChannels, rollups: {}, forceRaw: true, limit: 20_001 });
    const main = compiled.main!;
    const time = async (settings: Record<string, number>) => {
      const t0 = performance.now();
      const answer = await wh.query(main.sql, main.params, { settings });
      return { ms: performance.now() - t0, answer: JSON.stringify(answer) };
    };
    const compiledTimes: number[] = [];
    const fullTimes: number[] = [];
    for (let i = 0; i < rawRuns; i++) {
      const a = await time(main.settings ?? {});
      const b = await time(FULL_FINAL);
      if (a.answer !== b.answer) throw new Error(`${r.name}: the two reads differ`);
      compiledTimes.push(a.ms);
      fullTimes.push(b.ms);
    }
    const row = { request: r.name, settings: main.settings ?? {}, compiled_p50: round(quantile(compiledTimes, 0.5)), full_final_p50: round(quantile(fullTimes, 0.5)), runs: rawRuns };
    out.push(row);
    rows.push(`| ${r.name} | ${Object.keys(row.settings).length ? 'without merges across partitions' : 'FINAL (unchanged)'} | ${row.full_final_p50} | ${row.compiled_p50} | ${round(row.full_final_p50 / row.compiled_p50)} |`);
    log(`${r.name}: FINAL ${row.full_final_p50} ms, compiled ${row.compiled_p50} ms`);
  }
  process.stdout.write(JSON.stringify({ events: (await countDemoTables(wh)).service_events, service_events_parts: Number(parts.parts), partitions: Number(parts.partitions), at: new Date().toISOString(), load: (await import('node:os')).loadavg(), results: out }, null, 1) + '\n');
  process.stderr.write(['| raw request | FINAL as compiled | FINAL across partitions p50 ms | as compiled p50 ms | speed-up |', '|---|---|---:|---:|---:|', ...rows].join('\n') + '\n');
}
