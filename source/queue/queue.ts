// The call distribution: a pure state machine of passengers (callers),
// dispatchers' stations and the offers between them. Events in, decisions
// out, time passed in with every event; no I/O, no timers, no clock.
//
// What it guarantees (checkInvariants tests it after every event):
// - every caller ends exactly once: answered, abandoned or overflow;
// - a station has at most one caller, ringing or talking;
// - a station is offered a caller only while eligible;
// - a free station always takes the oldest waiting caller: after every event
//   either no station is free or no caller is waiting.
//
// Cost: handle() is O(callers + stations) per event: one walk of the waiting
// line and of the free stations to pair them, plus O(stations) to keep a
// station's place among the free ones. A tick also sorts the deadlines that
// fell due, normally none or one. A 200-caller queue is nothing.
import type { CallerDone, CancelReason, Decision, OfferResult } from './decisions.js';
import { pairLongestIdle, pairRingAll } from './distribute.js';
import { ownCallReasons, type OfferFailureCause, type QueueEvent } from './events.js';
import { FreeStations } from './free-stations.js';
import { resolveOptions, type QueueOptions, type ResolvedOptions } from './options.js';
import type { CallerRecord, OfferRecord, StationRecord } from './records.js';
import type { QueueSnapshot, StationView } from './snapshot.js';

export interface CallQueue {
  readonly options: Readonly<ResolvedOptions>;
  /**
   * Applies one event and returns what to do about it, in order. Events about
   * callers, offers or calls the queue no longer knows (an answer racing a
   * cancel, a second hang-up) change nothing and return no decisions.
   * Time never runs backwards inside the queue: an event older than the last
   * one counts as happening at the last one's time.
   */
  handle(event: QueueEvent): Decision[];
  snapshot(): QueueSnapshot;
  /** The earliest time a tick would decide something (ring timeout, wrap-up end, overflow); undefined when nothing is pending. */
  nextDeadline(): number | undefined;
}

/**
 * Offer failures that count against the station. `unreachable` counts too:
 * a phone that cannot be reached fails every offer within milliseconds, and
 * pausing it is the queue's only way to stop ringing it over and over.
 */
const missed: ReadonlySet<OfferResult> = new Set<OfferResult>(['rejected', 'busy', 'unreachable', 'timeout']);

export function createQueue(options: QueueOptions = {}): CallQueue {
  const settings = Object.freeze(resolveOptions(options));
  const pair = settings.strategy === 'ring-all' ? pairRingAll : pairLongestIdle;

  /** Waiting, ringing and connected callers. */
  const callers = new Map<string, CallerRecord>();
  /** Waiting and ringing callers in arrival order; a caller keeps its place while ringing. */
  const line: CallerRecord[] = [];
  const stations = new Map<string, StationRecord>();
  const offers = new Map<string, OfferRecord>();
  const free = new FreeStations();
  let now: number | undefined;
  let offersMade = 0;
  let idleOrder = 0;
  /** The decisions of the event being handled. */
  let out: Decision[] = [];

  function clock(): number {
    return now!;
  }

  function station(extension: string): StationRecord {
    let record = stations.get(extension);
    if (!record) {
      record = {
        extension,
        eligible: false,
        notEligibleReason: undefined,
        activity: 'idle',
        idleSince: clock(),
        idleOrder: idleOrder++,
        wrapUpUntil: undefined,
        consecutiveMisses: 0,
        callerId: undefined,
        offerId: undefined,
        inFreeLine: false,
      };
      stations.set(extension, record);
    }
    return record;
  }

  /** Every change to a station ends here, so the free line never disagrees with the stations. */
  function reconsider(record: StationRecord): void {
    if (record.eligible && record.activity === 'idle') free.add(record);
    else free.remove(record);
  }

  function becomeIdle(record: StationRecord, since: number): void {
    record.activity = 'idle';
    record.idleSince = since;
    record.idleOrder = idleOrder++;
    record.wrapUpUntil = undefined;
    record.callerId = undefined;
    record.offerId = undefined;
  }

  function leaveLine(caller: CallerRecord): void {
    const i = line.indexOf(caller);
    if (i >= 0) line.splice(i, 1);
  }

  function finish(caller: CallerRecord, done: CallerDone): void {
    leaveLine(caller);
    callers.delete(caller.callerId);
    out.push(done);
  }

  function makeOffer(caller: CallerRecord, record: StationRecord, startsOver: boolean): void {
    const offerId = `offer-${++offersMade}`;
    if (startsOver) caller.recentlyFailedAt.clear();
    caller.state = 'ringing';
    caller.offerIds.add(offerId);
    record.activity = 'ringing';
    record.callerId = caller.callerId;
    record.offerId = offerId;
    offers.set(offerId, { offerId, callerId: caller.callerId, extension: record.extension, startedAt: clock(), ringsUntil: clock() + settings.ringTimeoutMs });
    reconsider(record);
    out.push({ type: 'offer', offerId, callerId: caller.callerId, extension: record.extension });
  }

  /**
   * Ends a ringing offer that was not answered. `cancel` when the queue ends it
   * (the phone is still ringing), not when the phone already gave up. The
   * caller keeps their place in the line; the station keeps its idle time.
   */
  function endOffer(offer: OfferRecord, result: Exclude<OfferResult, 'answered'>, cancel?: CancelReason): void {
    const caller = callers.get(offer.callerId)!;
    const record = stations.get(offer.extension)!;
    offers.delete(offer.offerId);
    caller.offerIds.delete(offer.offerId);
    record.activity = 'idle';
    record.callerId = undefined;
    record.offerId = undefined;
    if (cancel) out.push({ type: 'cancel-offer', offerId: offer.offerId, reason: cancel });
    out.push({ type: 'offer-result', offerId: offer.offerId, callerId: offer.callerId, extension: offer.extension, result, ringMs: clock() - offer.startedAt });
    if (caller.state === 'ringing') {
      if (result !== 'caller-hung-up' && result !== 'overflow') caller.recentlyFailedAt.add(offer.extension);
      if (caller.offerIds.size === 0) caller.state = 'waiting';
    }
    if (missed.has(result)) {
      record.consecutiveMisses++;
      if (record.consecutiveMisses >= settings.missedOffersBeforePause && record.eligible) {
        record.eligible = false;
        record.notEligibleReason = 'missed-calls';
        out.push({ type: 'pause-station', extension: record.extension, reason: 'missed-calls' });
      }
    }
    reconsider(record);
  }

  function cancelOffersOf(caller: CallerRecord, reason: Exclude<CancelReason, 'timeout'>): void {
    for (const offerId of [...caller.offerIds]) endOffer(offers.get(offerId)!, reason, reason);
  }

  function endCall(caller: CallerRecord): void {
    const call = caller.call!;
    const record = stations.get(call.extension)!;
    finish(caller, {
      type: 'caller-done',
      callerId: caller.callerId,
      outcome: 'answered',
      waitedMs: call.answeredAt - caller.arrivedAt,
      extension: call.extension,
      talkedMs: clock() - call.answeredAt,
    });
    if (settings.wrapUpMs > 0) {
      record.activity = 'wrap-up';
      record.wrapUpUntil = clock() + settings.wrapUpMs;
      record.callerId = undefined;
      record.offerId = undefined;
    } else {
      becomeIdle(record, clock());
    }
    reconsider(record);
  }

  function overflow(caller: CallerRecord): void {
    cancelOffersOf(caller, 'overflow');
    out.push({ type: 'overflow', callerId: caller.callerId });
    finish(caller, { type: 'caller-done', callerId: caller.callerId, outcome: 'overflow', waitedMs: clock() - caller.arrivedAt });
  }

  /**
   * Everything that fell due by now, in the order it fell due (so a caller who
   * overflowed before their offer timed out does not cost the station a miss).
   * A finished wrap-up counts the station idle from when it ended, not from
   * the tick.
   */
  function tick(): void {
    const due: { at: number; order: number; run: () => void }[] = [];
    for (const record of stations.values()) {
      if (record.activity === 'wrap-up' && record.wrapUpUntil! <= clock()) {
        due.push({ at: record.wrapUpUntil!, order: 0, run: () => (becomeIdle(record, record.wrapUpUntil!), reconsider(record)) });
      }
    }
    if (settings.overflowAfterMs !== undefined) {
      for (const caller of line) {
        const at = caller.arrivedAt + settings.overflowAfterMs;
        if (at > clock()) break; // the line is in arrival order: nobody behind has waited longer
        due.push({ at, order: 1, run: () => callers.get(caller.callerId) === caller && overflow(caller) });
      }
    }
    for (const offer of offers.values()) {
      if (offer.ringsUntil <= clock()) due.push({ at: offer.ringsUntil, order: 2, run: () => offers.has(offer.offerId) && endOffer(offer, 'timeout', 'timeout') });
    }
    due.sort((a, b) => a.at - b.at || a.order - b.order);
    for (const item of due) item.run();
  }

  function apply(event: QueueEvent): void {
    switch (event.type) {
      case 'caller-arrived': {
        if (callers.has(event.callerId)) return; // the same call reported twice
        const caller: CallerRecord = {
          callerId: event.callerId,
          number: event.number,
          arrivedAt: clock(),
          state: 'waiting',
          offerIds: new Set(),
          recentlyFailedAt: new Set(),
          call: undefined,
        };
        callers.set(caller.callerId, caller);
        line.push(caller); // time only moves forward, so pushing keeps arrival order
        return;
      }
      case 'caller-hung-up': {
        const caller = callers.get(event.callerId);
        if (!caller) return;
        if (caller.state === 'connected') return endCall(caller);
        cancelOffersOf(caller, 'caller-hung-up');
        return finish(caller, { type: 'caller-done', callerId: caller.callerId, outcome: 'abandoned', waitedMs: clock() - caller.arrivedAt });
      }
      case 'station-eligible': {
        const record = station(event.extension);
        if (record.eligible) return;
        record.eligible = true;
        record.notEligibleReason = undefined;
        record.consecutiveMisses = 0; // back at the desk: a fresh start
        if (record.activity === 'idle') becomeIdle(record, clock());
        return reconsider(record);
      }
      case 'station-not-eligible': {
        const record = station(event.extension);
        // The board saying 'in-call' while the queue has the station in a call is that call echoed back.
        if (ownCallReasons.includes(record.activity) && event.reason === record.activity) return;
        record.notEligibleReason = event.reason;
        if (!record.eligible) return;
        record.eligible = false;
        // A console gone mid-ring: stop ringing there; the caller keeps their place and rings elsewhere.
        if (record.activity === 'ringing') endOffer(offers.get(record.offerId!)!, 'station-not-eligible', 'station-not-eligible');
        return reconsider(record);
      }
      case 'offer-answered': {
        const offer = offers.get(event.offerId);
        if (!offer) return; // answered just as it was cancelled: the adapter hangs that leg up
        const caller = callers.get(offer.callerId)!;
        const record = stations.get(offer.extension)!;
        offers.delete(offer.offerId);
        caller.offerIds.delete(offer.offerId);
        out.push({ type: 'connect', callerId: caller.callerId, extension: record.extension, offerId: offer.offerId });
        out.push({ type: 'offer-result', offerId: offer.offerId, callerId: caller.callerId, extension: record.extension, result: 'answered', ringMs: clock() - offer.startedAt });
        caller.state = 'connected';
        caller.call = { extension: record.extension, offerId: offer.offerId, answeredAt: clock() };
        leaveLine(caller);
        record.activity = 'in-call';
        record.consecutiveMisses = 0;
        cancelOffersOf(caller, 'answered-elsewhere');
        return reconsider(record);
      }
      case 'offer-failed': {
        const offer = offers.get(event.offerId);
        if (offer) endOffer(offer, event.cause satisfies OfferFailureCause);
        return;
      }
      case 'call-ended': {
        const callerId = event.callerId ?? stations.get(event.extension!)?.callerId;
        const caller = callerId === undefined ? undefined : callers.get(callerId);
        if (caller?.state === 'connected') endCall(caller);
        return;
      }
      case 'tick':
        return tick();
      default:
        throw new TypeError(`unknown queue event ${JSON.stringify((event as { type?: unknown }).type)}`);
    }
  }

  function handle(event: QueueEvent): Decision[] {
    if (typeof event?.at !== 'number' || !Number.isFinite(event.at)) throw new TypeError(`queue event without a valid time: ${JSON.stringify(event)}`);
    now = now === undefined ? event.at : Math.max(now, event.at);
    out = [];
    apply(event);
    // Whatever changed, free stations now take the oldest waiting callers: this is
    // how the first dispatcher to hang up gets the next caller in the same call.
    if (free.size > 0 && line.length > 0) {
      for (const { caller, station: record, startsOver } of pair(line, free.list())) makeOffer(caller, record, startsOver);
    }
    const decisions = out;
    out = [];
    return decisions;
  }

  function nextDeadline(): number | undefined {
    let next = Infinity;
    for (const offer of offers.values()) next = Math.min(next, offer.ringsUntil);
    for (const record of stations.values()) if (record.activity === 'wrap-up') next = Math.min(next, record.wrapUpUntil!);
    if (settings.overflowAfterMs !== undefined && line.length > 0) next = Math.min(next, line[0]!.arrivedAt + settings.overflowAfterMs);
    return next === Infinity ? undefined : next;
  }

  function stationView(record: StationRecord): StationView {
    const busy = record.activity !== 'idle';
    return {
      extension: record.extension,
      state: busy ? record.activity : record.eligible ? 'idle' : 'not-eligible',
      eligible: record.eligible,
      notEligibleReason: record.eligible ? undefined : record.notEligibleReason,
      idleSince: record.activity === 'idle' || record.activity === 'ringing' ? record.idleSince : undefined,
      consecutiveMisses: record.consecutiveMisses,
      callerId: record.callerId,
      offerId: record.offerId,
      wrapUpUntil: record.wrapUpUntil,
    };
  }

  function snapshot(): QueueSnapshot {
    const connected = [...callers.values()].filter((caller) => caller.state === 'connected');
    return {
      at: now,
      strategy: settings.strategy,
      callers: line.map((caller, i) => ({
        callerId: caller.callerId,
        number: caller.number,
        arrivedAt: caller.arrivedAt,
        position: i + 1,
        state: caller.state === 'ringing' ? 'ringing' : 'waiting',
        ringingAt: [...caller.offerIds].map((offerId) => offers.get(offerId)!.extension),
        recentlyFailedAt: [...caller.recentlyFailedAt],
      })),
      connected: connected.map((caller) => ({
        callerId: caller.callerId,
        number: caller.number,
        arrivedAt: caller.arrivedAt,
        answeredAt: caller.call!.answeredAt,
        extension: caller.call!.extension,
        offerId: caller.call!.offerId,
      })),
      stations: [...stations.values()].map(stationView),
      offers: [...offers.values()].map((offer) => ({ ...offer })),
    };
  }

  return { options: settings, handle, snapshot, nextDeadline };
}
