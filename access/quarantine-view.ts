// Quarantined rows as their producers see them: an organization's rejected rows with the reason, the line and the raw
// text scrubbed of personal information (the same patterns as at ingest, run by the engine), newest first, for the
// producers' page and its CSV download. The message is scrubbed too: it quotes the offending value. Rows whose organization is unknown are for administrators only.
import type { Warehouse } from '../warehouse/warehouse.ts';
import { allowedOrgs, type Caller } from './caller.ts';
import { scrubSql } from '../ingest/privacy.ts';
import { resultToCsv } from './result-csv.ts';

export interface QuarantinedRow {
  at: string;
  org: string;
  kind: string;
  source: string;
  line: number;
  reason: string;
  message: string;
  raw_text: string;
}

export const QUARANTINE_COLUMNS = ['at', 'org', 'kind', 'source', 'line', 'reason', 'message', 'raw_text'] as const;

/** Roles that may read quarantined rows: administrators (every organization), and within their organizations service
 *  owners and producer tokens (the organization's IT). */
export function mayReadQuarantine(caller: Caller): boolean {
  return caller.role === 'admin' || caller.role === 'service_owner' || caller.role === 'producer';
}

export async function listQuarantine(wh: Warehouse, caller: Caller, filter: { org?: string; limit?: number } = {}): Promise<QuarantinedRow[]> {
  const allowed = allowedOrgs(caller);
  const orgs = filter.org ? [filter.org] : allowed;
  if (allowed !== null && orgs !== null && orgs.some((o) => !allowed.includes(o))) return [];
  const rows = await wh.query<Omit<QuarantinedRow, 'message'> & { message_scrubbed: string }>(
    `SELECT toString(at) AS at, org, kind, source, toUInt64(line) AS line, reason, ${scrubSql('message')} AS message_scrubbed, ${scrubSql('raw')} AS raw_text
     FROM quarantine
     WHERE ({all:Bool} OR org IN {orgs:Array(String)})
     ORDER BY quarantine.at DESC, source, quarantine.line
     LIMIT {limit:UInt32}`,
    { all: orgs === null, orgs: orgs ?? [], limit: Math.min(filter.limit ?? 1000, 100_000) }
  );
  return rows.map(({ message_scrubbed, ...r }) => ({ ...r, message: message_scrubbed, line: Number(r.line), raw_text: r.raw_text.slice(0, 4000) }));
}

export function quarantineCsv(rows: readonly QuarantinedRow[]): string {
  return resultToCsv(QUARANTINE_COLUMNS, rows as unknown as Record<string, unknown>[]);
}
