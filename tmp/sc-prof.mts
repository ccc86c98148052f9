import { EmbeddedWarehouse } from '/work/wt-lead/warehouse/embedded.ts';
import { createMetricsService } from '/work/wt-lead/metrics/service.ts';
import { loadConfig } from '/work/wt-lead/config/config.ts';
import { DEMO_EXECUTIVE, PUBLIC_CALLER } from '/work/wt-lead/access/caller.ts';
const wh = await EmbeddedWarehouse.open({ dataDir: '/tmp/lead2m', database: 'jalon' });
const log: { ms: number; sql: string }[] = [];
const orig = wh.query.bind(wh);
(wh as any).query = async (sql: string, p?: any, o?: any) => { const t = performance.now(); try { return await orig(sql, p, o); } finally { log.push({ ms: performance.now() - t, sql: sql.replace(/\s+/g, ' ').slice(0, 110) }); } };
const origA = wh.queryArrow.bind(wh);
(wh as any).queryArrow = async (sql: string, p?: any, o?: any) => { const t = performance.now(); try { return await origA(sql, p, o); } finally { log.push({ ms: performance.now() - t, sql: 'ARROW ' + sql.replace(/\s+/g, ' ').slice(0, 104) }); } };
const config = loadConfig({ JALON_DATA_DIR: '/tmp/lead2m' });
const m = createMetricsService(wh, config);
await m.pageVersion();
for (const at of ['2026-10-03', '2026-10-04']) {
  log.length = 0;
  const t0 = performance.now();
  await m.scorecard({ caller: DEMO_EXECUTIVE, org: null, at, now: new Date('2026-11-30T12:00:00Z'), strategy: 'qc-2018' });
  const total = performance.now() - t0;
  const sum = log.reduce((a, b) => a + b.ms, 0);
  console.log(`at ${at}: total ${total.toFixed(0)} ms, ${log.length} queries, sum of query ms ${sum.toFixed(0)}`);
  if (at === '2026-10-03') for (const q of [...log].sort((a, b) => b.ms - a.ms).slice(0, 12)) console.log(`  ${q.ms.toFixed(0).padStart(5)} ${q.sql}`);
}
await wh.close();
