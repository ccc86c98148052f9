// Heavy work never starves light work: the metrics service computes through a Warehouse whose reads run at most N at a
// time (JALON_METRIC_CONCURRENCY), people's first. A cached answer never reaches the warehouse, so it never
// waits here; the data version (metrics/rollups.ts rollupHealth) reads the unlimited warehouse underneath, because every
// request, cached or not, needs it. Writes, DDL and the sandbox's isolated queries are not limited here: they have
// limits of their own (ingest batches, the sandbox's per-caller limits).
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Warehouse } from '../warehouse/warehouse.ts';

/** A unit of work its reads belong to: a computation, inside the one that started it. Background until a person needs it. */
interface Work {
  background: boolean;
  parent: Work | null;
}

const current = new AsyncLocalStorage<Work>();
/** Every limit of the process, told when a promotion may let a waiting read go. */
const limits = new Set<ReadLimit>();

/** Whether the reads of `work` are background reads: every unit of work they belong to is background (none: a person's). */
function isBackground(work: Work | null | undefined): boolean {
  if (!work) return false;
  for (let w: Work | null = work; w; w = w.parent) if (!w.background) return false;
  return true;
}

/** Runs `fn` as background work (the rollups job preparing pages): its reads yield to people's and never take the last slot. */
export function inBackground<T>(fn: () => Promise<T>): Promise<T> {
  return current.run({ background: true, parent: null }, fn);
}

/**
 * Starts a computation others may join (the answer cache's): in a unit of work of its own, inside the caller's. When a
 * person joins one that the background started, `promote` makes its reads theirs, so a person never waits behind
 * background reads for an answer they share (no priority inversion).
 */
export function startComputation<T>(fn: () => Promise<T>): { value: Promise<T>; work: Work | null } {
  const parent = current.getStore();
  if (!parent) return { value: fn(), work: null };
  const work: Work = { background: parent.background, parent };
  return { value: current.run(work, fn), work };
}

/** A caller joins a computation: if the caller is a person and the computation background, it becomes a person's. */
export function joinComputation(work: Work | null): void {
  if (!work || isBackground(current.getStore()) || !isBackground(work)) return;
  work.background = false;
  for (const limit of limits) limit.pump();
}

interface Waiting {
  work: Work | undefined;
  /** Resolves with whether the slot is counted as a background one. */
  go: (asBackground: boolean) => void;
}

/**
 * A counting semaphore with two lines: `run` waits for a free slot, holds it while the read runs, then hands it to the
 * next in line, people's reads first. Background reads take at most all slots but one, so a person's read never waits
 * for more than the reads already running.
 */
export class ReadLimit {
  private active = 0;
  private activeBackground = 0;
  private readonly waiting: Waiting[] = [];
  constructor(readonly slots: number) {
    limits.add(this);
  }

  private get backgroundSlots(): number {
    return Math.max(1, this.slots - 1);
  }

  async run<T>(read: () => Promise<T>): Promise<T> {
    const work = current.getStore();
    let asBackground = isBackground(work);
    const people = this.waiting.some((w) => !isBackground(w.work));
    if (this.active < this.slots && (asBackground ? this.activeBackground < this.backgroundSlots && !people : true)) {
      this.active++;
      if (asBackground) this.activeBackground++;
    } else {
      asBackground = await new Promise<boolean>((go) => this.waiting.push({ work, go }));
    }
    try {
      return await read();
    } finally {
      if (asBackground) this.activeBackground--;
      this.active--;
      this.pump();
    }
  }

  /** Hands free slots to those waiting: people first, then background reads while they hold fewer than their share. */
  pump(): void {
    while (this.active < this.slots) {
      let i = this.waiting.findIndex((w) => !isBackground(w.work));
      const asBackground = i < 0;
      if (asBackground) {
        if (this.activeBackground >= this.backgroundSlots || this.waiting.length === 0) return;
        i = 0;
      }
      const [next] = this.waiting.splice(i, 1);
      this.active++;
      if (asBackground) this.activeBackground++;
      next.go(asBackground);
    }
  }

  stats(): { slots: number; active: number; waiting: number; waitingBackground: number } {
    const background = this.waiting.filter((w) => isBackground(w.work)).length;
    return { slots: this.slots, active: this.active, waiting: this.waiting.length - background, waitingBackground: background };
  }
}

const BASE = Symbol.for('jalon.readLimit.base');

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
