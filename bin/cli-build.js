// The `jalon` command compiled to plain JavaScript (dist/cli/, git-ignored) by esbuild, and whether that build is the
// current source: bin/jalon.js runs it when it is, so no command starts through tsx. Plain JavaScript itself, because it
// runs before anything is compiled: from `npm ci`'s prepare step (`node bin/cli-build.js`) and on first use.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

// node:crypto costs `jalon help` about a tenth of its time to load: loaded only to hash or to build.
const require = createRequire(import.meta.url);
/** @returns {typeof import('node:crypto')} */
const crypto = () => require('node:crypto');

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const CLI_BUILD_DIR = path.join(ROOT, 'dist', 'cli');
const MANIFEST = path.join(CLI_BUILD_DIR, 'manifest.json');
const ENTRY = 'cli/main.ts';
/** Bumped when the manifest's shape or the build's options change, so that an older build is never taken as current. */
const FORMAT = 1;
/**
 * Loaded from node_modules at run time rather than bundled: native addons (chdb must also stay a lazy import, see
 * the shared notes) and heavy packages that only one command loads, lazily.
 */
const EXTERNAL = ['chdb', '@node-rs/argon2', 'exceljs', 'playwright-core'];
/** Files that shape the output without being bundled: this script and the bundler's version. */
const BUILD_INPUTS = ['bin/cli-build.js', 'node_modules/esbuild/package.json'];
/** A build is rebuilt when an input changed after this long before it started (an edit during the build). */
const EDIT_MARGIN_MS = 2000;
/** Builds other than the current one are removed once this old: a process that read the previous manifest may still be loading it. */
const OLD_BUILD_MS = 10 * 60 * 1000;

/** @typedef {{ format: number, dir: string, inputs: Record<string, [number, number, string]> }} Manifest */

/** @param {string} file @returns {string} */
function sha256(file) {
  return crypto().createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

/** @returns {Manifest | null} */
function readManifest() {
  try {
    const manifest = JSON.parse(fs.readFileSync(MANIFEST, 'utf8'));
    return manifest.format === FORMAT ? manifest : null;
  } catch {
    return null;
  }
}

/** Writes a file whole or not at all: readers running at the same time see the old content or the new. @param {string} file @param {string | Uint8Array} data */
function writeAtomically(file, data) {
  const tmp = `${file}.${process.pid}-${crypto().randomBytes(4).toString('hex')}.tmp`;
  fs.writeFileSync(tmp, data);
  fs.renameSync(tmp, file);
}

/**
 * The built entry point when it was built from the sources as they are now, else null. Fast path: every input's size
 * and modification time as recorded (about 400 stat calls). A file whose time moved but whose content is the same
 * (touched, checked out again) does not make the build stale; its new time is recorded.
 * @returns {string | null}
 */
export function currentCliBuild() {
  const manifest = readManifest();
  if (!manifest) return null;
  /** @type {[string, import('node:fs').Stats][]} */
  const moved = [];
  for (const [file, [mtimeMs, size]] of Object.entries(manifest.inputs)) {
    let stat;
    try {
      stat = fs.statSync(`${ROOT}/${file}`); // not path.join: its normalizing costs more than the stat, 400 times
    } catch {
      return null;
    }
    if (stat.size !== size) return null;
    if (stat.mtimeMs !== mtimeMs) moved.push([file, stat]);
  }
  for (const [file] of moved) if (sha256(path.join(ROOT, file)) !== manifest.inputs[file][2]) return null;
  const main = path.join(CLI_BUILD_DIR, manifest.dir, 'main.js');
  if (!fs.existsSync(main)) return null;
  if (moved.length > 0) {
    // The times seen before hashing: a file edited since then no longer matches them, and is checked again next time.
    for (const [file, stat] of moved) manifest.inputs[file] = [stat.mtimeMs, stat.size, manifest.inputs[file][2]];
    try {
      writeAtomically(MANIFEST, JSON.stringify(manifest));
    } catch {
      // A read-only checkout: the build is still current, only checked by content again next time.
    }
  }
  return main;
}

/**
 * esbuild bundles every module into a few files, so `import.meta.url` would name the bundle; each module keeps its own
 * source file's URL instead, so paths beside it (sql/schema, sql/metrics, metrics/strategies, node-cron's daemon) still
 * resolve, whatever folder the build sits in.
 * @param {string} outdir
 * @returns {import('esbuild').Plugin}
 */
function sourceUrls(outdir) {
  return {
    name: 'jalon-source-urls',
    setup(build) {
      build.onLoad({ filter: /\.(ts|js|mjs|cjs)$/ }, (args) => {
        const text = fs.readFileSync(args.path, 'utf8');
        if (!text.includes('import.meta.url')) return undefined;
        const relative = path.relative(outdir, args.path).split(path.sep).join('/');
        return {
          contents: text.replaceAll('import.meta.url', `new URL(${JSON.stringify(relative)}, import.meta.url).href`),
          loader: args.path.endsWith('.ts') ? 'ts' : 'js'
        };
      });
    }
  };
}

/** @param {string} dir @param {number} olderThanMs @param {string} keep */
function removeOldBuilds(dir, olderThanMs, keep) {
  const now = Date.now();
  for (const name of fs.readdirSync(dir)) {
    if (name === keep || name === 'manifest.json') continue;
    const p = path.join(dir, name);
    try {
      if (now - fs.statSync(p).mtimeMs > olderThanMs) fs.rmSync(p, { recursive: true, force: true });
    } catch {
      // Removed by another process meanwhile.
    }
  }
}

/**
 * The bundler's options: one bundle split at each command's dynamic import, ES modules for Node 20.
 * @param {string} outdir
 * @returns {import('esbuild').BuildOptions & { metafile: true, write: false }}
 */
function buildOptions(outdir) {
  return {
    absWorkingDir: ROOT,
    entryPoints: { main: ENTRY },
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    external: EXTERNAL,
    // Bundled CommonJS packages (nodemailer) call require() for Node's own modules.
    banner: { js: 'import { createRequire as __jalonCreateRequire } from "node:module"; const require = __jalonCreateRequire(import.meta.url);' },
    chunkNames: 'chunk-[hash]',
    // Error classes are matched by name across bundles (warehouse/warehouse.ts, access/caller.ts): keep them.
    keepNames: true,
    sourcemap: 'linked',
    sourcesContent: false,
    // The compiler options that matter here, given directly: tsconfig.json extends .svelte-kit/, which exists only after
    // `svelte-kit sync`.
    tsconfigRaw: { compilerOptions: { target: 'ES2022', verbatimModuleSyntax: true, useDefineForClassFields: true } },
    plugins: [sourceUrls(outdir)],
    metafile: true,
    write: false,
    logLevel: 'silent'
  };
}

/** The bundler's first error as one line naming the file and line (a syntax error in a source, say). @param {unknown} err */
function describeBuildFailure(err) {
  const first = /** @type {{ errors?: import('esbuild').Message[] }} */ (err).errors?.[0];
  if (!first) return err instanceof Error ? err.message.split('\n')[0] : String(err);
  return first.location ? `${first.location.file}:${first.location.line}: ${first.text}` : first.text;
}

/**
 * Bundles cli/main.ts and what it imports (dashboard/serve.ts for `serve`, the metrics engine, the warehouse adapters)
 * into dist/cli/<content hash>/, then points the manifest at it. Safe when several processes build at once: each
 * writes a folder of its own, renamed into place whole, and the manifest is replaced atomically.
 * @returns {Promise<string>} the built entry point
 */
export async function buildCli() {
  const esbuild = await import('esbuild');
  fs.mkdirSync(CLI_BUILD_DIR, { recursive: true });
  const tmp = path.join(CLI_BUILD_DIR, `.build-${process.pid}-${crypto().randomBytes(4).toString('hex')}`);
  try {
    for (let attempt = 1; ; attempt++) {
      const started = Date.now();
      const result = await esbuild.build(buildOptions(tmp)).catch((err) => {
        throw new Error(describeBuildFailure(err), { cause: err });
      });
      const files = [...new Set([...Object.keys(result.metafile.inputs), ...BUILD_INPUTS])].sort();
      /** @type {Manifest['inputs']} */
      const inputs = {};
      let editedDuringBuild = false;
      const finished = Date.now();
      for (const file of files) {
        const abs = path.join(ROOT, file);
        const stat = fs.statSync(abs);
        // Within the build's time (a file dated in the future, say from an archive, is no edit).
        if (stat.mtimeMs > started - EDIT_MARGIN_MS && stat.mtimeMs < finished + EDIT_MARGIN_MS) editedDuringBuild = true;
        inputs[file] = [stat.mtimeMs, stat.size, sha256(abs)];
      }
      // The hashes must be of the text esbuild read: an input written while it ran means building again.
      if (editedDuringBuild && attempt < 3) continue;
      const hash = crypto().createHash('sha256');
      for (const out of result.outputFiles) hash.update(path.relative(tmp, out.path)).update(out.contents);
      const dir = hash.digest('hex').slice(0, 16);
      fs.mkdirSync(tmp, { recursive: true });
      for (const out of result.outputFiles) fs.writeFileSync(out.path, out.contents);
      try {
        fs.renameSync(tmp, path.join(CLI_BUILD_DIR, dir));
      } catch (err) {
        // The same build, put in place by another process first or kept from earlier: dated now, so that no clean-up
        // takes it for an old one while this process loads it.
        const code = /** @type {NodeJS.ErrnoException} */ (err).code;
        if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw err;
        const now = new Date();
        fs.utimesSync(path.join(CLI_BUILD_DIR, dir), now, now);
      }
      writeAtomically(MANIFEST, JSON.stringify({ format: FORMAT, dir, inputs }));
      removeOldBuilds(CLI_BUILD_DIR, OLD_BUILD_MS, dir);
      return path.join(CLI_BUILD_DIR, dir, 'main.js');
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** The current build, built first when missing or stale. */
export async function ensureCliBuild() {
  return currentCliBuild() ?? (await buildCli());
}

// `node bin/cli-build.js`: npm's prepare step and `npm run build:cli`.
if (process.argv[1] && pathToFileURL(path.resolve(process.argv[1])).href === import.meta.url) {
  const started = performance.now();
  const main = await buildCli();
  process.stdout.write(`jalon : CLI construit / CLI built in ${Math.round(performance.now() - started)} ms → ${path.relative(ROOT, main)}\n`);
}
