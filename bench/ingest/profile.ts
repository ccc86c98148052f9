// Per-phase profile of one `runIngest` of events on a generated file (fresh embedded warehouse), to find the
// slowest SQL step. Prints total milliseconds per phase and the wall time.
//   node --import tsx bench/ingest/profile.ts --events 1000000
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { EmbeddedWarehouse } from '../../warehouse/embedded.ts';
import { migrate } from '../../warehouse/migrate.ts';
import { runIngest } from '../../ingest/run-ingest.ts';
import { writeEventsFile } from './generate-events.ts';

const { values } = parseArgs({ options: { events: { type: 'string', default: '1000000' }, dir: { type: 'string' } } });
const n = Number(values.events);
const work = values.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'jalon-profile-ingest-'));
const file = path.join(work, `events-${n}.ndjson`);
if (!fs.existsSync(file)) await writeEventsFile(file, n);
const dataDir = fs.mkdtempSync(path.join(work, 'wh-'));
const wh = await EmbeddedWarehouse.open({ dataDir, database: 'jalon' });
const phases = new Map<string, number>();
try {
  await migrate(wh);
  const t0 = performance.now();
  const summary = await runIngest(wh, {
    kind: 'events',
    inputs: [{ source: { type: 'file', path: file }, name: file, format: 'ndjson' }],
    trace: (phase, ms) => phases.set(phase, (phases.get(phase) ?? 0) + ms)
  });
  const wall = performance.now() - t0;
  const ms = Object.fromEntries([...phases].map(([k, v]) => [k, Math.round(v)]));
  process.stdout.write(JSON.stringify({ events: n, wall_ms: Math.round(wall), phases: ms, read: summary.read, inserted: summary.inserted, rejected: summary.rejected, load_average: os.loadavg().map((x) => +x.toFixed(2)) }) + '\n');
} finally {
  await wh.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
}
