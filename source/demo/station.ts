// A demo station's phone: a phone user agent registered as the station's
// extension that rings for a while, answers, talks (plays a sound) and hangs
// up after a random time, like a dispatcher at work. It owns its phone and
// the timers of the calls it takes.
import type { PhoneAgent, IncomingInvite, PhoneCall } from '../phone/index.js';
import type { DemoEventListener } from './events.js';
import { startPhoneLine } from './phone-line.js';
import { between, type Random } from './random.js';

export interface DemoStationOptions {
  extension: string;
  password: string;
  sip: { host: string; port: number };
  /** How long the phone rings before the dispatcher picks up, ms. */
  answerDelayMs: readonly [number, number];
  /** How long the dispatcher talks, ms. */
  talkMs: readonly [number, number];
  random: Random;
  emit: DemoEventListener;
  /** Tells the passengers' side who got through; returns how long that caller waited. */
  served(caller: string): number | undefined;
}

export class DemoStation {
  readonly extension: string;
  readonly #o: DemoStationOptions;
  readonly #timers = new Set<NodeJS.Timeout>();
  #phone: PhoneAgent | undefined;

  constructor(options: DemoStationOptions) {
    this.#o = options;
    this.extension = options.extension;
  }

  /** Starts the phone and registers it; rejects when the switchboard refuses it. */
  async start(): Promise<void> {
    this.#phone = await startPhoneLine({ ...this.#o, extension: this.extension, onIncoming: (invite) => this.#ringing(invite), who: `station ${this.extension}` });
  }

  #later(ms: number, fn: () => void): void {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      fn();
    }, ms);
    this.#timers.add(timer);
  }

  #ringing(invite: IncomingInvite): void {
    const { emit } = this.#o;
    const caller = invite.from;
    if (this.#phone && this.#phone.calls.size > 0) return invite.reject(486);
    emit({ type: 'station-ringing', extension: this.extension, caller });
    invite.ringing();
    let answering = true;
    invite.onCancel(() => {
      answering = false;
      emit({ type: 'station-stopped-ringing', extension: this.extension, caller });
    });
    this.#later(between(this.#o.random, this.#o.answerDelayMs), () => {
      if (!answering) return;
      void invite.answer('test').then((call) => {
        if (call) this.#talk(call, caller);
      });
    });
  }

  #talk(call: PhoneCall, caller: string): void {
    const { emit } = this.#o;
    emit({ type: 'answered', extension: this.extension, caller, waitedMs: this.#o.served(caller) });
    let hungUp = false;
    this.#later(between(this.#o.random, this.#o.talkMs), () => {
      hungUp = true;
      void call.hangUp();
    });
    void call.ended.then((report) => emit({ type: 'call-ended', extension: this.extension, caller, talkedMs: report.durationMs, by: hungUp ? 'station' : 'caller' }));
  }

  async stop(): Promise<void> {
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
    await this.#phone?.stop();
  }
}
