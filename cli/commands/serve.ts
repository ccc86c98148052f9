// `jalon serve` and `jalon start`: one process owns the warehouse and serves the dashboard and the API on it.
// `start` also migrates and loads the demo when the warehouse is empty (the two-command newcomer path), and is the open
// demo unless JALON_AUTH_REQUIRED says otherwise. Without required sign-in nothing listens beyond loopback.
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { openBeyondLoopback, withOpenDemo, withPort, type Config } from '../../config/config.ts';
import { openWarehouse } from '../../warehouse/open-warehouse.ts';
import { describeHolder } from '../../warehouse/embedded.ts';
import { migrate } from '../../warehouse/migrate.ts';
import { countDemoTables, demoLoadState } from '../../ingest/demo/generate-demo.ts';
import { buildDashboard, buildIsStale, serveHttp, type RunningHttp } from '../../dashboard/serve.ts';
import { parsePort, UsageError, type Command } from '../command.ts';
import { runDemo } from './demo.ts';
import { ensureDemoAccounts, formatDemoAccounts } from '../../access/demo-accounts.ts';
import { loadJobs, startScheduler, type Scheduler } from '../../jobs/scheduler.ts';
import { createMetricsService, type MetricsService } from '../../metrics/service.ts';
import { drainPushes } from '../../ingest/push.ts';
import { flushAudit } from '../../access/audit.ts';
import { newOperatorKey, removeOperatorFile, writeOperatorFile } from '../../access/operator-key.ts';

const OPEN_DEMO_NOTE =
  'Démo ouverte : sans connexion, sur cet ordinateur seulement (127.0.0.1) ; JALON_AUTH_REQUIRED=true pour exiger la connexion / ' +
  'open demo: no sign-in, on this computer only (127.0.0.1); JALON_AUTH_REQUIRED=true to require sign-in';

/**
 * Ends the process at once, as the signal would have without a handler. Not `process.exit`: it waits for the embedded
 * engine's running query (a demo's chunk of events, a heavy metric), seconds to minutes after a Ctrl-C. What the engine
 * was writing is a part not yet committed, which it discards when it next opens the folder.
 */
function stopNow(signal: string, message: string): never {
  fs.writeSync(2, `${signal}: ${message}\n`);
  process.removeAllListeners(signal);
  process.kill(process.pid, signal);
  throw new Error(`${signal}`); // not reached: the signal ends the process
}

async function serve(config: Config, loadDemoIfEmpty: boolean): Promise<'running'> {
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const open = openBeyondLoopback(config);
  if (open) throw new UsageError(open);
  const t0 = performance.now();
  if (buildIsStale()) await buildDashboard(log);
  const warehouse = await openWarehouse(config.warehouse, { holder: `jalon serve ${config.http.publicUrl}`, createDatabase: true });
  let http: RunningHttp | null = null;
  let scheduler: Scheduler | null = null;
  let metrics: MetricsService | null = null;
  let closing = false;
  let loadingDemo = false;
  const shutdown = async (signal: string) => {
    if (loadingDemo) {
      // Nothing is served yet: waiting for the demo's current step would take minutes for nothing. The demo recorded
      // its start, so the next `jalon start` sees it unfinished and loads it again.
      stopNow(signal, 'chargement de la démo interrompu, repris au prochain démarrage / demo load stopped, loaded again at the next start');
    }
    if (closing) {
      // A second Ctrl-C: the person does not want to wait for running jobs. Written data is safe (each insert is whole).
      stopNow(signal, 'arrêt immédiat / stopping now');
    }
    closing = true;
    log(`${signal}: arrêt (encore une fois pour ne pas attendre les tâches en cours) / shutting down (again to not wait for running jobs)…`);
    // A stop that waits without end is a stop nobody can rely on (a process manager then kills it unannounced): past
    // the grace period, the process ends, naming the step it was waiting for.
    let step = 'http';
    const grace = config.http.shutdownGraceSeconds;
    setTimeout(() => stopNow(signal, `arrêt forcé après ${grace} s, en attente de : ${step} / forced stop after ${grace} s, waiting for: ${step}`), grace * 1000).unref();
    try {
      if (config.warehouse.kind === 'embedded') removeOperatorFile(config.warehouse.dataDir);
      metrics?.stop(); // page preparation is not a job's result: it ends at once
      await http?.close();
      step = 'jobs';
      await scheduler?.stop(); // running jobs end first
      step = 'pushes';
      await drainPushes(); // accepted pushes are written before the warehouse closes
      step = 'audit';
      await flushAudit(warehouse);
      step = 'warehouse';
    } finally {
      await warehouse.close();
      process.exit(0);
    }
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  try {
    await migrate(warehouse);
    if (loadDemoIfEmpty) {
      const counts = await countDemoTables(warehouse);
      const empty = counts.organizations === 0 && counts.service_events === 0;
      const events = new Intl.NumberFormat('fr-CA').format(config.demo.events);
      // A demo load stopped midway (Ctrl-C, a closed terminal) left part of the demo: served as is, its figures would
      // be wrong without a word. It is loaded again, unless data was delivered since (a reload would erase it) or the
      // warehouse is a server, where another process may be loading it right now.
      const demo = empty ? null : await demoLoadState(warehouse);
      const reload = demo?.interrupted === true && demo.otherDeliveries === 0 && config.warehouse.kind === 'embedded';
      if (demo?.interrupted && !reload) {
        log('Attention : le chargement de la démo a été interrompu, ses chiffres sont incomplets ; `jalon demo --replace` la recharge (et efface le reste) / ' +
          'warning: the demo load was interrupted and its figures are incomplete; `jalon demo --replace` loads it again (and erases everything else)');
      }
      if (empty || reload) {
        log(empty
          ? `Entrepôt vide : chargement de la démo (${events} événements) / empty warehouse: loading the demo`
          : `Chargement de la démo interrompu la dernière fois : rechargement (${events} événements) / the last demo load was stopped: loading it again`);
        loadingDemo = true;
        await runDemo(config, { events: config.demo.events, seed: config.demo.seed, replace: reload, json: false }, warehouse);
        loadingDemo = false;
      }
    }
    // One metrics service for the process: the pages, the API and the jobs share its catalogue and its cache.
    metrics = createMetricsService(warehouse, config);
    // `jalon users` and `jalon tokens` cannot open a folder this process holds: they ask this server, with this key.
    const operatorKey = config.warehouse.kind === 'embedded' ? newOperatorKey() : null;
    http = await serveHttp({ config, warehouse, metrics, operatorKey });
    if (config.warehouse.kind === 'embedded' && operatorKey) {
      writeOperatorFile(config.warehouse.dataDir, { url: http.localUrl, key: operatorKey, pid: process.pid });
      // The folder was claimed before the port was known (`--port 0`): name the address that answers.
      if (http.url !== config.http.publicUrl) describeHolder(config.warehouse.dataDir, `jalon serve ${http.url}`);
    }
    scheduler = startScheduler({ warehouse, config, metrics, jobs: loadJobs(config), log, appUrl: http.url });
  } catch (err) {
    await warehouse.close();
    throw err;
  }
  const { version } = await warehouse.ping();
  log(`Jalon prêt en ${((performance.now() - t0) / 1000).toFixed(1)} s / ready — ClickHouse ${version} (${warehouse.kind}: ${warehouse.location})`);
  if (!config.auth.required) log(OPEN_DEMO_NOTE);
  process.stdout.write(`Jalon: ${http.url}\n`);
  if (loadDemoIfEmpty) process.stdout.write(`${formatDemoAccounts(await ensureDemoAccounts(warehouse), http.url)}\n`);
  // In the background: bring the journeys and cases rollups up to date and prepare the scorecards (the rollups job,
  // run now rather than at its first tick), then ask for the home pages once through the same HTTP path a visitor
  // uses, so that the first person finds the answers ready.
  const base = http.url;
  const jobs = scheduler;
  void (async () => {
    await jobs.run('rollups');
    for (const path of ['/fr', '/en']) await fetch(`${base}${path}`).then((r) => r.arrayBuffer()).catch(() => undefined);
  })();
  return 'running';
}

function serveWith(name: 'serve' | 'start', loadDemo: boolean): Command {
  return {
    name,
    async run(args, config) {
      const { values } = parseArgs({ args, options: { port: { type: 'string' } } });
      const port = parsePort(values.port);
      const chosen = port === undefined ? config : withPort(config, port);
      return serve(name === 'start' ? withOpenDemo(chosen) : chosen, loadDemo);
    }
  };
}

export const serveCommand = serveWith('serve', false);
export const startCommand = serveWith('start', true);
