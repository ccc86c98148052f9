// The jobs scheduler started by `serve`: the inbox scan plus the jobs of JALON_JOBS_FILE, each on its node-cron
// schedule, run through `runJob` (recorded, never overlapping). `stop()` waits for running jobs to end.
import fs from 'node:fs';
import cron, { type Logger, type ScheduledTask } from 'node-cron';
import type { Config } from '../config/config.ts';
import type { Warehouse } from '../warehouse/warehouse.ts';
import type { MetricsService } from '../metrics/service.ts';
import { runJob, type Job, type JobContext, type JobRunResult } from './job.ts';
import { inboxJob } from './inbox.ts';
import { pullJob, type PullJobSpec } from './pull.ts';
import { rollupsJob } from './rollups.ts';
import { openDataJob } from './opendata.ts';

/** The configured jobs: the inbox scan, the rollups' upkeep, the open-data publication, then those of the jobs file
 *  (`{"jobs": [{"id", "type": "pull", ...}]}`). */
export function loadJobs(config: Config): Job[] {
  const jobs: Job[] = [inboxJob(config.ingest.inboxDir, config.ingest.inboxSchedule), rollupsJob(config.rollupSchedule), openDataJob(config.openData.schedule)];
  if (config.ingest.jobsFile) {
    const parsed = JSON.parse(fs.readFileSync(config.ingest.jobsFile, 'utf8')) as { jobs?: PullJobSpec[] };
    for (const spec of parsed.jobs ?? []) {
      if (spec.type !== 'pull') throw new Error(`${config.ingest.jobsFile}: tâche ${spec.id}: type "${String(spec.type)}" inconnu / unknown job type (pull)`);
      jobs.push(pullJob(spec));
    }
  }
  for (const job of jobs) {
    if (!cron.validate(job.schedule)) throw new Error(`tâche ${job.id}: horaire cron invalide / invalid cron schedule "${job.schedule}"`);
  }
  return jobs;
}

function cronLogger(log: (line: string) => void): Logger {
  return {
    info: () => undefined,
    debug: () => undefined,
    warn: (m) => log(`cron: ${m}`),
    error: (m) => log(`cron: ${m instanceof Error ? m.message : m}`)
  };
}

export interface Scheduler {
  jobs: readonly Job[];
  /** Runs one job now, outside its schedule (still recorded, still never overlapping itself). */
  run(id: string): Promise<JobRunResult>;
  stop(): Promise<void>;
}

export function startScheduler(options: { warehouse: Warehouse; config: Config; metrics: MetricsService; jobs: readonly Job[]; now?: () => Date; log?: (line: string) => void }): Scheduler {
  const ctx: JobContext = {
    warehouse: options.warehouse,
    config: options.config,
    metrics: options.metrics,
    now: options.now ?? (() => new Date()),
    log: options.log ?? ((line) => process.stderr.write(`${line}\n`))
  };
  const inFlight = new Set<Promise<JobRunResult>>();
  const start = (job: Job): Promise<JobRunResult> => {
    const p = runJob(job, ctx);
    inFlight.add(p);
    return p.finally(() => inFlight.delete(p));
  };
  const tasks: ScheduledTask[] = options.jobs.map((job) =>
    cron.schedule(
      job.schedule,
      () => {
        return start(job);
      },
      // Overlap is refused by runJob itself, which records the skipped start in job_runs (node-cron's own guard would
      // drop it silently); node-cron's messages go through our log.
      { name: `jalon-${job.id}`, timezone: options.config.timeZone, noOverlap: false, logger: cronLogger(ctx.log) }
    )
  );
  return {
    jobs: options.jobs,
    run(id) {
      const job = options.jobs.find((j) => j.id === id);
      if (!job) throw new Error(`tâche inconnue / unknown job "${id}"`);
      return start(job);
    },
    async stop() {
      for (const t of tasks) await t.destroy();
      await Promise.allSettled([...inFlight]);
    }
  };
}
