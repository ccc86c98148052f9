// Reading the run log (job_runs) back: each job's last run and its recent history, for `jalon jobs list` and the
// administrators' jobs page. Operations data, not figures: no metric is computed here.
import type { Warehouse } from '../warehouse/warehouse.ts';

export interface JobRunRow {
  job_id: string;
  run_id: string;
  status: string;
  started_at: string;
  finished_at: string | null;
  counts: Record<string, number>;
  error: string;
}

// Each run is written twice (running, then its outcome) into a ReplacingMergeTree: FINAL keeps the latest row of a
// run. Columns are read under other names (r_…) so that no alias shadows a column inside an aggregate (the alias
// `started_at` inside argMax(…, started_at) was ILLEGAL_AGGREGATION).
const RUNS = `SELECT job_id, run_id, status AS r_status, toString(started_at) AS r_started, toString(finished_at) AS r_finished,
  counts AS r_counts, error AS r_error, started_at AS r_at FROM job_runs FINAL`;

interface Raw {
  job_id: string;
  run_id: string;
  r_status: string;
  r_started: string;
  r_finished: string | null;
  r_counts: Record<string, number | string>;
  r_error: string;
}

function shape(r: Raw): JobRunRow {
  const counts: Record<string, number> = {};
  for (const [k, v] of Object.entries(r.r_counts ?? {})) counts[k] = Number(v);
  return { job_id: r.job_id, run_id: r.run_id, status: r.r_status, started_at: r.r_started, finished_at: r.r_finished, counts, error: r.r_error };
}

/** The last run of every job that ever ran, by job id. */
export async function lastJobRuns(wh: Warehouse): Promise<Map<string, JobRunRow>> {
  const rows = await wh.query<Raw>(`${RUNS} ORDER BY job_id, r_at DESC, run_id LIMIT 1 BY job_id`);
  return new Map(rows.map((r) => [r.job_id, shape(r)]));
}

/** The latest runs of one job (newest first). */
export async function recentJobRuns(wh: Warehouse, jobId: string, limit = 10): Promise<JobRunRow[]> {
  const rows = await wh.query<Raw>(`${RUNS} WHERE job_id = {job:String} ORDER BY r_at DESC, run_id LIMIT {limit:UInt32}`, { job: jobId, limit });
  return rows.map(shape);
}
