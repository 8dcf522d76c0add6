// The call distribution's public face: create a queue, feed it events, carry
// out its decisions. Pure: the switchboard's adapters do all the I/O.
export { createQueue, type CallQueue } from './queue.js';
export { checkInvariants } from './invariants.js';
export { defaultOptions, resolveOptions, strategies, type QueueOptions, type ResolvedOptions, type Strategy } from './options.js';
export {
  offerFailureCauses,
  ownCallReasons,
  type CallEnded,
  type CallerArrived,
  type CallerHungUp,
  type OfferAnswered,
  type OfferFailed,
  type OfferFailureCause,
  type QueueEvent,
  type StationEligible,
  type StationNotEligible,
  type Tick,
} from './events.js';
export type {
  CallerDone,
  CallerOutcome,
  CancelOffer,
  CancelReason,
  Connect,
  Decision,
  Offer,
  OfferEnded,
  OfferResult,
  Overflow,
  PauseStation,
} from './decisions.js';
export type { ConnectedCallerView, OfferView, QueueSnapshot, QueuedCallerView, StationState, StationView } from './snapshot.js';
