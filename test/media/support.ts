// Shared by the media tests: tones, frequency checks, temporary folders, simulated phones.
import dgram from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after } from 'node:test';
import { codecs, type CodecName } from '../../source/media/g711.js';
import { buildRtp } from '../../source/media/rtp.js';
import { toneLevel } from '../../source/media/level.js';
import type { ClockSource } from '../../source/media/frame-clock.js';
import assert from 'node:assert/strict';

export function tone(frequency: number, samples: number, amplitude = 8000, phase = 0): Int16Array {
  return new Int16Array(samples).map((_, i) => Math.round(amplitude * Math.sin((2 * Math.PI * frequency * (i + phase)) / 8000)));
}

/** Which of `candidates` is strongest in the samples, and by how many dB over the runner-up. */
export function strongestTone(samples: Int16Array, candidates: number[]): { frequency: number; marginDb: number; levelDbfs: number } {
  const levels = candidates.map((f) => ({ f, level: toneLevel(samples, f) })).sort((a, b) => b.level - a.level);
  return { frequency: levels[0]!.f, marginDb: levels[0]!.level - (levels[1]?.level ?? -120), levelDbfs: levels[0]!.level };
}

/** A folder removed when the test file is done. */
export function temporaryFolder(prefix = 'dispatcher-media-'): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * A phone on a plain UDP socket: sends a G.711 tone every 20 ms (on its own
 * timer, as a real phone would) and keeps what it receives.
 */
export class SimulatedPhone {
  readonly socket = dgram.createSocket('udp4');
  readonly received: Buffer[] = [];
  readonly from: dgram.RemoteInfo[] = [];
  #timer: NodeJS.Timeout | undefined;
  #seq = Math.floor(Math.random() * 65536);
  #ts = Math.floor(Math.random() * 2 ** 32);
  readonly #ssrc = Math.floor(Math.random() * 2 ** 32);

  constructor() {
    this.socket.on('message', (msg, rinfo) => {
      this.received.push(msg);
      this.from.push(rinfo);
    });
  }

  async bind(port = 0): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.socket.once('error', reject);
      this.socket.bind(port, '127.0.0.1', () => {
        this.socket.off('error', reject);
        resolve();
      });
    });
    return this.socket.address().port;
  }

  get port(): number {
    return this.socket.address().port;
  }

  /** An SDP offer saying "send to my port", with the given codecs (in preference order). */
  offer(codecNames: CodecName[] = ['PCMU', 'PCMA'], telephoneEvent = 101): string {
    const pts = codecNames.map((c) => codecs[c].payloadType);
    return [
      'v=0',
      'o=phone 1 1 IN IP4 127.0.0.1',
      's=phone',
      'c=IN IP4 127.0.0.1',
      't=0 0',
      `m=audio ${this.port} RTP/AVP ${[...pts, telephoneEvent].join(' ')}`,
      ...codecNames.map((c) => `a=rtpmap:${codecs[c].payloadType} ${c}/8000`),
      `a=rtpmap:${telephoneEvent} telephone-event/8000`,
      'a=ptime:20',
      'a=sendrecv',
      '',
    ].join('\r\n');
  }

  /** Sends `frequency` Hz in `codec` to 127.0.0.1:`port`, 20 ms at a time, until stop(). */
  sendTone(port: number, frequency: number, codec: CodecName, amplitude = 8000): void {
    let phase = 0;
    const payload = new Uint8Array(160);
    const send = () => {
      const pcm = tone(frequency, 160, amplitude, phase);
      phase += 160;
      for (let i = 0; i < 160; i++) payload[i] = codecs[codec].encodeTable[pcm[i]! & 0xffff]!;
      this.sendPacket(port, codecs[codec].payloadType, payload, phase === 160);
    };
    send();
    this.#timer = setInterval(send, 20);
  }

  sendPacket(port: number, payloadType: number, payload: Uint8Array, marker = false, timestamp?: number): void {
    const packet = buildRtp({ marker, payloadType, sequenceNumber: this.#seq, timestamp: timestamp ?? this.#ts, ssrc: this.#ssrc }, payload);
    this.#seq = (this.#seq + 1) & 0xffff;
    if (timestamp === undefined) this.#ts = (this.#ts + 160) >>> 0;
    this.socket.send(packet, port, '127.0.0.1');
  }

  /** Loses the next `count` packets on the way: their sequence numbers and time pass, nothing is sent. */
  lose(count: number): void {
    this.#seq = (this.#seq + count) & 0xffff;
    this.#ts = (this.#ts + 160 * count) >>> 0;
  }

  stopSending(): void {
    clearInterval(this.#timer);
  }

  close(): void {
    this.stopSending();
    this.socket.close();
  }
}

export const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` until true or `timeoutMs` passes. */
export async function waitFor(check: () => boolean, timeoutMs = 3000, what = 'condition'): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await wait(10);
  }
}

/** Time that moves only when told; timers fire `lateMs` after they are due, as a busy event loop would. */
export class ManualTime implements ClockSource {
  t = 1000;
  lateMs: (n: number) => number = () => 0;
  fired = 0;
  #timer: { fn: () => void; at: number } | undefined;

  now(): number {
    return this.t;
  }
  setTimer(fn: () => void, ms: number): unknown {
    assert.ok(ms >= 0 && Number.isFinite(ms), `bad delay ${ms}`);
    this.#timer = { fn, at: this.t + ms };
    return this.#timer;
  }
  clearTimer(handle: unknown): void {
    if (this.#timer === handle) this.#timer = undefined;
  }
  get armed(): boolean {
    return this.#timer !== undefined;
  }
  /** Fires timers until `until`. */
  runUntil(until: number): void {
    while (this.#timer) {
      const at = this.#timer.at + this.lateMs(this.fired);
      if (at > until) break;
      const { fn } = this.#timer;
      this.#timer = undefined;
      this.t = at;
      this.fired++;
      fn();
    }
    this.t = until;
  }
}


/** A port range of its own for each engine a test makes, below the kernel's ephemeral ports. */
export function testPortRange(size = 100): { min: number; max: number } {
  const min = 21000 + 2 * Math.floor(Math.random() * ((31000 - 21000 - size) / 2));
  return { min, max: min + size - 1 };
}
