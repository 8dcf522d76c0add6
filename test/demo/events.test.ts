// The demo's printed lines and its chance, without sockets.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { describeEvent } from '../../source/demo/index.js';
import { between, nextArrivalMs } from '../../source/demo/random.js';

describe('demo events and chance', () => {
  test('each event reads as one line in the taxi office\'s words', () => {
    assert.equal(describeEvent({ type: 'caller-arrived', caller: '+48600000001' }), 'caller +48600000001 arrived, waiting in the queue');
    assert.equal(describeEvent({ type: 'station-ringing', extension: '201', caller: '+48600000001' }), 'ringing station 201 for caller +48600000001');
    assert.equal(describeEvent({ type: 'answered', extension: '201', caller: '+48600000001', waitedMs: 2500 }), 'station 201 answered caller +48600000001 after 2.5 s in the queue');
    assert.equal(describeEvent({ type: 'call-ended', extension: '201', caller: '+48600000001', talkedMs: 7000, by: 'station' }), 'call of caller +48600000001 with station 201 ended after 7.0 s (dispatcher hung up)');
    assert.equal(describeEvent({ type: 'caller-gave-up', caller: '+48600000002', waitedMs: 12_000 }), 'caller +48600000002 hung up after waiting 12.0 s (abandoned)');
  });

  test('delays stay within their range', () => {
    assert.equal(between(() => 0, [1000, 3000]), 1000);
    assert.equal(between(() => 0.5, [1000, 3000]), 2000);
    assert.ok(between(() => 0.999999, [1000, 3000]) <= 3000);
  });

  test('arrivals average one per 60/rate seconds', () => {
    let seed = 1;
    const random = () => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
    const n = 20_000;
    let total = 0;
    for (let i = 0; i < n; i++) total += nextArrivalMs(random, 12);
    const mean = total / n;
    assert.ok(mean > 4500 && mean < 5500, `mean ${mean} ms`);
  });
});
