import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_RATES, parseBenchOptions, QUICK_RATES } from './options.js';

describe('benchmark options', () => {
  it('steps udp then tcp through the default rates for 5 s each', () => {
    const opts = parseBenchOptions([], {});
    assert.deepEqual(opts.transports, ['udp', 'tcp']);
    assert.deepEqual(opts.rates, DEFAULT_RATES);
    assert.equal(opts.seconds, 5);
    assert.equal(opts.real, undefined);
  });

  it('makes --quick two small short steps', () => {
    const opts = parseBenchOptions(['--quick'], {});
    assert.deepEqual(opts.rates, QUICK_RATES);
    assert.equal(opts.seconds, 2);
  });

  it('prefers argv over the environment', () => {
    const opts = parseBenchOptions(['--rates', '100,300', '--transports', 'tcp'], {
      BENCH_RATES: '5',
      BENCH_TRANSPORTS: 'udp',
      BENCH_SECONDS: '7',
    });
    assert.deepEqual(opts.rates, [100, 300]);
    assert.deepEqual(opts.transports, ['tcp']);
    assert.equal(opts.seconds, 7);
  });

  it('refuses unknown transports, bad rates and unknown flags', () => {
    assert.throws(() => parseBenchOptions(['--transports', 'tls'], {}), /neither udp nor tcp/);
    assert.throws(() => parseBenchOptions(['--rates', '100,abc'], {}), /positive whole number/);
    assert.throws(() => parseBenchOptions(['--rate', '100'], {}), /Unknown option/);
  });

  it('compares with a real drachtio-server named by the environment', () => {
    const opts = parseBenchOptions([], {
      DRACHTIO_URL: '127.0.0.1:9022:se:cret',
      DRACHTIO_SIP: '127.0.0.1:5060',
      DRACHTIO_PID: '4242',
    });
    assert.deepEqual(opts.real, {
      control: { host: '127.0.0.1', port: 9022, secret: 'se:cret' },
      sip: '127.0.0.1:5060',
      pid: 4242,
    });
    assert.throws(() => parseBenchOptions([], { DRACHTIO_URL: '127.0.0.1:9022:x' }), /DRACHTIO_SIP/);
  });
});
