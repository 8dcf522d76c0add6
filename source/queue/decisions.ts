// What the queue decides: the orders its adapters carry out (ring, stop
// ringing, bridge, pause, overflow) and the facts the call log records.

export type CancelReason = 'caller-hung-up' | 'answered-elsewhere' | 'station-not-eligible' | 'timeout' | 'overflow';

/** How an offer ended, for the call log: the phone's answer or failure, or why the queue cancelled it. */
export type OfferResult = 'answered' | 'rejected' | 'busy' | 'unreachable' | 'timeout' | Exclude<CancelReason, 'timeout'>;

export type CallerOutcome = 'answered' | 'abandoned' | 'overflow';

/** Ring this station for this caller. */
export interface Offer {
  type: 'offer';
  offerId: string;
  callerId: string;
  extension: string;
}

/** Stop ringing: the offer is over for the reason given. */
export interface CancelOffer {
  type: 'cancel-offer';
  offerId: string;
  reason: CancelReason;
}

/** The offer was answered: bridge the caller to the station. */
export interface Connect {
  type: 'connect';
  callerId: string;
  extension: string;
  offerId: string;
}

/**
 * The station missed too many offers in a row: tell the station board to
 * pause it. The queue already treats it as not eligible until the next
 * `station-eligible`.
 */
export interface PauseStation {
  type: 'pause-station';
  extension: string;
  reason: 'missed-calls';
}

/** The caller waited the configured maximum: send them to the overflow destination. */
export interface Overflow {
  type: 'overflow';
  callerId: string;
}

/** The caller has left the queue for good; one per caller, for the call log. */
export type CallerDone =
  | { type: 'caller-done'; callerId: string; outcome: 'answered'; waitedMs: number; extension: string; talkedMs: number }
  | { type: 'caller-done'; callerId: string; outcome: 'abandoned' | 'overflow'; waitedMs: number };

/** An offer ended; one per offer, for the call log. `ringMs` is how long the station rang. */
export interface OfferEnded {
  type: 'offer-result';
  offerId: string;
  callerId: string;
  extension: string;
  result: OfferResult;
  ringMs: number;
}

export type Decision = Offer | CancelOffer | Connect | PauseStation | Overflow | CallerDone | OfferEnded;
