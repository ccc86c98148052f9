// Ingest runs stopped before their end (kill -9, power cut, SIGTERM during a statement): telling them from live runs,
// dropping the staging tables and views they left (`_ingest_<what>_<tag>`), and marking their record failed so the
// operations pages and alerts say the delivery must be sent again (re-sending is safe: stored rows are not counted twice).
// Never touches a live run's tables: the embedded engine's folder is held by one process (every run of another process
// has ended), and on a ClickHouse server a run is live while its process is (same machine) and its heartbeat is recent,
// or while the server still runs one of its statements.
import os from 'node:os';
import type { Warehouse } from '../warehouse/warehouse.ts';
import { quoteIdentifier } from '../warehouse/identifiers.ts';
import { KIND_SPECS, isKind } from './kinds.ts';

/** How often a run on a ClickHouse server re-records itself, and after how long without it another process treats it as
 *  stopped (ten beats missed: a busy server or a long statement delays a beat, never ten). */
export const HEARTBEAT_MS = 60_000;
export const STALE_MS = 10 * HEARTBEAT_MS;
/** Runs recorded before the holder existed (sql/schema/175): stopped once their record is a day old, as before. */
const LEGACY_STALE_MS = 86_400_000;

/** This process, as `ingest_runs.holder` records it: host, pid and start time (a pid reused later is another process).
 *  Derived from the process itself, not kept in a module variable, so every bundle of this module agrees. */
export function thisProcess(): string {
  return `${os.hostname()}:${process.pid}:${Math.round(performance.timeOrigin)}`;
}

/** The suffix shared by a run's staging tables and views. */
export function stagingTag(runId: string): string {
  return runId.replace(/-/g, '').slice(0, 20);
}

const STAGING = /^_ingest_[a-z]+\d*_([0-9a-f]{20})$/;

interface RunRow {
  run_id: string;
  kind: string;
  status: string;
  holder: string;
  beat: string;
  source: string;
  format: string;
  org: string;
  started_at: string;
  read: number;
  rejected: number;
  new_codes: string[];
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const utc = (text: string) => Date.parse(`${text.replace(' ', 'T')}Z`);

/** Tags of runs whose statements a ClickHouse server is still running: a killed client's last INSERT … SELECT goes on
 *  without it, so its staging tables are in use and rows may still land. */
async function busyTags(wh: Warehouse): Promise<Set<string>> {
  if (wh.kind === 'embedded') return new Set();
  const rows = await wh.query<{ query: string }>("SELECT query FROM system.processes WHERE position(query, '_ingest_') > 0");
  return new Set(rows.flatMap((r) => [...r.query.matchAll(/_ingest_[a-z]+\d*_([0-9a-f]{20})/g)].map((m) => m[1])));
}

/** Whether a run recorded 'running' is still running. */
function isLive(wh: Warehouse, run: Pick<RunRow, 'run_id' | 'holder' | 'beat'>, now: Date, busy: ReadonlySet<string>): boolean {
  if (run.holder === thisProcess()) return true;
  // The embedded folder is locked by this process: whoever else recorded a run has ended.
  if (wh.kind === 'embedded') return false;
  if (busy.has(stagingTag(run.run_id))) return true;
  const age = now.getTime() - utc(run.beat);
  if (!run.holder) return age < LEGACY_STALE_MS;
  const [host, pid] = run.holder.split(':');
  if (host === os.hostname() && !pidAlive(Number(pid))) return false;
  return age < STALE_MS;
}

/** Runs whose latest record says 'running' (started in the last 30 days: every run's first record says it, and the
 *  log grows by a run per push flush), and the runs of the given tags whatever their status; latest record each. */
async function readRuns(wh: Warehouse, tags: readonly string[]): Promise<RunRow[]> {
  const rows = await wh.query<RunRow>(
    `SELECT run_id, argMax(kind, updated_at) AS kind, argMax(status, updated_at) AS status, argMax(holder, updated_at) AS holder,
            toString(max(updated_at)) AS beat, argMax(source, updated_at) AS source, argMax(format, updated_at) AS format,
            argMax(org, updated_at) AS org, toString(min(started_at)) AS started_at, argMax(read, updated_at) AS read,
            argMax(rejected, updated_at) AS rejected, argMax(new_codes, updated_at) AS new_codes
     FROM ingest_runs
     WHERE run_id IN (SELECT run_id FROM ingest_runs WHERE started_at > now64(3) - INTERVAL 30 DAY GROUP BY run_id HAVING argMax(status, updated_at) = 'running')
        OR substring(replaceAll(run_id, '-', ''), 1, 20) IN {tags:Array(String)}
     GROUP BY run_id`,
    { tags }
  );
  return rows.map((r) => ({ ...r, read: Number(r.read), rejected: Number(r.rejected) }));
}

/** Whether an ingest is writing now, in this process or (server) any other: a rebuild of a rollup fed by views waits
 *  for a later refresh meanwhile, since rows landing during it could be counted twice. */
export async function ingestsRunning(wh: Warehouse, now: Date = new Date()): Promise<boolean> {
  const busy = await busyTags(wh);
  return (await readRuns(wh, [])).some((r) => r.status === 'running' && isLive(wh, r, now, busy));
}

export interface Swept {
  /** Runs found stopped, now recorded failed. */
  runs: string[];
  /** Staging tables and views dropped. */
  tables: string[];
}

/**
 * Drops the staging tables and views of runs that are not running (stopped, or ended without their clean-up), and
 * records every stopped run as failed, with the rows it stored. Runs at the start of an ingest and of the rollups job.
 */
export async function sweepStoppedIngests(wh: Warehouse, now: Date = new Date()): Promise<Swept> {
  const staged = await wh.query<{ name: string; age: number }>(
    `SELECT name, toInt64(dateDiff('second', metadata_modification_time, now())) AS age FROM system.tables
     WHERE database = currentDatabase() AND startsWith(name, '_ingest_')`
  );
  const tagOf = (name: string) => STAGING.exec(name)?.[1] ?? null;
  const tags = [...new Set(staged.map((t) => tagOf(t.name)).filter((t): t is string => t !== null))];
  const runs = await readRuns(wh, tags);
  const busy = await busyTags(wh);
  const byTag = new Map(runs.map((r) => [stagingTag(r.run_id), r]));
  const stopped = runs.filter((r) => r.status === 'running' && !isLive(wh, r, now, busy));
  const out: Swept = { runs: [], tables: [] };
  const dead = staged.filter((t) => {
    const tag = tagOf(t.name);
    if (!tag) return false;
    const run = byTag.get(tag);
    // A table without a record: the embedded engine's are all ours to judge (no other process writes); elsewhere, only old ones.
    if (busy.has(tag)) return false;
    if (!run) return wh.kind === 'embedded' || Number(t.age) * 1000 > LEGACY_STALE_MS;
    return run.status !== 'running' || !isLive(wh, run, now, busy);
  });
  // Views first: a table a view reads cannot be dropped before the view.
  const views = dead.filter((t) => t.name.startsWith('_ingest_mv'));
  for (const t of [...views, ...dead.filter((t) => !views.includes(t))]) {
    // One that cannot go now (another sweep dropped it, a view still reads it) is tried again by the next sweep.
    const dropped = await wh.command(`DROP ${views.includes(t) ? 'VIEW' : 'TABLE'} IF EXISTS ${quoteIdentifier(t.name)}`).then(() => true, () => false);
    if (dropped) out.tables.push(t.name);
  }
  for (const run of stopped) {
    // What it stored is what counts: identity kinds' rows carry their run id (a re-sent file counts them as duplicates).
    const spec = isKind(run.kind) ? KIND_SPECS[run.kind] : null;
    let inserted = 0;
    if (spec?.uniqueness === 'identity') {
      const [c] = await wh.query<{ n: number }>(`SELECT toUInt64(count()) AS n FROM ${quoteIdentifier(spec.table)} WHERE run_id = {run:String}`, { run: run.run_id });
      inserted = Number(c?.n ?? 0);
    }
    const at = now.toISOString().replace('T', ' ').replace('Z', '');
    await wh.insert('ingest_runs', [
      {
        run_id: run.run_id, kind: run.kind, source: run.source, format: run.format, org: run.org, started_at: run.started_at, finished_at: at,
        status: 'failed', read: Math.max(run.read, inserted + run.rejected), inserted, duplicates: 0, rejected: run.rejected, new_codes: run.new_codes,
        error: STOPPED_MESSAGE, holder: run.holder, updated_at: at
      }
    ]);
    out.runs.push(run.run_id);
  }
  return out;
}

export const STOPPED_MESSAGE =
  'arrêtée avant la fin (processus interrompu) : renvoyez la livraison, les lignes déjà stockées ne seront pas comptées deux fois / ' +
  'stopped before the end (process interrupted): send the delivery again, rows already stored are not counted twice';
