// Ingest benchmark: on one generated NDJSON file, ClickHouse's own `INSERT ... SELECT FROM file()` into
// service_events (fresh embedded warehouse, in this process) against the `jalon ingest events` command (fresh data
// folder, child process, measured by /usr/bin/time for wall time and peak memory). Prints one JSON line per size.
//   node --import tsx bench/ingest/run.ts --events 5000000 [--keep-file] [--skip-native]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { EmbeddedWarehouse } from '../../warehouse/embedded.ts';
import { migrate } from '../../warehouse/migrate.ts';
import { writeEventsFile } from './generate-events.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const COLS = 'event_id, occurred_at, org, service, channel, journey_id, type, step, step_index, outcome, client_type, region, sign_in, assisted, prefilled, duration_ms';

async function native(file: string, dataDir: string): Promise<{ seconds: number; rows: number }> {
  const wh = await EmbeddedWarehouse.open({ dataDir, database: 'jalon' });
  try {
    await migrate(wh);
    const t0 = performance.now();
    await wh.command(`INSERT INTO service_events (${COLS}) SELECT ${COLS} FROM file({f:String}, 'JSONEachRow')`, { f: file }, { settings: { date_time_input_format: 'best_effort' } });
    const seconds = (performance.now() - t0) / 1000;
    const [row] = await wh.query<{ n: number }>('SELECT toUInt64(count()) AS n FROM service_events');
    return { seconds, rows: Number(row.n) };
  } finally {
    await wh.close();
  }
}

async function jalon(file: string, dataDir: string): Promise<{ seconds: number; peakMiB: number; summary: Record<string, unknown> }> {
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

const { values } = parseArgs({ options: { events: { type: 'string', default: '5000000' }, 'keep-file': { type: 'boolean', default: false }, 'skip-native': { type: 'boolean', default: false }, dir: { type: 'string' } } });
const work = values.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'jalon-bench-ingest-'));
for (const n of values.events.split(',').map(Number)) {
  const file = path.join(work, `events-${n}.ndjson`);
  if (!fs.existsSync(file)) await writeEventsFile(file, n);
  const bytes = fs.statSync(file).size;
  const a = values['skip-native'] ? null : await native(file, path.join(work, `native-${n}`));
  const b = await jalon(file, path.join(work, `jalon-${n}`));
  process.stdout.write(
    JSON.stringify({
      events: n, file_bytes: bytes, native_seconds: a ? +a.seconds.toFixed(2) : null, native_rows: a?.rows ?? null,
      jalon_seconds: b.seconds, jalon_peak_mib: b.peakMiB, ratio: a ? +(a.seconds / b.seconds).toFixed(3) : null,
      jalon_summary: b.summary, load_average: os.loadavg().map((x) => +x.toFixed(2)), at: new Date().toISOString()
    }) + '\n'
  );
  for (const d of [`native-${n}`, `jalon-${n}`]) fs.rmSync(path.join(work, d), { recursive: true, force: true });
  if (!values['keep-file']) fs.rmSync(file, { force: true });
}
if (!values.dir && !values['keep-file']) fs.rmSync(work, { recursive: true, force: true });
