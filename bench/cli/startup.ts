// CLI start-up benchmark (issue 18, target: `jalon help` ≤ 150 ms): the compiled CLI (bin/jalon.js → dist/cli) against
// the same source through tsx (what bin/jalon.js ran before the build), side by side and interleaved in one run, so both
// see the same machine load. Median and p90 of wall time, and of CPU time (user + system, from GNU time when present),
// for `jalon help` and `jalon metrics list --json` on an empty data folder. Prints a Markdown table and writes it to
// bench/results/cli-startup.md. With --baseline DIR, another checkout's `bin/jalon.js` is timed in the same runs
// (e.g. main before the compiled CLI, which ran every command through tsx and loaded every command's module).
//   npm run bench:cli -- [--runs 21] [--baseline ../main]
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ensureCliBuild, ROOT } from '../../bin/cli-build.js';

const { values } = parseArgs({ args: process.argv.slice(2), options: { runs: { type: 'string', default: '21' }, baseline: { type: 'string' } } });
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs "${values.runs}": un entier ≥ 1 / an integer ≥ 1`);

const GNU_TIME = fs.existsSync('/usr/bin/time') ? '/usr/bin/time' : null;
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'jalon-bench-cli-'));
const env = { ...process.env, JALON_DATA_DIR: dataDir, JALON_LOG_LEVEL: 'warn' };

const COMMANDS: readonly { label: string; args: string[] }[] = [
  { label: 'jalon help', args: ['help'] },
  { label: 'jalon metrics list --json', args: ['metrics', 'list', '--json'] }
];
const baseline = values.baseline ? path.resolve(values.baseline) : null;
if (baseline && !fs.existsSync(path.join(baseline, 'bin', 'jalon.js'))) throw new Error(`--baseline "${values.baseline}": pas de bin/jalon.js / no bin/jalon.js there`);
const commitOf = (dir: string) => execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: dir, encoding: 'utf8' }).trim();
const WAYS: readonly { label: string; node: string[] }[] = [
  { label: 'built (dist/cli)', node: [path.join(ROOT, 'bin', 'jalon.js')] },
  { label: 'tsx (source)', node: ['--import', 'tsx/esm', path.join(ROOT, 'cli', 'main.ts')] },
  ...(baseline ? [{ label: `baseline checkout at ${commitOf(baseline)}`, node: [path.join(baseline, 'bin', 'jalon.js')] }] : [])
];

interface Sample {
  wallMs: number;
  cpuMs: number | null;
}

/** One run, timed from spawn to exit; its CPU time from GNU time's `%U %S` on stderr's last line. */
function once(nodeArgs: string[], args: string[]): Sample {
  const argv = [process.execPath, ...nodeArgs, ...args];
  const [file, rest] = GNU_TIME ? [GNU_TIME, ['-f', '%U %S', ...argv]] : [argv[0], argv.slice(1)];
  const started = performance.now();
  const child = spawnSync(file, rest, { cwd: ROOT, env, encoding: 'utf8', maxBuffer: 64 << 20 });
  const wallMs = performance.now() - started;
  if (child.status !== 0) throw new Error(`${argv.join(' ')} exited ${child.status}:\n${child.stderr}`);
  const last = child.stderr.trim().split('\n').pop() ?? '';
  const cpu = GNU_TIME ? last.split(' ').map(Number) : [];
  return { wallMs, cpuMs: cpu.length === 2 && cpu.every(Number.isFinite) ? (cpu[0] + cpu[1]) * 1000 : null };
}

const quantile = (xs: number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  const i = (s.length - 1) * q;
  return s[Math.floor(i)] + (s[Math.ceil(i)] - s[Math.floor(i)]) * (i - Math.floor(i));
};
const ms = (x: number) => `${Math.round(x)} ms`;

await ensureCliBuild();
const samples = new Map<string, Sample[]>();
for (const command of COMMANDS) {
  // One warm-up each (file cache, tsx's cache), then the runs interleaved: built, tsx, built, tsx…
  for (const way of WAYS) once(way.node, command.args);
  for (let i = 0; i < runs; i++) {
    for (const way of WAYS) {
      const key = `${command.label}\t${way.label}`;
      samples.set(key, [...(samples.get(key) ?? []), once(way.node, command.args)]);
    }
  }
}
fs.rmSync(dataDir, { recursive: true, force: true });

const commit = commitOf(ROOT);
const load = os.loadavg().map((x) => x.toFixed(2)).join(', ');
const lines = [
  `CLI start-up, ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, commit ${commit}, Node ${process.version}, ` +
    `${os.cpus().length} cores, load average at the end ${load}, ${runs} runs each (interleaved), \`npm run bench:cli -- --runs ${runs}${baseline ? ' --baseline <checkout>' : ''}\``,
  '',
  '| command | way | wall median | wall p90 | CPU median | wall median vs tsx |',
  '|---|---|---:|---:|---:|---:|'
];
for (const command of COMMANDS) {
  const tsxWall = quantile(samples.get(`${command.label}\t${WAYS[1].label}`)!.map((s) => s.wallMs), 0.5);
  for (const way of WAYS) {
    const got = samples.get(`${command.label}\t${way.label}`)!;
    const wall = got.map((s) => s.wallMs);
    const cpu = got.flatMap((s) => (s.cpuMs === null ? [] : [s.cpuMs]));
    const median = quantile(wall, 0.5);
    lines.push(`| \`${command.label}\` | ${way.label} | ${ms(median)} | ${ms(quantile(wall, 0.9))} | ${cpu.length ? ms(quantile(cpu, 0.5)) : '—'} | ${(median / tsxWall).toFixed(2)} |`);
  }
}
const table = `${lines.join('\n')}\n`;
process.stdout.write(table);
fs.mkdirSync(path.join(ROOT, 'bench', 'results'), { recursive: true });
fs.writeFileSync(path.join(ROOT, 'bench', 'results', 'cli-startup.md'), table);
