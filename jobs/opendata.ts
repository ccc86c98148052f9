// The open-data job started by `serve`: publishes the day's snapshot (opendata/publish.ts) through the process's one
// metrics service, on JALON_OPENDATA_SCHEDULE, into JALON_OPENDATA_DIR, where the dashboard serves it.
import { publishOpenData } from '../opendata/publish.ts';
import type { Job } from './job.ts';

export function openDataJob(schedule: string): Job {
  return {
    id: 'opendata',
    schedule,
    description: 'publication des données ouvertes / open-data publication',
    async run(ctx) {
      const summary = await publishOpenData({ metrics: ctx.metrics, config: ctx.config.openData, publicUrl: ctx.config.http.publicUrl, now: ctx.now(), log: ctx.log });
      return { datasets: summary.datasets, files: summary.files, revisions: summary.revisions, skipped: summary.skipped.length };
    }
  };
}
