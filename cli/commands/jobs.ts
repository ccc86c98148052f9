// `jalon jobs list | run <id>`: the configured jobs with their last run, or one job run now (recorded in job_runs).
import { parseArgs } from 'node:util';
import { openWarehouse } from '../../warehouse/open-warehouse.ts';
import { createMetricsService } from '../../metrics/service.ts';
import { migrate } from '../../warehouse/migrate.ts';
import { runJob } from '../../jobs/job.ts';
import { loadJobs } from '../../jobs/scheduler.ts';
import { lastJobRuns } from '../../jobs/job-runs.ts';
import { UsageError, type Command } from '../command.ts';

export const jobsCommand: Command = {
  name: 'jobs',
  async run(args, config) {
    const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { json: { type: 'boolean', default: false } } });
    const [action, id] = positionals;
    if (action !== 'list' && action !== 'run') throw new UsageError('usage: jalon jobs list | run <id>');
    const jobs = loadJobs(config);
    const job = action === 'run' ? jobs.find((j) => j.id === id) : undefined;
    if (action === 'run' && !job) throw new UsageError(`tâche inconnue / unknown job "${id ?? ''}": ${jobs.map((j) => j.id).join(', ')}`);
    const wh = await openWarehouse(config.warehouse, { holder: 'jalon jobs', createDatabase: true });
    try {
      await migrate(wh);
      if (job) {
        const result = await runJob(job, { warehouse: wh, config, metrics: createMetricsService(wh, config), now: () => new Date(), log: (l) => (!values.json ? process.stderr.write(`${l}\n`) : undefined) });
        if (values.json) process.stdout.write(JSON.stringify(result) + '\n');
        else process.stderr.write(`${job.id}: ${result.status} ${JSON.stringify(result.counts)} ${result.error}\n`);
        return result.status === 'failed' ? 1 : 0;
      }
      const last = await lastJobRuns(wh);
      const rows = jobs.map((j) => ({ id: j.id, schedule: j.schedule, description: j.description, last: last.get(j.id) ?? null }));
      if (values.json) process.stdout.write(JSON.stringify(rows) + '\n');
      else {
        for (const r of rows) {
          const last = r.last ? `${r.last.status} ${r.last.started_at}${r.last.error ? ` — ${r.last.error.split('\n')[0].slice(0, 120)}` : ''}` : 'jamais / never';
          process.stdout.write(`${r.id.padEnd(20)} ${r.schedule.padEnd(14)} ${last}  ${r.description}\n`);
        }
      }
      return 0;
    } finally {
      await wh.close();
    }
  }
};
