// The demo dispatcher's own phone: a phone user agent in this process,
// registered as the person's extension, that the interactive console drives
// with keys (the console's DeskPhone). It rings when the switchboard offers a
// passenger, answers with a sound when told, and is idle again once the call
// ends, whoever hangs up.
import type { DeskPhone, DeskPhoneState } from '../console/desk-phone.js';
import type { PhoneAgent, IncomingInvite, PhoneCall } from '../phone/index.js';
import type { DemoEventListener } from './events.js';
import { startPhoneLine } from './phone-line.js';

export interface DemoDeskPhoneOptions {
  extension: string;
  password: string;
  sip: { host: string; port: number };
  emit: DemoEventListener;
  served(caller: string): number | undefined;
}

export class DemoDeskPhone implements DeskPhone {
  readonly extension: string;
  readonly #o: DemoDeskPhoneOptions;
  readonly #listeners = new Set<() => void>();
  #phone: PhoneAgent | undefined;
  #state: DeskPhoneState = 'idle';
  #invite: IncomingInvite | undefined;
  #call: PhoneCall | undefined;
  /** h pressed between a and the answer being established. */
  #hangUpOnAnswer = false;

  constructor(options: DemoDeskPhoneOptions) {
    this.#o = options;
    this.extension = options.extension;
  }

  async start(): Promise<void> {
    this.#phone = await startPhoneLine({ ...this.#o, extension: this.extension, onIncoming: (invite) => this.#ringing(invite), who: `the demo dispatcher's phone ${this.extension}` });
  }

  state(): DeskPhoneState {
    return this.#state;
  }

  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => void this.#listeners.delete(listener);
  }

  #set(state: DeskPhoneState): void {
    if (state === this.#state) return;
    this.#state = state;
    for (const listener of [...this.#listeners]) listener();
  }

  #ringing(invite: IncomingInvite): void {
    if (this.#state !== 'idle') return invite.reject(486);
    const { emit } = this.#o;
    this.#invite = invite;
    emit({ type: 'station-ringing', extension: this.extension, caller: invite.from });
    invite.ringing();
    invite.onCancel(() => {
      if (this.#invite !== invite) return;
      this.#invite = undefined;
      emit({ type: 'station-stopped-ringing', extension: this.extension, caller: invite.from });
      this.#set('idle');
    });
    this.#set('ringing');
  }

  answer(): void {
    const invite = this.#invite;
    if (!invite || this.#state !== 'ringing') return;
    this.#invite = undefined;
    this.#hangUpOnAnswer = false;
    // 'talking' at once: the key was pressed; idle again if the answer comes to nothing.
    this.#set('talking');
    void invite.answer('test').then((call) => {
      if (!call) return this.#set('idle');
      this.#call = call;
      const { emit } = this.#o;
      emit({ type: 'answered', extension: this.extension, caller: invite.from, waitedMs: this.#o.served(invite.from) });
      void call.ended.then((report) => {
        this.#call = undefined;
        emit({ type: 'call-ended', extension: this.extension, caller: invite.from, talkedMs: report.durationMs, by: report.endedBy === 'local' ? 'station' : 'caller' });
        this.#set('idle');
      });
      if (this.#hangUpOnAnswer) void call.hangUp();
    });
  }

  hangUp(): void {
    if (this.#state === 'ringing' && this.#invite) {
      const invite = this.#invite;
      this.#invite = undefined;
      invite.reject(486);
      this.#o.emit({ type: 'station-stopped-ringing', extension: this.extension, caller: invite.from });
      this.#set('idle');
    } else if (this.#call) {
      void this.#call.hangUp();
    } else if (this.#state === 'talking') {
      this.#hangUpOnAnswer = true;
    }
  }

  async stop(): Promise<void> {
    this.#listeners.clear();
    await this.#phone?.stop();
  }
}
