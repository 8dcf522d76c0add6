// The engine's one 20 ms clock. Every player, recorder and paced sender of
// every call hangs off it, so 100 calls cost one timer, not 100.
//
// Frames are scheduled by absolute time: frame n is due at start + n * 20 ms,
// and each wake-up runs every frame that has come due, then sleeps until the
// next one. A late timer therefore never makes the stream slower (no drift);
// it only bunches a frame or two. After a long stall (a blocked event loop, a
// suspended VM) it skips ahead instead of sending a burst of stale audio: the
// skipped frame numbers are simply never run, and tasks that derive RTP
// timestamps from the frame number stay on the wall clock.
import { performance } from 'node:perf_hooks';

/** Called once per frame with the frame's number (consecutive unless frames were skipped). */
export type FrameTask = (frame: number) => void;

/** Time and timers, injectable so the arithmetic can be tested without waiting. */
export interface ClockSource {
  /** Milliseconds, monotonic. */
  now(): number;
  setTimer(fn: () => void, ms: number): unknown;
  clearTimer(handle: unknown): void;
}

export const realClock: ClockSource = {
  now: () => performance.now(),
  setTimer: (fn, ms) => {
    const timer = setTimeout(fn, ms);
    // Sockets and files keep a busy process alive; the clock alone must not.
    timer.unref();
    return timer;
  },
  clearTimer: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export interface FrameClockOptions {
  frameMs?: number;
  /** Most frames run in one wake-up; beyond that the clock skips ahead. */
  maxCatchUp?: number;
  source?: ClockSource;
  /** A task that throws is reported here and kept; the others still run. */
  onError?: (err: unknown) => void;
}

export class FrameClock {
  readonly frameMs: number;
  readonly #maxCatchUp: number;
  readonly #source: ClockSource;
  readonly #onError: (err: unknown) => void;
  readonly #tasks = new Set<FrameTask>();
  #start = 0;
  /** The next frame number to run. */
  #next = 0;
  #timer: unknown;
  #running = false;
  #skipped = 0;

  constructor(options: FrameClockOptions = {}) {
    this.frameMs = options.frameMs ?? 20;
    this.#maxCatchUp = Math.max(1, options.maxCatchUp ?? 3);
    this.#source = options.source ?? realClock;
    this.#onError = options.onError ?? ((err) => queueMicrotask(() => { throw err; }));
  }

  /** Runs `task` on every frame from the next one on; returns the function that removes it. */
  add(task: FrameTask): () => void {
    this.#tasks.add(task);
    if (!this.#running) {
      this.#running = true;
      this.#start = this.#source.now();
      this.#next = 0;
      this.#arm(0);
    }
    return () => this.remove(task);
  }

  remove(task: FrameTask): void {
    this.#tasks.delete(task);
    if (this.#tasks.size === 0) this.stop();
  }

  /** Stops the timer; tasks added later start a new timeline. */
  stop(): void {
    this.#tasks.clear();
    this.#running = false;
    if (this.#timer !== undefined) this.#source.clearTimer(this.#timer);
    this.#timer = undefined;
  }

  get taskCount(): number {
    return this.#tasks.size;
  }

  /** Frames dropped after stalls since the clock was made. */
  get skippedFrames(): number {
    return this.#skipped;
  }

  /** The number of the frame that will run next. */
  get nextFrame(): number {
    return this.#next;
  }

  /** When frame `frame` is (or was) due, on the source's clock. */
  dueAt(frame: number): number {
    return this.#start + frame * this.frameMs;
  }

  #arm(delayMs: number): void {
    this.#timer = this.#source.setTimer(() => this.#wake(), delayMs);
  }

  #wake(): void {
    this.#timer = undefined;
    if (!this.#running) return;
    const due = framesDue(this.#start, this.frameMs, this.#next, this.#source.now(), this.#maxCatchUp);
    this.#skipped += due.first - this.#next;
    for (let frame = due.first; frame <= due.last && this.#running; frame++) {
      this.#next = frame + 1;
      for (const task of this.#tasks) {
        try {
          task(frame);
        } catch (err) {
          this.#onError(err);
        }
      }
    }
    if (!this.#running) return;
    // Sleep until the next frame's due time, never less than 1 ms (timers
    // fire late, not early; rounding up avoids waking just before it).
    this.#arm(Math.max(1, Math.ceil(this.dueAt(this.#next) - this.#source.now())));
  }
}

/**
 * Which frames to run now: every frame from `next` whose due time
 * (start + n * frameMs) has passed, but no more than `maxCatchUp`; older ones
 * are skipped. `last < first` means none is due yet.
 */
export function framesDue(start: number, frameMs: number, next: number, now: number, maxCatchUp: number): { first: number; last: number } {
  const last = Math.floor((now - start) / frameMs);
  if (last < next) return { first: next, last: next - 1 };
  return { first: Math.max(next, last - maxCatchUp + 1), last };
}
