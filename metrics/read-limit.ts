// Heavy work never starves light work: the metrics service computes through a Warehouse whose reads run at most N at a
// time (JALON_METRIC_CONCURRENCY), first come first served. A cached answer never reaches the warehouse, so it never
// waits here; the data version (metrics/rollups.ts rollupHealth) reads the unlimited warehouse underneath, because every
// request, cached or not, needs it. Writes, DDL and the sandbox's isolated queries are not limited here: they have
// limits of their own (ingest batches, the sandbox's per-caller limits).
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Warehouse } from '../warehouse/warehouse.ts';

/** Work done for nobody in particular (the rollups job preparing pages): its reads yield to people's. */
const background = new AsyncLocalStorage<true>();

/** Runs `work` as background work: its reads through a ReadLimit wait while people's wait, and never take the last slot. */
export function inBackground<T>(work: () => Promise<T>): Promise<T> {
  return background.run(true, work);
}

const BASE = Symbol.for('jalon.readLimit.base');

/**
 * A counting semaphore with two lines: `run` waits for a free slot, holds it while the work runs, then hands it to the
 * next in line, people's reads first. Background reads (`inBackground`) take at most all slots but one, so a person's
 * read never waits for more than the reads already running.
 */
export class ReadLimit {
  private active = 0;
  private activeBackground = 0;
  private readonly waiting: (() => void)[] = [];
  private readonly waitingBackground: (() => void)[] = [];
  constructor(readonly slots: number) {}

  private get backgroundSlots(): number {
    return Math.max(1, this.slots - 1);
  }

  async run<T>(work: () => Promise<T>): Promise<T> {
    const isBackground = background.getStore() === true;
    if (isBackground) {
      if (this.active >= this.slots || this.activeBackground >= this.backgroundSlots || this.waiting.length > 0) {
        await new Promise<void>((resolve) => this.waitingBackground.push(resolve)); // release() counts it in
      } else {
        this.active++;
        this.activeBackground++;
      }
    } else if (this.active >= this.slots) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active++;
    try {
      return await work();
    } finally {
      if (isBackground) this.activeBackground--;
      this.release();
    }
  }

  /** The freed slot goes straight to the next reader (`active` stays the same), people first. */
  private release(): void {
    const person = this.waiting.shift();
    if (person) return person();
    if (this.activeBackground < this.backgroundSlots) {
      const job = this.waitingBackground.shift();
      if (job) {
        this.activeBackground++;
        return job();
      }
    }
    this.active--;
  }

  stats(): { slots: number; active: number; waiting: number; waitingBackground: number } {
    return { slots: this.slots, active: this.active, waiting: this.waiting.length, waitingBackground: this.waitingBackground.length };
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
