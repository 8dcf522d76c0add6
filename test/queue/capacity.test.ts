// A busy evening: hundreds of callers and dozens of stations. handle() walks
// the line and the stations at most once per event, so this takes
// milliseconds; the bound is loose on purpose (slow CI machines) and only
// catches something gone badly wrong.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createQueue, type QueueEvent } from '../../source/queue/index.js';

test('a 200-caller queue with 40 stations serves everyone in arrival order, quickly', () => {
  const queue = createQueue();
  const started = performance.now();
  let at = 0;
  const connected: string[] = [];
  const handle = (event: QueueEvent) => {
    for (const decision of queue.handle(event)) {
      if (decision.type === 'offer') pending.push(decision.offerId);
      if (decision.type === 'connect') connected.push(decision.callerId);
    }
  };
  const pending: string[] = [];
  for (let i = 1; i <= 200; i++) handle({ type: 'caller-arrived', callerId: `c${i}`, number: `+48600${i}`, at: at++ });
  for (let s = 0; s < 40; s++) handle({ type: 'station-eligible', extension: String(201 + s), at: at++ });
  assert.equal(pending.length, 40, 'every station rings at once, each for another caller');
  assert.equal(queue.snapshot().callers.filter((c) => c.state === 'waiting').length, 160);
  // Each dispatcher answers at once and hangs up a minute later; the next caller rings the same handle().
  while (pending.length > 0) {
    const offerId = pending.shift()!;
    handle({ type: 'offer-answered', offerId, at: at++ });
    const extension = queue.snapshot().connected.find((c) => c.offerId === offerId)!.extension;
    handle({ type: 'call-ended', extension, at: (at += 60_000) });
  }
  assert.deepEqual(connected, Array.from({ length: 200 }, (_, i) => `c${i + 1}`));
  assert.deepEqual(queue.snapshot().callers, []);
  const elapsed = performance.now() - started;
  assert.ok(elapsed < 2000, `took ${elapsed.toFixed(0)} ms`);
});

