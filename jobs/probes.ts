// The availability probes job: requests each service URL the operator configured in JALON_JOBS_FILE (method, expected
// status, timeout) every `interval_s` seconds and writes one `availability_probes` row per target and run (up or
// down, response time), each standing for its interval — what the `availability` metric sums. Probes reach only the
// addresses in that file: nothing a request or a data row carries becomes a probe target.
import type { Job } from './job.ts';

export interface ProbeTarget {
  org: string;
  service: string;
  url: string;
  method?: 'GET' | 'HEAD';
  /** Expected HTTP status (or any of several); 200 by default. */
  expect?: number | number[];
  timeout_ms?: number;
}

export interface ProbesJobSpec {
  id: string;
  type: 'probes';
  /** Seconds between probes (and what each probe row stands for): a divisor of 60 below a minute, or whole minutes dividing an hour. */
  interval_s: number;
  /** Where the probes run from (the `probe` column). */
  probe?: string;
  targets: ProbeTarget[];
}

/** The cron schedule that fires every `interval` seconds, or null when cron cannot (e.g. 45 s). */
export function scheduleOf(interval: number): string | null {
  if (!Number.isInteger(interval) || interval < 1) return null;
  if (interval < 60) return 60 % interval === 0 ? `*/${interval} * * * * *` : null;
  if (interval % 60 !== 0) return null;
  const minutes = interval / 60;
  if (minutes < 60) return 60 % minutes === 0 ? `0 */${minutes} * * * *` : null;
  return minutes === 60 ? '0 0 * * * *' : null;
}

/** Checks a probes job from the jobs file; every problem at once, naming the field. */
export function probesProblems(spec: ProbesJobSpec): string[] {
  const problems: string[] = [];
  if (scheduleOf(spec.interval_s) === null) problems.push(`interval_s ${JSON.stringify(spec.interval_s)}: 1–59 s divisant 60, ou minutes divisant 60 / 1–59 s dividing 60, or minutes dividing 60 (e.g. 30, 60, 300)`);
  if (!Array.isArray(spec.targets) || spec.targets.length === 0) problems.push('targets: au moins une cible / at least one target');
  (spec.targets ?? []).forEach((t, i) => {
    const at = `targets[${i}]`;
    if (typeof t.org !== 'string' || !t.org) problems.push(`${at}.org: code d'organisation / organization code`);
    if (typeof t.service !== 'string' || !t.service) problems.push(`${at}.service: code de service / service code`);
    try {
      const u = new URL(t.url);
      if (u.protocol !== 'http:' && u.protocol !== 'https:') problems.push(`${at}.url: http(s) seulement / only`);
    } catch {
      problems.push(`${at}.url ${JSON.stringify(t.url)}: URL invalide / invalid URL`);
    }
    if (t.method !== undefined && t.method !== 'GET' && t.method !== 'HEAD') problems.push(`${at}.method: GET ou/or HEAD`);
    const expect = t.expect === undefined ? [200] : Array.isArray(t.expect) ? t.expect : [t.expect];
    if (!expect.every((s) => Number.isInteger(s) && s >= 100 && s <= 599)) problems.push(`${at}.expect: statut HTTP / HTTP status (e.g. 200)`);
    if (t.timeout_ms !== undefined && (!Number.isInteger(t.timeout_ms) || t.timeout_ms < 10 || t.timeout_ms > 120_000)) problems.push(`${at}.timeout_ms: 10 à/to 120000`);
  });
  return problems;
}

type ProbeRow = {
  org: string;
  service: string;
  probed_at: string;
  probe: string;
  up: boolean;
  response_ms: number;
  interval_s: number;
};

/** Probes one target once: up when the expected status arrives within the timeout. */
export async function probeOnce(target: ProbeTarget): Promise<{ up: boolean; response_ms: number; error: string }> {
  const timeout = Math.min(target.timeout_ms ?? 10_000, 120_000);
  const expect = target.expect === undefined ? [200] : Array.isArray(target.expect) ? target.expect : [target.expect];
  const t0 = performance.now();
  try {
    const res = await fetch(target.url, { method: target.method ?? 'GET', redirect: 'manual', signal: AbortSignal.timeout(timeout), headers: { 'user-agent': 'Jalon availability probe' } });
    await res.arrayBuffer().catch(() => undefined);
    const ms = Math.round(performance.now() - t0);
    return { up: expect.includes(res.status), response_ms: ms, error: expect.includes(res.status) ? '' : `HTTP ${res.status}` };
  } catch (err) {
    return { up: false, response_ms: Math.min(Math.round(performance.now() - t0), timeout), error: (err as Error).name === 'TimeoutError' ? 'timeout' : (err as Error).message };
  }
}

export function probesJob(spec: ProbesJobSpec, file: string): Job {
  const problems = probesProblems(spec);
  if (problems.length) throw new Error(`${file}: tâche ${spec.id}: ${problems.join(' ; ')}`);
  const schedule = scheduleOf(spec.interval_s)!;
  return {
    id: spec.id,
    schedule,
    description: `sondes de disponibilité (${spec.targets.length} cible(s), toutes les ${spec.interval_s} s) / availability probes (${spec.targets.length} target(s), every ${spec.interval_s} s)`,
    async run(ctx) {
      const results = await Promise.all(
        spec.targets.map(async (t): Promise<ProbeRow> => {
          const at = ctx.now();
          const r = await probeOnce(t);
          return { org: t.org, service: t.service, probed_at: at.toISOString().replace('T', ' ').replace('Z', ''), probe: spec.probe ?? 'jalon', up: r.up, response_ms: r.response_ms, interval_s: spec.interval_s };
        })
      );
      await ctx.warehouse.insert('availability_probes', results);
      return { targets: results.length, up: results.filter((r) => r.up).length, down: results.filter((r) => !r.up).length };
    }
  };
}
