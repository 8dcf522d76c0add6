// Joins two legs: the passenger and the dispatcher hear each other. Every
// packet received on one leg is sent on the other as it arrives (no added
// delay), under that leg's own SSRC, sequence and timestamp line, transcoded
// when one side speaks PCMU and the other PCMA; DTMF telephone-events go
// across on the payload type the other side agreed to. Optionally records:
// leg `a` on the left channel, `b` on the right.
import type { FrameClock } from './frame-clock.js';
import type { OutputOwner, PayloadKind, RtpEndpoint } from './endpoint.js';
import { CallRecorder, type Recording } from './recorder.js';
import type { RtpPacket } from './rtp.js';

export interface BridgeOptions {
  /** Write a stereo WAV of the call here (a left, b right). */
  recordTo?: string;
  /** Called once when the bridge ends: stop(), a leg closed, or a player took a leg. */
  onEnd?: (recording: Recording | undefined) => void;
}

export class Bridge implements OutputOwner {
  readonly a: RtpEndpoint;
  readonly b: RtpEndpoint;
  readonly recorder: CallRecorder | undefined;
  readonly #onEnd: BridgeOptions['onEnd'];
  /** Feeder identities, one per direction (the endpoint tells talkspurts apart by them). */
  readonly #toA = {};
  readonly #toB = {};
  #stopped: Promise<Recording | undefined> | undefined;

  constructor(clock: FrameClock, a: RtpEndpoint, b: RtpEndpoint, options: BridgeOptions = {}) {
    if (a === b) throw new Error('cannot bridge a leg to itself');
    if (a.consumer || b.consumer) throw new Error('leg is already bridged');
    this.a = a;
    this.b = b;
    this.#onEnd = options.onEnd;
    a.takeOutput(this);
    b.takeOutput(this);
    a.setConsumer(this.#fromA);
    b.setConsumer(this.#fromB);
    this.recorder = options.recordTo ? new CallRecorder(clock, options.recordTo, a, b) : undefined;
  }

  get active(): boolean {
    return this.#stopped === undefined;
  }

  readonly #fromA = (packet: RtpPacket, kind: PayloadKind): void => this.b.forward(this.#toB, packet, kind);
  readonly #fromB = (packet: RtpPacket, kind: PayloadKind): void => this.a.forward(this.#toA, packet, kind);

  /** OutputOwner: a leg closed or was given to a player. */
  release(): void {
    void this.stop();
  }

  /** Stops relaying and finishes the recording; resolves with it (never rejects). */
  stop(): Promise<Recording | undefined> {
    this.#stopped ??= (async () => {
      for (const leg of [this.a, this.b]) {
        if (leg.consumer === this.#fromA || leg.consumer === this.#fromB) leg.setConsumer(undefined);
        leg.leaveOutput(this);
      }
      const recording = await this.recorder?.stop();
      this.#onEnd?.(recording);
      return recording;
    })();
    return this.#stopped;
  }
}
