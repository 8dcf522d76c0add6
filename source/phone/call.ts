// One call of the phone, from answer to hang-up: its SIP dialog, its RTP leg,
// what it plays, and what it heard (codec, packets, loss, jitter, level).
// It owns the leg: whoever ends the call (we or the peer), the leg is
// released and `ended` resolves with the final report, once.
import { EventEmitter } from 'node:events';
import type { CodecName } from '../media/g711.js';
import { PayloadKind, type RtpEndpoint } from '../media/endpoint.js';
import type { MediaEngine } from '../media/engine.js';
import type { Player } from '../media/player.js';
import type { SoundName } from '../media/sound.js';
import { AudioMeter, type CallLevel } from './audio-meter.js';

/** The parts of a drachtio-srf Dialog a phone call uses. */
export interface SipDialog {
  connected?: boolean;
  remote: { sdp: string };
  sip: { callId: string };
  on(event: 'destroy', fn: () => void): void;
  destroy(): Promise<unknown>;
}

export interface CallReport {
  callId: string;
  direction: 'outgoing' | 'incoming';
  /** Who is at the other end: the dialled URI, or the caller's number. */
  peer: string;
  codec: CodecName | undefined;
  packetsReceived: number;
  packetsSent: number;
  /** Expected minus received, from sequence numbers (RFC 3550 A.3). */
  packetsLost: number;
  /** packetsLost / expected, in percent. */
  lossPercent: number;
  /** RFC 3550 interarrival jitter, milliseconds. */
  jitterMs: number;
  level: CallLevel;
  /** From the answer until now, or until the end. */
  durationMs: number;
  /** Undefined while the call lasts. */
  endedBy: 'local' | 'remote' | undefined;
}

type Events = { ended: [CallReport] };

export class PhoneCall extends EventEmitter<Events> {
  readonly callId: string;
  readonly direction: 'outgoing' | 'incoming';
  readonly peer: string;
  /** Resolves with the final report when the call is over, whoever ended it. */
  readonly ended: Promise<CallReport>;
  readonly #dialog: SipDialog;
  readonly #endpoint: RtpEndpoint;
  readonly #engine: MediaEngine;
  readonly #meter = new AudioMeter();
  readonly #answeredAt = performance.now();
  #player: Player | undefined;
  #final: CallReport | undefined;
  #resolveEnded!: (report: CallReport) => void;

  constructor(o: { dialog: SipDialog; endpoint: RtpEndpoint; engine: MediaEngine; direction: 'outgoing' | 'incoming'; peer: string }) {
    super();
    this.#dialog = o.dialog;
    this.#endpoint = o.endpoint;
    this.#engine = o.engine;
    this.direction = o.direction;
    this.peer = o.peer;
    this.callId = o.dialog.sip.callId;
    this.ended = new Promise((resolve) => (this.#resolveEnded = resolve));
    o.endpoint.setConsumer((packet, kind) => {
      if (kind === PayloadKind.PCMU || kind === PayloadKind.PCMA) {
        this.#meter.add(kind === PayloadKind.PCMU ? 'PCMU' : 'PCMA', packet.buffer, packet.payloadOffset, packet.payloadLength);
      }
    });
    // A BYE can arrive in the same read as the answer: check before listening.
    if (o.dialog.connected === false) queueMicrotask(() => this.#finish('remote'));
    else o.dialog.on('destroy', () => this.#finish('remote'));
  }

  get active(): boolean {
    return this.#final === undefined;
  }

  /** Plays a sound to the peer, in a loop, replacing what played before. */
  play(sound: SoundName | string): void {
    if (!this.active) return;
    this.#player?.stop();
    this.#player = this.#engine.play(this.#endpoint, sound, { loop: true });
  }

  /** What the call heard so far (or in all, once ended). */
  report(): CallReport {
    if (this.#final) return this.#final;
    const s = this.#endpoint.stats();
    const expected = s.packetsIn + s.packetsLost;
    return {
      callId: this.callId,
      direction: this.direction,
      peer: this.peer,
      codec: s.codec,
      packetsReceived: s.packetsIn,
      packetsSent: s.packetsOut,
      packetsLost: s.packetsLost,
      lossPercent: expected > 0 ? Math.round((s.packetsLost / expected) * 10000) / 100 : 0,
      jitterMs: Math.round(s.jitterMs * 100) / 100,
      level: this.#meter.level(),
      durationMs: Math.round(performance.now() - this.#answeredAt),
      endedBy: undefined,
    };
  }

  /** Sends BYE (if the dialog still stands) and releases the media; resolves with the final report. */
  async hangUp(): Promise<CallReport> {
    if (this.#final) return this.#final;
    const report = this.#finish('local');
    if (this.#dialog.connected !== false) {
      // The peer may be gone already; the call is over for us either way.
      await this.#dialog.destroy().catch(() => undefined);
    }
    return report;
  }

  #finish(by: 'local' | 'remote'): CallReport {
    if (this.#final) return this.#final;
    const report = { ...this.report(), endedBy: by };
    this.#final = report;
    this.#player?.stop();
    this.#endpoint.setConsumer(undefined);
    this.#engine.release(this.#endpoint);
    this.#resolveEnded(report);
    this.emit('ended', report);
    return report;
  }
}
