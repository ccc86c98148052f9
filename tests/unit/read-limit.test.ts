// The metrics service's read limit (metrics/read-limit.ts): never more than N reads at once, first come first served,
// a failed read frees its slot, and the data version's reads go around it.
import { describe, expect, it } from 'vitest';
import { ReadLimit } from '../../metrics/read-limit.ts';

const tick = () => new Promise((r) => setTimeout(r, 5));

describe('ReadLimit', () => {
  it('runs at most N at once, in the order they came, and frees a slot when a read fails', async () => {
    const limit = new ReadLimit(2);
    let running = 0;
    let peak = 0;
    const started: number[] = [];
    const work = (i: number) => limit.run(async () => {
      started.push(i);
      running++;
      peak = Math.max(peak, running);
      await tick();
      running--;
      if (i === 3) throw new Error(`read ${i} failed`);
      return i * 10;
    });
    const results = await Promise.allSettled(Array.from({ length: 9 }, (_, i) => work(i)));
    expect(peak).toBe(2);
    expect(started).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : 'failed'))).toEqual([0, 10, 20, 'failed', 40, 50, 60, 70, 80]);
    expect(limit.stats()).toEqual({ slots: 2, active: 0, waiting: 0 });
  });

  it('says how many wait while the slots are taken', async () => {
    const limit = new ReadLimit(1);
    let release!: () => void;
    const held = limit.run(() => new Promise<void>((r) => (release = r)));
    const queued = [limit.run(async () => 1), limit.run(async () => 2)];
    await tick();
    expect(limit.stats()).toEqual({ slots: 1, active: 1, waiting: 2 });
    release();
    await held;
    expect(await Promise.all(queued)).toEqual([1, 2]);
    expect(limit.stats()).toEqual({ slots: 1, active: 0, waiting: 0 });
  });
});
