// checkInvariants must notice each broken rule: a checker that always says
// "fine" would make every other queue test toothless.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkInvariants, createQueue, type QueueSnapshot } from '../../source/queue/index.js';
import { answers, arrives, play, threeStations } from './support.js';

/** c1 talking at 201, c2 ringing at 202, c3 ringing at 203, c4 waiting. */
function busyOffice(): QueueSnapshot {
  const queue = createQueue();
  play(queue, [...threeStations, [arrives('c1', 10), []], [arrives('c2', 11), []], [arrives('c3', 12), []], [arrives('c4', 13), []], [answers('offer-1', 20), []]], {
    hide: ['offer', 'connect', 'offer-result'],
  });
  return queue.snapshot();
}

test('a healthy office breaks no rule', () => {
  assert.deepEqual(checkInvariants(busyOffice()), []);
});

const breakages: { name: string; damage: (s: QueueSnapshot) => void; says: RegExp }[] = [
  { name: 'a caller held twice', damage: (s) => s.connected.push({ ...s.connected[0]!, extension: '209' }), says: /in the queue twice/ },
  { name: 'a younger caller ahead of an older one', damage: (s) => s.callers.reverse(), says: /who arrived later/ },
  { name: 'an offer to a station that is not eligible', damage: (s) => (s.stations[1]!.eligible = false), says: /not eligible/ },
  {
    name: 'two callers on one station',
    damage: (s) => s.offers.push({ ...s.offers[0]!, offerId: 'offer-9', callerId: 'c4' }),
    says: /station 202 has 2 callers/,
  },
  {
    name: 'a caller waiting while a station is free',
    damage: (s) => s.stations.push({ ...s.stations[0]!, extension: '204', state: 'idle', callerId: undefined, offerId: undefined }),
    says: /c4 waits while station 204 is free/,
  },
  { name: 'a connected caller whose station is not in a call', damage: (s) => (s.stations[0]!.state = 'wrap-up'), says: /not in a call with them/ },
  { name: 'a ringing caller without an offer', damage: (s) => s.offers.pop(), says: /without an offer there|rings for nobody/ },
];

for (const row of breakages) {
  test(`checkInvariants notices ${row.name}`, () => {
    const snapshot = busyOffice();
    row.damage(snapshot);
    const broken = checkInvariants(snapshot);
    assert.ok(broken.some((line) => row.says.test(line)), `expected ${row.says}, got ${JSON.stringify(broken)}`);
  });
}

test('with ring-all checkInvariants notices a younger caller ringing', () => {
  const queue = createQueue({ strategy: 'ring-all' });
  play(queue, [...threeStations, [arrives('c1', 10), []], [arrives('c2', 11), []]], { hide: ['offer'] });
  const snapshot = queue.snapshot();
  snapshot.callers[1] = { ...snapshot.callers[1]!, state: 'ringing', ringingAt: ['201'] };
  assert.ok(checkInvariants(snapshot).some((line) => /only the oldest caller rings/.test(line)));
});
