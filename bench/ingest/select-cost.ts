// Where the validating insert spends its CPU: the in-place path's validation SELECT, its first steps alone, and the
// engine's own typed JSONEachRow parse of the same file, each counted into count() (nothing written), interleaved
// over rounds in one embedded warehouse. Prints wall and CPU milliseconds (the engine runs in this process).
//   node --import tsx bench/ingest/select-cost.ts --events 1000000 --rounds 2 [--dir <dir>]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { EmbeddedWarehouse } from '../../warehouse/embedded.ts';
import { migrate } from '../../warehouse/migrate.ts';
import { KIND_SPECS } from '../../ingest/kinds.ts';
import { buildValidationSelect, targetColumnList, VALIDATION_SETTINGS } from '../../ingest/validate-sql.ts';
import { writeEventsFile } from './generate-events.ts';
import { LINES_RELATION as LINES } from '../../ingest/run-ingest.ts';

const { values } = parseArgs({ options: { events: { type: 'string', default: '1000000' }, rounds: { type: 'string', default: '2' }, dir: { type: 'string' } } });
const n = Number(values.events);
const work = values.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'jalon-select-cost-'));
const file = path.join(work, `events-${n}.ndjson`);
if (!fs.existsSync(file)) await writeEventsFile(file, n);
const dataDir = fs.mkdtempSync(path.join(work, 'wh-'));
const wh = await EmbeddedWarehouse.open({ dataDir, database: 'jalon' });
// The in-place path's file read (ingest/run-ingest.ts), with filters kept where they are written (as measured in docs).
const read = { storage_file_read_method: 'pread', input_format_parallel_parsing: 0, query_plan_filter_push_down: 0, enable_optimize_predicate_expression: 0 };
const fields = KIND_SPECS.events.fields.map((f) => f.name);
const typed = "event_id String, occurred_at DateTime64(3, 'UTC'), org String, service String, channel String, journey_id String, type String, step String, step_index UInt8, outcome String, client_type String, region String, sign_in String, assisted Bool, prefilled Bool, duration_ms Nullable(UInt64)";
try {
  await migrate(wh);
  const v = buildValidationSelect('events', LINES, { org: null, strict: false });
  const cols = targetColumnList('events');
  const cases: Record<string, [string, Record<string, string | number>]> = {
    lines: [`SELECT count() FROM ${LINES} WHERE NOT ignore(line, raw)`, read],
    tuple: [`SELECT count() FROM (SELECT JSONExtract(raw, 'Tuple(${fields.map((f) => `${f} Nullable(String)`).join(', ')})') AS t FROM ${LINES}) WHERE NOT ignore(t)`, read],
    validation: [`SELECT count() FROM (SELECT line, raw, reason, q_org, message, ${cols} FROM (${v.sql})) WHERE NOT ignore(line, raw, reason, q_org, message, ${cols})`, { ...read, ...VALIDATION_SETTINGS }],
    engine_typed_parse: [`SELECT count() FROM file({stage_file:String}, 'JSONEachRow', '${typed.replace(/'/g, "\\'")}') WHERE NOT ignore(*)`, { date_time_input_format: 'best_effort' }]
  };
  const out: Record<string, { wall_ms: number[]; cpu_ms: number[] }> = {};
  for (let round = 0; round < Number(values.rounds); round++) {
    for (const [name, [sql, settings]] of Object.entries(cases)) {
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      await wh.query(sql, { ...v.params, first: 1, stage_file: file }, { settings });
      const cpu = process.cpuUsage(cpu0);
      const o = (out[name] ??= { wall_ms: [], cpu_ms: [] });
      o.wall_ms.push(Math.round(performance.now() - t0));
      o.cpu_ms.push(Math.round((cpu.user + cpu.system) / 1000));
    }
  }
  process.stdout.write(JSON.stringify({ events: n, ...out, load_average: os.loadavg().map((x) => +x.toFixed(2)) }) + '\n');
} finally {
  await wh.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
  if (!values.dir) fs.rmSync(work, { recursive: true, force: true });
}
