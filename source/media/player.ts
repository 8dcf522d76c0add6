// Plays a Sound to one leg, a 20 ms frame per engine clock tick, in the codec
// the leg agreed to: hold music for a waiting passenger (looped), the *60
// self-test music (looped, with a time limit), a ringback. A player owns the
// leg's output; starting another player or bridging the leg replaces it.
import type { FrameClock } from './frame-clock.js';
import { codecs } from './g711.js';
import { SAMPLES_PER_FRAME, type OutputOwner, type RtpEndpoint } from './endpoint.js';
import type { Sound } from './sound.js';

/** Why a playback ended: the sound ran out, the limit passed, stop(), another owner took the leg, or the leg closed. */
export type PlaybackEnd = 'finished' | 'limit' | 'stopped' | 'replaced' | 'closed';

export interface PlayOptions {
  /** Start again at the end (default false: play once). */
  loop?: boolean;
  /** Stop after this long, ms (the *60 test's five minutes). */
  limitMs?: number;
  /** Called once when playback ends, for any reason. */
  onEnd?: (reason: PlaybackEnd) => void;
}

export class Player implements OutputOwner {
  readonly sound: Sound;
  readonly endpoint: RtpEndpoint;
  /** Resolves with the reason when playback ends. */
  readonly done: Promise<PlaybackEnd>;
  readonly #clock: FrameClock;
  readonly #loop: boolean;
  readonly #limitFrames: number;
  readonly #onEnd: ((reason: PlaybackEnd) => void) | undefined;
  readonly #removeTask: () => void;
  #resolve!: (reason: PlaybackEnd) => void;
  #firstFrame = -1;
  #lastFrame = -1;
  /** Sample position in the sound. */
  #position = 0;
  #scratch: Uint8Array | undefined;
  #ended: PlaybackEnd | undefined;

  constructor(clock: FrameClock, endpoint: RtpEndpoint, sound: Sound, options: PlayOptions = {}) {
    this.#clock = clock;
    this.endpoint = endpoint;
    this.sound = sound;
    this.#loop = options.loop ?? false;
    this.#limitFrames = options.limitMs === undefined ? Infinity : Math.max(1, Math.ceil(options.limitMs / clock.frameMs));
    this.#onEnd = options.onEnd;
    this.done = new Promise((resolve) => (this.#resolve = resolve));
    endpoint.takeOutput(this);
    this.#removeTask = clock.add(this.#frame);
  }

  get playing(): boolean {
    return this.#ended === undefined;
  }

  /** Why it ended, once it has. */
  get ended(): PlaybackEnd | undefined {
    return this.#ended;
  }

  stop(): void {
    this.#end('stopped');
  }

  /** OutputOwner: another owner took the leg, or it closed. */
  release(): void {
    this.#end(this.endpoint.closed ? 'closed' : 'replaced');
  }

  readonly #frame = (frame: number): void => {
    if (this.#firstFrame < 0) this.#firstFrame = frame;
    else this.#position += (frame - this.#lastFrame) * SAMPLES_PER_FRAME;
    this.#lastFrame = frame;
    if (frame - this.#firstFrame >= this.#limitFrames) return this.#end('limit');
    const length = this.sound.pcm.length;
    if (this.#loop) this.#position %= length;
    else if (this.#position >= length) return this.#end('finished');
    const codec = this.endpoint.codec;
    if (!codec) return; // the leg's SDP is not settled yet; time runs on regardless
    const bytes = this.sound.encoded(codec.name);
    const left = length - this.#position;
    if (this.#loop || left >= SAMPLES_PER_FRAME) {
      this.endpoint.sendFrame(this, frame, bytes, this.#position);
      return;
    }
    // The last, partial frame of a sound played once: pad it with silence.
    const scratch = (this.#scratch ??= new Uint8Array(SAMPLES_PER_FRAME));
    scratch.set(bytes.subarray(this.#position, length));
    scratch.fill(codecs[codec.name].silence, left);
    this.endpoint.sendFrame(this, frame, scratch, 0);
  };

  #end(reason: PlaybackEnd): void {
    if (this.#ended) return;
    this.#ended = reason;
    this.#removeTask();
    this.endpoint.leaveOutput(this);
    this.#resolve(reason);
    this.#onEnd?.(reason);
  }
}
