// The demo's passengers: one phone on the trunk address calling the queue
// number at random (a Poisson process of `perMinute` calls a minute), each
// with a random patience: a passenger nobody has answered by then hangs up
// (an abandoned call). It owns the phone and every timer it sets.
import { PhoneAgent } from '../phone/index.js';
import type { DemoEventListener } from './events.js';
import { between, nextArrivalMs, type Random } from './random.js';

export interface PassengersOptions {
  /** Address the passengers call from: a trunk the switchboard trusts. */
  trunkAddress: string;
  /** The queue number's SIP URI. */
  queueUri: string;
  perMinute: number;
  patienceMs: readonly [number, number];
  /** Delay before the first passenger (default 1000 ms). */
  firstAfterMs?: number;
  random: Random;
  emit: DemoEventListener;
}

interface Waiting {
  arrivedAt: number;
  giveUp: NodeJS.Timeout;
  controller: AbortController;
}

export class Passengers {
  readonly #o: PassengersOptions;
  readonly #waiting = new Map<string, Waiting>();
  #phone: PhoneAgent | undefined;
  #arrival: NodeJS.Timeout | undefined;
  #count = 0;
  #stopped = false;

  constructor(options: PassengersOptions) {
    this.#o = options;
  }

  async start(): Promise<void> {
    this.#phone = await PhoneAgent.start({ localAddress: this.#o.trunkAddress });
    if (this.#o.perMinute > 0) this.#scheduleArrival(this.#o.firstAfterMs ?? 1000);
  }

  /** Callers who have called so far. */
  get count(): number {
    return this.#count;
  }

  #scheduleArrival(ms: number): void {
    this.#arrival = setTimeout(() => {
      if (this.#stopped) return;
      this.#call();
      this.#scheduleArrival(nextArrivalMs(this.#o.random, this.#o.perMinute));
    }, ms);
  }

  /** A station answered this caller: no giving up any more. Returns how long they waited. */
  served(caller: string): number | undefined {
    const waiting = this.#waiting.get(caller);
    if (!waiting) return undefined;
    clearTimeout(waiting.giveUp);
    this.#waiting.delete(caller);
    return Date.now() - waiting.arrivedAt;
  }

  #call(): void {
    const phone = this.#phone;
    if (!phone) return;
    const { emit } = this.#o;
    // Polish mobile numbers, one per passenger, so stations and log can tell them apart.
    const caller = `+48600${String(++this.#count).padStart(6, '0')}`;
    const controller = new AbortController();
    const arrivedAt = Date.now();
    const giveUp = setTimeout(() => {
      if (!this.#waiting.delete(caller)) return;
      emit({ type: 'caller-gave-up', caller, waitedMs: Date.now() - arrivedAt });
      controller.abort();
    }, between(this.#o.random, this.#o.patienceMs));
    this.#waiting.set(caller, { arrivedAt, giveUp, controller });
    emit({ type: 'caller-arrived', caller });
    phone
      .call(this.#o.queueUri, { from: caller, sound: 'hold', signal: controller.signal })
      .then((outcome) => {
        if (outcome.kind === 'answered') {
          void outcome.call.ended.then(() => this.#forget(caller));
          return;
        }
        if (outcome.kind === 'failed' && this.#forget(caller)) emit({ type: 'caller-refused', caller, reason: outcome.reason });
      })
      .catch((err: Error) => {
        if (this.#forget(caller)) emit({ type: 'caller-refused', caller, reason: err.message });
      });
  }

  /** Drops a caller who is not waiting any more; true if they were. */
  #forget(caller: string): boolean {
    const waiting = this.#waiting.get(caller);
    if (!waiting) return false;
    clearTimeout(waiting.giveUp);
    this.#waiting.delete(caller);
    return true;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#arrival);
    for (const w of this.#waiting.values()) clearTimeout(w.giveUp);
    this.#waiting.clear();
    await this.#phone?.stop();
  }
}
