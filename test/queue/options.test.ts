// The queue's settings: defaults as the office expects them, and refusals
// that name the option at fault.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createQueue, resolveOptions, type QueueOptions } from '../../source/queue/index.js';

test('defaults ring for 20 seconds, pause after 2 missed offers, skip wrap-up, never overflow and ring the longest idle', () => {
  assert.deepEqual(createQueue().options, {
    ringTimeoutMs: 20_000,
    missedOffersBeforePause: 2,
    wrapUpMs: 0,
    overflowAfterMs: undefined,
    strategy: 'longest-idle',
  });
});

test('Infinity never pauses a station', () => {
  assert.equal(resolveOptions({ missedOffersBeforePause: Infinity }).missedOffersBeforePause, Infinity);
});

const refusals: [QueueOptions, RegExp][] = [
  [{ ringTimeoutMs: 0 }, /ringTimeoutMs/],
  [{ ringTimeoutMs: Number.NaN }, /ringTimeoutMs/],
  [{ missedOffersBeforePause: 0 }, /missedOffersBeforePause/],
  [{ missedOffersBeforePause: 1.5 }, /missedOffersBeforePause/],
  [{ wrapUpMs: -1 }, /wrapUpMs/],
  [{ overflowAfterMs: 0 }, /overflowAfterMs/],
  [{ overflowAfterMs: Infinity }, /overflowAfterMs/],
  [{ strategy: 'round-robin' as never }, /strategy must be longest-idle or ring-all/],
];

for (const [options, message] of refusals) {
  test(`refuses ${JSON.stringify(options, (_, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v))}`, () => {
    assert.throws(() => createQueue(options), message);
  });
}
