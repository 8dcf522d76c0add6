// The referee: watches a queue from the outside (the events fed in, the
// decisions that came out, the snapshot after) and keeps its own account of
// the office, so it can say when the queue broke a rule of the product that a
// single snapshot cannot show: a caller lost or finished twice, an offer to a
// station the board had not cleared, a younger caller served first, a
// deadline left unhandled, a decision out of thin air.
import { checkInvariants, type Decision, type QueueEvent, type QueueSnapshot, type ResolvedOptions } from '../../source/queue/index.js';

interface LiveOffer {
  callerId: string;
  extension: string;
  startedAt: number;
}

export class Referee {
  readonly arrived = new Map<string, number>(); // callerId -> arrival time (queue clock)
  /** Arrived and not yet done. */
  readonly live = new Set<string>();
  readonly done = new Set<string>();
  readonly connected = new Map<string, string>(); // callerId -> extension
  readonly offers = new Map<string, LiveOffer>();
  readonly endedOffers = new Set<string>();
  /** The board's word as the queue should read it (pauses included, echoes of the queue's own call left out). */
  readonly eligible = new Map<string, boolean>();
  readonly wrapUpUntil = new Map<string, number>();
  now = -Infinity;

  constructor(readonly options: ResolvedOptions) {}

  inCall(extension: string): boolean {
    for (const at of this.connected.values()) if (at === extension) return true;
    return false;
  }

  ringing(extension: string): boolean {
    for (const offer of this.offers.values()) if (offer.extension === extension) return true;
    return false;
  }

  /** Checks one handled event. `deadlineBefore` is what nextDeadline() said before it. Returns the broken rules. */
  judge(event: QueueEvent, decisions: Decision[], after: QueueSnapshot, deadlineBefore: number | undefined): string[] {
    const broken: string[] = [];
    const fail = (message: string) => broken.push(message);
    this.now = Math.max(this.now, event.at);
    const now = this.now;

    // What the event itself tells the referee's account.
    switch (event.type) {
      case 'caller-arrived':
        if (!this.arrived.has(event.callerId)) {
          this.arrived.set(event.callerId, now);
          this.live.add(event.callerId);
        }
        break;
      case 'station-eligible':
        this.eligible.set(event.extension, true);
        break;
      case 'station-not-eligible': {
        const echo =
          (event.reason === 'in-call' && this.inCall(event.extension)) || (event.reason === 'wrap-up' && this.wrapUpUntil.has(event.extension));
        if (!echo) this.eligible.set(event.extension, false);
        break;
      }
      case 'tick':
        for (const [extension, until] of this.wrapUpUntil) if (until <= now) this.wrapUpUntil.delete(extension);
        if (decisions.length > 0 && (deadlineBefore === undefined || now < deadlineBefore)) {
          fail(`tick at ${now} decided ${decisions.length} things before the next deadline ${deadlineBefore}`);
        }
        break;
      default:
        break;
    }

    const offeredNow: string[] = [];
    const cancelled = new Set<string>();
    const overflowed = new Set<string>();
    for (const decision of decisions) {
      switch (decision.type) {
        case 'offer': {
          const { offerId, callerId, extension } = decision;
          if (this.offers.has(offerId) || this.endedOffers.has(offerId)) fail(`offer id ${offerId} used twice`);
          if (!this.arrived.has(callerId) || this.done.has(callerId) || this.connected.has(callerId)) fail(`offer ${offerId} for ${callerId}, who is not waiting`);
          if (this.eligible.get(extension) !== true) fail(`offer ${offerId} rings ${extension}, which the board has not cleared`);
          if (this.ringing(extension) || this.inCall(extension) || this.wrapUpUntil.has(extension)) fail(`offer ${offerId} rings ${extension}, which is busy`);
          if (this.options.strategy === 'longest-idle' && [...this.offers.values()].some((o) => o.callerId === callerId)) {
            fail(`offer ${offerId}: ${callerId} already rings elsewhere with longest-idle`);
          }
          this.offers.set(offerId, { callerId, extension, startedAt: now });
          offeredNow.push(callerId);
          break;
        }
        case 'cancel-offer':
          if (!this.offers.has(decision.offerId)) fail(`cancel of ${decision.offerId}, which is not ringing`);
          cancelled.add(decision.offerId);
          break;
        case 'offer-result': {
          const offer = this.offers.get(decision.offerId);
          if (!offer) {
            fail(`result for ${decision.offerId}, which is not ringing`);
            break;
          }
          const byPhone = event.type === 'offer-failed' && event.offerId === decision.offerId;
          const answeredHere = event.type === 'offer-answered' && event.offerId === decision.offerId;
          if (byPhone && (decision.result !== event.cause || cancelled.has(decision.offerId))) fail(`offer ${decision.offerId} failed with ${event.cause} but ended as ${decision.result}`);
          if (answeredHere !== (decision.result === 'answered')) fail(`offer ${decision.offerId} ended as ${decision.result} on ${event.type}`);
          if (!byPhone && !answeredHere && !cancelled.has(decision.offerId)) fail(`offer ${decision.offerId} ended as ${decision.result} without a cancel`);
          this.offers.delete(decision.offerId);
          this.endedOffers.add(decision.offerId);
          break;
        }
        case 'connect': {
          const offer = this.offers.get(decision.offerId);
          if (!(event.type === 'offer-answered' && event.offerId === decision.offerId)) fail(`connect ${decision.offerId} without its answer`);
          if (!offer || offer.callerId !== decision.callerId || offer.extension !== decision.extension) fail(`connect ${decision.offerId} does not match its offer`);
          if (this.inCall(decision.extension)) fail(`connect puts a second caller on ${decision.extension}`);
          this.connected.set(decision.callerId, decision.extension);
          break;
        }
        case 'pause-station':
          if (!decisions.some((d) => d.type === 'offer-result' && d.extension === decision.extension && ['rejected', 'busy', 'unreachable', 'timeout'].includes(d.result))) {
            fail(`pause of ${decision.extension} without a missed offer`);
          }
          this.eligible.set(decision.extension, false); // the board takes the pause
          break;
        case 'overflow': {
          const arrivedAt = this.arrived.get(decision.callerId);
          if (this.options.overflowAfterMs === undefined) fail(`overflow of ${decision.callerId} with overflow off`);
          else if (event.type !== 'tick' || arrivedAt === undefined || now - arrivedAt < this.options.overflowAfterMs) fail(`overflow of ${decision.callerId} too early`);
          overflowed.add(decision.callerId);
          break;
        }
        case 'caller-done': {
          const { callerId, outcome } = decision;
          if (!this.arrived.has(callerId) || this.done.has(callerId)) fail(`${callerId} finished twice or never came`);
          if ([...this.offers.values()].some((o) => o.callerId === callerId)) fail(`${callerId} finished with a station still ringing`);
          const extension = this.connected.get(callerId);
          if ((outcome === 'answered') !== (extension !== undefined)) fail(`${callerId} finished ${outcome} but was ${extension ? '' : 'not '}connected`);
          if (outcome === 'abandoned' && !(event.type === 'caller-hung-up' && event.callerId === callerId)) fail(`${callerId} abandoned without hanging up`);
          if (outcome === 'overflow' && !overflowed.has(callerId)) fail(`${callerId} finished as overflow without an overflow`);
          if (outcome === 'answered' && extension !== undefined && this.options.wrapUpMs > 0) this.wrapUpUntil.set(extension, now + this.options.wrapUpMs);
          this.connected.delete(callerId);
          this.live.delete(callerId);
          this.done.add(callerId);
          break;
        }
      }
    }
    for (const offerId of cancelled) if (this.offers.has(offerId)) fail(`cancelled offer ${offerId} has no result`);

    broken.push(...checkInvariants(after));

    // No caller lost: each arrived caller is in exactly one place: waiting or
    // ringing, connected, or done. (Done callers are no longer in the queue, so
    // it is enough that the queue holds exactly the live ones, each once.)
    const held = [...after.callers, ...after.connected].map((c) => c.callerId);
    const heldOnce = new Set(held);
    if (heldOnce.size !== held.length) fail(`a caller is held twice: ${held.join()}`);
    for (const callerId of heldOnce) if (!this.live.has(callerId)) fail(`the queue holds ${callerId}, who ${this.done.has(callerId) ? 'is done' : 'never arrived'}`);
    for (const callerId of this.live) if (!heldOnce.has(callerId)) fail(`caller ${callerId} is lost`);

    // The referee's account and the queue's agree on what rings and who talks.
    const sameOffers =
      after.offers.length === this.offers.size &&
      after.offers.every((o) => this.offers.get(o.offerId)?.callerId === o.callerId && this.offers.get(o.offerId)?.extension === o.extension);
    if (!sameOffers) fail(`offers differ: queue ${after.offers.map((o) => o.offerId).join()} referee ${[...this.offers.keys()].join()}`);
    const sameCalls = after.connected.length === this.connected.size && after.connected.every((c) => this.connected.get(c.callerId) === c.extension);
    if (!sameCalls) fail(`calls differ: queue ${after.connected.map((c) => c.callerId).join()} referee ${[...this.connected.keys()].join()}`);
    for (const station of after.stations) {
      if (station.eligible && this.eligible.get(station.extension) !== true) fail(`queue thinks ${station.extension} is eligible, the board does not`);
    }

    // First in, first out: whoever rang in this step, nobody older still waits unoffered.
    if (offeredNow.length > 0) {
      const youngest = Math.max(...offeredNow.map((id) => this.arrived.get(id)!));
      const older = after.callers.find((c) => c.state === 'waiting' && c.arrivedAt < youngest);
      if (older) fail(`${older.callerId} still waits while younger ${offeredNow.join()} got stations`);
    }
    if (this.options.strategy === 'ring-all' && offeredNow.some((id) => id !== after.callers[0]?.callerId)) fail(`ring-all rang for someone other than the oldest caller`);

    // Deadlines are met at the tick that reaches them.
    if (event.type === 'tick') {
      for (const [offerId, offer] of this.offers) {
        if (offer.startedAt + this.options.ringTimeoutMs <= now) fail(`offer ${offerId} rings past its timeout`);
      }
      if (this.options.overflowAfterMs !== undefined) {
        for (const caller of after.callers) if (caller.arrivedAt + this.options.overflowAfterMs <= now) fail(`${caller.callerId} waits past the overflow`);
      }
      for (const station of after.stations) if (station.state === 'wrap-up' && station.wrapUpUntil! <= now) fail(`${station.extension} wraps up past its end`);
    }
    return broken;
  }
}
