// What the queue is told: the events the switchboard's adapters feed in. Each
// carries `at`, the time it happened in milliseconds (the adapter's clock), so
// the queue never reads a clock of its own.

/** A passenger's call reached the queue number. */
export interface CallerArrived {
  type: 'caller-arrived';
  callerId: string;
  /** The passenger's phone number as the trunk presented it, for the consoles and the call log. */
  number: string;
  at: number;
}

/** The passenger hung up: while waiting, while ringing, or during the conversation. */
export interface CallerHungUp {
  type: 'caller-hung-up';
  callerId: string;
  at: number;
}

/**
 * The station board says the station may be offered callers (console alive,
 * logged in, ready, phone registered). The queue only mirrors this; it also
 * ends a missed-calls pause, since the board says it only after the dispatcher
 * set the station ready again.
 */
export interface StationEligible {
  type: 'station-eligible';
  extension: string;
  at: number;
}

/**
 * The station board says the station may not be offered callers. `reason` is
 * the board's word for it (`lease-expired`, `paused`, ...). The reasons in
 * `ownCallReasons` may be the queue's own call echoed back by the board (see
 * there).
 */
export interface StationNotEligible {
  type: 'station-not-eligible';
  extension: string;
  reason?: string;
  at: number;
}

/** The station's phone picked up the offer. */
export interface OfferAnswered {
  type: 'offer-answered';
  offerId: string;
  at: number;
}

export const offerFailureCauses = ['rejected', 'busy', 'unreachable', 'timeout'] as const;
/** Why a phone did not take an offer, as the SIP side saw it (603/486/480.../408). */
export type OfferFailureCause = (typeof offerFailureCauses)[number];

/** The offer ended at the phone without an answer. */
export interface OfferFailed {
  type: 'offer-failed';
  offerId: string;
  cause: OfferFailureCause;
  at: number;
}

/** A connected call ended (either side hung up), named by its caller or its station. */
export type CallEnded =
  | { type: 'call-ended'; callerId: string; extension?: never; at: number }
  | { type: 'call-ended'; extension: string; callerId?: never; at: number };

/**
 * Time passed. Ring timeouts, the end of wrap-up and overflow are decided only
 * here: the adapter ticks periodically or at `nextDeadline()`.
 */
export interface Tick {
  type: 'tick';
  at: number;
}

export type QueueEvent =
  | CallerArrived
  | CallerHungUp
  | StationEligible
  | StationNotEligible
  | OfferAnswered
  | OfferFailed
  | CallEnded
  | Tick;

/**
 * Not-eligible reasons that name what the queue itself may have a station
 * doing (the station board marks a station in a call or in wrap-up as not
 * eligible). Such a reason is the queue's own call echoed back, and changes
 * nothing, only while the queue has the station doing exactly that: 'in-call'
 * during the queue's call, 'wrap-up' during its wrap-up. Otherwise it is news:
 * 'in-call' for an idle station is a call the queue does not own (a `*60`
 * self-test, a call between stations) and the station gets no callers.
 */
export const ownCallReasons: readonly string[] = ['in-call', 'wrap-up'];
