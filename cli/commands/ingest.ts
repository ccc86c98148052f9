// `jalon ingest <kind> <path|->`: loads a file, a folder or standard input into the warehouse, with progress on a
// terminal and, with --json, the run summary `{run_id, kind, read, inserted, duplicates, rejected, rejects, new_codes
// (the first 20), new_codes_count}`; the run's record in ingest_runs keeps every new code.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import type { Config } from '../../config/config.ts';
import { openWarehouse } from '../../warehouse/open-warehouse.ts';
import { migrate } from '../../warehouse/migrate.ts';
import type { Warehouse } from '../../warehouse/warehouse.ts';
import { isKind, KINDS } from '../../ingest/kinds.ts';
import { FORMATS, loadMapping, MappingError, type Format } from '../../ingest/mapping.ts';
import { resolveInputs, runIngest, type IngestSummary } from '../../ingest/run-ingest.ts';
import { UsageError, type Command } from '../command.ts';
import { createProgress } from '../terminal.ts';

export interface IngestCliOptions {
  kind: string;
  target: string;
  format?: string;
  mapping?: string;
  org?: string;
  strict?: boolean;
  json?: boolean;
  /** Excel: the sheet to read. */
  sheet?: string;
  batchRows?: number;
  /** Name recorded for the source instead of the path (e.g. 'stdin'). */
  label?: string;
}

async function spoolStdin(): Promise<string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jalon-stdin-'));
  const file = path.join(dir, 'stdin');
  await pipeline(process.stdin, fs.createWriteStream(file, { mode: 0o600 }));
  return file;
}

/** Runs one CLI ingest on an open warehouse (also used by the benchmark and tests). */
export async function ingestFromCli(wh: Warehouse, config: Config, o: IngestCliOptions): Promise<IngestSummary> {
  if (!isKind(o.kind)) throw new UsageError(`type inconnu / unknown kind "${o.kind}": ${KINDS.join(', ')}`);
  if (o.format !== undefined && !(FORMATS as readonly string[]).includes(o.format)) throw new UsageError(`--format "${o.format}": ${FORMATS.join(', ')}`);
  let mapping = null;
  try {
    mapping = o.mapping ? loadMapping(o.mapping) : null;
  } catch (err) {
    if (err instanceof MappingError) throw new UsageError(err.message);
    throw err;
  }
  if (mapping?.kind && mapping.kind !== o.kind) throw new UsageError(`--mapping est pour « ${mapping.kind} », pas « ${o.kind} » / mapping is for ${mapping.kind}, not ${o.kind}`);
  if (o.target !== '-' && !fs.existsSync(o.target)) throw new UsageError(`${o.target}: fichier ou dossier introuvable / file or folder not found`);
  const format = (o.format ?? mapping?.format ?? null) as Format | null;
  let inputs;
  try {
    inputs = resolveInputs(o.target, format);
    if (o.label) inputs = inputs.map((i) => ({ ...i, name: o.label ?? i.name }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const total = inputs.reduce((n, i) => n + (i.source.type === 'file' ? fs.statSync(i.source.path).size : 0), 0);
  const progress = createProgress(!o.json);
  const fmt = new Intl.NumberFormat('fr-CA');
  let doneBefore = 0;
  let current = '';
  try {
    return await runIngest(wh, {
      kind: o.kind,
      inputs,
      mapping,
      org: o.org ?? null,
      ...(o.org ? { orgFrom: { fr: `celle donnée par --org ${o.org} : retirez --org ou séparez le fichier par organisation`, en: `the one given by --org ${o.org}: drop --org or split the file by organization` } } : {}),
      strict: o.strict ?? false,
      pseudonymKey: config.pseudonymKey,
      sheet: o.sheet ?? null,
      excelMaxUnzippedBytes: config.ingest.excelMaxUnzippedBytes,
      killAt: config.ingest.testKillAt,
      ...(o.batchRows ? { batchRows: o.batchRows } : {}),
      ...(o.label ? { label: o.label } : {}),
      onProgress: ({ rows, bytesRead, source }) => {
        if (source !== current) {
          const prev = inputs.find((i) => i.name === current)?.source;
          if (prev?.type === 'file') doneBefore += fs.statSync(prev.path).size;
          current = source;
        }
        progress.update(`${fmt.format(rows)} lignes`, doneBefore + bytesRead, total || 1);
      }
    });
  } finally {
    progress.done();
  }
}

export const ingestCommand: Command = {
  name: 'ingest',
  async run(args, config) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        format: { type: 'string' },
        mapping: { type: 'string' },
        sheet: { type: 'string' },
        org: { type: 'string' },
        strict: { type: 'boolean', default: false },
        json: { type: 'boolean', default: false }
      }
    });
    const [kind, target] = positionals;
    if (!kind || !target) throw new UsageError('usage: jalon ingest <type> <chemin|-> — jalon help');
    // chDB refuses inline inserts while standard input is an unread pipe: spool stdin to a private file first.
    const spooled = target === '-' ? await spoolStdin() : null;
    const wh = await openWarehouse(config.warehouse, { holder: 'jalon ingest', createDatabase: true });
    let summary: IngestSummary;
    try {
      await migrate(wh);
      summary = await ingestFromCli(wh, config, { kind, target: spooled ?? target, ...values, ...(spooled ? { label: 'stdin', format: values.format ?? 'ndjson' } : {}) });
    } catch (err) {
      const failed = (err as { summary?: IngestSummary }).summary;
      if (failed && values.json) process.stdout.write(JSON.stringify(publicSummary(failed)) + '\n');
      throw err;
    } finally {
      await wh.close();
      if (spooled) fs.rmSync(path.dirname(spooled), { recursive: true, force: true });
    }
    if (values.json) process.stdout.write(JSON.stringify(publicSummary(summary)) + '\n');
    else {
      const f = new Intl.NumberFormat('fr-CA');
      process.stderr.write(
        `Lu / read ${f.format(summary.read)} · inséré / inserted ${f.format(summary.inserted)} · doublons / duplicates ${f.format(summary.duplicates)} · rejeté / rejected ${f.format(summary.rejected)}  (run ${summary.run_id})\n`
      );
      for (const r of summary.rejects) process.stderr.write(`  ${r.reason}: ${f.format(r.count)}\n`);
      for (const e of summary.errors.slice(0, 10)) process.stderr.write(`  ${e.source}:${e.line} ${e.reason} — ${e.message}\n`);
      if (summary.new_codes_count) {
        const more = summary.new_codes_count > summary.new_codes.length;
        process.stderr.write(
          `Nouveaux codes (provisoires) / new placeholder codes: ${f.format(summary.new_codes_count)} — ${summary.new_codes.join(', ')}${more ? ` … (liste complète / full list: SELECT new_codes FROM ingest_runs WHERE run_id = '${summary.run_id}')` : ''}\n`
        );
      }
    }
    return 0;
  }
};

/** The summary as the CLI prints it with --json. */
export function publicSummary(s: IngestSummary): Record<string, unknown> {
  return {
    run_id: s.run_id, kind: s.kind, read: s.read, inserted: s.inserted, duplicates: s.duplicates, rejected: s.rejected,
    rejects: s.rejects, new_codes: s.new_codes, new_codes_count: s.new_codes_count, status: s.status, ...(s.error ? { error: s.error } : {})
  };
}
