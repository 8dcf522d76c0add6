// How loud a whole call was: the media engine's own meter keeps only the last
// 200 ms, while a call report (and the *60 verdict) needs the call as a whole.
// Fed with each received packet's payload; keeps sums, not audio.
import { ALAW_DECODE, MULAW_DECODE } from '../media/g711.js';
import { dbfs, SILENCE_DBFS } from '../media/level.js';

/** A 20 ms frame louder than this (RMS) counts as sound rather than silence or comfort noise. */
export const AUDIBLE_DBFS = -50;

export interface CallLevel {
  /** RMS over every received sample of the call. */
  rmsDbfs: number;
  /** Loudest sample. */
  peakDbfs: number;
  /** Share of received packets louder than AUDIBLE_DBFS, 0 to 1. */
  audibleShare: number;
}

export class AudioMeter {
  #sumSquares = 0;
  #samples = 0;
  #peak = 0;
  #packets = 0;
  #audible = 0;

  /** One packet's G.711 payload. */
  add(codec: 'PCMU' | 'PCMA', bytes: Uint8Array, offset: number, length: number): void {
    const table = codec === 'PCMU' ? MULAW_DECODE : ALAW_DECODE;
    let sum = 0;
    for (let i = offset; i < offset + length; i++) {
      const s = table[bytes[i]!]!;
      sum += s * s;
      const a = s < 0 ? -s : s;
      if (a > this.#peak) this.#peak = a;
    }
    if (length === 0) return;
    this.#sumSquares += sum;
    this.#samples += length;
    this.#packets++;
    if (dbfs(Math.sqrt(sum / length)) > AUDIBLE_DBFS) this.#audible++;
  }

  level(): CallLevel {
    return {
      rmsDbfs: this.#samples ? round1(dbfs(Math.sqrt(this.#sumSquares / this.#samples))) : SILENCE_DBFS,
      peakDbfs: round1(dbfs(this.#peak)),
      audibleShare: this.#packets ? Math.round((this.#audible / this.#packets) * 1000) / 1000 : 0,
    };
  }
}

const round1 = (n: number) => Math.round(n * 10) / 10;
