// What a scheduled job is, and the one function that runs one: recorded in job_runs (start, end, status, counts,
// error) and never overlapping itself in this process (a second start while one runs is recorded as skipped).
import { randomUUID } from 'node:crypto';
import type { Config } from '../config/config.ts';
import type { Warehouse } from '../warehouse/warehouse.ts';
import type { MetricsService } from '../metrics/service.ts';

export interface JobContext {
  warehouse: Warehouse;
  config: Config;
  /** The process's one metrics service: a job that needs a figure asks it, never the warehouse. */
  metrics: MetricsService;
  /** The clock: jobs take `now` instead of reading it. */
  now: () => Date;
  log: (line: string) => void;
  /** Where the dashboard is served in this process (`serve`), for what prints pages (the digests' PDF). */
  appUrl?: string;
}

export interface Job {
  id: string;
  /** node-cron expression (5 fields, or 6 with seconds). */
  schedule: string;
  description: string;
  run(ctx: JobContext): Promise<Record<string, number>>;
}

export interface JobRunResult {
  job_id: string;
  run_id: string;
  status: 'ok' | 'failed' | 'skipped';
  counts: Record<string, number>;
  error: string;
}

const RUNNING = Symbol.for('jalon.runningJobs');
function running(): Set<string> {
  const g = globalThis as { [RUNNING]?: Set<string> };
  g[RUNNING] ??= new Set();
  return g[RUNNING];
}

const iso = (d: Date) => d.toISOString().replace('T', ' ').replace('Z', '');

export async function runJob(job: Job, ctx: JobContext): Promise<JobRunResult> {
  const runId = randomUUID();
  const startedAt = ctx.now();
  const write = (status: string, counts: Record<string, number>, error: string, finished: Date | null) =>
    ctx.warehouse.insert('job_runs', [
      { job_id: job.id, run_id: runId, started_at: iso(startedAt), finished_at: finished ? iso(finished) : null, status, counts, error, updated_at: iso(finished ?? startedAt) }
    ]);
  if (running().has(job.id)) {
    await write('skipped', {}, 'exécution précédente en cours / previous run still running', ctx.now());
    return { job_id: job.id, run_id: runId, status: 'skipped', counts: {}, error: 'previous run still running' };
  }
  running().add(job.id);
  try {
    await write('running', {}, '', null);
    const counts = await job.run(ctx);
    await write('ok', counts, '', ctx.now());
    return { job_id: job.id, run_id: runId, status: 'ok', counts, error: '' };
  } catch (err) {
    const error = err instanceof Error ? ((err as { toLine?: () => string }).toLine?.() ?? err.message) : String(err);
    await write('failed', {}, error.slice(0, 4000), ctx.now()).catch(() => undefined);
    ctx.log(`tâche ${job.id} en échec / job failed: ${error}`);
    return { job_id: job.id, run_id: runId, status: 'failed', counts: {}, error };
  } finally {
    running().delete(job.id);
  }
}
