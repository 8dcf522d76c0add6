import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { arrivals, distribution, handOffs, parseTrace } from './queue-trace.js';

const ts = (sec: number, usec: number) => `2026-11-28\t09:51:47.${String(usec).padStart(6, '0')}\t${sec}.${String(usec).padStart(6, '0')}`;

describe('bench:queue SIPp traces', () => {
  it('parses IN, INV, BYE and END lines with microseconds and skips SIPp chatter', () => {
    const text = [
      `IN q1c1 ${ts(1795859507, 914916)}`,
      `INV 1001 q1c1 ${ts(1795859507, 915916)}`,
      '2026-11-28\t09:51:47.914916\t1795859507.914916: Variable $1 is referenced 1 times!',
      `BYE 1001 q1c1 ${ts(1795859508, 5)}`,
      `END 1001 q1c1 ${ts(1795859508, 900)}`,
      `INV 1001 ${ts(1, 1)}`,
      '',
    ].join('\n');
    const lines = parseTrace(text);
    assert.deepEqual(lines.map((l) => l.kind), ['IN', 'INV', 'BYE', 'END']);
    assert.equal(lines[0]!.extension, undefined);
    assert.equal(lines[1]!.extension, '1001');
    assert.equal(lines[1]!.passenger, 'q1c1');
    assert.ok(Math.abs(lines[1]!.at - lines[0]!.at - 1) < 1e-3);
    assert.ok(Math.abs(lines[2]!.at - 1795859508000.005) < 1e-3);
  });

  it('takes the first offer of each passenger and counts the rest', () => {
    const pax = new Map([['a', 100], ['b', 200], ['c', 300]]);
    const lines = [
      { kind: 'INV' as const, extension: '1', passenger: 'a', at: 102.5 },
      { kind: 'INV' as const, extension: '2', passenger: 'b', at: 204 },
      { kind: 'INV' as const, extension: '3', passenger: 'b', at: 210 },
      { kind: 'END' as const, extension: '3', passenger: 'b', at: 900 },
      { kind: 'INV' as const, extension: '9', passenger: 'other', at: 50 },
    ];
    const d = distribution(pax, lines);
    assert.deepEqual(d.latencies, [2.5, 4]);
    assert.equal(d.neverOffered, 1);
    assert.equal(d.reOffers, 1);
    assert.equal(d.completed, 1);
  });

  it('counts a hand-off only when the next passenger was already waiting at the BYE', () => {
    const pax = arrivals([
      { kind: 'IN', passenger: 'a', at: 0 },
      { kind: 'IN', passenger: 'b', at: 10 },
      { kind: 'IN', passenger: 'c', at: 600 },
    ]);
    const station = [
      { kind: 'INV' as const, extension: '1', passenger: 'a', at: 2 },
      { kind: 'BYE' as const, extension: '1', passenger: 'a', at: 500 },
      { kind: 'INV' as const, extension: '1', passenger: 'b', at: 501.25 },
      { kind: 'BYE' as const, extension: '1', passenger: 'b', at: 550 },
      // c called after that BYE: the station was idle, not a hand-off
      { kind: 'INV' as const, extension: '1', passenger: 'c', at: 602 },
    ];
    assert.deepEqual(handOffs(pax, [...station].reverse()), [1.25]);
  });
});
