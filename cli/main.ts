// The `jalon` command line: loads configuration once, runs one command, and turns every failure into one clear
// line (exit 1) — or the list of configuration or usage problems (exit 2); stack traces only with
// JALON_LOG_LEVEL=debug. Commands live in cli/commands/.
import { ConfigError, loadConfig } from '../config/config.ts';
import { AccessError } from '../access/caller.ts';
import { WarehouseError } from '../warehouse/warehouse.ts';
import { UsageError, type CommandEntry } from './command.ts';
import { KINDS } from '../ingest/kinds.ts';

/**
 * Every command, with its help lines; its module loads only when it runs, so that `jalon help` and each command start
 * without loading the others' (native addons, ClickHouse clients, Arrow, the mailer): startup time is felt on every call.
 */
const COMMANDS: readonly CommandEntry[] = [
  {
    name: 'start',
    help: `  start [--port N]                      migre, charge la démo si l'entrepôt est vide, puis sert la démo ouverte (127.0.0.1)
                                        migrate, load the demo when the warehouse is empty, then serve the open demo (loopback)`,
    load: async () => (await import('./commands/serve.ts')).startCommand
  },
  {
    name: 'serve',
    help: `  serve [--port N]                      sert le tableau de bord, l'API et les tâches / serve dashboard, API and jobs`,
    load: async () => (await import('./commands/serve.ts')).serveCommand
  },
  {
    name: 'migrate',
    help: `  migrate [--json]                      applique les migrations sql/schema / apply schema migrations`,
    load: async () => (await import('./commands/migrate.ts')).migrateCommand
  },
  {
    name: 'demo',
    help: `  demo [--events N] [--seed S] [--now AAAA-MM-JJ] [--replace] [--json]
                                        génère les données de démonstration / generate the demo data set`,
    load: async () => (await import('./commands/demo.ts')).demoCommand
  },
  {
    name: 'ingest',
    help: `  ingest <type> <chemin|-> [--format ndjson|csv|parquet|arrow|excel] [--mapping m.json] [--sheet NOM] [--org CODE] [--strict] [--json]
                                        charge un fichier, un dossier ou stdin / load a file, a folder or stdin
                                        types: ${KINDS.join(', ')}`,
    load: async () => (await import('./commands/ingest.ts')).ingestCommand
  },
  {
    name: 'metrics',
    help: `  metrics list [--json]                 catalogue des métriques / metric catalogue
  metrics run <id> [--from AAAA-MM-JJ] [--to AAAA-MM-JJ] [--grain day|week|month|quarter|fiscal_year|year|all]
              [--by org,service,…] [--org X] [--service S] [--channel C] [--compare previous_period|previous_year]
              [--as role --orgs A,B] [--raw] [--json]   calcule une métrique / compute a metric
  metrics test [--only id] [--json]     tests de définition / definition tests (fixtures sql/metrics/tests)
  metrics strategy [--id qc-2018]       vérifie et enregistre une stratégie / check and store a strategy file
  metrics backfill                      reconstruit les agrégats / rebuild rollups from raw tables
  metrics refresh                       met à jour les agrégats des parcours et dossiers / bring journey and case rollups up to date
  metrics restate --org X [--service S] --from AAAA-MM-JJ --reason "…"
                                        retraite les périodes closes avec les paramètres de valeur actuels (administrateur)
                                        / restate closed periods with today's value-created parameters (administrator)`,
    load: async () => (await import('./commands/metrics.ts')).metricsCommand
  },
  {
    name: 'query',
    help: `  query "<sql>" --role R [--org X]... [--with-children] [--json]
                                        requête SQL d'analyste dans le bac à sable / analyst SQL in the sandbox`,
    load: async () => (await import('./commands/query.ts')).queryCommand
  },
  {
    name: 'users',
    help: `  users add NOM --role R [--org X]... [--with-children] [--password-stdin | --oidc] | list | disable NOM | enable NOM
                                        comptes de connexion / sign-in accounts`,
    load: async () => (await import('./commands/users.ts')).usersCommand
  },
  {
    name: 'tokens',
    help: `  tokens create --org CODE [--label L] | list | revoke <id> [--json]
                                        jetons de dépôt (API push) / producer tokens for the push API`,
    load: async () => (await import('./commands/tokens.ts')).tokensCommand
  },
  {
    name: 'jobs',
    help: `  jobs list | run <id> [--json]        tâches planifiées / scheduled jobs (inbox, pulls)`,
    load: async () => (await import('./commands/jobs.ts')).jobsCommand
  },
  {
    name: 'opendata',
    help: `  opendata publish [--out DIR] [--at AAAA-MM-JJ] [--json]
                                        publie les données ouvertes du jour / publish today's open data (docs/open-data.md)`,
    load: async () => (await import('./commands/opendata.ts')).opendataCommand
  },
  {
    name: 'alerts',
    help: `  alerts evaluate | list [--all] [--json]  évalue les règles d'alerte, liste les alertes / evaluate alert rules, list alerts`,
    load: async () => (await import('./commands/alerts.ts')).alertsCommand
  },
  {
    name: 'digest',
    help: `  digest subscribe --user U --org X [--every weekly|monthly] [--lang fr|en] [--email A] | unsubscribe --user U --org X
         | list | send --user U [--org X] [--json]
                                        sommaires par courriel avec le PDF du tableau de bord / e-mailed digests with the scorecard PDF`,
    load: async () => (await import('./commands/digest.ts')).digestCommand
  }
];

function usage(): string {
  return `jalon — mesurer la valeur créée par les services publics numériques
        measure the value public digital services create

Usage: jalon <commande> [options]

${COMMANDS.map((c) => c.help).join('\n')}
  help                                  cette aide / this help

Configuration : variables d'environnement, voir le README / environment variables, see README.
`;
}

/** Whether failures print their stack trace (JALON_LOG_LEVEL=debug), known once the configuration is read. */
const state = { debug: false };

export async function main(argv: string[]): Promise<number | 'running'> {
  const [name, ...rest] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    process.stdout.write(usage());
    return name ? 0 : 1;
  }
  const entry = COMMANDS.find((c) => c.name === name);
  if (!entry) throw new UsageError(`commande inconnue / unknown command "${name}" — jalon help`);
  const config = loadConfig();
  state.debug = config.logLevel === 'debug';
  return (await entry.load()).run(rest, config);
}

/**
 * Failures that are the caller's or the data's, not Jalon's: their message names the input and the fix. Matched by
 * name as well as by class, so a typed error of a module rewritten meanwhile (metrics/) still ends in one line.
 */
const EXPECTED = new Set(['AccessError', 'MetricError', 'StrategyError', 'SandboxError', 'MappingError', 'DecodeError', 'PushError', 'SignInError', 'OidcError', 'RuleError', 'ServerCallError']);
const SYSTEM_HINTS: Record<string, string> = {
  ENOENT: 'fichier ou dossier introuvable : vérifiez le chemin / file or folder not found: check the path',
  EACCES: 'accès refusé par le système : vérifiez les droits / permission denied: check the permissions',
  EISDIR: 'un dossier, pas un fichier : donnez un fichier / a folder, not a file: give a file',
  ENOTDIR: 'pas un dossier : vérifiez le chemin / not a folder: check the path',
  ENOSPC: 'disque plein : libérez de la place ou changez JALON_DATA_DIR / disk full: free space or change JALON_DATA_DIR',
  EADDRINUSE: 'port déjà utilisé : choisissez-en un autre avec --port ou PORT / port already in use: pick another with --port or PORT'
};

/**
 * The CLI's one error choke point: every failure becomes one line (or the list of configuration or usage problems)
 * naming the input and the fix, with exit code 2 for usage and 1 otherwise. The stack trace follows only with
 * JALON_LOG_LEVEL=debug; an unexpected failure says so and how to get it.
 */
function describeFailure(err: unknown): { text: string; code: number } {
  if (err instanceof ConfigError || err instanceof UsageError) return { text: err.message, code: 2 };
  if (err instanceof WarehouseError) return { text: err.toLine(), code: 1 };
  const e = err as { name?: unknown; code?: unknown; message?: unknown; path?: unknown; address?: unknown; port?: unknown } | null;
  const message = typeof e?.message === 'string' ? e.message : String(err);
  if (typeof e?.code === 'string' && e.code.startsWith('ERR_PARSE_ARGS')) return { text: `${message} — jalon help`, code: 2 };
  if (err instanceof AccessError || (typeof e?.name === 'string' && EXPECTED.has(e.name))) {
    return { text: message, code: 1 };
  }
  if (typeof e?.code === 'string' && SYSTEM_HINTS[e.code]) {
    const what = typeof e.path === 'string' ? e.path : typeof e.port === 'number' ? `port ${e.port}` : message.split('\n')[0];
    return { text: `${what} : ${SYSTEM_HINTS[e.code]}`, code: 1 };
  }
  return {
    text: `erreur inattendue / unexpected error: ${message.split('\n')[0].slice(0, 500)} — relancez avec JALON_LOG_LEVEL=debug pour la trace / run again with JALON_LOG_LEVEL=debug for the stack trace`,
    code: 1
  };
}

try {
  const code = await main(process.argv.slice(2));
  if (code !== 'running') process.exit(code);
} catch (err) {
  const { text, code } = describeFailure(err);
  process.stderr.write(`${text}\n`);
  if (state.debug && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
  process.exit(code);
}
