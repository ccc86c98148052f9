// Every `jalon` command with its help lines, and how to load it: `jalon help` and each command start without loading
// the other commands' modules. A new command goes here and in cli/commands/.
import type { CommandEntry } from './command.ts';
import { KINDS } from '../ingest/kinds.ts';

/**
 * Every command, with its help lines; its module loads only when it runs, so that `jalon help` and each command start
 * without loading the others' (native addons, ClickHouse clients, Arrow, the mailer): startup time is felt on every call.
 */
export const COMMANDS: readonly CommandEntry[] = [
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
  metrics refresh                       met à jour les agrégats (et répare ceux qu'un arrêt a laissés incomplets)
                                        / bring rollups up to date (and repair those a stop left short)
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
