// The `jalon` command line: loads configuration once, runs one command, and turns failures into one clear
// line (exit 1) — or the list of configuration or usage problems (exit 2). Commands live in cli/commands/.
import { ConfigError, loadConfig } from '../config/config.ts';
import { WarehouseError } from '../warehouse/warehouse.ts';
import { UsageError, type Command } from './command.ts';
import { migrateCommand } from './commands/migrate.ts';
import { demoCommand } from './commands/demo.ts';
import { serveCommand, startCommand } from './commands/serve.ts';
import { ingestCommand } from './commands/ingest.ts';
import { metricsCommand } from './commands/metrics.ts';
import { queryCommand } from './commands/query.ts';
import { usersCommand } from './commands/users.ts';
import { tokensCommand } from './commands/tokens.ts';
import { jobsCommand } from './commands/jobs.ts';
import { alertsCommand } from './commands/alerts.ts';
import { digestCommand } from './commands/digest.ts';

const COMMANDS: readonly Command[] = [
  startCommand,
  serveCommand,
  migrateCommand,
  demoCommand,
  ingestCommand,
  metricsCommand,
  queryCommand,
  usersCommand,
  tokensCommand,
  jobsCommand,
  alertsCommand,
  digestCommand
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

export async function main(argv: string[]): Promise<number | 'running'> {
  const [name, ...rest] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    process.stdout.write(usage());
    return name ? 0 : 1;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) throw new UsageError(`commande inconnue / unknown command "${name}" — jalon help`);
  return command.run(rest, loadConfig());
}

try {
  const code = await main(process.argv.slice(2));
  if (code !== 'running') process.exit(code);
} catch (err) {
  if (err instanceof ConfigError || err instanceof UsageError) {
    process.stderr.write(`${err.message}\n`);
    process.exit(2);
  }
  if (err instanceof WarehouseError) {
    process.stderr.write(`${err.toLine()}\n`);
    process.exit(1);
  }
  // Refusals and bad rule files are expected failures: one line, no stack.
  if (err instanceof Error && (err.name === 'AccessError' || err.name === 'RuleError' || err.name === 'RemoteError')) {
    process.stderr.write(`${err.message}\n`);
    process.exit(1);
  }
  // parseArgs and other known failures carry a message fit for people; anything else is a bug worth its stack.
  const e = err as { code?: string; message?: string; stack?: string };
  process.stderr.write(`${e.code?.startsWith('ERR_PARSE_ARGS') ? e.message : (e.stack ?? String(err))}\n`);
  process.exit(e.code?.startsWith('ERR_PARSE_ARGS') ? 2 : 1);
}
