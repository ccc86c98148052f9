// Where the engine's insert time goes in service_events: ClickHouse's own `INSERT … SELECT FROM file()` of one
// generated NDJSON file into variants of the table, each differing from the previous by one design choice (types,
// LowCardinality, defaults, skip indexes, sort key, partitioning, engine, the rollup view), in one embedded warehouse,
// interleaved over `--rounds` rounds. Prints one JSON line per variant with its median seconds.
//   node --import tsx bench/ingest/table-cost.ts --events 1000000 [--rounds 2] [--only a,b]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { EmbeddedWarehouse } from '../../warehouse/embedded.ts';
import { writeEventsFile } from './generate-events.ts';

const COLS = 'event_id, occurred_at, org, service, channel, journey_id, type, step, step_index, outcome, client_type, region, sign_in, assisted, prefilled, duration_ms';

/** Columns of the file with plain types (the lean table). */
const PLAIN = `event_id String, occurred_at DateTime64(3, 'UTC'), org String, service String, channel String, journey_id String,
  type String, step String, step_index UInt8, outcome String, client_type String, region String, sign_in String,
  assisted Bool, prefilled Bool, duration_ms Nullable(UInt64)`;
const LC = (c: string) => `${c} LowCardinality(String)`;
/** The same columns as service_events (sql/schema/002): LowCardinality, defaults, run id and ingested_at. */
const TYPED = `org LowCardinality(String), service LowCardinality(String), occurred_at DateTime64(3, 'UTC'), event_id String, journey_id String,
  ${LC('type')}, ${LC('step')} DEFAULT '', step_index UInt8 DEFAULT 0, ${LC('outcome')} DEFAULT '', ${LC('channel')},
  ${LC('client_type')} DEFAULT 'citizen', ${LC('region')} DEFAULT '', ${LC('sign_in')} DEFAULT 'none',
  assisted Bool DEFAULT false, prefilled Bool DEFAULT false, duration_ms Nullable(UInt64), run_id String DEFAULT '',
  ingested_at DateTime64(3, 'UTC') DEFAULT now64(3)`;
const BLOOM = `, INDEX idx_event_id event_id TYPE bloom_filter(0.01) GRANULARITY 4, INDEX idx_journey journey_id TYPE bloom_filter(0.01) GRANULARITY 4`;
const MINMAX = `, INDEX idx_ingested_at ingested_at TYPE minmax GRANULARITY 1`;
const KEY = `PARTITION BY toYear(occurred_at) ORDER BY (org, service, toDate(occurred_at, 'America/Toronto'), event_id)`;

/** The rollup view of sql/schema/020 (with the approximate quantile state) or of 141 (without), over table `t`. */
const view = (t: string, quantiles = true) => `CREATE MATERIALIZED VIEW ${t}_mv TO ${t}_rollup AS
SELECT org, service, toDate(occurred_at, 'America/Toronto') AS day, channel,
       count() AS events, countIf(type = 'started') AS started, countIf(type = 'completed') AS completed,
       countIf(type = 'completed' AND prefilled) AS completed_prefilled,
       countIf(type = 'started' AND sign_in != 'none') AS sign_ins,
       countIf(type = 'started' AND sign_in IN ('bank', 'partner')) AS sign_ins_partner,
       ${quantiles ? "quantilesStateIf(0.5, 0.9)(toFloat64(ifNull(duration_ms, 0)) / 60000, type = 'completed' AND duration_ms IS NOT NULL) AS minutes_q," : ''}
       max(occurred_at) AS last_at
FROM ${t} GROUP BY org, service, day, channel`;
const rollupTable = (t: string) => `CREATE TABLE ${t}_rollup (org LowCardinality(String), service LowCardinality(String), day Date, channel LowCardinality(String),
  events SimpleAggregateFunction(sum, UInt64), started SimpleAggregateFunction(sum, UInt64), completed SimpleAggregateFunction(sum, UInt64),
  completed_prefilled SimpleAggregateFunction(sum, UInt64), sign_ins SimpleAggregateFunction(sum, UInt64), sign_ins_partner SimpleAggregateFunction(sum, UInt64),
  minutes_q AggregateFunction(quantilesIf(0.5, 0.9), Float64, UInt8), last_at SimpleAggregateFunction(max, DateTime64(3, 'UTC')))
ENGINE = AggregatingMergeTree ORDER BY (org, service, day, channel)`;

interface Variant {
  name: string;
  ddl: string[];
}
const table = (name: string, cols: string, tail: string, withView = false, quantiles = true): Variant => ({
  name,
  ddl: [`CREATE TABLE ${name} (${cols}) ${tail}`, ...(withView ? [rollupTable(name), view(name, quantiles)] : [])]
});
/** sql/schema/140: plain strings, the partition a function of the sorting key (Toronto year). */
const KEY_140 = `PARTITION BY toYear(toDate(occurred_at, 'America/Toronto')) ORDER BY (org, service, toDate(occurred_at, 'America/Toronto'), event_id)`;

/** TYPED without LowCardinality. */
const TYPED_PLAIN = TYPED.replace(/LowCardinality\(String\)/g, 'String');
/** TYPED with LowCardinality kept only on the organization and service codes. */
const TYPED_LC2 = TYPED_PLAIN.replace(/^org String, service String/, 'org LowCardinality(String), service LowCardinality(String)');

const VARIANTS: Variant[] = [
  table('lean', PLAIN, 'ENGINE = MergeTree ORDER BY tuple()'),
  table('lean_sorted', PLAIN, "ENGINE = MergeTree ORDER BY (org, service, occurred_at)"),
  table('typed_plain', TYPED_PLAIN, 'ENGINE = MergeTree ORDER BY tuple()'),
  table('typed_lc2', TYPED_LC2, 'ENGINE = MergeTree ORDER BY tuple()'),
  table('typed_lc', TYPED, 'ENGINE = MergeTree ORDER BY tuple()'),
  table('typed_plain_key', TYPED_PLAIN, `ENGINE = MergeTree ${KEY}`),
  table('typed_lc_key', TYPED, `ENGINE = MergeTree ${KEY}`),
  table('typed_lc_key_replacing', TYPED, `ENGINE = ReplacingMergeTree(ingested_at) ${KEY}`),
  table('service_events_no_bloom', `${TYPED}${MINMAX}`, `ENGINE = ReplacingMergeTree(ingested_at) ${KEY}`),
  table('service_events_no_view', `${TYPED}${BLOOM}${MINMAX}`, `ENGINE = ReplacingMergeTree(ingested_at) ${KEY}`),
  table('service_events', `${TYPED}${BLOOM}${MINMAX}`, `ENGINE = ReplacingMergeTree(ingested_at) ${KEY}`, true),
  table('v140_no_view_no_bloom', `${TYPED_PLAIN}${MINMAX}`, `ENGINE = ReplacingMergeTree(ingested_at) ${KEY_140}`),
  table('v140_no_view', `${TYPED_PLAIN}${BLOOM}${MINMAX}`, `ENGINE = ReplacingMergeTree(ingested_at) ${KEY_140}`),
  table('v140_view_quantiles', `${TYPED_PLAIN}${BLOOM}${MINMAX}`, `ENGINE = ReplacingMergeTree(ingested_at) ${KEY_140}`, true),
  table('v140', `${TYPED_PLAIN}${BLOOM}${MINMAX}`, `ENGINE = ReplacingMergeTree(ingested_at) ${KEY_140}`, true, false)
];

const { values } = parseArgs({ options: { events: { type: 'string', default: '1000000' }, rounds: { type: 'string', default: '2' }, only: { type: 'string' }, dir: { type: 'string' }, extra: { type: 'string' } } });
const n = Number(values.events);
const work = values.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'jalon-table-cost-'));
const file = path.join(work, `events-${n}.ndjson`);
if (!fs.existsSync(file)) await writeEventsFile(file, n);
const dataDir = fs.mkdtempSync(path.join(work, 'wh-'));
const wh = await EmbeddedWarehouse.open({ dataDir, database: 'bench' });
const only = values.only ? new Set(values.only.split(',')) : null;
const variants = VARIANTS.filter((v) => !only || only.has(v.name));
const times = new Map<string, number[]>();
try {
  for (let round = 0; round < Number(values.rounds); round++) {
    for (const v of variants) {
      for (const t of [v.name, `${v.name}_rollup`]) await wh.command(`DROP TABLE IF EXISTS ${t}`);
      await wh.command(`DROP VIEW IF EXISTS ${v.name}_mv`);
      for (const s of v.ddl) await wh.command(s);
      const t0 = performance.now();
      await wh.command(`INSERT INTO ${v.name} (${COLS}) SELECT ${COLS} FROM file({f:String}, 'JSONEachRow')`, { f: file }, { settings: { date_time_input_format: 'best_effort' } });
      const s = (performance.now() - t0) / 1000;
      times.set(v.name, [...(times.get(v.name) ?? []), s]);
      for (const t of [v.name, `${v.name}_rollup`]) await wh.command(`DROP TABLE IF EXISTS ${t}`);
      await wh.command(`DROP VIEW IF EXISTS ${v.name}_mv`);
    }
  }
  for (const v of variants) {
    const xs = [...(times.get(v.name) ?? [])].sort((a, b) => a - b);
    process.stdout.write(JSON.stringify({ variant: v.name, events: n, median_s: +xs[Math.floor(xs.length / 2)].toFixed(2), runs: xs.map((x) => +x.toFixed(2)), load: os.loadavg().map((x) => +x.toFixed(2)) }) + '\n');
  }
} finally {
  await wh.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
  if (!values.dir) fs.rmSync(work, { recursive: true, force: true });
}
