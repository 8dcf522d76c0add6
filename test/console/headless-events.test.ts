// What a kiosk logs for a sequence of console states: one event per change
// that matters, none for changes that do not.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ServerMessage } from '../../source/api/messages.js';
import { initialState, reduce, type ConsoleEvent, type ConsoleState } from '../../source/console/client/state.js';
import { describeChanges } from '../../source/console/headless/events.js';
import { station } from './fixtures.js';

const server = (message: ServerMessage): ConsoleEvent => ({ type: 'server', message });

/** The events logged along a sequence of console events, by name (or with fields when asked). */
function logged(events: ConsoleEvent[], start: ConsoleState = initialState('201', true), now = 100_000) {
  const out: Array<Record<string, unknown>> = [];
  let state = start;
  for (const event of events) {
    const next = reduce(state, event);
    out.push(...describeChanges(state, next, now));
    state = next;
  }
  return out;
}
const names = (events: Array<Record<string, unknown>>) => events.map((e) => e.event);

describe('headless events', () => {
  test('connecting, binding and becoming ready', () => {
    assert.deepEqual(
      names(
        logged([
          { type: 'opened' },
          server({ type: 'welcome', user: { login: 'kiosk', displayName: 'Kiosk', roles: ['dispatcher'] }, leaseMs: 3000, heartbeatMs: 1000 }),
          server({ type: 'bound', station: station('201', { console: { login: 'kiosk', displayName: 'Kiosk', alive: true }, reason: 'paused' }) }),
          server({ type: 'station', station: station('201', { ready: true, eligible: true, reason: null }) }),
        ]),
      ),
      ['connected', 'welcome', 'bound', 'paused', 'registration', 'eligible', 'ready', 'eligible'],
    );
  });

  test('a drop and each failed retry, with the wait before the next', () => {
    const events = logged([{ type: 'opened' }, { type: 'closed', attempt: 1, retryAt: 100_250 }, { type: 'connecting', attempt: 1 }, { type: 'closed', attempt: 2, retryAt: 100_500 }]);
    assert.deepEqual(names(events), ['connected', 'disconnected', 'reconnecting', 'disconnected']);
    assert.deepEqual([events[1]!.retryInMs, events[3]!.retryInMs], [250, 500]);
  });

  test('queue changes are logged when callers come, go or ring; not as time passes', () => {
    const caller = { id: 'c1', from: '+48 600', waitingSince: 1, ringing: [] as string[] };
    const bound = reduce(initialState('201', true), server({ type: 'bound', station: station('201') }));
    const events = logged(
      [
        server({ type: 'queue', callers: [caller] }),
        server({ type: 'queue', callers: [{ ...caller }] }),
        server({ type: 'queue', callers: [{ ...caller, ringing: ['201'] }] }),
        server({ type: 'queue', callers: [] }),
      ],
      bound,
    );
    assert.deepEqual(names(events), ['queue', 'queue', 'ringing', 'queue']);
    assert.deepEqual(events[2], { event: 'ringing', callerId: 'c1', from: '+48 600', extension: '201' });
  });

  test('a call starts and ends with its length', () => {
    const bound = reduce(initialState('201', true), server({ type: 'bound', station: station('201') }));
    const call = { kind: 'passenger' as const, peer: '+48 601', since: 40_000, recording: true };
    const events = logged(
      [server({ type: 'station', station: station('201', { call, inCall: true }) }), server({ type: 'station', station: station('201', { call: null }) })],
      bound,
    );
    assert.deepEqual(events.map((e) => [e.event, e.seconds]), [['call-started', undefined], ['call-ended', 60]]);
  });

  test('other stations are logged when what they show changes', () => {
    const events = logged([
      server({ type: 'stations', stations: [station('201'), station('202')] }),
      server({ type: 'stations', stations: [station('201'), station('202')] }),
      server({ type: 'stations', stations: [station('201'), station('202', { ready: true, eligible: true, reason: null })] }),
    ]);
    assert.deepEqual(events.map((e) => [e.event, e.extension, e.eligible]), [['station', '202', false], ['station', '202', true]]);
  });

  test('errors, refusals and a session that ended', () => {
    const events = logged([
      server({ type: 'error', code: 'bad-message', message: 'nope' }),
      server({ type: 'refused', extension: '201', reason: 'unknown-extension' }),
      { type: 'session-ended' },
    ]);
    assert.deepEqual(names(events), ['error', 'refused', 'session-ended']);
  });
});
