import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_OPTIONS_RATES, DEFAULT_REGISTER_RATES, parseRegisterOptions, QUICK } from './register-options.js';
import { formatTable } from './report.js';
import { markWholeExchange } from './sipp.js';

describe('bench:register options', () => {
  it('steps both series for 5 s each over 2000 phones, ten losses per lease of 3000 and 1000 ms', () => {
    const opts = parseRegisterOptions([], {});
    assert.deepEqual(opts.rates, DEFAULT_REGISTER_RATES);
    assert.deepEqual(opts.optionsRates, DEFAULT_OPTIONS_RATES);
    assert.equal(opts.seconds, 5);
    assert.equal(opts.phones, 2000);
    assert.equal(opts.runs, 10);
    assert.deepEqual(opts.leases, [3000, 1000]);
    assert.deepEqual(opts.parts, [1, 2, 3]);
  });

  it('makes --quick a smoke run of small short steps', () => {
    const opts = parseRegisterOptions(['--quick'], {});
    assert.deepEqual(opts.rates, QUICK.rates);
    assert.equal(opts.seconds, QUICK.seconds);
    assert.equal(opts.phones, QUICK.phones);
    assert.equal(opts.runs, QUICK.runs);
  });

  it('prefers argv over the environment', () => {
    const opts = parseRegisterOptions(['--rates', '300,600', '--parts', '3,1'], { BENCH_RATES: '5', BENCH_PHONES: '500', BENCH_PARTS: '2' });
    assert.deepEqual(opts.rates, [300, 600]);
    assert.equal(opts.phones, 500);
    assert.deepEqual(opts.parts, [1, 3]);
  });

  it('refuses what the pbx or the store would refuse', () => {
    assert.throws(() => parseRegisterOptions(['--leases', '50'], {}), /100 to 600000/);
    assert.throws(() => parseRegisterOptions(['--phones', '1'], {}), /2 to 98000/);
    assert.throws(() => parseRegisterOptions(['--parts', '4'], {}), /none of 1, 2, 3/);
    assert.throws(() => parseRegisterOptions(['--rates', '0'], {}), /positive whole number/);
    assert.throws(() => parseRegisterOptions(['--loud'], {}));
  });
});

describe('bench:register scenario and table', () => {
  const scenario = [
    '<scenario name="x">',
    '  <send retrans="500">REGISTER</send>',
    '  <recv response="401" auth="true" />',
    '  <send retrans="500">REGISTER</send>',
    '  <recv response="200" />',
    '</scenario>',
  ].join('\n');

  it('times the whole exchange: RTD 1 from the first send to the last recv', () => {
    const marked = markWholeExchange(scenario);
    assert.match(marked, /<send start_rtd="1" retrans="500">REGISTER<\/send>\n {2}<recv response="401"/);
    assert.match(marked, /<recv rtd="1" response="200" \/>/);
    assert.equal(marked.match(/rtd=/g)?.length, 2);
  });

  it('leaves a scenario that already has RTD marks alone', () => {
    assert.throws(() => markWholeExchange(markWholeExchange(scenario)), /already has RTD marks/);
  });

  it('pads every column to its widest cell', () => {
    assert.deepEqual(formatTable(['kind', 'rate'], [['OPTIONS', '5'], ['REGISTER', '1000']]), [
      'kind      rate',
      'OPTIONS      5',
      'REGISTER  1000',
    ]);
  });
});
