// Writes a deterministic NDJSON file of service events in the canonical wire format, for the ingest benchmark
// and the large-file tests. Same count and seed, same bytes.
import fs from 'node:fs';

const CHANNELS = ['web', 'web', 'web', 'mobile', 'mobile', 'phone', 'counter', 'mail'];
const TYPES = ['started', 'step', 'step', 'completed', 'abandoned'];
const ORGS = [['RAMQ', 'carte'], ['SAAQ', 'permis'], ['RQ', 'impot'], ['RQ', 'tps'], ['MESS', 'aide']];

/** Line `i` (0-based) of the file: an event between 2023-01-01 and about 2024-12-31, Toronto offset. */
export function eventLine(i: number, seed = 1): string {
  let h = Math.imul(i ^ (seed * 0x9e3779b9), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  const [org, service] = ORGS[h % ORGS.length];
  const type = TYPES[(h >>> 3) % TYPES.length];
  const t = Date.UTC(2023, 0, 1) + Math.floor((i / 1.6) * 1000 * 12) % (730 * 86_400_000) + (h % 1000);
  const at = new Date(t - 5 * 3_600_000).toISOString().replace('Z', '-05:00');
  const step = type === 'step' ? `,"step":"etape_${h % 4}","step_index":${(h % 4) + 1}` : '';
  const outcome = type === 'completed' ? `,"outcome":"${h % 7 === 0 ? 'ineligible' : 'success'}","duration_ms":${(h % 900_000) + 30_000}` : '';
  const region = String(((h >>> 5) % 17) + 1).padStart(2, '0');
  return `{"event_id":"ev-${seed}-${i}","occurred_at":"${at}","org":"${org}","service":"${service}","channel":"${CHANNELS[(h >>> 7) % CHANNELS.length]}","journey_id":"j-${Math.floor(i / 4)}","type":"${type}"${step}${outcome},"client_type":"${h % 11 === 0 ? 'business' : 'citizen'}","region":"${region}","sign_in":"${['clicsequr', 'bank', 'partner', 'none'][(h >>> 9) % 4]}","assisted":${h % 13 === 0},"prefilled":${h % 3 === 0}}`;
}

/** Writes `count` events to `file`; returns its size in bytes. */
export async function writeEventsFile(file: string, count: number, seed = 1): Promise<number> {
  const out = fs.createWriteStream(file);
  const chunk = 10_000;
  for (let start = 0; start < count; start += chunk) {
    const lines: string[] = [];
    for (let i = start; i < Math.min(count, start + chunk); i++) lines.push(eventLine(i, seed));
    if (!out.write(lines.join('\n') + '\n')) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
  return fs.statSync(file).size;
}
