// Rate limits: a token bucket per key (client address, producer token, account and address), in a table bounded
// by a number of keys and never emptied to make room. One instance per limit, created once per process (the runtime
// holds them) and passed down; nothing here reads the clock itself (`now` is a parameter).

export interface RateLimitOptions {
  /** Requests allowed per minute, and the burst (the bucket's size). */
  perMinute: number;
  /** Most keys kept: beyond, idle keys are dropped first; a key that cannot get a place shares one overflow bucket. */
  maxKeys?: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

/** The key every newcomer shares once the table is full of active keys: it is limited, never reset. */
const OVERFLOW = '\u0000overflow';

export class RateLimiter {
  readonly perMinute: number;
  readonly maxKeys: number;
  private readonly buckets = new Map<string, Bucket>();

  constructor(options: RateLimitOptions) {
    this.perMinute = options.perMinute;
    this.maxKeys = options.maxKeys ?? 50_000;
  }

  /** Takes one token for `key`; false when its bucket is empty (the caller answers 429). */
  take(key: string, now: number, cost = 1): boolean {
    const bucket = this.bucketOf(key, now);
    if (bucket.tokens < cost) return false;
    bucket.tokens -= cost;
    return true;
  }

  /** Whether `key` would be refused now, without taking anything (a check before costly work). */
  exhausted(key: string, now: number): boolean {
    const found = this.buckets.get(key);
    if (!found) return false;
    this.refill(found, now);
    return found.tokens < 1;
  }

  /** Seconds until `key` has a token again (for Retry-After). */
  retryAfter(key: string, now: number): number {
    const found = this.buckets.get(key) ?? this.buckets.get(OVERFLOW);
    if (!found) return 0;
    this.refill(found, now);
    return found.tokens >= 1 ? 0 : Math.ceil(((1 - found.tokens) * 60) / this.perMinute);
  }

  get size(): number {
    return this.buckets.size;
  }

  private refill(b: Bucket, now: number): void {
    const elapsed = Math.max(0, now - b.at);
    b.tokens = Math.min(this.perMinute, b.tokens + (elapsed * this.perMinute) / 60_000);
    b.at = now;
  }

  private bucketOf(key: string, now: number): Bucket {
    let b = this.buckets.get(key);
    if (b) {
      this.refill(b, now);
      return b;
    }
    if (this.buckets.size >= this.maxKeys) this.sweep(now);
    if (this.buckets.size >= this.maxKeys) {
      // Full of keys still limited: the newcomer shares the overflow bucket (no one's count is reset to make room).
      b = this.buckets.get(OVERFLOW);
      if (!b) {
        b = { tokens: this.perMinute, at: now };
        this.buckets.set(OVERFLOW, b);
      }
      this.refill(b, now);
      return b;
    }
    b = { tokens: this.perMinute, at: now };
    this.buckets.set(key, b);
    return b;
  }

  /** Drops keys whose bucket is full again (idle for a minute or more): forgetting them changes nothing. */
  private sweep(now: number): void {
    for (const [k, b] of this.buckets) {
      if (k === OVERFLOW) continue;
      this.refill(b, now);
      if (b.tokens >= this.perMinute) this.buckets.delete(k);
    }
  }
}

/** The process's limits, created once from configuration (the runtime holds them; `serve` and the app share them). */
export interface Guards {
  /** Pages and API per client address. */
  requests: RateLimiter;
  /** Pushes per producer token. */
  pushes: RateLimiter;
  /** Refused push authentications per client address: past the limit, no argon2 check is spent on it. */
  pushFailures: RateLimiter;
  /** Sign-in attempts per client address. */
  signIns: RateLimiter;
}

export function createGuards(limits: { requestsPerMinute: number; pushesPerMinute: number; signInsPerMinute: number }): Guards {
  return {
    requests: new RateLimiter({ perMinute: limits.requestsPerMinute }),
    pushes: new RateLimiter({ perMinute: limits.pushesPerMinute }),
    pushFailures: new RateLimiter({ perMinute: limits.signInsPerMinute }),
    signIns: new RateLimiter({ perMinute: limits.signInsPerMinute })
  };
}
