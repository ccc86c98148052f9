// Heavy work never starves light work: the metrics service computes through a Warehouse whose reads run at most N at a
// time (JALON_METRIC_CONCURRENCY), first come first served. A cached answer never reaches the warehouse, so it never
// waits here; the data version (metrics/rollups.ts rollupHealth) reads the unlimited warehouse underneath, because every
// request, cached or not, needs it. Writes, DDL and the sandbox's isolated queries are not limited here: they have
// limits of their own (ingest batches, the sandbox's per-caller limits).
import type { Warehouse } from '../warehouse/warehouse.ts';

const BASE = Symbol.for('jalon.readLimit.base');

/** A counting semaphore: `run` waits for a free slot, holds it while the work runs, and hands it to the next in line. */
export class ReadLimit {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  constructor(readonly slots: number) {}

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.active >= this.slots) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active++;
    try {
      return await work();
    } finally {
      const next = this.waiting.shift();
      if (next) next(); // the slot passes straight to the next reader: `active` stays the same
      else this.active--;
    }
  }

  stats(): { slots: number; active: number; waiting: number } {
    return { slots: this.slots, active: this.active, waiting: this.waiting.length };
  }
}

/** The same warehouse, its `query` and `queryArrow` through `limit`. Everything else goes straight through. */
export function limitReads(wh: Warehouse, limit: ReadLimit): Warehouse {
  return new Proxy(wh, {
    get(target, prop) {
      if (prop === BASE) return target;
      if (prop === 'query') return (...args: Parameters<Warehouse['query']>) => limit.run(() => target.query(...args));
      if (prop === 'queryArrow') return (...args: Parameters<Warehouse['queryArrow']>) => limit.run(() => target.queryArrow(...args));
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    }
  });
}

/** The warehouse under a limited one (itself otherwise). */
export function unlimited(wh: Warehouse): Warehouse {
  return ((wh as unknown as Record<symbol, Warehouse | undefined>)[BASE]) ?? wh;
}
