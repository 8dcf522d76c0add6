import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openStore, type Store } from '../../source/store/index.js';

describe('call log', () => {
  let dir: string;
  let store: Store;
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'calls-'));
    store = openStore(dir);
  });
  after(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('records who waited how long, each offer, who answered and the recording', () => {
    const t0 = Date.parse('2030-05-01T08:00:00Z');
    const call = store.calls.arrived('abc@trunk', '48600100200', t0);
    const first = store.calls.offered(call, '201', 'Stanowisko 1', t0 + 10);
    store.calls.offerEnded(first, 'timeout', t0 + 20_010);
    const second = store.calls.offered(call, '202', undefined, t0 + 20_020);
    store.calls.offerEnded(second, 'answered', t0 + 23_000);
    store.calls.answered(call, { extension: '202', login: 'ola' }, t0, t0 + 23_000);
    store.calls.recorded(call, '/data/recordings/abc.wav');
    store.calls.ended(call, 'answered', { arrivedAt: t0, answeredAt: t0 + 23_000 }, t0 + 83_000);
    const [log] = store.calls.recent(1);
    assert.equal(log!.outcome, 'answered');
    assert.equal(log!.waitMs, 23_000);
    assert.equal(log!.talkMs, 60_000);
    assert.deepEqual(log!.answeredBy, { station: null, extension: '202', login: 'ola' });
    assert.deepEqual(log!.offers.map((o) => [o.extension, o.result]), [['201', 'timeout'], ['202', 'answered']]);
    assert.equal(log!.recordingFile, '/data/recordings/abc.wav');
  });

  it('records an abandoned call with its wait and no talk time, and never ends a call twice', () => {
    const t0 = Date.parse('2030-05-01T09:00:00Z');
    const call = store.calls.arrived('def@trunk', undefined, t0);
    store.calls.ended(call, 'abandoned', { arrivedAt: t0 }, t0 + 7000);
    store.calls.ended(call, 'overflow', { arrivedAt: t0 }, t0 + 9000);
    const [log] = store.calls.recent(1);
    assert.equal(log!.outcome, 'abandoned');
    assert.equal(log!.waitMs, 7000);
    assert.equal(log!.talkMs, null);
  });

  it('closes calls a stopped switchboard left in progress', () => {
    store.calls.arrived('ghi@trunk', '123', Date.now());
    assert.equal(store.calls.closeOrphans(Date.now()), 1);
    assert.equal(store.calls.recent(1)[0]!.outcome, 'abandoned');
  });
});

describe('call log with background WAL checkpoints', () => {
  it('keeps every write across close and reopen', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'calls-ckpt-'));
    try {
      const store = openStore(dir);
      store.checkpointInBackground({ onError: (message) => assert.fail(message) });
      for (let i = 0; i < 50; i++) {
        const id = store.calls.arrived(`ckpt-${i}`, '0123', Date.parse('2026-01-01T10:00:00Z') + i);
        store.calls.ended(id, 'abandoned', { arrivedAt: Date.parse('2026-01-01T10:00:00Z') + i }, Date.parse('2026-01-01T10:00:01Z') + i);
      }
      // Let the worker start and run at least one checkpoint (no timing is asserted).
      await new Promise((resolve) => setTimeout(resolve, 700));
      store.close();
      const again = openStore(dir);
      try {
        const recent = again.calls.recent(100);
        assert.equal(recent.length, 50);
        assert.ok(recent.every((c) => c.outcome === 'abandoned'));
      } finally {
        again.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
