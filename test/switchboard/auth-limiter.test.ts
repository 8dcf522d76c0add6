// The failed-attempt window per source address, with time passed in.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AuthLimiter } from '../../source/switchboard/auth-limiter.js';

describe('AuthLimiter', () => {
  const t0 = 1_000_000;

  it('lets an address fail limit-1 times and refuses it at the limit', () => {
    const limiter = new AuthLimiter({ limit: 3, windowMs: 60_000 });
    assert.equal(limiter.recordFailure('10.0.0.1', t0), false);
    assert.equal(limiter.recordFailure('10.0.0.1', t0 + 1), false);
    assert.equal(limiter.isRefused('10.0.0.1', t0 + 2), false);
    assert.equal(limiter.recordFailure('10.0.0.1', t0 + 2), true, 'the third failure trips it');
    assert.equal(limiter.isRefused('10.0.0.1', t0 + 3), true);
  });

  it('says it tripped only once per window', () => {
    const limiter = new AuthLimiter({ limit: 2, windowMs: 60_000 });
    const tripped = [0, 1, 2, 3].map((i) => limiter.recordFailure('10.0.0.1', t0 + i));
    assert.deepEqual(tripped, [false, true, false, false]);
  });

  it('refuses for the rest of the window that opened at the first failure, then forgives', () => {
    const limiter = new AuthLimiter({ limit: 2, windowMs: 60_000 });
    limiter.recordFailure('10.0.0.1', t0);
    limiter.recordFailure('10.0.0.1', t0 + 30_000);
    assert.equal(limiter.refusedUntil('10.0.0.1', t0 + 30_000), t0 + 60_000);
    assert.equal(limiter.isRefused('10.0.0.1', t0 + 59_999), true);
    assert.equal(limiter.isRefused('10.0.0.1', t0 + 60_000), false);
    assert.equal(limiter.refusedUntil('10.0.0.1', t0 + 60_000), undefined);
  });

  it('starts counting afresh in a new window', () => {
    const limiter = new AuthLimiter({ limit: 2, windowMs: 60_000 });
    limiter.recordFailure('10.0.0.1', t0);
    assert.equal(limiter.recordFailure('10.0.0.1', t0 + 60_000), false, 'the old failure is forgotten');
    assert.equal(limiter.isRefused('10.0.0.1', t0 + 60_001), false);
    assert.equal(limiter.recordFailure('10.0.0.1', t0 + 60_002), true);
  });

  it('keeps addresses apart', () => {
    const limiter = new AuthLimiter({ limit: 2, windowMs: 60_000 });
    limiter.recordFailure('10.0.0.1', t0);
    limiter.recordFailure('10.0.0.1', t0);
    limiter.recordFailure('10.0.0.2', t0);
    assert.equal(limiter.isRefused('10.0.0.1', t0), true);
    assert.equal(limiter.isRefused('10.0.0.2', t0), false);
    assert.equal(limiter.isRefused('10.0.0.3', t0), false);
  });

  it('forgets closed windows when pruned and bounds the addresses it remembers', () => {
    const limiter = new AuthLimiter({ limit: 5, windowMs: 1_000, maxAddresses: 3 });
    for (const a of ['a', 'b', 'c', 'd']) limiter.recordFailure(a, t0);
    assert.equal(limiter.size, 3, 'the oldest window made room');
    limiter.recordFailure('e', t0 + 500);
    limiter.prune(t0 + 1_000);
    assert.equal(limiter.size, 1);
  });

  it('rejects a limit below one or a window that is not positive', () => {
    assert.throws(() => new AuthLimiter({ limit: 0, windowMs: 1 }), /at least 1/);
    assert.throws(() => new AuthLimiter({ limit: 1, windowMs: 0 }), /positive/);
  });
});
