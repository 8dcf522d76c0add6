// Shorthand for the queue's tables: events and decisions as one-line
// builders, and `play`, which feeds a table of [event, expected decisions]
// rows to a queue and checks the invariants after every row.
import assert from 'node:assert/strict';
import {
  checkInvariants,
  type CallQueue,
  type CancelReason,
  type Decision,
  type OfferFailureCause,
  type OfferResult,
  type QueueEvent,
} from '../../source/queue/index.js';

// Events: what the office tells the queue.
export const arrives = (callerId: string, at: number, number = `+4860000${callerId}`): QueueEvent => ({ type: 'caller-arrived', callerId, number, at });
export const hangsUp = (callerId: string, at: number): QueueEvent => ({ type: 'caller-hung-up', callerId, at });
export const ready = (extension: string, at: number): QueueEvent => ({ type: 'station-eligible', extension, at });
export const gone = (extension: string, at: number, reason?: string): QueueEvent => ({ type: 'station-not-eligible', extension, at, ...(reason === undefined ? {} : { reason }) });
export const answers = (offerId: string, at: number): QueueEvent => ({ type: 'offer-answered', offerId, at });
export const fails = (offerId: string, cause: OfferFailureCause, at: number): QueueEvent => ({ type: 'offer-failed', offerId, cause, at });
export const callerEnds = (callerId: string, at: number): QueueEvent => ({ type: 'call-ended', callerId, at });
export const stationEnds = (extension: string, at: number): QueueEvent => ({ type: 'call-ended', extension, at });
export const tick = (at: number): QueueEvent => ({ type: 'tick', at });

// Decisions: what the queue tells the office.
export const offer = (offerId: string, callerId: string, extension: string): Decision => ({ type: 'offer', offerId, callerId, extension });
export const cancel = (offerId: string, reason: CancelReason): Decision => ({ type: 'cancel-offer', offerId, reason });
export const connect = (callerId: string, extension: string, offerId: string): Decision => ({ type: 'connect', callerId, extension, offerId });
export const pause = (extension: string): Decision => ({ type: 'pause-station', extension, reason: 'missed-calls' });
export const overflow = (callerId: string): Decision => ({ type: 'overflow', callerId });
export const abandoned = (callerId: string, waitedMs: number): Decision => ({ type: 'caller-done', callerId, outcome: 'abandoned', waitedMs });
export const overflowed = (callerId: string, waitedMs: number): Decision => ({ type: 'caller-done', callerId, outcome: 'overflow', waitedMs });
export const answered = (callerId: string, extension: string, waitedMs: number, talkedMs: number): Decision => ({
  type: 'caller-done',
  callerId,
  outcome: 'answered',
  waitedMs,
  extension,
  talkedMs,
});
export const result = (offerId: string, callerId: string, extension: string, outcome: OfferResult, ringMs: number): Decision => ({
  type: 'offer-result',
  offerId,
  callerId,
  extension,
  result: outcome,
  ringMs,
});

export type Row = [event: QueueEvent, expected: Decision[]];

export interface PlayOptions {
  /** Decision types left out of the comparison; by default the call log's offer results, which have their own test. */
  hide?: Decision['type'][];
}

/** What went in, in words, for assertion messages. */
export function describe(event: QueueEvent): string {
  const { type, at, ...rest } = event;
  return `${type} ${Object.values(rest).join(' ')} at ${at}`;
}

export function assertInvariants(queue: CallQueue, after: string): void {
  assert.deepEqual(checkInvariants(queue.snapshot()), [], `invariants after ${after}`);
}

/** Feeds the rows in order; each row's decisions must equal its expected list, in order. */
export function play(queue: CallQueue, rows: Row[], options: PlayOptions = {}): void {
  const hide = new Set(options.hide ?? ['offer-result']);
  rows.forEach(([event, expected], i) => {
    const decisions = queue.handle(event).filter((decision) => !hide.has(decision.type));
    assert.deepEqual(decisions, expected, `row ${i + 1}: ${describe(event)}`);
    assertInvariants(queue, `row ${i + 1}: ${describe(event)}`);
  });
}

/** Three stations ready at 0, 1 and 2 ms: 201 has been idle longest. */
export const threeStations: Row[] = [
  [ready('201', 0), []],
  [ready('202', 1), []],
  [ready('203', 2), []],
];
