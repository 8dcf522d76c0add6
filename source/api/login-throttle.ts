// Password guessing brake: after `limit` failed logins for one login name, or
// from one address, within `windowMs`, that name or address is locked out for
// `lockMs`, good password or not. A success clears only its login name's
// count: one known account must not let an address reset its own count.
export interface LoginThrottleOptions {
  now: () => number;
  limit: number;
  lockMs: number;
  windowMs: number;
}

interface Attempts {
  failures: number[];
  lockedUntil: number;
}

/** Past this many remembered keys, stale ones are swept on the next failure. */
const sweepAbove = 1000;

export class LoginThrottle {
  readonly #options: LoginThrottleOptions;
  readonly #records = new Map<string, Attempts>();

  constructor(options: LoginThrottleOptions) {
    this.#options = options;
  }

  /** Milliseconds until every one of these keys may try again; 0 when none is locked. */
  lockedFor(keys: string[]): number {
    const now = this.#options.now();
    let wait = 0;
    for (const key of keys) {
      const record = this.#records.get(key);
      if (record && record.lockedUntil > now) wait = Math.max(wait, record.lockedUntil - now);
    }
    return wait;
  }

  fail(keys: string[]): void {
    const { now: clock, limit, lockMs, windowMs } = this.#options;
    const now = clock();
    if (this.#records.size > sweepAbove) this.prune();
    for (const key of keys) {
      const record = this.#records.get(key) ?? { failures: [], lockedUntil: 0 };
      record.failures = record.failures.filter((at) => now - at < windowMs);
      record.failures.push(now);
      if (record.failures.length >= limit) {
        record.lockedUntil = now + lockMs;
        record.failures = [];
      }
      this.#records.set(key, record);
    }
  }

  succeed(key: string): void {
    this.#records.delete(key);
  }

  /** Forgets keys with neither a lock nor a recent failure. */
  prune(): void {
    const { now: clock, windowMs } = this.#options;
    const now = clock();
    for (const [key, record] of this.#records) {
      if (record.lockedUntil <= now && record.failures.every((at) => now - at >= windowMs)) this.#records.delete(key);
    }
  }
}
