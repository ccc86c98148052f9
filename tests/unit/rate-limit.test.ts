// Rate limits (access/rate-limit.ts): a token bucket per key, and a table bounded by a number of keys that is never
// emptied to make room — a limited address stays limited however many other addresses arrive (finding 10, issue 11).
import { describe, expect, it } from 'vitest';
import { RateLimiter } from '../../access/rate-limit.ts';
import { clientAddress } from '../../access/client-address.ts';

describe('RateLimiter', () => {
  it('allows the burst, then one request per 60/perMinute seconds', () => {
    const l = new RateLimiter({ perMinute: 6 });
    const t0 = 1_000_000;
    expect(Array.from({ length: 7 }, () => l.take('a', t0))).toEqual([true, true, true, true, true, true, false]);
    expect(l.retryAfter('a', t0)).toBe(10);
    expect(l.take('a', t0 + 9_000)).toBe(false);
    expect(l.take('a', t0 + 10_000)).toBe(true);
    expect(l.take('b', t0)).toBe(true); // another key has its own bucket
  });

  it('stays bounded without resetting anyone: a flood of new keys shares one overflow bucket', () => {
    const l = new RateLimiter({ perMinute: 3, maxKeys: 100 });
    const t0 = 5_000_000;
    for (let i = 0; i < 3; i++) l.take('attacker', t0);
    expect(l.take('attacker', t0)).toBe(false);
    let allowed = 0;
    for (let i = 0; i < 10_000; i++) if (l.take(`10.0.${i >> 8}.${i & 255}`, t0 + 1)) allowed++;
    expect(l.size).toBeLessThanOrEqual(101);
    expect(allowed).toBe(99 + 3); // 99 newcomers get a bucket each (one request each), the rest share the overflow bucket of 3
    expect(l.take('attacker', t0 + 2)).toBe(false); // still limited: nothing was emptied
    // Once idle keys are full again they make room for newcomers.
    expect(l.take('late', t0 + 120_000)).toBe(true);
    expect(l.size).toBeLessThanOrEqual(101);
  });
});

describe('clientAddress', () => {
  it('believes X-Forwarded-For only from a trusted proxy, taking the right-most address it did not add', () => {
    expect(clientAddress('::ffff:10.1.1.1', '6.6.6.6', [])).toBe('10.1.1.1');
    expect(clientAddress('127.0.0.1', '6.6.6.6', [])).toBe('127.0.0.1');
    expect(clientAddress('127.0.0.1', '6.6.6.6, 198.51.100.8', ['127.0.0.1'])).toBe('198.51.100.8');
    expect(clientAddress('127.0.0.1', 'not-an-ip, 198.51.100.8, 10.0.0.2', ['127.0.0.1', '10.0.0.2'])).toBe('198.51.100.8');
  });
});
