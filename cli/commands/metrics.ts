// `jalon metrics list|run|test|backfill|refresh|restate`: the metric catalogue, one metric's answer (JSON with --json), the
// definition tests of every metric, the rollup backfill and the journeys/cases rollups' refresh. Opens the warehouse itself (fails clearly if a server holds it).
import { parseArgs } from 'node:util';
import { DEMO_EXECUTIVE, ROLES, type Caller, type Role } from '../../access/caller.ts';
import type { Config } from '../../config/config.ts';
import { openWarehouse } from '../../warehouse/open-warehouse.ts';
import { migrate } from '../../warehouse/migrate.ts';
import { catalogue, formatProblems } from '../../metrics/definition.ts';
import { parseMetricRequest } from '../../metrics/request.ts';
import { MetricError } from '../../metrics/run-metric.ts';
import { createMetricsService } from '../../metrics/service.ts';
import { backfillRollups, refreshRollups } from '../../metrics/rollups.ts';
import { ingestsRunning, sweepStoppedIngests } from '../../ingest/stopped-runs.ts';
import { runDefinitionTests } from '../../metrics/definition-tests.ts';
import { loadStrategy, storeStrategy } from '../../metrics/strategy.ts';
import { restateValueParameters } from '../../metrics/restatements.ts';
import { UsageError, type Command } from '../command.ts';
import type { MetricRow } from '../../metrics/types.ts';

function callerFrom(role: string | undefined, orgs: string | undefined): Caller {
  if (!role) return DEMO_EXECUTIVE;
  if (!(ROLES as readonly string[]).includes(role)) throw new UsageError(`--as "${role}": ${ROLES.join('|')}`);
  return { role: role as Role, orgs: orgs ? orgs.split(',') : [], id: `cli-${role}` };
}

async function list(json: boolean): Promise<number> {
  const { definitions, problems } = catalogue();
  if (json) {
    process.stdout.write(JSON.stringify([...definitions.values()].map((d) => ({ id: d.id, title: d.title, unit: d.unit, direction: d.direction, characteristics: d.characteristics, dimensions: d.dimensions, formula_version: d.formulaVersion }))) + '\n');
  } else {
    for (const d of definitions.values()) process.stdout.write(`${d.id.padEnd(26)} ${d.unit.padEnd(8)} ${d.title.fr} / ${d.title.en}\n`);
  }
  if (problems.length) process.stderr.write(formatProblems(problems) + '\n');
  return problems.length ? 1 : 0;
}

async function run(args: string[], config: Config): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      from: { type: 'string' }, to: { type: 'string' }, grain: { type: 'string' }, by: { type: 'string' },
      org: { type: 'string' }, service: { type: 'string' }, channel: { type: 'string' }, region: { type: 'string' },
      'client-type': { type: 'string' }, compare: { type: 'string' }, as: { type: 'string' }, orgs: { type: 'string' },
      now: { type: 'string' }, raw: { type: 'boolean', default: false }, json: { type: 'boolean', default: false }
    }
  });
  const id = positionals[0];
  if (!id) throw new UsageError('jalon metrics run <id> — voir / see jalon metrics list');
  const now = values.now ? new Date(`${values.now}T12:00:00Z`) : new Date();
  const caller = callerFrom(values.as, values.orgs);
  const { request, errors } = parseMetricRequest(id, { ...values, client_type: values['client-type'] ?? null }, caller, now, { grains: catalogue().definitions.get(id)?.grains });
  if (!request) throw new UsageError(errors.join('\n'));
  // The range used is said on stderr: a default range must never silently leave data out.
  process.stderr.write(`période / range ${request.from} → ${request.to} (exclu / exclusive) · grain ${request.grain}${values.from ? '' : ' (par défaut / default)'}\n`);
  const wh = await openWarehouse(config.warehouse, { holder: 'jalon metrics run', createDatabase: true });
  try {
    const answer = await createMetricsService(wh, config).run(request, { forceRaw: values.raw });
    const why = emptyReason(answer.rows, answer.provenance.notes ?? []);
    if (why) process.stderr.write(`${why}\n`);
    if (values.json) {
      process.stdout.write(JSON.stringify({ ...answer, rows: answer.rows.map(({ dimensions, period, ...r }) => ({ period, ...dimensions, ...r })) }) + '\n');
    } else {
      const fmt = new Intl.NumberFormat('fr-CA', { maximumFractionDigits: 4 });
      // The unit beside a value in minutes, hours, dollars…; a ratio's numerator and denominator when it has them.
      const unit = answer.unit === 'ratio' ? '' : ` ${answer.unit}`;
      for (const r of answer.rows) {
        const dims = Object.values(r.dimensions).join(' ');
        const num = (v: number | null) => (v === null ? '—' : fmt.format(v));
        const parts = r.numerator === null && r.denominator === null ? '' : `${num(r.numerator)} / ${num(r.denominator)}, `;
        process.stdout.write(`${r.period} ${dims} ${r.suppressed ? '— (supprimé / suppressed)' : `${r.value === null ? '—' : `${fmt.format(r.value)}${unit}`}  (${parts}n=${r.n ?? '—'})`}\n`);
      }
      const p = answer.provenance;
      process.stderr.write(`formule / formula ${p.formula_version} (${p.effective_from}) · ${p.sources.join(', ')} · dernières données / last data ${p.last_data_at ?? '—'} · complétude / completeness ${p.completeness.reported}/${p.completeness.expected} · ${p.table}\n`);
    }
    return 0;
  } catch (err) {
    if (err instanceof MetricError) throw new UsageError(err.problems.join('\n'));
    throw err;
  } finally {
    await wh.close();
  }
}

/** Why an answer shows no figure, in one line (null when it shows some). */
function emptyReason(rows: readonly MetricRow[], notes: readonly string[]): string | null {
  const extra = notes.length ? ` — ${notes.join(' ; ')}` : '';
  if (rows.length === 0) return `aucune ligne : aucune donnée dans la période pour ce périmètre et ces filtres (ou aucune organisation n'a déclaré pour elle) / no rows: no data in the range for this scope and these filters (or nobody reported for it)${extra}`;
  if (rows.every((r) => r.suppressed)) return `toutes les lignes sont supprimées (petits effectifs) / every row is suppressed (small counts)${extra}`;
  if (rows.every((r) => r.value === null)) return `aucune valeur définie (dénominateurs nuls) / no defined value (zero denominators)${extra}`;
  return null;
}

export const metricsCommand: Command = {
  name: 'metrics',
  async run(args, config) {
    const [sub, ...rest] = args;
    switch (sub) {
      case 'list':
        return list(rest.includes('--json'));
      case 'run':
        return run(rest, config);
      case 'test': {
        const { values } = parseArgs({ args: rest, options: { only: { type: 'string' }, json: { type: 'boolean', default: false } } });
        const report = await runDefinitionTests({ ...(values.only ? { only: values.only.split(',') } : {}), log: values.json ? () => {} : (l) => process.stderr.write(l + '\n') });
        if (values.json) process.stdout.write(JSON.stringify(report) + '\n');
        return report.failed === 0 ? 0 : 1;
      }
      case 'strategy': {
        const { values } = parseArgs({ args: rest, options: { id: { type: 'string', default: 'qc-2018' } } });
        const strategy = loadStrategy(values.id, catalogue().definitions);
        const wh = await openWarehouse(config.warehouse, { holder: 'jalon metrics strategy', createDatabase: true });
        try {
          await migrate(wh);
          process.stdout.write(JSON.stringify({ strategy: strategy.id, version: strategy.version, ...(await storeStrategy(wh, strategy)) }) + '\n');
        } finally {
          await wh.close();
        }
        return 0;
      }
      case 'backfill': {
        const wh = await openWarehouse(config.warehouse, { holder: 'jalon metrics backfill', createDatabase: true });
        try {
          await migrate(wh);
          process.stdout.write(JSON.stringify(await backfillRollups(wh)) + '\n');
        } finally {
          await wh.close();
        }
        return 0;
      }
      case 'refresh': {
        const wh = await openWarehouse(config.warehouse, { holder: 'jalon metrics refresh', createDatabase: true });
        try {
          await migrate(wh);
          // On a server another process may be ingesting: a short rollup is then rebuilt by a later refresh.
          await sweepStoppedIngests(wh);
          process.stdout.write(JSON.stringify(await refreshRollups(wh, { ingesting: await ingestsRunning(wh) })) + '\n');
        } finally {
          await wh.close();
        }
        return 0;
      }
      case 'restate': {
        // The CLI opens the warehouse itself: whoever runs it administers this installation.
        const { values } = parseArgs({ args: rest, options: { org: { type: 'string' }, service: { type: 'string' }, from: { type: 'string' }, reason: { type: 'string' } } });
        const wh = await openWarehouse(config.warehouse, { holder: 'jalon metrics restate', createDatabase: true });
        try {
          await migrate(wh);
          const result = await restateValueParameters(wh, { role: 'admin', orgs: [], id: 'cli-admin' }, {
            org: values.org ?? '', service: values.service ?? '', from: values.from ?? '', reason: values.reason ?? ''
          });
          process.stdout.write(JSON.stringify({ org: values.org, service: values.service ?? '', from: values.from, ...result }) + '\n');
        } catch (err) {
          if (err instanceof MetricError) throw new UsageError(err.problems.join('\n'));
          throw err;
        } finally {
          await wh.close();
        }
        return 0;
      }
      default:
        throw new UsageError('jalon metrics list|run|test|strategy|backfill|refresh|restate');
    }
  }
};
