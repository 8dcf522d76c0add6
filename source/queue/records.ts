// The queue's own records of callers, stations and offers. Mutable, and never
// handed out: `snapshot()` copies what the outside may see.

export interface CallerRecord {
  callerId: string;
  number: string;
  arrivedAt: number;
  /** Connected callers have left the waiting line but are still the queue's until the call ends. */
  state: 'waiting' | 'ringing' | 'connected';
  /** Offers ringing for this caller now: one with longest-idle, any number with ring-all. */
  offerIds: Set<string>;
  /**
   * Stations whose offer to this caller failed (not answered, or the station
   * dropped out) since the caller last started over. The caller rings every
   * other free station before any of these again.
   */
  recentlyFailedAt: Set<string>;
  /** Set once connected. */
  call: { extension: string; offerId: string; answeredAt: number } | undefined;
}

export interface StationRecord {
  extension: string;
  /** The station board's verdict, or false after the queue paused the station for missed calls. */
  eligible: boolean;
  notEligibleReason: string | undefined;
  /** What the queue has the station doing; independent of eligibility. */
  activity: 'idle' | 'ringing' | 'in-call' | 'wrap-up';
  /** When the station last became free; a missed offer does not reset it. */
  idleSince: number;
  /** Breaks ties between stations free since the same millisecond: who became free first. */
  idleOrder: number;
  wrapUpUntil: number | undefined;
  consecutiveMisses: number;
  /** The caller ringing it or talking to it, and that offer. */
  callerId: string | undefined;
  offerId: string | undefined;
  /** Kept by FreeStations: whether the station stands in its line. */
  inFreeLine: boolean;
}

export interface OfferRecord {
  offerId: string;
  callerId: string;
  extension: string;
  startedAt: number;
  ringsUntil: number;
}
