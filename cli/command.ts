// What a CLI command is: a name and a run function given its own arguments and the configuration (read once by
// main.ts), returning an exit code or 'running' for servers. main.ts lists each with its help lines and loads it on use.
import type { Config } from '../config/config.ts';

export interface Command {
  name: string;
  run(args: string[], config: Config): Promise<number | 'running'>;
}

/** A command as `jalon help` lists it; `load` imports its module only when it runs. */
export interface CommandEntry {
  name: string;
  /** Usage lines for `jalon help`: French first, English beside it. */
  help: string;
  load(): Promise<Command>;
}

/** A wrong argument: printed as one line, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Parses counts such as 2000000, 2_000_000, 2M or 200k. */
export function parseCount(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const cleaned = raw.replace(/[_,\s]/g, '');
  const m = /^(\d+(?:\.\d+)?)([kKmM]?)$/.exec(cleaned);
  if (!m) throw new UsageError(`--${name} "${raw}": attendu un nombre, ex. 2000000 ou 2M / expected a number, e.g. 2000000 or 2M`);
  const mult = m[2].toLowerCase() === 'k' ? 1e3 : m[2].toLowerCase() === 'm' ? 1e6 : 1;
  return Math.round(Number(m[1]) * mult);
}

/** Parses --port. */
export function parsePort(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port "${raw}": entier de 0 à 65535 / integer from 0 to 65535`);
  return port;
}
