// How the office distributes calls: the knobs of `dispatcher pbx`, in
// milliseconds, checked once when the queue is created.

export const strategies = ['longest-idle', 'ring-all'] as const;
/**
 * longest-idle: each waiting caller, oldest first, rings one station, the one
 * idle longest; several callers ring several stations at once.
 * ring-all: the oldest caller rings every free station; first answer wins and
 * later callers wait for the next free station.
 */
export type Strategy = (typeof strategies)[number];

export interface QueueOptions {
  /** How long a station rings before the offer moves on. Default 20 000. */
  ringTimeoutMs?: number;
  /** Missed offers in a row (timeout, rejected, busy, unreachable) that pause a station. Default 2; Infinity never pauses. */
  missedOffersBeforePause?: number;
  /** Time after a call before the station takes the next caller. Default 0: at once. */
  wrapUpMs?: number;
  /** Longest wait before a caller overflows. Default undefined: callers wait as long as they like. */
  overflowAfterMs?: number;
  /** Default 'longest-idle'. */
  strategy?: Strategy;
}

export type ResolvedOptions = Required<Omit<QueueOptions, 'overflowAfterMs'>> & { overflowAfterMs: number | undefined };

export const defaultOptions = {
  ringTimeoutMs: 20_000,
  missedOffersBeforePause: 2,
  wrapUpMs: 0,
  strategy: 'longest-idle',
} as const satisfies QueueOptions;

/** Fills in defaults; throws a RangeError naming the first option that makes no sense. */
export function resolveOptions(options: QueueOptions = {}): ResolvedOptions {
  const resolved: ResolvedOptions = {
    ringTimeoutMs: options.ringTimeoutMs ?? defaultOptions.ringTimeoutMs,
    missedOffersBeforePause: options.missedOffersBeforePause ?? defaultOptions.missedOffersBeforePause,
    wrapUpMs: options.wrapUpMs ?? defaultOptions.wrapUpMs,
    overflowAfterMs: options.overflowAfterMs,
    strategy: options.strategy ?? defaultOptions.strategy,
  };
  const { ringTimeoutMs, missedOffersBeforePause, wrapUpMs, overflowAfterMs, strategy } = resolved;
  if (!Number.isFinite(ringTimeoutMs) || ringTimeoutMs <= 0) throw new RangeError(`ringTimeoutMs must be a positive number of milliseconds, got ${ringTimeoutMs}`);
  if (!(Number.isInteger(missedOffersBeforePause) || missedOffersBeforePause === Infinity) || missedOffersBeforePause < 1) {
    throw new RangeError(`missedOffersBeforePause must be a whole number from 1 (or Infinity), got ${missedOffersBeforePause}`);
  }
  if (!Number.isFinite(wrapUpMs) || wrapUpMs < 0) throw new RangeError(`wrapUpMs must be 0 or more milliseconds, got ${wrapUpMs}`);
  if (overflowAfterMs !== undefined && (!Number.isFinite(overflowAfterMs) || overflowAfterMs <= 0)) {
    throw new RangeError(`overflowAfterMs must be a positive number of milliseconds or undefined, got ${overflowAfterMs}`);
  }
  if (!(strategies as readonly string[]).includes(strategy)) throw new RangeError(`strategy must be ${strategies.join(' or ')}, got ${JSON.stringify(strategy)}`);
  return resolved;
}
