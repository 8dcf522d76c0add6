// The pairing rules alone, as tables: callers in arrival order and free
// stations idle longest first in, offers out.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pairLongestIdle, pairRingAll, type PairableCaller } from '../../source/queue/distribute.js';

const waiting = (id: string, failedAt: string[] = []) => ({ id, state: 'waiting' as const, recentlyFailedAt: new Set(failedAt) });
const ringing = (id: string, failedAt: string[] = []) => ({ id, state: 'ringing' as const, recentlyFailedAt: new Set(failedAt) });
const stations = (...extensions: string[]) => extensions.map((extension) => ({ extension }));
type Caller = PairableCaller & { id: string };

const longestIdle: { name: string; line: Caller[]; free: string[]; pairs: string[] }[] = [
  { name: 'four callers and three free stations make three offers, oldest callers first', line: [waiting('c1'), waiting('c2'), waiting('c3'), waiting('c4')], free: ['201', '202', '203'], pairs: ['c1@201', 'c2@202', 'c3@203'] },
  { name: 'callers already ringing are skipped, not served twice', line: [ringing('c1'), waiting('c2')], free: ['202'], pairs: ['c2@202'] },
  { name: 'a caller passes over a station that failed them for the next one', line: [waiting('c1', ['201']), waiting('c2')], free: ['201', '202'], pairs: ['c1@202', 'c2@201'] },
  { name: 'a caller every free station failed starts over at the one idle longest', line: [waiting('c1', ['201', '202']), waiting('c2')], free: ['201', '202'], pairs: ['c1@201!', 'c2@202'] },
  { name: 'an older caller is not left waiting because the only free station failed them', line: [waiting('c1', ['201']), waiting('c2')], free: ['201'], pairs: ['c1@201!'] },
  { name: 'no free stations, no offers', line: [waiting('c1')], free: [], pairs: [] },
];

for (const row of longestIdle) {
  test(`longest-idle: ${row.name}`, () => {
    const pairs = pairLongestIdle(row.line, stations(...row.free)).map((p) => `${p.caller.id}@${p.station.extension}${p.startsOver ? '!' : ''}`);
    assert.deepEqual(pairs, row.pairs);
  });
}

const ringAll: { name: string; line: Caller[]; free: string[]; pairs: string[] }[] = [
  { name: 'the oldest caller rings every free station', line: [waiting('c1'), waiting('c2')], free: ['201', '202'], pairs: ['c1@201', 'c1@202'] },
  { name: 'a free station joins the ringing for the oldest caller', line: [ringing('c1'), waiting('c2')], free: ['203'], pairs: ['c1@203'] },
  { name: 'a station that failed the ringing caller stays out', line: [ringing('c1', ['201']), waiting('c2')], free: ['201'], pairs: [] },
  { name: 'a waiting caller every free station failed starts over with them all', line: [waiting('c1', ['201', '202'])], free: ['201', '202'], pairs: ['c1@201!', 'c1@202!'] },
  { name: 'an empty line rings nobody', line: [], free: ['201'], pairs: [] },
];

for (const row of ringAll) {
  test(`ring-all: ${row.name}`, () => {
    const pairs = pairRingAll(row.line, stations(...row.free)).map((p) => `${p.caller.id}@${p.station.extension}${p.startsOver ? '!' : ''}`);
    assert.deepEqual(pairs, row.pairs);
  });
}
