// Builds the dashboard once for end-to-end tests that run in parallel: the first test file to need a build takes a
// lock (an atomic mkdir), the others wait for it and find the build fresh.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { buildDashboard, buildIsStale, ROOT } from '../../dashboard/serve.ts';

const LOCK = path.join(os.tmpdir(), `jalon-build-${createHash('sha256').update(ROOT).digest('hex').slice(0, 12)}.lock`);

export async function ensureBuiltApp(timeoutMs = 280_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (buildIsStale()) {
    try {
      fs.mkdirSync(LOCK);
    } catch {
      // Someone else builds; a lock older than the timeout is left over from a killed run.
      const lock = fs.statSync(LOCK, { throwIfNoEntry: false });
      if (lock && Date.now() - lock.mtimeMs > timeoutMs) fs.rmSync(LOCK, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error('la construction du tableau de bord tarde / dashboard build timed out');
      await new Promise((r) => setTimeout(r, 500));
      continue;
    }
    try {
      if (buildIsStale()) await buildDashboard(() => undefined);
    } finally {
      fs.rmSync(LOCK, { recursive: true, force: true });
    }
  }
}
