// A small playout buffer: decoded audio a leg received, taken out again one
// 20 ms frame per clock tick (by the recorder). It absorbs the jitter between
// packet arrival and our tick: after running dry it waits until `prefill`
// samples are queued before giving audio again, and if the sender runs fast
// it drops the oldest audio so the delay stays bounded. What it cannot give
// is silence, so both sides of a recording stay aligned to the clock.

export class PlayoutBuffer {
  readonly #ring: Int16Array;
  readonly #prefill: number;
  readonly #maxQueued: number;
  #read = 0;
  #count = 0;
  #playing = false;
  #dropped = 0;
  #underruns = 0;

  /** Sizes in samples: room for `capacity`; start after `prefill`; keep at most `maxQueued`. */
  constructor(capacity = 1600, prefill = 320, maxQueued = 960) {
    this.#ring = new Int16Array(capacity);
    this.#prefill = Math.min(prefill, capacity);
    this.#maxQueued = Math.min(maxQueued, capacity);
  }

  get queued(): number {
    return this.#count;
  }

  /** Samples thrown away because too much was queued. */
  get dropped(): number {
    return this.#dropped;
  }

  /** Times the buffer ran dry while playing. */
  get underruns(): number {
    return this.#underruns;
  }

  /** Queues `length` samples from `samples`. */
  write(samples: Int16Array, offset: number, length: number): void {
    const ring = this.#ring;
    const size = ring.length;
    if (length > size) {
      this.#drop(length - size);
      offset += length - size;
      length = size;
    }
    const overflow = this.#count + length - this.#maxQueued;
    if (overflow > 0) this.#drop(Math.min(overflow, this.#count));
    let at = (this.#read + this.#count) % size;
    for (let i = 0; i < length; i++) {
      ring[at] = samples[offset + i]!;
      if (++at === size) at = 0;
    }
    this.#count += length;
  }

  /**
   * Writes `length` samples into `out` from `offset`, every `stride`-th
   * element (stride 2 fills one channel of interleaved stereo). Silence where
   * there is no audio. Returns how many samples were audio.
   */
  read(out: Int16Array, offset: number, stride: number, length: number): number {
    if (!this.#playing) {
      if (this.#count < this.#prefill || this.#count === 0) {
        for (let i = 0, o = offset; i < length; i++, o += stride) out[o] = 0;
        return 0;
      }
      this.#playing = true;
    }
    const ring = this.#ring;
    const size = ring.length;
    const taken = Math.min(length, this.#count);
    let at = this.#read;
    let o = offset;
    for (let i = 0; i < taken; i++, o += stride) {
      out[o] = ring[at]!;
      if (++at === size) at = 0;
    }
    for (let i = taken; i < length; i++, o += stride) out[o] = 0;
    this.#read = at;
    this.#count -= taken;
    // Dry only when it could not fill the frame: emptied exactly is normal.
    if (taken < length) {
      this.#playing = false;
      this.#underruns++;
    }
    return taken;
  }

  clear(): void {
    this.#read = 0;
    this.#count = 0;
    this.#playing = false;
  }

  #drop(samples: number): void {
    this.#read = (this.#read + samples) % this.#ring.length;
    this.#count -= samples;
    this.#dropped += samples;
  }
}
