// The queue as the consoles and the tests see it: plain, frozen-in-time data,
// built fresh by `snapshot()` and never shared with the queue's own records.
import type { Strategy } from './options.js';

/** A caller still in the queue: waiting for a station, or ringing one (several with ring-all). */
export interface QueuedCallerView {
  callerId: string;
  number: string;
  arrivedAt: number;
  /** 1 for the caller who has waited longest. Ringing does not change it. */
  position: number;
  state: 'waiting' | 'ringing';
  /** The stations ringing for this caller now; empty while waiting. */
  ringingAt: string[];
  /**
   * Stations whose offer to this caller failed since the caller last started
   * over; the queue passes over them for this caller while another free
   * station exists, and starts over when none does.
   */
  recentlyFailedAt: string[];
}

export interface ConnectedCallerView {
  callerId: string;
  number: string;
  arrivedAt: number;
  answeredAt: number;
  extension: string;
  offerId: string;
}

export type StationState = 'idle' | 'ringing' | 'in-call' | 'wrap-up' | 'not-eligible';

export interface StationView {
  extension: string;
  /**
   * What the station is doing. A call or wrap-up shows even when the station
   * is not eligible (it is on the phone, it just gets nothing new);
   * 'not-eligible' is shown only for a station with nothing going on.
   */
  state: StationState;
  /** The station board's word (or the queue's missed-calls pause), whatever the state. */
  eligible: boolean;
  notEligibleReason: string | undefined;
  /** When it last became free (eligible again, call or wrap-up over); set while idle or ringing. */
  idleSince: number | undefined;
  consecutiveMisses: number;
  /** The caller ringing it or talking to it. */
  callerId: string | undefined;
  offerId: string | undefined;
  wrapUpUntil: number | undefined;
}

export interface OfferView {
  offerId: string;
  callerId: string;
  extension: string;
  startedAt: number;
  ringsUntil: number;
}

export interface QueueSnapshot {
  /** The queue's clock: the latest `at` it was given, undefined before any event. */
  at: number | undefined;
  strategy: Strategy;
  /** Waiting and ringing callers, longest waiting first. */
  callers: QueuedCallerView[];
  connected: ConnectedCallerView[];
  /** In the order the queue first heard of them. */
  stations: StationView[];
  offers: OfferView[];
}
