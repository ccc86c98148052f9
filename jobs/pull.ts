// URL pull jobs: fetch a file over HTTP(S) on a schedule and ingest it with a mapping, for one organization.
import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { isKind } from '../ingest/kinds.ts';
import { loadMapping, type Format } from '../ingest/mapping.ts';
import { formatFromName } from '../ingest/readers.ts';
import { runIngest } from '../ingest/run-ingest.ts';
import type { Job } from './job.ts';
import { isOrgCode } from '../access/org-scope.ts';

export interface PullJobSpec {
  id: string;
  type: 'pull';
  schedule: string;
  url: string;
  kind: string;
  org: string;
  mapping?: string;
  format?: Format;
}

export function pullJob(spec: PullJobSpec): Job {
  if (!isKind(spec.kind)) throw new Error(`tâche ${spec.id}: type inconnu / unknown kind ${spec.kind}`);
  if (typeof spec.org !== 'string' || !isOrgCode(spec.org)) {
    throw new Error(`tâche ${spec.id}: "org" requis, le code de l'organisation dont la tâche reçoit les lignes / "org" required: the code of the organization whose rows the job receives (e.g. "org": "RQ")`);
  }
  const kind = spec.kind;
  return {
    id: spec.id,
    schedule: spec.schedule,
    description: `${kind} ← ${spec.url}`,
    async run(ctx) {
      const mapping = spec.mapping ? loadMapping(spec.mapping) : null;
      const format = spec.format ?? mapping?.format ?? formatFromName(new URL(spec.url).pathname) ?? 'ndjson';
      const res = await fetch(spec.url);
      if (!res.ok || !res.body) throw new Error(`${spec.url}: HTTP ${res.status}`);
      const stream = Readable.fromWeb(res.body as unknown as NodeReadableStream<Uint8Array>);
      const summary = await runIngest(ctx.warehouse, {
        kind,
        inputs: [{ source: { type: 'stream', stream, name: spec.url }, name: spec.url, format }],
        mapping,
        org: spec.org,
        pseudonymKey: ctx.config.pseudonymKey,
        excelMaxUnzippedBytes: ctx.config.ingest.excelMaxUnzippedBytes,
        now: ctx.now
      });
      return { read: summary.read, inserted: summary.inserted, duplicates: summary.duplicates, rejected: summary.rejected };
    }
  };
}
