// The `jalon` command line: parses arguments, loads configuration once, runs one command, and turns
// failures into one clear line (exit 1) — or the list of configuration problems (exit 2).
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, withPort, type Config } from '../config/config.ts';
import { WarehouseError } from '../warehouse/warehouse.ts';
import { openWarehouse } from '../warehouse/open-warehouse.ts';
import { migrate } from '../warehouse/migrate.ts';
import { countDemoTables, generateDemo, type DemoSummary } from '../ingest/demo/generate-demo.ts';
import { buildDashboard, buildIsStale, serveHttp } from '../dashboard/serve.ts';
import { createProgress } from './terminal.ts';

const USAGE = `jalon — mesurer la valeur créée par les services publics numériques
        measure the value public digital services create

Usage: jalon <commande> [options]

  start [--port N]                      migre, charge la démo si l'entrepôt est vide, puis sert le tableau de bord
                                        migrate, load the demo when the warehouse is empty, then serve
  serve [--port N]                      sert le tableau de bord et l'API / serve the dashboard and the API
  migrate [--json]                      applique les migrations sql/schema / apply schema migrations
  demo [--events N] [--seed S] [--now YYYY-MM-DD] [--replace] [--json]
                                        génère les données de démonstration / generate the demo data set
  help                                  cette aide / this help

Configuration: variables d'environnement, voir README / environment variables, see README.
`;

const PHASES: Record<string, string> = {
  reference: 'référence', events: 'événements', surveys: 'sondages', cases: 'dossiers', aggregates: 'agrégats', probes: 'sondes'
};

function parseCount(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const cleaned = raw.replace(/[_,\s]/g, '');
  const m = /^(\d+(?:\.\d+)?)([kKmM]?)$/.exec(cleaned);
  if (!m) throw new UsageError(`--${name} "${raw}": attendu un nombre, ex. 2000000 ou 2M / expected a number, e.g. 2000000 or 2M`);
  const mult = m[2].toLowerCase() === 'k' ? 1e3 : m[2].toLowerCase() === 'm' ? 1e6 : 1;
  return Math.round(Number(m[1]) * mult);
}

class UsageError extends Error {}

async function cmdMigrate(config: Config, json: boolean): Promise<void> {
  const wh = await openWarehouse(config.warehouse, { holder: 'jalon migrate', createDatabase: true });
  try {
    const result = await migrate(wh, { onApply: (id) => (!json ? process.stderr.write(`migration ${id} appliquée / applied\n`) : undefined) });
    if (json) process.stdout.write(JSON.stringify({ warehouse: wh.location, database: wh.database, ...result }) + '\n');
    else process.stderr.write(`Schéma à jour / schema up to date (${result.applied.length} appliquées / applied, ${result.alreadyApplied.length} déjà / already) — ${wh.location}\n`);
  } finally {
    await wh.close();
  }
}

async function runDemo(config: Config, opts: { events: number; seed: number; now?: Date; replace: boolean; json: boolean }, wh?: Awaited<ReturnType<typeof openWarehouse>>): Promise<DemoSummary> {
  const own = !wh;
  const warehouse = wh ?? (await openWarehouse(config.warehouse, { holder: 'jalon demo', createDatabase: true }));
  const progress = createProgress(!opts.json);
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
      `Démo générée / demo generated: ${new Intl.NumberFormat('fr-CA').format(summary.tables.service_events)} événements en ${summary.seconds} s ` +
        `(${new Intl.NumberFormat('fr-CA').format(summary.events_per_second)} év./s) — ${warehouse.location}`
    );
    return summary;
  } finally {
    progress.done();
    if (own) await warehouse.close();
  }
}

async function cmdServe(config: Config, opts: { loadDemoIfEmpty: boolean }): Promise<void> {
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const t0 = performance.now();
  if (buildIsStale()) await buildDashboard(log);
  const warehouse = await openWarehouse(config.warehouse, { holder: `jalon serve ${config.http.publicUrl}`, createDatabase: true });
  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    log(`\n${signal}: arrêt / shutting down…`);
    try {
      await http?.close();
    } finally {
      await warehouse.close();
      process.exit(0);
    }
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  let http: Awaited<ReturnType<typeof serveHttp>> | null = null;
  try {
    if (opts.loadDemoIfEmpty) {
      await migrate(warehouse);
      const counts = await countDemoTables(warehouse);
      if (counts.organizations === 0 && counts.service_events === 0) {
        log(`Entrepôt vide : chargement de la démo (${new Intl.NumberFormat('fr-CA').format(config.demo.events)} événements) / empty warehouse: loading the demo`);
        await runDemo(config, { events: config.demo.events, seed: config.demo.seed, replace: false, json: false }, warehouse);
      }
    }
    http = await serveHttp({ config, warehouse });
  } catch (err) {
    await warehouse.close();
    throw err;
  }
  const { version } = await warehouse.ping();
  log(`Jalon prêt en ${((performance.now() - t0) / 1000).toFixed(1)} s / ready — ClickHouse ${version} (${warehouse.kind}: ${warehouse.location})`);
  process.stdout.write(`${http.url}\n`);
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === 'help' || command === '--help' || command === '-h') {
    process.stdout.write(USAGE);
    return command ? 0 : 1;
  }
  const { values } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      port: { type: 'string' },
      events: { type: 'string' },
      seed: { type: 'string' },
      now: { type: 'string' },
      replace: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false }
    }
  });
  let config = loadConfig();
  if (values.port !== undefined) {
    const port = Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port "${values.port}": entier de 0 à 65535 / integer from 0 to 65535`);
    config = withPort(config, port);
  }
  switch (command) {
    case 'migrate':
      await cmdMigrate(config, values.json);
      return 0;
    case 'demo': {
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
    case 'serve':
      await cmdServe(config, { loadDemoIfEmpty: false });
      return -1; // keeps running
    case 'start':
      await cmdServe(config, { loadDemoIfEmpty: true });
      return -1;
    default:
      throw new UsageError(`commande inconnue / unknown command "${command}" — jalon help`);
  }
}

try {
  const code = await main(process.argv.slice(2));
  if (code >= 0) process.exit(code);
} catch (err) {
  if (err instanceof ConfigError) {
    process.stderr.write(`${err.message}\n`);
    process.exit(2);
  }
  if (err instanceof UsageError) {
    process.stderr.write(`${err.message}\n`);
    process.exit(2);
  }
  if (err instanceof WarehouseError) {
    process.stderr.write(`${err.toLine()}\n`);
    process.exit(1);
  }
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
