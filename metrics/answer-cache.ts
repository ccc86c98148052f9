// The metrics service's one answer cache: answers keyed by everything that shapes them (data version included), least
// recently used first out, bounded by the bytes its answers take — not by a number of entries, since one answer can be
// a hundred bytes or several megabytes. An instance per metrics service (metrics/service.ts), never a module map.
// Callers asking while an answer is computed share the one computation; a person sharing one that the rollups job
// started in the background makes its reads theirs (metrics/read-limit.ts).
import { joinComputation, startComputation } from './read-limit.ts';

/** Bytes an answer takes in memory, roughly: its JSON text as UTF-16, plus the key. */
export function answerBytes(value: unknown): number {
  try {
    // A large answer's rows are sized from a sample: writing out thousands of rows again only to count them would hold
    // the server's one thread as long as serving the answer does.
    const rows = (value as { rows?: unknown } | null)?.rows;
    if (Array.isArray(rows) && rows.length > SAMPLED) {
      const step = rows.length / SAMPLED;
      let sampled = 0;
      for (let i = 0; i < SAMPLED; i++) sampled += JSON.stringify(rows[Math.floor(i * step)])?.length ?? 0;
      const rest = JSON.stringify({ ...(value as object), rows: [] })?.length ?? 0;
      return Math.round((rest + (sampled / SAMPLED + 1) * rows.length) * 2);
    }
    return (JSON.stringify(value)?.length ?? 0) * 2;
  } catch {
    return 1024;
  }
}
const SAMPLED = 200;

interface Entry {
  value: Promise<unknown>;
  /** The computation behind the answer (metrics/read-limit.ts): a person joining it makes it theirs. */
  work: ReturnType<typeof startComputation>['work'];
  /** Known once the answer has arrived; a pending answer is counted at a nominal size. */
  bytes: number;
}

const PENDING_BYTES = 4096;

export class AnswerCache {
  readonly maxBytes: number;
  private readonly entries = new Map<string, Entry>();
  private used = 0;
  private hits = 0;
  private misses = 0;

  constructor(maxBytes: number) {
    this.maxBytes = maxBytes;
  }

  /** The answer for `key`, computed once while it stays cached; a failed computation is forgotten at once. */
  get<T>(key: string, compute: () => Promise<T>): Promise<T> {
    const hit = this.entries.get(key);
    if (hit) {
      this.hits++;
      this.entries.delete(key); // move to the most recently used end
      this.entries.set(key, hit);
      joinComputation(hit.work);
      return hit.value as Promise<T>;
    }
    this.misses++;
    const { value, work } = startComputation(compute);
    const entry: Entry = { value, work, bytes: PENDING_BYTES + key.length * 2 };
    this.entries.set(key, entry);
    this.used += entry.bytes;
    value.then(
      (answer) => {
        if (this.entries.get(key) !== entry) return;
        entry.work = null; // nothing left to promote
        const bytes = answerBytes(answer) + key.length * 2;
        this.used += bytes - entry.bytes;
        entry.bytes = bytes;
        // An answer larger than a quarter of the whole cache is served once, not kept: it would push out everything else.
        if (bytes > this.maxBytes / 4) this.drop(key);
        this.evict();
      },
      () => {
        if (this.entries.get(key) === entry) this.drop(key);
      }
    );
    this.evict();
    return value;
  }

  private drop(key: string): void {
    const e = this.entries.get(key);
    if (!e) return;
    this.entries.delete(key);
    this.used -= e.bytes;
  }

  private evict(): void {
    for (const key of this.entries.keys()) {
      if (this.used <= this.maxBytes) break;
      this.drop(key);
    }
  }

  clear(): void {
    this.entries.clear();
    this.used = 0;
  }

  stats(): { entries: number; bytes: number; maxBytes: number; hits: number; misses: number } {
    return { entries: this.entries.size, bytes: this.used, maxBytes: this.maxBytes, hits: this.hits, misses: this.misses };
  }
}
