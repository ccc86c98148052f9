// The rollups job started by `serve`: brings the journeys and cases rollups up to date with what was ingested since
// its last run (by this process or any other writing to the same warehouse), then prepares the scorecards, so that the
// first person to open the dashboard after new data finds the figures computed from rollups, not raw events.
import { refreshRollups } from '../metrics/rollups.ts';
import type { Job } from './job.ts';

export function rollupsJob(schedule: string): Job {
  return {
    id: 'rollups',
    schedule,
    description: 'agrégats des parcours et des dossiers, tableaux de bord prêts / journey and case rollups, scorecards prepared',
    async run(ctx) {
      const refreshed = await refreshRollups(ctx.warehouse);
      const scorecards = await ctx.metrics.warm(ctx.now());
      const counts: Record<string, number> = { scorecards };
      for (const [table, r] of Object.entries(refreshed)) counts[`${table}_statements`] = r.chunks;
      return counts;
    }
  };
}
