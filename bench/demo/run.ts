// Benchmark: demo generation speed (events/s) at given sizes, on a fresh embedded warehouse each, side by side
// with the engine's own plain INSERT ... SELECT of the same number of trivial event rows (the ratio is what
// to compare across machines; absolute speeds vary on shared hosts).
// Run: node --import tsx bench/demo/run.ts [--events 2000000,20000000] [--seed 1]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { EmbeddedWarehouse } from '../../warehouse/embedded.ts';
import { migrate } from '../../warehouse/migrate.ts';
import { generateDemo } from '../../ingest/demo/generate-demo.ts';

const { values } = parseArgs({ options: { events: { type: 'string', default: '2000000,20000000' }, seed: { type: 'string', default: '1' } } });
const sizes = values.events.split(',').map((s) => Number(s.replace(/_/g, '')));
const NOW = new Date('2026-11-01T00:00:00Z');

const results: Record<string, unknown>[] = [];
for (const events of sizes) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jalon-bench-demo-'));
  const wh = await EmbeddedWarehouse.open({ dataDir: dir, database: 'jalon' });
  try {
    await migrate(wh);
    const rssBefore = process.memoryUsage().rss;
    const summary = await generateDemo(wh, { events, seed: Number(values.seed), now: NOW });
    const rssAfter = process.memoryUsage().rss;
    const generated = summary.tables.service_events;

    // Baseline: the same number of rows, trivially computed, into a copy of the events table.
    await wh.command('CREATE TABLE baseline_events AS service_events');
    const t0 = performance.now();
    await wh.command(
      `INSERT INTO baseline_events (org, service, occurred_at, event_id, journey_id, type, channel)
       SELECT 'RQ', 'RQ-TP1', toDateTime64('2018-05-01 00:00:00', 3, 'UTC') + toIntervalSecond(number * 13), concat('e', toString(number)),
              concat('j', toString(intDiv(number, 4))), 'step', 'web'
       FROM numbers({n:UInt64})`,
      { n: generated }
    );
    const baselineSeconds = (performance.now() - t0) / 1000;
    const eventsSeconds = summary.seconds; // whole demo, including surveys, cases, aggregates and probes
    results.push({
      events_requested: events,
      events_generated: generated,
      demo_seconds: summary.seconds,
      demo_events_per_second: Math.round(generated / eventsSeconds),
      baseline_seconds: Math.round(baselineSeconds * 100) / 100,
      baseline_rows_per_second: Math.round(generated / baselineSeconds),
      ratio_demo_to_baseline: Math.round((baselineSeconds / eventsSeconds) * 1000) / 1000,
      rss_growth_mb: Math.round((rssAfter - rssBefore) / 1e6),
      tables: summary.tables
    });
    process.stderr.write(`${events}: ${JSON.stringify(results[results.length - 1])}\n`);
  } finally {
    await wh.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
process.stdout.write(JSON.stringify({ machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version }, results }, null, 2) + '\n');
