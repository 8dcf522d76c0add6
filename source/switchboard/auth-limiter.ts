// Counts failed registration attempts per source address, so a password
// guesser gets a handful of tries and then nothing but 403 for the rest of
// the window. A fixed window per address opens at its first failure; after
// `limit` failures in it the address is refused until the window closes.
// Successes change nothing: one good phone behind the same address must not
// wipe a guesser's record. Time is passed in; no timers here.

export interface AuthLimiterOptions {
  /** Failures within one window that make the address refused. */
  limit: number;
  windowMs: number;
  /** At most this many addresses are remembered; the oldest windows go first. */
  maxAddresses?: number;
}

interface Window {
  startedAt: number;
  failures: number;
}

export class AuthLimiter {
  private readonly windows = new Map<string, Window>();
  private readonly limit: number;
  private readonly windowMs: number;
  private readonly maxAddresses: number;

  constructor(opts: AuthLimiterOptions) {
    if (!(opts.limit >= 1)) throw new Error(`auth failure limit must be at least 1, got ${opts.limit}`);
    if (!(opts.windowMs > 0)) throw new Error(`auth failure window must be positive, got ${opts.windowMs}`);
    this.limit = opts.limit;
    this.windowMs = opts.windowMs;
    this.maxAddresses = opts.maxAddresses ?? 100_000;
  }

  private current(address: string, now: number): Window | undefined {
    const w = this.windows.get(address);
    if (w && now - w.startedAt >= this.windowMs) {
      this.windows.delete(address);
      return undefined;
    }
    return w;
  }

  /** True while the address has used up its failures in the current window. */
  isRefused(address: string, now: number): boolean {
    const w = this.current(address, now);
    return w !== undefined && w.failures >= this.limit;
  }

  /** When a refused address may try again (undefined when it is not refused). */
  refusedUntil(address: string, now: number): number | undefined {
    const w = this.current(address, now);
    return w && w.failures >= this.limit ? w.startedAt + this.windowMs : undefined;
  }

  /** Records one failure; true when this very failure makes the address refused. */
  recordFailure(address: string, now: number): boolean {
    let w = this.current(address, now);
    if (!w) {
      if (this.windows.size >= this.maxAddresses) {
        // Maps iterate in insertion order: the first key has the oldest window.
        const oldest = this.windows.keys().next().value;
        if (oldest !== undefined) this.windows.delete(oldest);
      }
      w = { startedAt: now, failures: 0 };
      this.windows.set(address, w);
    }
    w.failures++;
    return w.failures === this.limit;
  }

  /** Forgets windows that have closed; call now and then to bound memory. */
  prune(now: number): void {
    for (const [address, w] of this.windows) {
      if (now - w.startedAt >= this.windowMs) this.windows.delete(address);
    }
  }

  /** Addresses remembered right now (for tests and health checks). */
  get size(): number {
    return this.windows.size;
  }
}
