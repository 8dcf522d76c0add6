// Thousands of random office days, each a seeded sequence of events: callers
// arriving and hanging up, consoles coming and going, phones answering,
// rejecting and timing out, calls ending, ticks late and early, and stale or
// duplicate reports. After every event the referee checks every rule; after
// the day, an office where everyone answers must serve every caller left.
//
// A failure prints the seed; QUEUE_SEED=<seed> replays that day alone.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  createQueue,
  offerFailureCauses,
  type CallQueue,
  type Decision,
  type QueueEvent,
  type QueueOptions,
  type ResolvedOptions,
} from '../../source/queue/index.js';
import { describe } from './support.js';
import { Referee } from './referee.js';

/** mulberry32: small, fast and good enough to shuffle an office day. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const reasons = ['lease-expired', 'paused', 'not-registered', 'phone-unreachable', 'in-call', 'wrap-up', undefined];

class OfficeDay {
  readonly rand: () => number;
  readonly queue: CallQueue;
  readonly referee: Referee;
  readonly stations: string[];
  /** What happened, formatted only when a day fails. */
  readonly log: [QueueEvent, Decision[]][] = [];
  now = 0;
  nextCaller = 1;

  constructor(readonly seed: number) {
    this.rand = random(seed);
    const options: QueueOptions = {
      strategy: this.pick(['longest-idle', 'longest-idle', 'ring-all'] as const),
      ringTimeoutMs: this.pick([1000, 5000, 20_000]),
      missedOffersBeforePause: this.pick([1, 2, 3, Infinity]),
      wrapUpMs: this.pick([0, 0, 500, 3000]),
      overflowAfterMs: this.pick([undefined, undefined, 10_000, 60_000]),
    };
    this.queue = createQueue(options);
    this.referee = new Referee(this.queue.options as ResolvedOptions);
    this.stations = Array.from({ length: 1 + Math.floor(this.rand() * 6) }, (_, i) => String(201 + i));
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.rand() * items.length)]!;
  }

  chance(p: number): boolean {
    return this.rand() < p;
  }

  /** One plausible (or deliberately stale) event from the office as the referee knows it. */
  nextEvent(): QueueEvent {
    if (this.chance(0.7)) this.now += Math.floor(this.rand() * (this.chance(0.2) ? 30_000 : 2000));
    // Now and then an adapter reports a little late: time must not run backwards inside the queue.
    const at = this.chance(0.03) ? this.now - Math.floor(this.rand() * 1000) : this.now;
    const r = this.referee;
    const live = [...r.live];
    const offers = [...r.offers.keys()];
    const calls = [...r.connected];
    const roll = this.rand() * 100;
    if (roll < 22) return { type: 'caller-arrived', callerId: `c${this.nextCaller++}`, number: `+48600${this.nextCaller}`, at };
    if (roll < 28 && live.length > 0) return { type: 'caller-hung-up', callerId: this.pick(live), at };
    if (roll < 38) return { type: 'station-eligible', extension: this.pick(this.stations), at };
    if (roll < 44) {
      const reason = this.pick(reasons);
      return { type: 'station-not-eligible', extension: this.pick(this.stations), at, ...(reason === undefined ? {} : { reason }) };
    }
    if (roll < 58 && offers.length > 0) return { type: 'offer-answered', offerId: this.pick(offers), at };
    if (roll < 66 && offers.length > 0) return { type: 'offer-failed', offerId: this.pick(offers), cause: this.pick(offerFailureCauses), at };
    if (roll < 76 && calls.length > 0) {
      const [callerId, extension] = this.pick(calls);
      return this.chance(0.5) ? { type: 'call-ended', callerId, at } : { type: 'call-ended', extension, at };
    }
    if (roll < 90) {
      // The adapter's timer: usually at the deadline, sometimes a bit early or late.
      const deadline = this.queue.nextDeadline();
      if (deadline !== undefined) this.now = Math.max(this.now, deadline + this.pick([0, 0, 0, -1, 250]));
      return { type: 'tick', at: this.now };
    }
    if (roll < 93) return { type: 'tick', at };
    // Stale and duplicate reports: a second hang-up, an answer to an ended offer, a repeated arrival.
    const stale: QueueEvent[] = [];
    const ended = [...r.endedOffers];
    if (ended.length > 0) stale.push({ type: 'offer-answered', offerId: this.pick(ended), at }, { type: 'offer-failed', offerId: this.pick(ended), cause: 'busy', at });
    if (r.done.size > 0) stale.push({ type: 'caller-hung-up', callerId: this.pick([...r.done]), at });
    if (live.length > 0) stale.push({ type: 'caller-arrived', callerId: this.pick(live), number: '+48600000000', at });
    stale.push({ type: 'call-ended', extension: this.pick(this.stations), at });
    return this.pick(stale);
  }

  step(event: QueueEvent): void {
    const deadline = this.queue.nextDeadline();
    const decisions = this.queue.handle(event);
    this.log.push([event, decisions]);
    if (this.log.length > 200) this.log.splice(0, 100);
    const broken = this.referee.judge(event, decisions, this.queue.snapshot(), deadline);
    if (broken.length > 0) this.fail(broken.join('\n'));
  }

  fail(message: string): never {
    const recent = this.log.slice(-25).map(([event, decisions]) => `${describe(event)} -> ${decisions.map((d) => Object.values(d).join(' ')).join('; ') || 'nothing'}`);
    const setup = `options ${JSON.stringify(this.queue.options)}, stations ${this.stations.join(' ')}`;
    assert.fail(`seed ${this.seed} (replay: QUEUE_SEED=${this.seed}):\n${message}\n${setup}\nlast events:\n${recent.join('\n')}`);
  }

  /** Every station ready, every phone answering, every call ending: whoever is left must be served. */
  closeTheDay(): void {
    for (let round = 0; round < 10_000; round++) {
      const snapshot = this.queue.snapshot();
      if (snapshot.callers.length === 0 && snapshot.connected.length === 0) return;
      this.now += 100;
      const notReady = snapshot.stations.find((s) => !s.eligible) ?? this.stations.find((e) => !snapshot.stations.some((s) => s.extension === e) && e);
      if (notReady) this.step({ type: 'station-eligible', extension: typeof notReady === 'string' ? notReady : notReady.extension, at: this.now });
      else if (snapshot.offers.length > 0) this.step({ type: 'offer-answered', offerId: snapshot.offers[0]!.offerId, at: this.now });
      else if (snapshot.connected.length > 0) this.step({ type: 'call-ended', callerId: snapshot.connected[0]!.callerId, at: this.now });
      else this.step({ type: 'tick', at: Math.max(this.now, this.queue.nextDeadline() ?? this.now) });
    }
    this.fail('the office could not serve the callers left at the end of the day');
  }
}

function runDay(seed: number, events: number): void {
  const day = new OfficeDay(seed);
  for (let i = 0; i < events; i++) day.step(day.nextEvent());
  day.closeTheDay();
  const unserved = [...day.referee.live];
  if (unserved.length > 0) day.fail(`callers never finished: ${unserved.join(' ')}`);
}

const replay = process.env.QUEUE_SEED;

test('every rule holds after every event of thousands of random office days', () => {
  if (replay !== undefined) return runDay(Number(replay), 400);
  for (let seed = 1; seed <= 2000; seed++) runDay(seed, 150);
});

test('a long busy day with many callers keeps every rule', () => {
  if (replay !== undefined) return;
  for (let seed = 10_001; seed <= 10_005; seed++) runDay(seed, 5000);
});
