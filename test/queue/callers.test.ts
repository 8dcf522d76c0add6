// How callers leave: answered and done talking, hung up while waiting or
// ringing, sent to overflow; and how stations come back: at once, or after
// wrap-up. Plus the queue's manners with events it cannot use.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createQueue } from '../../source/queue/index.js';
import {
  abandoned,
  answered,
  answers,
  arrives,
  callerEnds,
  cancel,
  connect,
  gone,
  hangsUp,
  offer,
  overflow,
  overflowed,
  play,
  ready,
  stationEnds,
  threeStations,
  tick,
} from './support.js';

test('a caller who hangs up while waiting is abandoned and the line closes up behind them', () => {
  const queue = createQueue();
  play(queue, [
    [arrives('c1', 0), []],
    [arrives('c2', 10), []],
    [arrives('c3', 20), []],
    [hangsUp('c2', 5000), [abandoned('c2', 4990)]],
    [hangsUp('c2', 5001), []],
  ]);
  assert.deepEqual(
    queue.snapshot().callers.map((c) => [c.position, c.callerId]),
    [[1, 'c1'], [2, 'c3']],
  );
});

test('a caller who hangs up while ringing stops the ringing and the station takes the next caller at once', () => {
  play(createQueue(), [
    [ready('201', 0), []],
    [arrives('c1', 100), [offer('offer-1', 'c1', '201')]],
    [arrives('c2', 200), []],
    [hangsUp('c1', 3000), [cancel('offer-1', 'caller-hung-up'), abandoned('c1', 2900), offer('offer-2', 'c2', '201')]],
  ]);
});

test('a caller who hangs up during the conversation ends the call as answered', () => {
  play(createQueue(), [
    [ready('201', 0), []],
    [arrives('c1', 100), [offer('offer-1', 'c1', '201')]],
    [answers('offer-1', 1100), [connect('c1', '201', 'offer-1')]],
    [hangsUp('c1', 61_100), [answered('c1', '201', 1000, 60_000)]],
    [stationEnds('201', 61_101), []],
  ]);
});

test('a call ends the same way whether named by its caller or by its station', () => {
  for (const end of [callerEnds('c1', 2000), stationEnds('201', 2000)]) {
    play(createQueue(), [
      [ready('201', 0), []],
      [arrives('c1', 100), [offer('offer-1', 'c1', '201')]],
      [answers('offer-1', 1000), [connect('c1', '201', 'offer-1')]],
      [arrives('c2', 1500), []],
      [end, [answered('c1', '201', 900, 1000), offer('offer-2', 'c2', '201')]],
    ]);
  }
});

test('after a call the station rests for the wrap-up time and then takes the next caller', () => {
  const queue = createQueue({ wrapUpMs: 10_000 });
  play(queue, [
    [ready('201', 0), []],
    [arrives('c1', 100), [offer('offer-1', 'c1', '201')]],
    [answers('offer-1', 1000), [connect('c1', '201', 'offer-1')]],
    [arrives('c2', 1500), []],
    [callerEnds('c1', 2000), [answered('c1', '201', 900, 1000)]],
  ]);
  assert.equal(queue.nextDeadline(), 12_000);
  assert.equal(queue.snapshot().stations[0]?.state, 'wrap-up');
  play(queue, [
    [tick(11_999), []],
    [tick(12_000), [offer('offer-2', 'c2', '201')]],
  ]);
});

test('a station whose wrap-up ended counts as idle from the end of wrap-up, not from the late tick', () => {
  const queue = createQueue({ wrapUpMs: 1000 });
  play(queue, [
    [ready('201', 0), []],
    [arrives('c1', 100), [offer('offer-1', 'c1', '201')]],
    [answers('offer-1', 200), [connect('c1', '201', 'offer-1')]],
    [callerEnds('c1', 300), [answered('c1', '201', 100, 100)]],
    [ready('202', 2000), []],
    [tick(5000), []],
  ]);
  assert.equal(queue.snapshot().stations.find((s) => s.extension === '201')?.idleSince, 1300);
  play(queue, [
    // 201 has been free since its wrap-up ended at 1300, before 202 came at 2000.
    [arrives('c2', 6000), [offer('offer-2', 'c2', '201')]],
    [arrives('c3', 6001), [offer('offer-3', 'c3', '202')]],
  ]);
});

test('a station that loses eligibility during a call finishes the call and then gets nothing new', () => {
  const queue = createQueue();
  play(queue, [
    [ready('201', 0), []],
    [arrives('c1', 100), [offer('offer-1', 'c1', '201')]],
    [answers('offer-1', 200), [connect('c1', '201', 'offer-1')]],
    [gone('201', 300, 'lease-expired'), []],
    [arrives('c2', 400), []],
    [stationEnds('201', 500), [answered('c1', '201', 100, 300)]],
  ]);
  assert.deepEqual(queue.snapshot().stations.map((s) => [s.state, s.notEligibleReason]), [['not-eligible', 'lease-expired']]);
  play(queue, [[ready('201', 600), [offer('offer-2', 'c2', '201')]]]);
});

test('the board marking a station in a call or wrap-up is the queue\'s own call echoed back', () => {
  play(createQueue({ wrapUpMs: 1000 }), [
    [ready('201', 0), []],
    [arrives('c1', 100), [offer('offer-1', 'c1', '201')]],
    [answers('offer-1', 200), [connect('c1', '201', 'offer-1')]],
    [gone('201', 201, 'in-call'), []],
    [arrives('c2', 300), []],
    [stationEnds('201', 400), [answered('c1', '201', 100, 200)]],
    [gone('201', 401, 'wrap-up'), []],
    [tick(1400), [offer('offer-2', 'c2', '201')]],
  ]);
});

test('a call during wrap-up is not the queue\'s own: the station gets nothing until the board clears it', () => {
  play(createQueue({ wrapUpMs: 1000 }), [
    [ready('201', 0), []],
    [arrives('c1', 100), [offer('offer-1', 'c1', '201')]],
    [answers('offer-1', 200), [connect('c1', '201', 'offer-1')]],
    [stationEnds('201', 400), [answered('c1', '201', 100, 200)]],
    // The dispatcher dialled out during wrap-up.
    [gone('201', 500, 'in-call'), []],
    [arrives('c2', 600), []],
    [tick(1400), []],
    [ready('201', 9000), [offer('offer-2', 'c2', '201')]],
  ]);
});

test('a station in a call the queue does not own (a *60 self-test) is not offered callers', () => {
  play(createQueue(), [
    [ready('201', 0), []],
    [gone('201', 10, 'in-call'), []],
    [arrives('c1', 100), []],
    [ready('201', 200), [offer('offer-1', 'c1', '201')]],
  ]);
});

test('a waiting caller overflows after the configured wait', () => {
  const queue = createQueue({ overflowAfterMs: 60_000 });
  play(queue, [
    [arrives('c1', 0), []],
    [arrives('c2', 30_000), []],
  ]);
  assert.equal(queue.nextDeadline(), 60_000);
  play(queue, [
    [tick(59_999), []],
    [tick(60_000), [overflow('c1'), overflowed('c1', 60_000)]],
  ]);
  assert.equal(queue.nextDeadline(), 90_000);
  play(queue, [[tick(95_000), [overflow('c2'), overflowed('c2', 65_000)]]]);
  assert.equal(queue.nextDeadline(), undefined);
});

test('a ringing caller who overflows has the ringing stopped first', () => {
  play(createQueue({ overflowAfterMs: 30_000 }), [
    [ready('201', 0), []],
    [arrives('c1', 100), [offer('offer-1', 'c1', '201')]],
    [tick(20_100), [cancel('offer-1', 'timeout'), offer('offer-2', 'c1', '201')]],
    [tick(30_100), [cancel('offer-2', 'overflow'), overflow('c1'), overflowed('c1', 30_000)]],
  ]);
});

test('an overflow that fell due before a ring timeout in the same late tick costs the station no miss', () => {
  const queue = createQueue({ overflowAfterMs: 10_000, missedOffersBeforePause: 1 });
  play(queue, [
    [ready('201', 0), []],
    [arrives('c1', 100), [offer('offer-1', 'c1', '201')]],
    [tick(50_000), [cancel('offer-1', 'overflow'), overflow('c1'), overflowed('c1', 49_900)]],
  ]);
  assert.deepEqual(queue.snapshot().stations.map((s) => [s.state, s.consecutiveMisses]), [['idle', 0]]);
});

test('callers never overflow when overflow is off', () => {
  const queue = createQueue();
  play(queue, [
    [arrives('c1', 0), []],
    [tick(24 * 3600_000), []],
  ]);
  assert.equal(queue.nextDeadline(), undefined);
  assert.deepEqual(queue.snapshot().callers.map((c) => c.callerId), ['c1']);
});

test('the next deadline is the earliest ring timeout, wrap-up end or overflow', () => {
  const queue = createQueue({ ringTimeoutMs: 15_000, wrapUpMs: 5000, overflowAfterMs: 120_000 });
  assert.equal(queue.nextDeadline(), undefined);
  play(queue, [
    ...threeStations,
    [arrives('c1', 1000), [offer('offer-1', 'c1', '201')]],
  ]);
  assert.equal(queue.nextDeadline(), 16_000);
  play(queue, [
    [answers('offer-1', 2000), [connect('c1', '201', 'offer-1')]],
  ]);
  assert.equal(queue.nextDeadline(), undefined);
  play(queue, [[callerEnds('c1', 3000), [answered('c1', '201', 1000, 1000)]]]);
  assert.equal(queue.nextDeadline(), 8000);
});

test('events about callers, offers and calls the queue does not know change nothing', () => {
  const queue = createQueue();
  play(queue, [
    [ready('201', 0), []],
    [hangsUp('nobody', 1), []],
    [answers('offer-7', 2), []],
    [{ type: 'offer-failed', offerId: 'offer-7', cause: 'busy', at: 3 }, []],
    [callerEnds('nobody', 4), []],
    [stationEnds('201', 5), []],
    [stationEnds('299', 6), []],
    [gone('299', 7), []],
    [arrives('c1', 8), [offer('offer-1', 'c1', '201')]],
    [arrives('c1', 9), []],
  ]);
  assert.equal(queue.snapshot().callers.length, 1);
});

test('time never runs backwards inside the queue', () => {
  const queue = createQueue();
  play(queue, [
    [ready('201', 1000), []],
    [arrives('c1', 500), [offer('offer-1', 'c1', '201')]],
  ]);
  const snapshot = queue.snapshot();
  assert.equal(snapshot.at, 1000);
  assert.equal(snapshot.callers[0]?.arrivedAt, 1000);
});

test('an event without a usable time is refused', () => {
  const queue = createQueue();
  assert.throws(() => queue.handle({ type: 'tick', at: Number.NaN }), TypeError);
  assert.throws(() => queue.handle({ type: 'tick' } as never), TypeError);
  assert.throws(() => queue.handle({ type: 'coffee-break', at: 1 } as never), /unknown queue event "coffee-break"/);
});

test('a snapshot is a copy the queue never changes afterwards', () => {
  const queue = createQueue();
  queue.handle(ready('201', 0));
  const before = queue.snapshot();
  queue.handle(arrives('c1', 1));
  assert.equal(before.stations[0]?.state, 'idle');
  assert.equal(before.callers.length, 0);
});
