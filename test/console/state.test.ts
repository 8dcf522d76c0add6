// The console's state reducer and the switchboard message reader, as tables
// of events: no sockets, no clock.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { QueuedCaller, ServerMessage } from '../../source/api/messages.js';
import { reconnectDelay } from '../../source/console/client/backoff.js';
import { parseServerMessage } from '../../source/console/client/protocol.js';
import { initialState, reduce, ringingHere, type ConsoleEvent, type ConsoleState } from '../../source/console/client/state.js';
import { station } from './fixtures.js';


const server = (message: ServerMessage): ConsoleEvent => ({ type: 'server', message });
const run = (state: ConsoleState, ...events: ConsoleEvent[]) => events.reduce(reduce, state);
const caller = (id: string, ringing: string[] = []): QueuedCaller => ({ id, from: `+48 600 ${id}`, waitingSince: 1000, ringing });

describe('console state', () => {
  test('a welcome tells the console who it is and how often to heartbeat', () => {
    const state = run(initialState('201', true), { type: 'opened' }, server({ type: 'welcome', user: { login: 'ola', displayName: 'Ola', roles: ['dispatcher'] }, leaseMs: 3000, heartbeatMs: 1000 }));
    assert.equal(state.link.state, 'connected');
    assert.equal(state.user?.login, 'ola');
    assert.equal(state.heartbeatMs, 1000);
  });

  test('bound holds the station; a closed connection loses it but keeps the wish to be ready', () => {
    const bound = run(initialState('201', true), server({ type: 'bound', station: station('201') }));
    assert.equal(bound.bound, true);
    const closed = reduce(bound, { type: 'closed', attempt: 1, retryAt: 5000 });
    assert.equal(closed.bound, false);
    assert.equal(closed.wantReady, true);
    assert.deepEqual(closed.link, { state: 'disconnected', attempt: 1, retryAt: 5000 });
  });

  test('a bound for another extension than the one wanted is ignored', () => {
    const state = run(initialState('201', true), server({ type: 'bound', station: station('202') }));
    assert.equal(state.bound, false);
  });

  test('the switchboard pausing the station for missed calls drops the wish to be ready', () => {
    const state = run(
      initialState('201', true),
      server({ type: 'bound', station: station('201') }),
      server({ type: 'station', station: station('201', { ready: true, eligible: true, reason: null }) }),
      server({ type: 'station', station: station('201', { ready: false, pauseReason: 'missed-calls', reason: 'paused' }) }),
    );
    assert.equal(state.wantReady, false);
    assert.equal(state.station?.pauseReason, 'missed-calls');
  });

  test('a station update with another pause reason keeps the dispatcher\'s choice', () => {
    const state = run(initialState('201', true), server({ type: 'bound', station: station('201') }), server({ type: 'station', station: station('201', { pauseReason: null }) }));
    assert.equal(state.wantReady, true);
  });

  test('the stations broadcast refreshes the own station only while it is held', () => {
    const stations = [station('201', { ready: true }), station('202')];
    const unbound = run(initialState('201', true), server({ type: 'stations', stations }));
    assert.equal(unbound.station, null);
    assert.equal(unbound.stations.length, 2);
    const held = run(initialState('201', true), server({ type: 'bound', station: station('201') }), server({ type: 'stations', stations }));
    assert.equal(held.station?.ready, true);
  });

  test('a refusal says why and who holds the station', () => {
    const state = run(initialState('201', true), server({ type: 'refused', extension: '201', reason: 'taken', heldBy: { login: 'ela', displayName: 'Ela' } }));
    assert.deepEqual(state.refusal, { extension: '201', reason: 'taken', heldBy: { login: 'ela', displayName: 'Ela' } });
  });

  test('taken over and unbound release the station', () => {
    const bound = run(initialState('201', true), server({ type: 'bound', station: station('201') }));
    assert.equal(reduce(bound, server({ type: 'taken-over', extension: '201', by: { login: 'ela', displayName: 'Ela' } })).bound, false);
    assert.equal(reduce(bound, server({ type: 'unbound', extension: '201' })).bound, false);
  });

  test('only callers offered to this held station ring here', () => {
    const callers = [caller('1', ['202']), caller('2', ['201']), caller('3')];
    const waiting = run(initialState('201', true), server({ type: 'queue', callers }));
    assert.deepEqual(ringingHere(waiting), [], 'not bound yet');
    const bound = reduce(waiting, server({ type: 'bound', station: station('201') }));
    assert.deepEqual(ringingHere(bound).map((c) => c.id), ['2']);
  });

  test('choosing another extension forgets the old station', () => {
    const bound = run(initialState('201', true), server({ type: 'bound', station: station('201') }));
    const moved = reduce(bound, { type: 'choose-extension', extension: '202' });
    assert.equal(moved.extension, '202');
    assert.equal(moved.bound, false);
    assert.equal(moved.station, null);
  });

  test('a session ended stops retrying', () => {
    const state = reduce(initialState('201', true), { type: 'session-ended' });
    assert.equal(state.sessionEnded, true);
    assert.deepEqual(state.link, { state: 'disconnected', attempt: 0, retryAt: null });
  });
});

describe('reading switchboard messages', () => {
  test('well-formed messages are read', () => {
    assert.equal(parseServerMessage(JSON.stringify({ type: 'bound', station: station('201') }))?.type, 'bound');
    assert.equal(parseServerMessage(JSON.stringify({ type: 'unbound', extension: '201' }))?.type, 'unbound');
  });

  for (const [name, text] of [
    ['not JSON', '{nope'],
    ['an array', '[]'],
    ['no type', '{"station":{}}'],
    ['an unknown type', '{"type":"dance"}'],
    ['a station without an extension', JSON.stringify({ type: 'station', station: { ready: true } })],
    ['a welcome without a heartbeat', JSON.stringify({ type: 'welcome', user: { login: 'a', roles: [] }, leaseMs: 3000 })],
    ['a queue that is not a list', '{"type":"queue","callers":{}}'],
    ['a call without a start time', JSON.stringify({ type: 'station', station: station('201', { call: { kind: 'passenger', peer: '1' } as never }) })],
  ] as const) {
    test(`${name} is dropped`, () => assert.equal(parseServerMessage(text), undefined));
  }

  test('malformed entries of a list are dropped, the rest kept', () => {
    const message = parseServerMessage(JSON.stringify({ type: 'queue', callers: [caller('1'), { id: 2 }, null, caller('3')] }));
    assert.deepEqual(message?.type === 'queue' && message.callers.map((c) => c.id), ['1', '3']);
    const stations = parseServerMessage(JSON.stringify({ type: 'stations', stations: [station('201'), 'x'] }));
    assert.equal(stations?.type === 'stations' && stations.stations.length, 1);
  });
});

describe('reconnect delays', () => {
  test('double from the first delay up to the maximum', () => {
    const backoff = { firstMs: 100, maxMs: 1000, jitter: 0 };
    assert.deepEqual([1, 2, 3, 4, 5, 9].map((n) => reconnectDelay(n, backoff)), [100, 200, 400, 800, 1000, 1000]);
  });

  test('jitter only shortens a delay, by at most its share', () => {
    const backoff = { firstMs: 1000, maxMs: 1000, jitter: 0.2 };
    assert.equal(reconnectDelay(1, backoff, 0), 800);
    assert.equal(reconnectDelay(1, backoff, 0.999), 1000);
  });
});
