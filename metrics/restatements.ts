// Restatements of value-created parameters (issue 10, DESIGN §6): a closed period keeps the parameters it closed with
// (metrics/shared-sql.ts) until an administrator restates a service — or every service of an organization — from a
// day on; the reports received up to the restatement then reach back to that day, and the formula version shown in
// the provenance of value-created figures gains a revision (`2.0-r1`). Recorded in value_restatements and the audit log.
import type { Warehouse } from '../warehouse/warehouse.ts';
import type { Caller } from '../access/caller.ts';
import { auditWho, recordAudit } from '../access/audit.ts';
import { isDay } from './periods.ts';
import { MetricError } from './run-metric.ts';

export interface Restatement {
  org: string;
  /** '' = every service of the organization. */
  service: string;
  /** First day (Toronto, YYYY-MM-DD) whose figures take the parameters as they stand now. */
  from: string;
  reason: string;
}

/** Records a restatement for an administrator; every problem with the request is reported at once. */
export async function restateValueParameters(wh: Warehouse, caller: Caller, r: Restatement, now: Date = new Date()): Promise<{ restatements: number }> {
  const problems: string[] = [];
  if (caller.role !== 'admin') problems.push('seul un administrateur peut retraiter / only an administrator can restate');
  if (!r.org) problems.push('--org: organisation requise / organization required');
  if (!isDay(r.from)) problems.push(`--from "${r.from}": date AAAA-MM-JJ / date YYYY-MM-DD`);
  if (!r.reason.trim()) problems.push('--reason: motif requis (il est publié avec la révision) / reason required (published with the revision)');
  if (!problems.length) {
    const [known] = await wh.query<{ n: number }>(
      `SELECT count() AS n FROM value_parameters WHERE org = {org:String} AND ({service:String} = '' OR service = {service:String})`,
      { org: r.org, service: r.service }
    );
    if (Number(known.n) === 0) problems.push(`${r.org}${r.service ? `/${r.service}` : ''}: aucun paramètre de valeur reçu, rien à retraiter / no value parameters received, nothing to restate (jalon ingest value_parameters …)`);
  }
  if (problems.length) throw new MetricError('bad_request', problems);
  await wh.insert('value_restatements', [
    { org: r.org, service: r.service, from_day: r.from, restated_at: now.toISOString().replace('T', ' ').replace('Z', ''), actor: caller.id, reason: r.reason.slice(0, 2000) }
  ]);
  await recordAudit(wh, { ...auditWho(caller), action: 'restate', target: `${r.org}/${r.service || '*'}`, ok: true, detail: { from: r.from, reason: r.reason } }, now);
  const [count] = await wh.query<{ n: number }>('SELECT count() AS n FROM value_restatements WHERE org = {org:String}', { org: r.org });
  return { restatements: Number(count.n) };
}
