// The CLI's command list (cli/registry.ts), which `jalon help` prints without loading any command: every command of
// cli/commands/ is listed, and each entry loads the command of its own name.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../cli/registry.ts';
import { ROOT } from '../support/cli.ts';

describe('CLI registry', () => {
  it('lists every command defined in cli/commands/, once', () => {
    const dir = path.join(ROOT, 'cli', 'commands');
    const defined = fs
      .readdirSync(dir)
      .flatMap((f) => [...fs.readFileSync(path.join(dir, f), 'utf8').matchAll(/name: '([a-z]+)'|serveWith\('([a-z]+)'/g)].map((m) => m[1] ?? m[2]));
    const listed = COMMANDS.map((c) => c.name);
    expect(new Set(listed).size).toBe(listed.length);
    expect([...listed].sort()).toEqual([...new Set(defined)].sort());
  });

  it.each(COMMANDS.map((c) => [c.name, c] as const))('%s loads the command of that name, with its help lines', async (name, entry) => {
    expect((await entry.load()).name).toBe(name);
    expect(entry.help.trimStart().startsWith(name)).toBe(true);
  });
});
