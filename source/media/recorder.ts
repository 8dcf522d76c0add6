// Records a call to a stereo WAV: the caller on the left, the dispatcher on
// the right, 8 kHz 16-bit. Each engine clock tick takes one 20 ms frame from
// each side's playout buffer (silence from a side that sent nothing), so the
// two channels stay aligned in time however the packets arrived. Frames
// gather in a one-second chunk that goes to disk as it fills; memory stays
// flat however long the call, and the header is brought up to date every
// few seconds, so even a recording cut short by a crash plays.
import type { FrameClock } from './frame-clock.js';
import { WavFileWriter } from './wav.js';
import { endianness } from 'node:os';

/** A side of the recording: gives `length` samples, every `stride`-th element of `out` from `offset`. */
export interface AudioSource {
  readAudio(out: Int16Array, offset: number, stride: number, length: number): number;
  /** Called when the recording starts: keep audio from now on. */
  clearAudio?(): void;
  /** Called when the recording stops. */
  stopAudio?(): void;
}

export interface RecorderOptions {
  /** Frames per disk write (default 50: one write a second). */
  framesPerChunk?: number;
  /** Chunks between header updates (default 5): how much a crash can leave uncounted. */
  headerEveryChunks?: number;
  samplesPerFrame?: number;
  sampleRate?: number;
}

export interface Recording {
  path: string;
  /** 20 ms frames written. */
  frames: number;
  durationMs: number;
  /** Set when the file could not be written (the call itself is not affected). */
  error?: Error;
}

const LITTLE_ENDIAN = endianness() === 'LE';

export class CallRecorder {
  readonly path: string;
  readonly #left: AudioSource;
  readonly #right: AudioSource;
  readonly #writer: WavFileWriter;
  readonly #samplesPerFrame: number;
  readonly #framesPerChunk: number;
  readonly #frameMs: number;
  readonly #removeTask: () => void;
  #chunk!: Buffer;
  #samples!: Int16Array;
  #inChunk = 0;
  #frames = 0;
  #stopped: Promise<Recording> | undefined;

  constructor(clock: FrameClock, path: string, left: AudioSource, right: AudioSource, options: RecorderOptions = {}) {
    this.path = path;
    this.#left = left;
    this.#right = right;
    this.#samplesPerFrame = options.samplesPerFrame ?? 160;
    this.#framesPerChunk = options.framesPerChunk ?? 50;
    this.#frameMs = clock.frameMs;
    this.#writer = new WavFileWriter(path, { sampleRate: options.sampleRate ?? 8000, channels: 2 }, options.headerEveryChunks ?? 5);
    this.#newChunk();
    // Audio that queued up before the recording began is not part of it.
    left.clearAudio?.();
    right.clearAudio?.();
    this.#removeTask = clock.add(this.#frame);
  }

  get frames(): number {
    return this.#frames;
  }

  get recording(): boolean {
    return this.#stopped === undefined;
  }

  readonly #frame = (): void => {
    const n = this.#samplesPerFrame;
    const at = this.#inChunk * n * 2;
    this.#left.readAudio(this.#samples, at, 2, n);
    this.#right.readAudio(this.#samples, at + 1, 2, n);
    this.#frames++;
    if (++this.#inChunk === this.#framesPerChunk) this.#flush();
  };

  #newChunk(): void {
    // A fresh buffer per chunk: the writer owns the last one until it is on disk.
    this.#chunk = Buffer.allocUnsafeSlow(this.#framesPerChunk * this.#samplesPerFrame * 4);
    this.#samples = new Int16Array(this.#chunk.buffer, this.#chunk.byteOffset, this.#chunk.length / 2);
    this.#inChunk = 0;
  }

  /** last: the recording is stopping, no chunk follows (a 32 KB buffer per call saved: most calls are shorter than a chunk). */
  #flush(last = false): void {
    if (this.#inChunk === 0) return;
    const bytes = this.#inChunk * this.#samplesPerFrame * 4;
    if (!LITTLE_ENDIAN) this.#chunk.subarray(0, bytes).swap16();
    this.#writer.append(this.#chunk, bytes);
    if (!last) this.#newChunk();
  }

  /** Stops taking frames, writes what is left and the final header. Never rejects. */
  stop(): Promise<Recording> {
    this.#stopped ??= (async () => {
      this.#removeTask();
      this.#left.stopAudio?.();
      this.#right.stopAudio?.();
      this.#flush(true);
      let error: Error | undefined;
      try {
        await this.#writer.close();
      } catch (err) {
        error = err as Error;
      }
      return { path: this.path, frames: this.#frames, durationMs: this.#frames * this.#frameMs, ...(error ? { error } : {}) };
    })();
    return this.#stopped;
  }
}
