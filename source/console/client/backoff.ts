// How long to wait before reconnecting: quick at first (a switchboard restart
// takes a second or two), then slower, never more than `maxMs`, with jitter so
// that a room of consoles does not reconnect in the same millisecond.
export interface Backoff {
  firstMs: number;
  maxMs: number;
  /** 0..1: the share of each delay that is random. */
  jitter: number;
}

export const defaultBackoff: Backoff = { firstMs: 250, maxMs: 5_000, jitter: 0.2 };

/** Delay before attempt `attempt` (1 = the first retry); `random` in [0, 1). */
export function reconnectDelay(attempt: number, backoff: Backoff = defaultBackoff, random: number = Math.random()): number {
  const base = Math.min(backoff.maxMs, backoff.firstMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(base * (1 - backoff.jitter + backoff.jitter * random));
}
