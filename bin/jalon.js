#!/usr/bin/env node
// Entry point of the `jalon` command: runs the CLI compiled to JavaScript (bin/cli-build.js), rebuilt first when a
// source changed since it was built, so that a developer's edit takes effect on the next run. When it cannot be built
// (no esbuild, a folder it may not write), the CLI runs from its TypeScript source through tsx, as before the build.
import { pathToFileURL } from 'node:url';
import { buildCli, currentCliBuild } from './cli-build.js';

async function builtCli() {
  const current = currentCliBuild();
  if (current) return current;
  if (process.stderr.isTTY) process.stderr.write('jalon : construction du CLI… / building the CLI…\n');
  try {
    return await buildCli();
  } catch (err) {
    const reason = err instanceof Error ? err.message.split('\n')[0] : String(err);
    process.stderr.write(`jalon : CLI non construit (${reason}), exécuté par tsx / CLI not built, running through tsx\n`);
    return null;
  }
}

const main = await builtCli();
if (main) {
  await import(pathToFileURL(main).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../cli/main.ts');
}
