// The compiled CLI (bin/cli-build.js → dist/cli/): `jalon` runs the build while it matches the sources, rebuilds it
// when a source changed (a developer's edit takes effect on the next run), falls back to tsx when it cannot build, and
// several `jalon` started at once on a fresh clone all run. On a copy of the project, so the real build is left alone.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../support/cli.ts';

const run = promisify(execFile);
const LEFT_OUT = new Set(['node_modules', '.git', 'dist', 'build', '.svelte-kit', 'data', 'test-results']);
const HELP_LINE = 'cette aide / this help';

let copy = '';

beforeAll(() => {
  copy = fs.mkdtempSync(path.join(os.tmpdir(), 'jalon-cli-build-'));
  fs.cpSync(ROOT, copy, { recursive: true, filter: (src) => path.dirname(src) !== ROOT || !LEFT_OUT.has(path.basename(src)) });
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(copy, 'node_modules'), 'dir');
});

afterAll(() => {
  if (copy) fs.rmSync(copy, { recursive: true, force: true });
});

async function jalon(...args: string[]): Promise<{ stdout: string; stderr: string }> {
  return run(process.execPath, [path.join(copy, 'bin', 'jalon.js'), ...args], { cwd: copy, env: { ...process.env, JALON_DATA_DIR: path.join(copy, 'data') } });
}

const buildDir = () => path.join(copy, 'dist', 'cli');
const manifest = () => JSON.parse(fs.readFileSync(path.join(buildDir(), 'manifest.json'), 'utf8')) as { dir: string; inputs: Record<string, [number, number, string]> };
const builds = () => fs.readdirSync(buildDir()).filter((n) => n !== 'manifest.json').sort();

/** Replaces text in a file of the copy, failing when the text is not there (the test would prove nothing). */
function edit(file: string, from: string, to: string): void {
  const p = path.join(copy, file);
  const text = fs.readFileSync(p, 'utf8');
  expect(text).toContain(from);
  fs.writeFileSync(p, text.replace(from, to));
}

describe('compiled CLI', () => {
  it('is built on first use, then run as built while the sources are unchanged, even when touched', async () => {
    const first = await jalon('help');
    expect(first.stdout).toContain(HELP_LINE);
    const { dir, inputs } = manifest();
    expect(builds()).toEqual([dir]);
    expect(Object.keys(inputs)).toEqual(expect.arrayContaining(['cli/main.ts', 'cli/commands/serve.ts', 'dashboard/serve.ts', 'warehouse/migrate.ts', 'bin/cli-build.js']));
    expect(Object.keys(inputs).some((f) => f.includes('node_modules/chdb/'))).toBe(false);

    // Mark the built file: only a run of the build (not tsx, not a rebuild) prints the mark.
    edit(`dist/cli/${dir}/main.js`, HELP_LINE, 'aide du build / built help');
    expect((await jalon('help')).stdout).toContain('aide du build / built help');

    // Touched, not changed: the build is still current, and the new time is recorded.
    const main = path.join(copy, 'cli', 'main.ts');
    const later = new Date(Date.now() + 60_000);
    fs.utimesSync(main, later, later);
    expect((await jalon('help')).stdout).toContain('aide du build / built help');
    expect(manifest().dir).toBe(dir);
    expect(manifest().inputs['cli/main.ts'][0]).toBe(fs.statSync(main).mtimeMs);
  });

  it('is rebuilt before it runs when a source changed, even at the same size', async () => {
    const before = manifest().dir;
    edit('cli/main.ts', HELP_LINE, 'cette AIDE / this HELP');
    const out = await jalon('help');
    expect(out.stdout).toContain('cette AIDE / this HELP');
    expect(manifest().dir).not.toBe(before);

    // A change in a module the command loads lazily, two imports away from main.ts.
    edit('cli/command.ts', 'entier de 0 à 65535 / integer from 0 to 65535', 'port de 0 à 65535 / port from 0 to 65535');
    const failed = await jalon('serve', '--port', '70000').then(
      () => null,
      (err: { code: number; stderr: string }) => err
    );
    expect(failed?.code).toBe(2);
    expect(failed?.stderr.trim()).toBe('--port "70000": port de 0 à 65535 / port from 0 to 65535');
  });

  it('runs from the source through tsx when it cannot be built', async () => {
    fs.rmSync(path.join(copy, 'dist'), { recursive: true, force: true });
    fs.writeFileSync(path.join(copy, 'dist'), 'a file where the build folder goes\n');
    const out = await jalon('help');
    expect(out.stdout).toContain('cette AIDE / this HELP');
    expect(out.stderr).toMatch(/^jalon : CLI non construit \(.+\), exécuté par tsx \/ CLI not built, running through tsx\n$/);
    fs.rmSync(path.join(copy, 'dist'));
  });

  it('serves several jalon started at once on a fresh clone: one build in place, no leftovers', async () => {
    fs.rmSync(path.join(copy, 'dist'), { recursive: true, force: true });
    const outs = await Promise.all([1, 2, 3, 4].map(() => jalon('help')));
    for (const out of outs) {
      expect(out.stdout).toContain('cette AIDE / this HELP');
      expect(out.stderr).toBe('');
    }
    expect(builds()).toEqual([manifest().dir]);
    expect(fs.readdirSync(path.join(copy, 'dist', 'cli')).filter((n) => n.startsWith('.') || n.endsWith('.tmp'))).toEqual([]);
  });
});
