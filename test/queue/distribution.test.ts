// Who rings where: first in first out, each caller at another station, the
// station idle longest first, and ring-all. Plain tables of events in and
// decisions out.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createQueue } from '../../source/queue/index.js';
import {
  answered,
  answers,
  arrives,
  cancel,
  connect,
  fails,
  gone,
  offer,
  play,
  ready,
  stationEnds,
  threeStations,
  callerEnds,
  type Row,
} from './support.js';

test('offers the fourth caller to the first station that hangs up, in the same step', () => {
  const queue = createQueue();
  play(queue, [
    ...threeStations,
    [arrives('c1', 1000), [offer('offer-1', 'c1', '201')]],
    [arrives('c2', 1001), [offer('offer-2', 'c2', '202')]],
    [arrives('c3', 1002), [offer('offer-3', 'c3', '203')]],
    [arrives('c4', 1003), []],
  ]);

  const ringing = queue.snapshot();
  assert.deepEqual(
    ringing.offers.map((o) => [o.callerId, o.extension]),
    [['c1', '201'], ['c2', '202'], ['c3', '203']],
    'all three stations ring at once, each with another caller',
  );
  assert.deepEqual(
    ringing.callers.map((c) => [c.position, c.callerId, c.state]),
    [[1, 'c1', 'ringing'], [2, 'c2', 'ringing'], [3, 'c3', 'ringing'], [4, 'c4', 'waiting']],
  );

  play(queue, [
    [answers('offer-1', 5000), [connect('c1', '201', 'offer-1')]],
    [answers('offer-2', 5001), [connect('c2', '202', 'offer-2')]],
    [answers('offer-3', 5002), [connect('c3', '203', 'offer-3')]],
    [stationEnds('202', 60_000), [answered('c2', '202', 4000, 54_999), offer('offer-4', 'c4', '202')]],
    [answers('offer-4', 62_000), [connect('c4', '202', 'offer-4')]],
  ]);
  assert.deepEqual(
    queue.snapshot().connected.map((c) => [c.callerId, c.extension]),
    [['c1', '201'], ['c3', '203'], ['c4', '202']],
  );
});

test('callers who arrived before any station was ready ring the stations as they become ready, oldest first', () => {
  play(createQueue(), [
    [arrives('c1', 0), []],
    [arrives('c2', 1), []],
    [arrives('c3', 2), []],
    [arrives('c4', 3), []],
    [ready('201', 10), [offer('offer-1', 'c1', '201')]],
    [ready('202', 11), [offer('offer-2', 'c2', '202')]],
    [ready('203', 12), [offer('offer-3', 'c3', '203')]],
  ]);
});

const longestIdleTable: { name: string; rows: Row[] }[] = [
  {
    name: 'the station ready longest takes the caller, whatever order the stations were added in',
    rows: [
      [ready('203', 0), []],
      [ready('201', 10), []],
      [ready('202', 20), []],
      [arrives('c1', 100), [offer('offer-1', 'c1', '203')]],
      [arrives('c2', 101), [offer('offer-2', 'c2', '201')]],
    ],
  },
  {
    name: 'a station idle since its call ended earlier takes the caller before one whose call ended later',
    rows: [
      ...threeStations,
      [arrives('c1', 100), [offer('offer-1', 'c1', '201')]],
      [arrives('c2', 101), [offer('offer-2', 'c2', '202')]],
      [answers('offer-1', 200), [connect('c1', '201', 'offer-1')]],
      [answers('offer-2', 201), [connect('c2', '202', 'offer-2')]],
      // 203 has been idle since 2; the first caller goes there.
      [callerEnds('c2', 1000), [answered('c2', '202', 100, 799)]],
      [callerEnds('c1', 2000), [answered('c1', '201', 100, 1800)]],
      [arrives('c3', 3000), [offer('offer-3', 'c3', '203')]],
      [arrives('c4', 3001), [offer('offer-4', 'c4', '202')]],
      [arrives('c5', 3002), [offer('offer-5', 'c5', '201')]],
    ],
  },
  {
    name: 'a station that missed an offer keeps its place at the front for the next caller',
    rows: [
      ...threeStations,
      [arrives('c1', 100), [offer('offer-1', 'c1', '201')]],
      [fails('offer-1', 'rejected', 150), [offer('offer-2', 'c1', '202')]],
      [arrives('c2', 200), [offer('offer-3', 'c2', '201')]],
    ],
  },
  {
    name: 'a station that comes back after being not eligible counts its idle time from its return',
    rows: [
      ...threeStations,
      [gone('201', 50, 'lease-expired'), []],
      [ready('201', 60), []],
      [arrives('c1', 100), [offer('offer-1', 'c1', '202')]],
      [arrives('c2', 101), [offer('offer-2', 'c2', '203')]],
      [arrives('c3', 102), [offer('offer-3', 'c3', '201')]],
    ],
  },
  {
    name: 'a station that says eligible again while already eligible keeps its place',
    rows: [
      ...threeStations,
      [ready('201', 50), []],
      [arrives('c1', 100), [offer('offer-1', 'c1', '201')]],
    ],
  },
  {
    name: 'a younger caller rings only once every older caller rings',
    rows: [
      [arrives('c1', 0), []],
      [arrives('c2', 1), []],
      [ready('201', 10), [offer('offer-1', 'c1', '201')]],
      [arrives('c3', 11), []],
      [ready('202', 12), [offer('offer-2', 'c2', '202')]],
      [ready('203', 13), [offer('offer-3', 'c3', '203')]],
    ],
  },
];

for (const row of longestIdleTable) test(row.name, () => play(createQueue(), row.rows));

const ringAllTable: { name: string; rows: Row[] }[] = [
  {
    name: 'with ring-all the oldest caller rings every free station and the first answer wins',
    rows: [
      ...threeStations,
      [arrives('c1', 100), [offer('offer-1', 'c1', '201'), offer('offer-2', 'c1', '202'), offer('offer-3', 'c1', '203')]],
      [arrives('c2', 101), []],
      [
        answers('offer-2', 2000),
        [
          connect('c1', '202', 'offer-2'),
          cancel('offer-1', 'answered-elsewhere'),
          cancel('offer-3', 'answered-elsewhere'),
          // The stations let go ring for the next caller in the same step.
          offer('offer-4', 'c2', '201'),
          offer('offer-5', 'c2', '203'),
        ],
      ],
    ],
  },
  {
    name: 'with ring-all a station that becomes free while the oldest caller rings joins in',
    rows: [
      [ready('201', 0), []],
      [arrives('c1', 100), [offer('offer-1', 'c1', '201')]],
      [arrives('c2', 101), []],
      [ready('202', 200), [offer('offer-2', 'c1', '202')]],
    ],
  },
  {
    name: 'with ring-all a station that rejected the caller is not rung again while others ring for them',
    rows: [
      [ready('201', 0), []],
      [ready('202', 1), []],
      [arrives('c1', 100), [offer('offer-1', 'c1', '201'), offer('offer-2', 'c1', '202')]],
      [arrives('c2', 101), []],
      // 201 is free again but c1 still rings at 202, and c2 waits behind c1.
      [fails('offer-1', 'rejected', 200), []],
      // The round is over: a new one rings both again.
      [fails('offer-2', 'busy', 300), [offer('offer-3', 'c1', '201'), offer('offer-4', 'c1', '202')]],
    ],
  },
  {
    name: 'with ring-all a caller who hangs up lets the next caller ring the same stations',
    rows: [
      [ready('201', 0), []],
      [ready('202', 1), []],
      [arrives('c1', 100), [offer('offer-1', 'c1', '201'), offer('offer-2', 'c1', '202')]],
      [arrives('c2', 101), []],
      [
        { type: 'caller-hung-up', callerId: 'c1', at: 500 },
        [
          cancel('offer-1', 'caller-hung-up'),
          cancel('offer-2', 'caller-hung-up'),
          { type: 'caller-done', callerId: 'c1', outcome: 'abandoned', waitedMs: 400 },
          offer('offer-3', 'c2', '201'),
          offer('offer-4', 'c2', '202'),
        ],
      ],
    ],
  },
];

for (const row of ringAllTable) test(row.name, () => play(createQueue({ strategy: 'ring-all' }), row.rows));
