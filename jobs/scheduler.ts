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
import { digestJob } from './digest.ts';
import { probesJob, type ProbesJobSpec } from './probes.ts';

/** The configured jobs: the inbox scan, the rollups' upkeep (and alert evaluation), the open-data publication, the
 *  digests, then those of the jobs file (`{"jobs": [{"id", "type": "pull" | "probes", ...}]}`). */
export function loadJobs(config: Config): Job[] {
  const jobs: Job[] = [
    inboxJob(config.ingest.inboxDir, config.ingest.inboxSchedule), rollupsJob(config.rollupSchedule),
    openDataJob(config.openData.schedule), digestJob(config.alerts.digestSchedule)
  ];
  if (config.ingest.jobsFile) {
    const parsed = JSON.parse(fs.readFileSync(config.ingest.jobsFile, 'utf8')) as { jobs?: (PullJobSpec | ProbesJobSpec)[] };
    for (const spec of parsed.jobs ?? []) {
      if (spec.type === 'pull') jobs.push(pullJob(spec));
      else if (spec.type === 'probes') jobs.push(probesJob(spec, config.ingest.jobsFile));
      else throw new Error(`${config.ingest.jobsFile}: tâche ${(spec as { id?: string }).id}: type "${String((spec as { type?: string }).type)}" inconnu / unknown job type (pull, probes)`);
    }
  }
  const ids = new Set<string>();
  for (const job of jobs) {
    if (ids.has(job.id)) throw new Error(`tâche ${job.id} : identifiant en double / duplicated job id`);
    ids.add(job.id);
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
  /** The context jobs run with (the process's warehouse, configuration, metrics service and clock). */
  context: JobContext;
  /** Runs one job now, outside its schedule (still recorded, still never overlapping itself). */
  run(id: string): Promise<JobRunResult>;
  stop(): Promise<void>;
}

const ACTIVE = Symbol.for('jalon.scheduler');

/** The scheduler `serve` started in this process (the jobs page's "run now" goes through it), or null. */
export function activeScheduler(): Scheduler | null {
  return (globalThis as { [ACTIVE]?: Scheduler })[ACTIVE] ?? null;
}

export function startScheduler(options: { warehouse: Warehouse; config: Config; metrics: MetricsService; jobs: readonly Job[]; now?: () => Date; log?: (line: string) => void; appUrl?: string }): Scheduler {
  const ctx: JobContext = {
    warehouse: options.warehouse,
    config: options.config,
    metrics: options.metrics,
    now: options.now ?? (() => new Date()),
    log: options.log ?? ((line) => process.stderr.write(`${line}\n`)),
    ...(options.appUrl ? { appUrl: options.appUrl } : {})
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
  const scheduler: Scheduler = {
    jobs: options.jobs,
    context: ctx,
    run(id) {
      const job = options.jobs.find((j) => j.id === id);
      if (!job) throw new Error(`tâche inconnue / unknown job "${id}"`);
      return start(job);
    },
    async stop() {
      const g = globalThis as { [ACTIVE]?: Scheduler };
      if (g[ACTIVE] === scheduler) delete g[ACTIVE];
      for (const t of tasks) await t.destroy();
      await Promise.allSettled([...inFlight]);
    }
  };
  (globalThis as { [ACTIVE]?: Scheduler })[ACTIVE] = scheduler;
  return scheduler;
}
