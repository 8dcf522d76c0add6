// Offers that are not answered: ring timeouts, phones that reject, are busy or
// unreachable, consoles that drop mid-ring, and the missed-calls pause.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createQueue, type OfferFailureCause } from '../../source/queue/index.js';
import {
  abandoned,
  answered,
  answers,
  arrives,
  cancel,
  connect,
  fails,
  gone,
  hangsUp,
  offer,
  pause,
  play,
  ready,
  result,
  stationEnds,
  tick,
} from './support.js';

test('a ring timeout moves the caller on to the next station', () => {
  play(createQueue(), [
    [ready('201', 0), []],
    [ready('202', 1), []],
    [arrives('c1', 100), [offer('offer-1', 'c1', '201')]],
    [tick(20_099), []],
    [tick(20_100), [cancel('offer-1', 'timeout'), offer('offer-2', 'c1', '202')]],
  ]);
});

test('a ring timeout is decided at the tick, however late the tick comes', () => {
  play(createQueue({ ringTimeoutMs: 5000 }), [
    [ready('201', 0), []],
    [ready('202', 1), []],
    [arrives('c1', 100), [offer('offer-1', 'c1', '201')]],
    // The answer came after the deadline but before any tick: the phone is off the hook, so it counts.
    [answers('offer-1', 9000), [connect('c1', '201', 'offer-1')]],
  ]);
});

for (const cause of ['rejected', 'busy', 'unreachable', 'timeout'] as OfferFailureCause[]) {
  test(`a phone that reports ${cause} passes the caller to the next station without a cancel`, () => {
    const queue = createQueue();
    play(
      queue,
      [
        [ready('201', 0), []],
        [ready('202', 1), []],
        [arrives('c1', 100), [offer('offer-1', 'c1', '201')]],
        [fails('offer-1', cause, 400), [result('offer-1', 'c1', '201', cause, 300), offer('offer-2', 'c1', '202')]],
      ],
      { hide: [] },
    );
    assert.equal(queue.snapshot().stations.find((s) => s.extension === '201')?.consecutiveMisses, 1);
  });
}

test('a caller whose offer failed keeps their place ahead of later callers', () => {
  const queue = createQueue();
  play(queue, [
    [ready('201', 0), []],
    [ready('202', 1), []],
    [arrives('c1', 100), [offer('offer-1', 'c1', '201')]],
    [arrives('c2', 200), [offer('offer-2', 'c2', '202')]],
    [arrives('c3', 300), []],
    [answers('offer-2', 400), [connect('c2', '202', 'offer-2')]],
    // 201 is the only free station: the oldest caller rings it again rather than wait behind c3.
    [fails('offer-1', 'busy', 500), [offer('offer-3', 'c1', '201')]],
  ]);
  assert.deepEqual(
    queue.snapshot().callers.map((c) => [c.position, c.callerId, c.state]),
    [[1, 'c1', 'ringing'], [2, 'c3', 'waiting']],
  );
});

test('a station that fails a caller is passed over for that caller while another station is free, and tried again later', () => {
  play(createQueue(), [
    [ready('201', 0), []],
    [ready('202', 1), []],
    [arrives('c1', 100), [offer('offer-1', 'c1', '201')]],
    [fails('offer-1', 'rejected', 200), [offer('offer-2', 'c1', '202')]],
    [fails('offer-2', 'rejected', 300), [offer('offer-3', 'c1', '201')]],
  ]);
});

test('a console dropped while ringing cancels the offer and the caller rings another station from their old place', () => {
  const queue = createQueue();
  play(queue, [
    [ready('201', 0), []],
    [ready('202', 1), []],
    [arrives('c1', 100), [offer('offer-1', 'c1', '201')]],
    [arrives('c2', 200), [offer('offer-2', 'c2', '202')]],
    [arrives('c3', 300), []],
    [gone('201', 1000, 'lease-expired'), [cancel('offer-1', 'station-not-eligible')]],
  ]);
  assert.deepEqual(
    queue.snapshot().callers.map((c) => [c.position, c.callerId, c.state]),
    [[1, 'c1', 'waiting'], [2, 'c2', 'ringing'], [3, 'c3', 'waiting']],
  );
  play(queue, [[ready('203', 1100), [offer('offer-3', 'c1', '203')]]]);
  assert.equal(queue.snapshot().stations.find((s) => s.extension === '201')?.consecutiveMisses, 0, 'a dropped console is not a missed call');
});

test('an answer racing a cancel changes nothing', () => {
  play(createQueue(), [
    [ready('201', 0), []],
    [arrives('c1', 100), [offer('offer-1', 'c1', '201')]],
    [hangsUp('c1', 200), [cancel('offer-1', 'caller-hung-up'), abandoned('c1', 100)]],
    [answers('offer-1', 201), []],
    [fails('offer-1', 'timeout', 202), []],
  ]);
});

test('pauses a station after two missed offers in a row and rings it again once it is eligible', () => {
  const queue = createQueue();
  play(queue, [
    [ready('201', 0), []],
    [arrives('c1', 100), [offer('offer-1', 'c1', '201')]],
    [tick(20_100), [cancel('offer-1', 'timeout'), offer('offer-2', 'c1', '201')]],
    [fails('offer-2', 'rejected', 21_000), [pause('201')]],
    // The board echoes the pause; nothing new.
    [gone('201', 21_001, 'paused'), []],
  ]);
  const paused = queue.snapshot();
  assert.deepEqual(
    paused.stations.map((s) => [s.extension, s.state, s.consecutiveMisses]),
    [['201', 'not-eligible', 2]],
  );
  assert.deepEqual(paused.callers.map((c) => [c.callerId, c.state]), [['c1', 'waiting']]);
  play(queue, [[ready('201', 30_000), [offer('offer-3', 'c1', '201')]]]);
  assert.equal(queue.snapshot().stations[0]?.consecutiveMisses, 0);
});

test('the missed-calls pause shows its reason until the board says otherwise', () => {
  const queue = createQueue({ missedOffersBeforePause: 1 });
  play(queue, [
    [ready('201', 0), []],
    [arrives('c1', 100), [offer('offer-1', 'c1', '201')]],
    [fails('offer-1', 'busy', 200), [pause('201')]],
  ]);
  assert.equal(queue.snapshot().stations[0]?.notEligibleReason, 'missed-calls');
});

test('an answered offer clears the count of missed offers', () => {
  play(createQueue(), [
    [ready('201', 0), []],
    [arrives('c1', 100), [offer('offer-1', 'c1', '201')]],
    [fails('offer-1', 'rejected', 200), [offer('offer-2', 'c1', '201')]],
    [answers('offer-2', 300), [connect('c1', '201', 'offer-2')]],
    [stationEnds('201', 400), [answered('c1', '201', 200, 100)]],
    [arrives('c2', 500), [offer('offer-3', 'c2', '201')]],
    // One miss after an answer is the first of a new count: no pause.
    [fails('offer-3', 'rejected', 600), [offer('offer-4', 'c2', '201')]],
  ]);
});

test('offers cancelled because the caller hung up or was answered elsewhere are not missed calls', () => {
  const queue = createQueue({ strategy: 'ring-all', missedOffersBeforePause: 1 });
  play(queue, [
    [ready('201', 0), []],
    [ready('202', 1), []],
    [arrives('c1', 100), [offer('offer-1', 'c1', '201'), offer('offer-2', 'c1', '202')]],
    [hangsUp('c1', 200), [cancel('offer-1', 'caller-hung-up'), cancel('offer-2', 'caller-hung-up'), abandoned('c1', 100)]],
    [arrives('c2', 300), [offer('offer-3', 'c2', '201'), offer('offer-4', 'c2', '202')]],
    [answers('offer-4', 400), [connect('c2', '202', 'offer-4'), cancel('offer-3', 'answered-elsewhere')]],
  ]);
  assert.deepEqual(
    queue.snapshot().stations.map((s) => [s.extension, s.state, s.consecutiveMisses]),
    [['201', 'idle', 0], ['202', 'in-call', 0]],
  );
});

test('with ring-all a ring timeout costs every station that rang a miss', () => {
  play(createQueue({ strategy: 'ring-all', missedOffersBeforePause: 1, ringTimeoutMs: 1000 }), [
    [ready('201', 0), []],
    [ready('202', 1), []],
    [arrives('c1', 100), [offer('offer-1', 'c1', '201'), offer('offer-2', 'c1', '202')]],
    [tick(1100), [cancel('offer-1', 'timeout'), pause('201'), cancel('offer-2', 'timeout'), pause('202')]],
  ]);
});

test('every offer ends with one result for the call log', () => {
  play(
    createQueue({ strategy: 'ring-all' }),
    [
      [ready('201', 0), []],
      [ready('202', 1), []],
      [arrives('c1', 100), [offer('offer-1', 'c1', '201'), offer('offer-2', 'c1', '202')]],
      [
        answers('offer-2', 2100),
        [
          connect('c1', '202', 'offer-2'),
          result('offer-2', 'c1', '202', 'answered', 2000),
          cancel('offer-1', 'answered-elsewhere'),
          result('offer-1', 'c1', '201', 'answered-elsewhere', 2000),
        ],
      ],
    ],
    { hide: [] },
  );
});
