// The inbox job: files dropped in `inbox/<org>/<kind>/` are ingested for that organization and kind, then moved to
// `done/` (or `failed/`) beside a `<file>.report.json` run summary. A `mapping.json` in the kind folder applies to
// its files. Files still being written (modified within the settle time) wait for the next scan.
import fs from 'node:fs';
import path from 'node:path';
import { isKind, KINDS } from '../ingest/kinds.ts';
import { loadMapping } from '../ingest/mapping.ts';
import { formatFromName } from '../ingest/readers.ts';
import { runIngest, type IngestSummary } from '../ingest/run-ingest.ts';
import type { Job, JobContext } from './job.ts';

const SETTLE_MS = 2_000;
const SKIP = new Set(['done', 'failed', 'mapping.json']);

function move(file: string, toDir: string, report: unknown): string {
  fs.mkdirSync(toDir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  let target = path.join(toDir, path.basename(file));
  if (fs.existsSync(target)) target = path.join(toDir, `${stamp}-${path.basename(file)}`);
  fs.renameSync(file, target);
  fs.writeFileSync(`${target}.report.json`, JSON.stringify(report, null, 2) + '\n');
  return target;
}

/** One scan of the inbox; returns counts for job_runs. */
export async function scanInbox(ctx: JobContext, inboxDir: string, settleMs = SETTLE_MS): Promise<Record<string, number>> {
  const counts = { files: 0, done: 0, failed: 0, waiting: 0, read: 0, inserted: 0, duplicates: 0, rejected: 0 };
  if (!fs.existsSync(inboxDir)) return counts;
  const nowMs = ctx.now().getTime();
  for (const org of fs.readdirSync(inboxDir, { withFileTypes: true })) {
    if (!org.isDirectory() || org.name.startsWith('.')) continue;
    for (const kindDir of fs.readdirSync(path.join(inboxDir, org.name), { withFileTypes: true })) {
      if (!kindDir.isDirectory() || kindDir.name.startsWith('.')) continue;
      const dir = path.join(inboxDir, org.name, kindDir.name);
      const files = fs.readdirSync(dir, { withFileTypes: true }).filter((f) => f.isFile() && !f.name.startsWith('.') && !SKIP.has(f.name)).map((f) => f.name).sort();
      for (const name of files) {
        const file = path.join(dir, name);
        if (nowMs - fs.statSync(file).mtimeMs < settleMs) {
          counts.waiting++;
          continue;
        }
        counts.files++;
        let report: { file: string; org: string; kind: string; summary?: IngestSummary; error?: string };
        let ok = false;
        const folder = `inbox/${org.name}/${kindDir.name}/`;
        try {
          if (!isKind(kindDir.name)) {
            throw new Error(`${folder} : « ${kindDir.name} » n’est pas un type (${KINDS.join(', ')}) ; renommez le dossier / "${kindDir.name}" is not a kind: rename the folder`);
          }
          const mappingFile = path.join(dir, 'mapping.json');
          const mapping = fs.existsSync(mappingFile) ? loadMapping(mappingFile) : null;
          const format = mapping?.format ?? formatFromName(name);
          if (!format) {
            throw new Error(`${folder}${name} : format inconnu (.ndjson, .csv, .parquet, .arrow, .xlsx) ; renommez le fichier ou donnez "format" dans ${folder}mapping.json / unknown format: rename the file or set "format" in mapping.json`);
          }
          const summary = await runIngest(ctx.warehouse, {
            kind: kindDir.name,
            inputs: [{ source: { type: 'file', path: file }, name: `inbox/${org.name}/${kindDir.name}/${name}`, format }],
            mapping,
            org: org.name,
            orgFrom: {
              fr: `celle du dossier ${folder} où le fichier a été déposé : déposez-la dans le dossier de son organisation (inbox/<org>/${kindDir.name}/)`,
              en: `the organization of folder ${folder} where the file was dropped: drop it in its organization's folder (inbox/<org>/${kindDir.name}/)`
            },
            pseudonymKey: ctx.config.pseudonymKey,
            excelMaxUnzippedBytes: ctx.config.ingest.excelMaxUnzippedBytes,
            now: ctx.now
          });
          report = { file: name, org: org.name, kind: kindDir.name, summary };
          ok = !(summary.read > 0 && summary.rejected === summary.read);
          counts.read += summary.read;
          counts.inserted += summary.inserted;
          counts.duplicates += summary.duplicates;
          counts.rejected += summary.rejected;
        } catch (err) {
          const summary = (err as { summary?: IngestSummary }).summary;
          report = { file: name, org: org.name, kind: kindDir.name, ...(summary ? { summary } : {}), error: err instanceof Error ? err.message : String(err) };
        }
        move(file, path.join(dir, ok ? 'done' : 'failed'), report);
        if (ok) counts.done++;
        else counts.failed++;
        ctx.log(`inbox: ${org.name}/${kindDir.name}/${name} → ${ok ? 'done' : 'failed'}`);
      }
    }
  }
  return counts;
}

export function inboxJob(inboxDir: string, schedule: string, settleMs = SETTLE_MS): Job {
  return {
    id: 'inbox',
    schedule,
    description: `dépôts dans ${inboxDir}/<org>/<type>/ / files dropped in ${inboxDir}/<org>/<kind>/`,
    run: (ctx) => scanInbox(ctx, inboxDir, settleMs)
  };
}
