// How loud received audio is: RMS and peak in dBFS (0 dBFS = a 16-bit sample
// of 32768; a full-scale sine reads -3 dBFS RMS). The meter keeps the last
// ~200 ms in 20 ms blocks, so "music heard" versus silence can be judged at
// any moment without storing audio. Also Goertzel and zero-crossing tone
// estimates, for tests and the *60 self-test to tell which tone is which.

/** The floor reported for digital silence, instead of -Infinity (which JSON cannot carry). */
export const SILENCE_DBFS = -120;

const FULL_SCALE = 32768;

export function dbfs(amplitude: number): number {
  if (amplitude <= 0) return SILENCE_DBFS;
  return Math.max(SILENCE_DBFS, 20 * Math.log10(amplitude / FULL_SCALE));
}

export interface Level {
  rmsDbfs: number;
  peakDbfs: number;
}

/** RMS and peak of `length` samples from `offset`. */
export function measureLevel(samples: Int16Array, offset = 0, length = samples.length - offset): Level {
  let sumSquares = 0;
  let peak = 0;
  for (let i = offset; i < offset + length; i++) {
    const s = samples[i]!;
    sumSquares += s * s;
    const a = s < 0 ? -s : s;
    if (a > peak) peak = a;
  }
  return { rmsDbfs: dbfs(length > 0 ? Math.sqrt(sumSquares / length) : 0), peakDbfs: dbfs(peak) };
}

export class LevelMeter {
  readonly #blockSize: number;
  readonly #sums: Float64Array;
  readonly #peaks: Int32Array;
  readonly #counts: Int32Array;
  /** Index of the block being filled. */
  #block = 0;
  #filled = 0;

  /** `windowMs` of audio in blocks of `blockMs`, at `sampleRate`. */
  constructor(windowMs = 200, blockMs = 20, sampleRate = 8000) {
    this.#blockSize = Math.max(1, Math.round((blockMs * sampleRate) / 1000));
    const blocks = Math.max(1, Math.round(windowMs / blockMs));
    // One more than the window: the block being filled does not count until full.
    this.#sums = new Float64Array(blocks + 1);
    this.#peaks = new Int32Array(blocks + 1);
    this.#counts = new Int32Array(blocks + 1);
  }

  add(samples: Int16Array, offset = 0, length = samples.length - offset): void {
    const size = this.#blockSize;
    let block = this.#block;
    let sum = this.#sums[block]!;
    let peak = this.#peaks[block]!;
    let count = this.#counts[block]!;
    for (let i = offset, end = offset + length; i < end; i++) {
      const s = samples[i]!;
      sum += s * s;
      const a = s < 0 ? -s : s;
      if (a > peak) peak = a;
      if (++count === size) {
        this.#sums[block] = sum;
        this.#peaks[block] = peak;
        this.#counts[block] = count;
        block = (block + 1) % this.#sums.length;
        sum = 0;
        peak = 0;
        count = 0;
        if (this.#filled < this.#sums.length - 1) this.#filled++;
      }
    }
    this.#block = block;
    this.#sums[block] = sum;
    this.#peaks[block] = peak;
    this.#counts[block] = count;
  }

  /**
   * Adds a block already summed up by the caller (sum of squares, peak
   * magnitude, sample count), e.g. while decoding a packet, to save a pass.
   * Any partly filled block from `add` is closed first.
   */
  addBlock(sumSquares: number, peak: number, count: number): void {
    if (count <= 0) return;
    const n = this.#sums.length;
    if (this.#counts[this.#block]! > 0) this.#close();
    const block = this.#block;
    this.#sums[block] = sumSquares;
    this.#peaks[block] = peak;
    this.#counts[block] = count;
    this.#block = (block + 1) % n;
    this.#sums[this.#block] = 0;
    this.#peaks[this.#block] = 0;
    this.#counts[this.#block] = 0;
    if (this.#filled < n - 1) this.#filled++;
  }

  #close(): void {
    const n = this.#sums.length;
    this.#block = (this.#block + 1) % n;
    this.#sums[this.#block] = 0;
    this.#peaks[this.#block] = 0;
    this.#counts[this.#block] = 0;
    if (this.#filled < n - 1) this.#filled++;
  }

  /** Level of the last full window (fewer blocks early on); silence before any audio. */
  level(): Level {
    let sum = 0;
    let peak = 0;
    let count = 0;
    const n = this.#sums.length;
    for (let k = 1; k <= this.#filled; k++) {
      const b = (this.#block - k + n) % n;
      sum += this.#sums[b]!;
      count += this.#counts[b]!;
      if (this.#peaks[b]! > peak) peak = this.#peaks[b]!;
    }
    return { rmsDbfs: dbfs(count > 0 ? Math.sqrt(sum / count) : 0), peakDbfs: dbfs(peak) };
  }

  reset(): void {
    this.#sums.fill(0);
    this.#peaks.fill(0);
    this.#counts.fill(0);
    this.#block = 0;
    this.#filled = 0;
  }
}

/**
 * Level in dBFS of the `frequency` component of the samples (Goertzel),
 * scaled so a sine of that frequency reads like its RMS level.
 */
export function toneLevel(samples: Int16Array, frequency: number, sampleRate = 8000, offset = 0, length = samples.length - offset): number {
  if (length <= 0) return SILENCE_DBFS;
  const coefficient = 2 * Math.cos((2 * Math.PI * frequency) / sampleRate);
  let s1 = 0;
  let s2 = 0;
  for (let i = offset; i < offset + length; i++) {
    const s0 = samples[i]! + coefficient * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  const power = s1 * s1 + s2 * s2 - coefficient * s1 * s2;
  // |X(f)| = N * A / 2 for a sine of amplitude A; its RMS is A / sqrt 2.
  const amplitude = (2 * Math.sqrt(Math.max(0, power))) / length;
  return dbfs(amplitude / Math.SQRT2);
}

/** Frequency estimate from zero crossings (good for one clean tone). */
export function zeroCrossingFrequency(samples: Int16Array, sampleRate = 8000, offset = 0, length = samples.length - offset): number {
  let crossings = 0;
  let first = -1;
  let last = -1;
  for (let i = offset + 1; i < offset + length; i++) {
    if ((samples[i - 1]! < 0 && samples[i]! >= 0) || (samples[i - 1]! >= 0 && samples[i]! < 0)) {
      if (first < 0) first = i;
      else crossings++;
      last = i;
    }
  }
  if (crossings === 0) return 0;
  return (crossings * sampleRate) / (2 * (last - first));
}
