// The `jalon` command line: loads configuration once, runs one command, and turns every failure into one clear
// line (exit 1) — or the list of configuration or usage problems (exit 2); stack traces only with
// JALON_LOG_LEVEL=debug. Commands are listed in cli/registry.ts and live in cli/commands/.
import { ConfigError, loadConfig } from '../config/config.ts';
import { AccessError } from '../access/caller.ts';
import { WarehouseError } from '../warehouse/warehouse.ts';
import { UsageError } from './command.ts';
import { COMMANDS } from './registry.ts';

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
