// `jalon demo`: generates the deterministic demo data set (progress on a terminal, JSON summary with --json).
import { parseArgs } from 'node:util';
import type { Config } from '../../config/config.ts';
import type { Warehouse } from '../../warehouse/warehouse.ts';
import { openWarehouse } from '../../warehouse/open-warehouse.ts';
import { migrate } from '../../warehouse/migrate.ts';
import { generateDemo, type DemoSummary } from '../../ingest/demo/generate-demo.ts';
import { UsageError, parseCount, type Command } from '../command.ts';
import { createProgress } from '../terminal.ts';

const PHASES: Record<string, string> = {
  reference: 'référence', events: 'événements', surveys: 'sondages', cases: 'dossiers', aggregates: 'agrégats', probes: 'sondes', rollups: 'cumuls'
};

export interface DemoRunOptions {
  events: number;
  seed: number;
  now?: Date;
  replace: boolean;
  json: boolean;
}

/** Migrates then generates the demo, on `wh` when given (the server's), else on a warehouse opened for the run. */
export async function runDemo(config: Config, opts: DemoRunOptions, wh?: Warehouse): Promise<DemoSummary> {
  const warehouse = wh ?? (await openWarehouse(config.warehouse, { holder: 'jalon demo', createDatabase: true }));
  const progress = createProgress(!opts.json);
  const fmt = new Intl.NumberFormat('fr-CA');
  try {
    await migrate(warehouse);
    const summary = await generateDemo(warehouse, {
      events: opts.events,
      seed: opts.seed,
      replace: opts.replace,
      ...(opts.now ? { now: opts.now } : {}),
      onProgress: (p) => progress.update(PHASES[p.phase] ?? p.phase, p.done, p.total)
    });
    progress.done(
      `Démo générée / demo generated: ${fmt.format(summary.tables.service_events)} événements / events, ${summary.seconds} s ` +
        `(${fmt.format(summary.events_per_second)} év./s) — ${warehouse.location}`
    );
    return summary;
  } finally {
    progress.done();
    if (!wh) await warehouse.close();
  }
}

export const demoCommand: Command = {
  name: 'demo',
  async run(args, config) {
    const { values } = parseArgs({
      args,
      options: {
        events: { type: 'string' },
        seed: { type: 'string' },
        now: { type: 'string' },
        replace: { type: 'boolean', default: false },
        json: { type: 'boolean', default: false }
      }
    });
    let now: Date | undefined;
    if (values.now !== undefined) {
      now = new Date(`${values.now}T00:00:00Z`);
      if (!/^\d{4}-\d{2}-\d{2}$/.test(values.now) || Number.isNaN(now.getTime())) throw new UsageError(`--now "${values.now}": date AAAA-MM-JJ / date YYYY-MM-DD`);
    }
    const summary = await runDemo(config, {
      events: parseCount('events', values.events, config.demo.events),
      seed: parseCount('seed', values.seed, config.demo.seed),
      ...(now ? { now } : {}),
      replace: values.replace,
      json: values.json
    });
    if (values.json) process.stdout.write(JSON.stringify(summary) + '\n');
    return 0;
  }
};
