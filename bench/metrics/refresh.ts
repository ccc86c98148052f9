// Cost of keeping the journeys and cases rollups current: on an existing benchmark data folder (bench/metrics/run.ts
// --data-dir), a delivery of N events (N/2 journeys of RAMQ over a week of November 2026) through runIngest, then
// refreshRollups, timed, with the rollups' health before and after. Adds N events to the folder.
//   node --import tsx bench/metrics/refresh.ts --data-dir /work/bench-data/100M [--events 20000]
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { ServerWarehouse } from '../../warehouse/server.ts';
import { migrate } from '../../warehouse/migrate.ts';
import { startClickHouseServer } from '../../tests/support/clickhouse-server.ts';
import { runIngest } from '../../ingest/run-ingest.ts';
import { refreshRollups, rollupHealth, forgetRollupHealth } from '../../metrics/rollups.ts';
const { values } = parseArgs({ options: { 'data-dir': { type: 'string' }, events: { type: 'string', default: '20000' } } });
if (!values['data-dir']) throw new Error('--data-dir: dossier de données du banc / benchmark data folder (bench/metrics/run.ts --data-dir)');
const dataDir = values['data-dir'];
const n = Number(values.events);
const server = await startClickHouseServer({ dataDir });
const wh = await ServerWarehouse.open({ url: server.url, username: 'default', password: '', database: 'jalon', createDatabase: true });
try {
  await migrate(wh);
  let t0 = performance.now();
  console.log('before', JSON.stringify(await refreshRollups(wh)), ((performance.now() - t0) / 1000).toFixed(1), 's');
  const [svc] = await wh.query<{ code: string }>("SELECT code FROM services FINAL WHERE org = 'RAMQ' AND length(steps) > 0 LIMIT 1");
  const file = `/tmp/incr-${n}.ndjson`;
  const stamp = Date.now();
  const lines: string[] = [];
  for (let j = 0; j < n / 2; j++) {
    const at = new Date(Date.UTC(2026, 10, 20) + (j % 7) * 86_400_000 + (j % 600) * 60_000);
    const base = { org: 'RAMQ', service: svc.code, channel: 'web', journey_id: `incr-${stamp}-${j}`, client_type: 'citizen', region: '06', sign_in: 'none' };
    lines.push(JSON.stringify({ ...base, event_id: `incr-${stamp}-${j}-s`, occurred_at: at.toISOString(), type: 'started' }));
    lines.push(JSON.stringify({ ...base, event_id: `incr-${stamp}-${j}-c`, occurred_at: new Date(at.getTime() + 600_000).toISOString(), type: 'completed', outcome: 'success', duration_ms: 600000 }));
  }
  fs.writeFileSync(file, lines.join('\n') + '\n');
  t0 = performance.now();
  const s = await runIngest(wh, { kind: 'events', inputs: [{ source: { type: 'file', path: file }, name: file, format: 'ndjson' }] });
  console.log('ingest', s.inserted, 'events', ((performance.now() - t0) / 1000).toFixed(1), 's');
  forgetRollupHealth(wh);
  console.log('health after ingest', JSON.stringify((await rollupHealth(wh)).health));
  t0 = performance.now();
  console.log('refresh', JSON.stringify(await refreshRollups(wh)), ((performance.now() - t0) / 1000).toFixed(1), 's');
  forgetRollupHealth(wh);
  console.log('health after refresh', JSON.stringify((await rollupHealth(wh)).health));
} finally { await wh.close(); await server.stop(); }
