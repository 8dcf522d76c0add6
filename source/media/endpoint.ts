// One call leg's RTP: a UDP socket on our side, the SDP agreement with the
// phone on the other, and what flows between them.
//
// Symmetric RTP: we send to where the phone's packets come from, not only to
// what its SDP says. Until its first valid packet (RTP version 2 with a
// payload type we agreed to) we send to the SDP address; that packet's source
// is latched, and packets from any other source are ignored, unless the
// latched one has been silent for `relatchAfterMs` (a phone whose NAT mapping
// changed). That makes phones behind NAT work without STUN or ICE.
//
// Received audio is decoded once, into the level meter and a playout buffer
// the recorder takes frames from; a bridge sees every packet as it arrives.
// Sending goes through `sendFrame` (paced by the engine clock: a player) or
// `forward` (a packet from the other leg of a bridge), each with our own
// SSRC, sequence numbers and a timestamp line that continues across whoever
// feeds the leg. Packets are built in a small ring of preallocated buffers
// and sent synchronously (see syncLookup), so the hot path allocates nothing
// of its own.
import type dgram from 'node:dgram';
import { EventEmitter } from 'node:events';
import { randomInt } from 'node:crypto';
import { ALAW_DECODE, MULAW_DECODE, MULAW_TO_ALAW, ALAW_TO_MULAW, codecs, type CodecName, type G711Codec } from './g711.js';
import { LevelMeter, type Level } from './level.js';
import { PlayoutBuffer } from './playout.js';
import { parseRtp, parseTelephoneEvent, dtmfDigit, RtpPacket, RTP_HEADER_SIZE, writeRtpHeader } from './rtp.js';
import {
  buildAnswer,
  buildOffer,
  negotiateAnswer,
  negotiateFromAnswer,
  offeredSession,
  parseRemoteAudio,
  type AudioSession,
} from './sdp.js';

/** What a received payload type carries (index into RtpEndpoint's table). */
export const PayloadKind = { None: 0, PCMU: 1, PCMA: 2, TelephoneEvent: 3 } as const;
export type PayloadKind = (typeof PayloadKind)[keyof typeof PayloadKind];

export const SAMPLES_PER_FRAME = 160;
const SLOT_COUNT = 8;
const SLOT_SIZE = 1500;
const DECODE_CHUNK = 1280;

export interface DtmfEvent {
  digit: string | undefined;
  event: number;
  durationMs: number;
}

export interface EndpointStats {
  packetsIn: number;
  bytesIn: number;
  packetsOut: number;
  bytesOut: number;
  /** Expected minus received, from sequence-number gaps (RFC 3550 A.3). */
  packetsLost: number;
  /** Not RTP, a payload type we did not agree to, or from a source other than the latched one. */
  packetsIgnored: number;
  /** Interarrival jitter (RFC 3550 A.8), milliseconds. */
  jitterMs: number;
  dtmfEvents: number;
  /** Where we send now: the latched source, else the SDP address. */
  sendingTo?: { address: string; port: number };
  latched: boolean;
  /** Milliseconds since the last accepted packet (undefined before the first): a dead phone shows here. */
  silentForMs?: number;
  /** Received audio over the last 200 ms. */
  level: Level;
  codec?: CodecName;
}

export interface EndpointLog {
  warn(obj: object, msg: string): void;
  debug(obj: object, msg: string): void;
}

/** Whoever feeds a leg's output: one at a time (a player or a bridge). */
export interface OutputOwner {
  /** Asked to stop when another owner takes over or the leg closes. */
  release(): void;
}

export interface EndpointOptions {
  id: string;
  socket: dgram.Socket;
  /** The port the socket is bound (or binding) to. */
  port: number;
  /** Written in our SDP's c= and o= lines. */
  advertisedAddress: string;
  /** Resolves once the socket is bound. */
  ready: Promise<void>;
  now: () => number;
  relatchAfterMs?: number;
  log?: EndpointLog;
  onClose?: (endpoint: RtpEndpoint) => void;
}

type Events = {
  dtmf: [DtmfEvent];
  latched: [{ address: string; port: number }];
  /** The socket is closed and the port free again. */
  closed: [];
};

/** Packets from one leg as they arrive; set by a bridge. */
export type PacketConsumer = (packet: RtpPacket, kind: PayloadKind) => void;

export class RtpEndpoint extends EventEmitter<Events> {
  readonly id: string;
  readonly port: number;
  readonly advertisedAddress: string;
  readonly ready: Promise<void>;
  readonly #socket: dgram.Socket;
  readonly #now: () => number;
  readonly #relatchAfterMs: number;
  readonly #log: EndpointLog | undefined;
  readonly #onClose: ((endpoint: RtpEndpoint) => void) | undefined;
  #closed = false;

  // SDP
  readonly #sdpSessionId = randomInt(1, 2 ** 40);
  #sdpVersion = 0;
  #session: AudioSession | undefined;

  // receiving
  readonly #kinds = new Uint8Array(128);
  readonly #packet = new RtpPacket();
  readonly #decoded = new Int16Array(DECODE_CHUNK);
  readonly #meter = new LevelMeter();
  readonly #playout = new PlayoutBuffer();
  /** Whether received audio is kept for readAudio (only while something records it). */
  #capturing = false;
  #consumer: PacketConsumer | undefined;
  #latched: { address: string; port: number } | undefined;
  #lastFromLatched = 0;
  #lastEvent = { ssrc: -1, timestamp: -1 };
  readonly #rx = new ReceiveStats();

  // sending
  readonly #ssrc = randomInt(0, 2 ** 32);
  #seq = randomInt(0, 2 ** 16);
  #lastTs = randomInt(0, 2 ** 32);
  #lastSentAt = -1;
  #owner: OutputOwner | undefined;
  #feeder: unknown;
  #pacedFrame0 = -1;
  #pacedTs0 = 0;
  #forwardSsrc = -1;
  #forwardOffset = 0;
  #marker = true;
  readonly #slots = Array.from({ length: SLOT_COUNT }, () => Buffer.allocUnsafeSlow(SLOT_SIZE));
  #slot = 0;
  #packetsOut = 0;
  #bytesOut = 0;
  #sendErrors = 0;

  constructor(options: EndpointOptions) {
    super();
    this.id = options.id;
    this.port = options.port;
    this.advertisedAddress = options.advertisedAddress;
    this.ready = options.ready;
    this.#socket = options.socket;
    this.#now = options.now;
    this.#relatchAfterMs = options.relatchAfterMs ?? 2000;
    this.#log = options.log;
    this.#onClose = options.onClose;
    this.#socket.on('message', this.#onMessage);
    this.#socket.on('error', (err) => {
      // Sends fail one by one (no route, buffer full); never bring the process down.
      if (this.#sendErrors++ % 500 === 0) this.#log?.warn({ err, leg: this.id, errors: this.#sendErrors }, 'RTP socket error');
    });
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** The agreement with the phone, once there is one. */
  get session(): AudioSession | undefined {
    return this.#session;
  }

  /** The codec we send with. */
  get codec(): G711Codec | undefined {
    return this.#session ? codecs[this.#session.codec] : undefined;
  }

  // ------------------------------------------------------------------ SDP

  /** Answers a remote offer (initial or re-INVITE). Throws SdpError, changing nothing, when it has no usable audio. */
  answer(offerSdp: string): string {
    const offer = parseRemoteAudio(offerSdp);
    const session = negotiateAnswer(offer);
    const sdp = buildAnswer(offerSdp, offer, session, this.#local());
    this.#setSession(session);
    return sdp;
  }

  /** Our offer (PCMU, PCMA, telephone-event 101). Until `complete`, we accept what we offered. */
  offer(): string {
    if (!this.#session) this.#setKinds(offeredSession());
    return buildOffer(this.#local());
  }

  /** Takes the remote answer to our offer. Throws SdpError when it has no usable audio. */
  complete(answerSdp: string): void {
    this.#setSession(negotiateFromAnswer(parseRemoteAudio(answerSdp)));
  }

  #local() {
    return { address: this.advertisedAddress, port: this.port, sessionId: this.#sdpSessionId, sessionVersion: this.#sdpVersion++ };
  }

  #setSession(session: AudioSession): void {
    const before = this.#session?.remote;
    const after = session.remote;
    if (!after || before?.address !== after.address || before.port !== after.port) this.#latched = undefined;
    this.#session = session;
    this.#setKinds(session);
  }

  #setKinds(session: AudioSession): void {
    this.#kinds.fill(PayloadKind.None);
    for (const r of session.receive) {
      this.#kinds[r.payloadType & 0x7f] = r.kind === 'PCMU' ? PayloadKind.PCMU : r.kind === 'PCMA' ? PayloadKind.PCMA : PayloadKind.TelephoneEvent;
    }
  }

  // ------------------------------------------------------------ receiving

  readonly #onMessage = (msg: Buffer, rinfo: dgram.RemoteInfo): void => {
    if (this.#closed) return;
    const packet = parseRtp(msg, this.#packet);
    const kind = (packet ? this.#kinds[packet.payloadType]! : PayloadKind.None) as PayloadKind;
    if (!packet || kind === PayloadKind.None) {
      this.#rx.ignored++;
      return;
    }
    const now = this.#now();
    if (!this.#fromPeer(rinfo, now)) {
      this.#rx.ignored++;
      return;
    }
    this.#rx.packet(packet, msg.length, now, kind !== PayloadKind.TelephoneEvent);
    if (kind === PayloadKind.TelephoneEvent) this.#onTelephoneEvent(packet);
    else this.#onAudio(packet, kind === PayloadKind.PCMU ? MULAW_DECODE : ALAW_DECODE);
    this.#consumer?.(packet, kind);
  };

  /** Latching: true when the packet comes from the phone. */
  #fromPeer(rinfo: dgram.RemoteInfo, now: number): boolean {
    const latched = this.#latched;
    if (latched && latched.address === rinfo.address && latched.port === rinfo.port) {
      this.#lastFromLatched = now;
      return true;
    }
    if (latched && now - this.#lastFromLatched < this.#relatchAfterMs) return false;
    this.#latched = { address: rinfo.address, port: rinfo.port };
    this.#lastFromLatched = now;
    this.#log?.debug({ leg: this.id, address: rinfo.address, port: rinfo.port, relatch: latched !== undefined }, 'RTP source latched');
    this.emit('latched', this.#latched);
    return true;
  }

  #onAudio(packet: RtpPacket, table: Int16Array): void {
    const bytes = packet.buffer;
    const decoded = this.#decoded;
    const capture = this.#capturing;
    let offset = packet.payloadOffset;
    let remaining = packet.payloadLength;
    // One pass: decode, and sum up the level on the way.
    while (remaining > 0) {
      const n = remaining < DECODE_CHUNK ? remaining : DECODE_CHUNK;
      let sum = 0;
      let peak = 0;
      for (let i = 0; i < n; i++) {
        const s = table[bytes[offset + i]!]!;
        decoded[i] = s;
        sum += s * s;
        const a = s < 0 ? -s : s;
        if (a > peak) peak = a;
      }
      this.#meter.addBlock(sum, peak, n);
      if (capture) this.#playout.write(decoded, 0, n);
      offset += n;
      remaining -= n;
    }
  }

  #onTelephoneEvent(packet: RtpPacket): void {
    const event = parseTelephoneEvent(packet.buffer, packet.payloadOffset, packet.payloadLength);
    if (!event?.end) return;
    // The end packet is sent three times; report the event once.
    if (this.#lastEvent.ssrc === packet.ssrc && this.#lastEvent.timestamp === packet.timestamp) return;
    this.#lastEvent.ssrc = packet.ssrc;
    this.#lastEvent.timestamp = packet.timestamp;
    this.#rx.dtmfEvents++;
    this.emit('dtmf', { digit: dtmfDigit(event.event), event: event.event, durationMs: event.duration / 8 });
  }

  /** Sets (or with undefined clears) the one consumer of this leg's packets. */
  setConsumer(consumer: PacketConsumer | undefined): void {
    this.#consumer = consumer;
  }

  get consumer(): PacketConsumer | undefined {
    return this.#consumer;
  }

  /** Takes `length` samples of received audio (silence where none came); see PlayoutBuffer.read. */
  readAudio(out: Int16Array, offset: number, stride: number, length: number): number {
    return this.#playout.read(out, offset, stride, length);
  }

  /**
   * Starts keeping received audio for readAudio, from now on (a recording
   * starts here). Until then received audio is only metered, not queued.
   */
  clearAudio(): void {
    this.#playout.clear();
    this.#capturing = true;
  }

  /** Stops keeping received audio (the recording ended). */
  stopAudio(): void {
    this.#capturing = false;
    this.#playout.clear();
  }

  /** Received audio over the last 200 ms. */
  level(): Level {
    return this.#meter.level();
  }

  stats(): EndpointStats {
    return {
      packetsIn: this.#rx.packets,
      bytesIn: this.#rx.bytes,
      packetsOut: this.#packetsOut,
      bytesOut: this.#bytesOut,
      packetsLost: this.#rx.lost(),
      packetsIgnored: this.#rx.ignored,
      jitterMs: this.#rx.jitter / 8,
      dtmfEvents: this.#rx.dtmfEvents,
      sendingTo: this.#destination(),
      latched: this.#latched !== undefined,
      silentForMs: this.#rx.lastAt === undefined ? undefined : this.#now() - this.#rx.lastAt,
      level: this.#meter.level(),
      codec: this.#session?.codec,
    };
  }

  // -------------------------------------------------------------- sending

  /** Makes `owner` the one feeding this leg, releasing the previous one. */
  takeOutput(owner: OutputOwner): void {
    if (this.#closed) throw new Error(`RTP leg ${this.id} is closed`);
    const previous = this.#owner;
    this.#owner = owner;
    if (previous && previous !== owner) previous.release();
  }

  /** Gives the output up, if `owner` still has it. */
  leaveOutput(owner: OutputOwner): void {
    if (this.#owner === owner) this.#owner = undefined;
  }

  get outputOwner(): OutputOwner | undefined {
    return this.#owner;
  }

  #destination(): { address: string; port: number } | undefined {
    const session = this.#session;
    if (!session?.remote) return undefined;
    if (session.direction !== 'sendrecv' && session.direction !== 'sendonly') return undefined;
    return this.#latched ?? session.remote;
  }

  /** A new feeder starts a new talkspurt: marker bit, and a timestamp that continues our line. */
  #switchFeeder(feeder: unknown): void {
    this.#feeder = feeder;
    this.#pacedFrame0 = -1;
    this.#forwardSsrc = -1;
    this.#marker = true;
  }

  /** The timestamp following our last packet by the time elapsed since (a fresh random one at first). */
  #continuedTimestamp(): number {
    if (this.#lastSentAt < 0) return this.#lastTs;
    const elapsed = Math.max(SAMPLES_PER_FRAME, Math.round((this.#now() - this.#lastSentAt) * 8));
    return (this.#lastTs + elapsed) >>> 0;
  }

  /**
   * Sends one frame of G.711 in our codec for clock frame `frame`
   * (`length` bytes of `payload` from `offset`; 160 for 20 ms).
   * The timestamp is derived from the frame number, so it follows the clock.
   */
  sendFrame(feeder: unknown, frame: number, payload: Uint8Array, offset: number, length = SAMPLES_PER_FRAME): void {
    const session = this.#session;
    if (this.#closed || !session) return;
    if (feeder !== this.#feeder) this.#switchFeeder(feeder);
    if (this.#pacedFrame0 < 0) {
      this.#pacedFrame0 = frame;
      this.#pacedTs0 = this.#continuedTimestamp();
    }
    const timestamp = (this.#pacedTs0 + (frame - this.#pacedFrame0) * SAMPLES_PER_FRAME) >>> 0;
    const slot = this.#nextSlot();
    slot.set(payload.subarray(offset, offset + length), RTP_HEADER_SIZE);
    const marker = this.#marker;
    this.#marker = false;
    this.#send(slot, RTP_HEADER_SIZE + length, marker, session.payloadType, timestamp);
  }

  /**
   * Sends a packet received on the other leg of a bridge: its payload (in
   * our codec, transcoded when the legs differ; telephone-events on our
   * payload type for them) under our SSRC, sequence and timestamp line.
   */
  forward(feeder: unknown, packet: RtpPacket, kind: PayloadKind): void {
    const session = this.#session;
    if (this.#closed || !session) return;
    if (feeder !== this.#feeder) this.#switchFeeder(feeder);
    if (packet.ssrc !== this.#forwardSsrc) {
      this.#forwardSsrc = packet.ssrc;
      this.#forwardOffset = (this.#continuedTimestamp() - packet.timestamp) >>> 0;
      this.#marker = true;
    }
    const timestamp = (packet.timestamp + this.#forwardOffset) >>> 0;
    const length = Math.min(packet.payloadLength, SLOT_SIZE - RTP_HEADER_SIZE);
    const src = packet.buffer;
    const from = packet.payloadOffset;
    const slot = this.#nextSlot();
    if (kind === PayloadKind.TelephoneEvent) {
      // No telephone-event agreed on this leg: the digit cannot be passed on.
      if (session.telephoneEvent === undefined) return;
      slot.set(src.subarray(from, from + length), RTP_HEADER_SIZE);
      return this.#send(slot, RTP_HEADER_SIZE + length, packet.marker, session.telephoneEvent, timestamp);
    }
    const table = kind === PayloadKind.PCMU ? (session.codec === 'PCMA' ? MULAW_TO_ALAW : undefined) : session.codec === 'PCMU' ? ALAW_TO_MULAW : undefined;
    if (table) for (let i = 0; i < length; i++) slot[RTP_HEADER_SIZE + i] = table[src[from + i]!]!;
    else slot.set(src.subarray(from, from + length), RTP_HEADER_SIZE);
    const marker = this.#marker || packet.marker;
    this.#marker = false;
    this.#send(slot, RTP_HEADER_SIZE + length, marker, session.payloadType, timestamp);
  }

  #nextSlot(): Buffer {
    const slot = this.#slots[this.#slot]!;
    this.#slot = (this.#slot + 1) % SLOT_COUNT;
    return slot;
  }

  #send(slot: Buffer, length: number, marker: boolean, payloadType: number, timestamp: number): void {
    // The timeline moves on even when there is nowhere to send (hold, offer not yet answered).
    this.#lastTs = timestamp;
    this.#lastSentAt = this.#now();
    const to = this.#destination();
    if (!to) return;
    writeRtpHeader(slot, 0, marker, payloadType, this.#seq, timestamp, this.#ssrc);
    this.#seq = (this.#seq + 1) & 0xffff;
    this.#socket.send(slot, 0, length, to.port, to.address);
    this.#packetsOut++;
    this.#bytesOut += length;
  }

  // -------------------------------------------------------------- closing

  /** Stops whoever feeds or consumes this leg and closes the socket. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    const owner = this.#owner;
    this.#owner = undefined;
    owner?.release();
    this.#consumer = undefined;
    this.#socket.off('message', this.#onMessage);
    const closed = () => {
      this.#onClose?.(this);
      this.emit('closed');
    };
    try {
      this.#socket.close(closed);
    } catch {
      // Never bound (its bind failed): nothing to close.
      closed();
    }
  }
}

/** Sequence, loss and jitter accounting for received packets (RFC 3550 A.1, A.3, A.8). */
class ReceiveStats {
  packets = 0;
  bytes = 0;
  ignored = 0;
  dtmfEvents = 0;
  lastAt: number | undefined;
  /** In timestamp units. */
  jitter = 0;
  #ssrc = -1;
  #baseSeq = 0;
  #maxSeq = 0;
  #cycles = 0;
  #received = 0;
  #badSeq = -1;
  #lostBefore = 0;
  #lastArrival = -1;
  #lastTimestamp = 0;

  packet(packet: RtpPacket, bytes: number, now: number, audio: boolean): void {
    this.packets++;
    this.bytes += bytes;
    this.lastAt = now;
    const seq = packet.sequenceNumber;
    if (packet.ssrc !== this.#ssrc) {
      this.#lostBefore += this.#lostNow();
      this.#ssrc = packet.ssrc;
      this.#restart(seq);
      this.#lastArrival = -1;
    } else {
      const delta = (seq - this.#maxSeq) & 0xffff;
      if (delta > 0 && delta < 3000) {
        if (seq < this.#maxSeq) this.#cycles += 0x10000;
        this.#maxSeq = seq;
      } else if (delta >= 3000 && delta < 0x10000 - 100) {
        // A big jump: the sender restarted its sequence. Believe it on the second packet.
        if (seq === this.#badSeq) {
          this.#lostBefore += this.#lostNow();
          this.#restart(seq);
        } else {
          this.#badSeq = (seq + 1) & 0xffff;
          return;
        }
      }
      // else: a duplicate or a late packet, counted as received.
    }
    this.#received++;
    if (audio) {
      const arrival = now * 8;
      if (this.#lastArrival >= 0) {
        const d = arrival - this.#lastArrival - ((packet.timestamp - this.#lastTimestamp) | 0);
        this.jitter += (Math.abs(d) - this.jitter) / 16;
      }
      this.#lastArrival = arrival;
      this.#lastTimestamp = packet.timestamp;
    }
  }

  #restart(seq: number): void {
    this.#baseSeq = seq;
    this.#maxSeq = seq;
    this.#cycles = 0;
    this.#received = 0;
    this.#badSeq = -1;
  }

  #lostNow(): number {
    if (this.#ssrc < 0) return 0;
    const expected = this.#cycles + this.#maxSeq - this.#baseSeq + 1;
    return Math.max(0, expected - this.#received);
  }

  lost(): number {
    return this.#lostBefore + this.#lostNow();
  }
}
