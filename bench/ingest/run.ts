// Ingest benchmark: on one generated NDJSON file, in one run, two baselines against the `jalon ingest events` command
// (fresh data folder, child process, measured by /usr/bin/time for wall time and peak memory):
// - native: ClickHouse's own `INSERT ... SELECT FROM file()` into service_events (fresh embedded warehouse, in this
//   process), its rollup view included;
// - lean: the same insert into a lean MergeTree of the file's columns (plain types, no sorting key, no partition, no
//   index, no view): what the engine does with the file and nothing else.
// Every side starts on a migrated warehouse; the command's time includes its own start-up and migrations check.
// After each side the events rollup is checked current (it holds exactly the raw rows), and the rollups a view cannot
// keep (journeys, completions) are brought up to date by `refreshRollups`, timed apart: the same work for both sides.
// Prints one JSON line per size.
//   node --import tsx bench/ingest/run.ts --events 5000000 [--keep-file] [--skip-native] [--skip-lean] [--skip-refresh]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { EmbeddedWarehouse } from '../../warehouse/embedded.ts';
import { migrate } from '../../warehouse/migrate.ts';
import { forgetRollupHealth, refreshRollups, rollupHealth } from '../../metrics/rollups.ts';
import { writeEventsFile } from './generate-events.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const COLS = 'event_id, occurred_at, org, service, channel, journey_id, type, step, step_index, outcome, client_type, region, sign_in, assisted, prefilled, duration_ms';

/** The lean table: the file's columns with plain types, nothing else. */
const LEAN = `CREATE TABLE lean_events (event_id String, occurred_at DateTime64(3, 'UTC'), org String, service String, channel String,
  journey_id String, type String, step String, step_index UInt8, outcome String, client_type String, region String, sign_in String,
  assisted Bool, prefilled Bool, duration_ms Nullable(UInt64)) ENGINE = MergeTree ORDER BY tuple()`;

interface Rollups {
  /** The events rollup (fed by its view) held exactly the raw rows right after the insert. */
  events_rollup_current: boolean;
  /** Seconds `refreshRollups` took to bring the journeys and completions rollups up to date afterwards. */
  refresh_seconds: number | null;
  /** Every rollup current after the refresh. */
  all_current: boolean | null;
}

/** Checks the rollups of a warehouse just written, then (unless skipped) refreshes those a view cannot keep. */
async function rollupsOf(wh: EmbeddedWarehouse, refresh: boolean): Promise<Rollups> {
  forgetRollupHealth(wh);
  const { health } = await rollupHealth(wh);
  if (!refresh) return { events_rollup_current: health.rollup_events_daily === true, refresh_seconds: null, all_current: null };
  const t0 = performance.now();
  await refreshRollups(wh);
  const refreshSeconds = (performance.now() - t0) / 1000;
  forgetRollupHealth(wh);
  const after = (await rollupHealth(wh)).health;
  return { events_rollup_current: health.rollup_events_daily === true, refresh_seconds: +refreshSeconds.toFixed(2), all_current: Object.values(after).every(Boolean) };
}

async function native(file: string, dataDir: string, refresh: boolean): Promise<{ seconds: number; rows: number; rollups: Rollups }> {
  const wh = await EmbeddedWarehouse.open({ dataDir, database: 'jalon' });
  try {
    await migrate(wh);
    const t0 = performance.now();
    await wh.command(`INSERT INTO service_events (${COLS}) SELECT ${COLS} FROM file({f:String}, 'JSONEachRow')`, { f: file }, { settings: { date_time_input_format: 'best_effort' } });
    const seconds = (performance.now() - t0) / 1000;
    const [row] = await wh.query<{ n: number }>('SELECT toUInt64(count()) AS n FROM service_events');
    return { seconds, rows: Number(row.n), rollups: await rollupsOf(wh, refresh) };
  } finally {
    await wh.close();
  }
}

async function lean(file: string, dataDir: string): Promise<{ seconds: number; rows: number }> {
  const wh = await EmbeddedWarehouse.open({ dataDir, database: 'jalon' });
  try {
    await wh.command(LEAN);
    const t0 = performance.now();
    await wh.command(`INSERT INTO lean_events (${COLS}) SELECT ${COLS} FROM file({f:String}, 'JSONEachRow')`, { f: file }, { settings: { date_time_input_format: 'best_effort' } });
    const seconds = (performance.now() - t0) / 1000;
    const [row] = await wh.query<{ n: number }>('SELECT toUInt64(count()) AS n FROM lean_events');
    return { seconds, rows: Number(row.n) };
  } finally {
    await wh.close();
  }
}

/** The rollups of the folder `jalon ingest` wrote (opened once the command has exited). */
async function jalonRollups(dataDir: string, refresh: boolean): Promise<Rollups> {
  const wh = await EmbeddedWarehouse.open({ dataDir, database: 'jalon' });
  try {
    return await rollupsOf(wh, refresh);
  } finally {
    await wh.close();
  }
}

/** A migrated warehouse for the command, as the baselines get theirs before their timer starts: a user ingests into a
 *  warehouse that exists (on a fresh folder the migrations took about 1 s of the command's time). */
async function prepareJalon(dataDir: string): Promise<void> {
  const wh = await EmbeddedWarehouse.open({ dataDir, database: 'jalon' });
  try {
    await migrate(wh);
  } finally {
    await wh.close();
  }
}

async function jalon(file: string, dataDir: string): Promise<{ seconds: number; peakMiB: number; summary: Record<string, unknown> }> {
  await prepareJalon(dataDir);
  const timeOut = path.join(dataDir, '..', `time-${path.basename(dataDir)}.txt`);
  const child = spawn('/usr/bin/time', ['-f', '%e %M', '-o', timeOut, process.execPath, path.join(ROOT, 'bin', 'jalon.js'), 'ingest', 'events', file, '--json'], {
    cwd: ROOT,
    env: { ...process.env, JALON_DATA_DIR: dataDir, CLICKHOUSE_URL: '' },
    stdio: ['ignore', 'pipe', 'inherit']
  });
  let stdout = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  if (code !== 0) throw new Error(`jalon ingest exited ${code}: ${stdout}`);
  const [seconds, kib] = fs.readFileSync(timeOut, 'utf8').trim().split(/\s+/).slice(-2).map(Number);
  return { seconds, peakMiB: Math.round(kib / 1024), summary: JSON.parse(stdout) as Record<string, unknown> };
}

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '5000000' }, 'keep-file': { type: 'boolean', default: false }, 'skip-native': { type: 'boolean', default: false },
    'skip-lean': { type: 'boolean', default: false }, 'skip-refresh': { type: 'boolean', default: false }, dir: { type: 'string' }
  }
});
const refresh = !values['skip-refresh'];
const work = values.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'jalon-bench-ingest-'));
for (const n of values.events.split(',').map(Number)) {
  const file = path.join(work, `events-${n}.ndjson`);
  if (!fs.existsSync(file)) await writeEventsFile(file, n);
  const bytes = fs.statSync(file).size;
  const loadBefore = os.loadavg().map((x) => +x.toFixed(2));
  const l = values['skip-lean'] ? null : await lean(file, path.join(work, `lean-${n}`));
  fs.rmSync(path.join(work, `lean-${n}`), { recursive: true, force: true });
  const a = values['skip-native'] ? null : await native(file, path.join(work, `native-${n}`), refresh);
  fs.rmSync(path.join(work, `native-${n}`), { recursive: true, force: true });
  const b = await jalon(file, path.join(work, `jalon-${n}`));
  const bRollups = await jalonRollups(path.join(work, `jalon-${n}`), refresh);
  const ratio = (x: number | undefined, y: number) => (x === undefined ? null : +(x / y).toFixed(3));
  process.stdout.write(
    JSON.stringify({
      events: n, file_bytes: bytes,
      lean_seconds: l ? +l.seconds.toFixed(2) : null, lean_rows: l?.rows ?? null,
      native_seconds: a ? +a.seconds.toFixed(2) : null, native_rows: a?.rows ?? null, native_rollups: a?.rollups ?? null,
      jalon_seconds: b.seconds, jalon_peak_mib: b.peakMiB, jalon_rollups: bRollups,
      ratio: ratio(a?.seconds, b.seconds), ratio_lean: ratio(l?.seconds, b.seconds),
      ratio_with_refresh: a?.rollups.refresh_seconds != null && bRollups.refresh_seconds != null ? ratio(a.seconds + a.rollups.refresh_seconds, b.seconds + bRollups.refresh_seconds) : null,
      jalon_summary: b.summary, load_average_before: loadBefore, load_average: os.loadavg().map((x) => +x.toFixed(2)), at: new Date().toISOString()
    }) + '\n'
  );
  fs.rmSync(path.join(work, `jalon-${n}`), { recursive: true, force: true });
  if (!values['keep-file']) fs.rmSync(file, { force: true });
}
if (!values.dir && !values['keep-file']) fs.rmSync(work, { recursive: true, force: true });
