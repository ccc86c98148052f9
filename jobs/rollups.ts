// The rollups job started by `serve`: brings the journeys and cases rollups up to date with what was ingested since
// its last run (by this process or any other writing to the same warehouse), then prepares the scorecards, so that the
// first person to open the dashboard after new data finds the figures computed from rollups, not raw events; then
// evaluates the alert rules on the figures just refreshed (jobs/alert-evaluate.ts). First, what a stopped ingest left:
// its staging tables go, its record says it failed, and a rollup it left short is rebuilt for the days it misses.
import { refreshRollups } from '../metrics/rollups.ts';
import { ingestsRunning, sweepStoppedIngests } from '../ingest/stopped-runs.ts';
import { evaluateAlerts } from './alert-evaluate.ts';
import type { Job } from './job.ts';

export function rollupsJob(schedule: string): Job {
  return {
    id: 'rollups',
    schedule,
    description: 'agrégats des parcours et des dossiers, tableaux de bord prêts, alertes évaluées / journey and case rollups, scorecards prepared, alerts evaluated',
    async run(ctx) {
      const swept = await sweepStoppedIngests(ctx.warehouse);
      const refreshed = await refreshRollups(ctx.warehouse, { ingesting: await ingestsRunning(ctx.warehouse) });
      const scorecards = await ctx.metrics.warm(ctx.now());
      const counts: Record<string, number> = { scorecards };
      if (swept.runs.length) counts.ingests_stopped = swept.runs.length;
      if (swept.tables.length) counts.staging_dropped = swept.tables.length;
      for (const [table, r] of Object.entries(refreshed)) counts[`${table}_statements`] = r.chunks;
      const alerts = await evaluateAlerts(ctx);
      counts.alerts_fired = alerts.fired.length;
      counts.alerts_resolved = alerts.resolved.length;
      counts.alerts_open = alerts.open;
      counts.notifications_failed = alerts.notifications.failed;
      // A rule that could not be evaluated fails the run (recorded in job_runs with the rule and why), after the
      // others were evaluated and notified.
      if (alerts.errors.length) throw new Error(`alertes / alerts: ${alerts.errors.map((e) => `${e.rule_id || '—'}: ${e.error}`).join(' ; ')}`);
      return counts;
    }
  };
}
