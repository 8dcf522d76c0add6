import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_QUEUE, parseQueueOptions, QUICK_QUEUE } from './queue-options.js';

describe('bench:queue options', () => {
  it('has defaults, quick defaults, and takes argv over the environment', () => {
    const d = parseQueueOptions([], {});
    assert.deepEqual(d.rates, DEFAULT_QUEUE.rates);
    assert.deepEqual(d.parts, ['handoff', 'rates', 'cpu']);
    assert.equal(d.real, undefined);
    const q = parseQueueOptions(['--quick'], {});
    assert.equal(q.stations, QUICK_QUEUE.stations);
    const o = parseQueueOptions(['--rates', '5,7', '--talk-ms', '250', '--parts', 'cpu,rates'], { BENCH_RATES: '1', BENCH_STATIONS: '150' });
    assert.deepEqual(o.rates, [5, 7]);
    assert.equal(o.talkMs, 250);
    assert.equal(o.stations, 150);
    assert.deepEqual(o.parts, ['rates', 'cpu']);
  });

  it('refuses what cannot work', () => {
    assert.throws(() => parseQueueOptions(['--parts', 'memory'], {}), /none of/);
    assert.throws(() => parseQueueOptions(['--stations', '50', '--cpu-calls', '100'], {}), /needs as many stations/);
    assert.throws(() => parseQueueOptions(['--rates', '0'], {}), /positive/);
    assert.throws(() => parseQueueOptions([], { DRACHTIO_URL: '127.0.0.1:9022:s' }), /DRACHTIO_SIP/);
  });

  it('reads the real drachtio-server to compare with', () => {
    const o = parseQueueOptions([], { DRACHTIO_URL: '127.0.0.1:9022:cymru', DRACHTIO_SIP: '127.0.0.1:5090', DRACHTIO_PID: '42' });
    assert.deepEqual(o.real, { control: { host: '127.0.0.1', port: 9022, secret: 'cymru' }, sip: '127.0.0.1:5090', pid: 42 });
  });
});
