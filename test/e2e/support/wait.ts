// Bounded waits for things that happen asynchronously (an app seeing a BYE,
// a response arriving). The bound only turns a hang into a readable failure;
// tests never assert on how long something took.
import { setTimeout as delay } from 'node:timers/promises';

/** Resolves with `promise`, or fails after `ms` saying what never happened. */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  const controller = new AbortController();
  try {
    return await Promise.race([
      promise,
      delay(ms, undefined, { signal: controller.signal, ref: false }).then(() => {
        throw new Error(`gave up after ${ms} ms waiting for: ${what}`);
      }),
    ]);
  } finally {
    controller.abort();
  }
}

/**
 * Polls `check` until it is true, or fails after `ms` saying what never happened.
 * `what` may be a function, to describe the state at the moment of giving up.
 */
export async function eventually(check: () => boolean, ms: number, what: string | (() => string)): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`gave up after ${ms} ms waiting for: ${typeof what === 'function' ? what() : what}`);
    await delay(10, undefined, { ref: false });
  }
}

/** A promise with its resolve function, for events a handler reports. */
export function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void; reject: (err: unknown) => void } {
  let resolve!: (value: T) => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => {});
  return { promise, resolve, reject };
}
