// The main screen against a real console API: the station header, the live
// queue at 80×24 with 0, 1 and 200 callers, the call in progress, the
// missed-calls pause, ringing, the disconnected banner and the keys.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { people, type TestApi, type TestUser } from '../api/support.js';
import { eventually } from '../e2e/support/wait.js';
import { dora, keys, renderConsole, startConsoleApi, waitingCallers } from './support.js';

let api: TestApi;
before(async () => (api = await startConsoleApi()));
after(() => api.close());

async function signedIn(user: TestUser, o: { extension?: string; language?: 'pl' | 'en'; on?: TestApi } = {}) {
  const on = o.on ?? api;
  const { token } = await on.login(user);
  const console = renderConsole({ server: on.api.url, language: o.language ?? 'en', settings: { token, login: user.login, ...(o.extension !== undefined && { extension: o.extension }) } });
  return console;
}

const lines = (frame: string) => frame.split('\n');

describe('main screen', () => {
  test('shows the station, its phone, paused and connected; r makes it ready and eligible', async () => {
    api.registrations.set('201', 'registered');
    const console = await signedIn(people.anna, { extension: '201' });
    try {
      await console.see(/Station 201 · Anna Nowak\s+connected\nphone registered · PAUSED \(break\)/);
      await console.press('r');
      await console.see('READY');
      await eventually(() => api.board.station('201')?.eligibility.eligible === true, 5000, 'station 201 to be eligible');
      await console.press('r');
      await console.see('PAUSED (break)');
      await eventually(() => api.board.station('201')?.eligibility.eligible === false, 5000, 'station 201 to be paused');
    } finally {
      console.close();
    }
  });

  test('an empty queue says nobody is waiting', async () => {
    api.api.publishQueue([]);
    const console = await signedIn(people.anna, { extension: '201' });
    try {
      await console.see('Queue (0)');
      await console.see('Nobody is waiting.');
    } finally {
      console.close();
    }
  });

  test('one caller shows position, number, waiting time and where it rings', async () => {
    const console = await signedIn(people.anna, { extension: '201' });
    try {
      api.api.publishQueue([{ id: 'c1', from: '+48 600 700 800', waitingSince: Date.now() - 75_000, ringing: ['202'] }]);
      await console.see(/Queue \(1\)/);
      await console.see(/ 1\. \+48 600 700 800\s+01:1\d\s+ringing: 202/);
      api.api.publishQueue([{ id: 'c1', from: null, waitingSince: Date.now() - 5_000, ringing: [] }]);
      await console.see(/ 1\. withheld number\s+00:0\d\s+waiting/);
    } finally {
      console.close();
    }
  });

  test('200 callers fit 80×24 with "+N more", and more rows show when the terminal grows', async () => {
    const console = await signedIn(people.anna, { extension: '201' });
    try {
      api.api.publishQueue(waitingCallers(200));
      const small = await console.see('Queue (200)');
      const more = Number(/\+(\d+) more/.exec(small)?.[1]);
      assert.ok(more > 150, `most callers are counted, not listed: ${more}`);
      assert.ok(lines(small).length < 24, `the frame fits 24 rows: ${lines(small).length}`);
      assert.ok(lines(small).every((line) => line.length <= 80), 'no line is wider than 80 columns');
      assert.match(small, / 1\. \+48 600 100000/);
      console.resize(100, 40);
      const big = await console.see((frame) => Number(/\+(\d+) more/.exec(frame)?.[1]) < more);
      assert.ok(lines(big).length < 40);
      assert.equal(Number(/\+(\d+) more/.exec(big)?.[1]) + (big.match(/^\s*\d+\. /gm)?.length ?? 0), 200, 'listed plus counted is everyone');
    } finally {
      console.close();
      api.api.publishQueue([]);
    }
  });

  test('the call in progress shows the passenger, the talk time and the recording mark', async () => {
    const console = await signedIn(people.anna, { extension: '201' });
    try {
      await console.see('No call.');
      api.board.setInCall('201', { kind: 'passenger', peer: '+48 601 222 333', callerId: 'c9', since: Date.now() - 65_000, recording: true });
      await console.see(/\+48 601 222 333 \(passenger\)\s*\n.*01:0\d ● RECORDING/);
      api.board.setInCall('201', false);
      await console.see('No call.');
    } finally {
      console.close();
    }
  });

  test('while paused, 1-4 say why: every console sees the reason, and r makes the station ready again', async () => {
    api.registrations.set('201', 'registered');
    const console = await signedIn(people.anna, { extension: '201' });
    try {
      await console.see('Pause reason: 1 break · 2 paperwork · 3 training · 4 meeting');
      await console.press('3');
      await console.see('PAUSED (training)');
      await eventually(() => api.board.station('201')?.pauseReason === 'training', 5000, 'the switchboard to hold the reason');
      await console.press('r');
      await console.see('READY');
      await console.see((frame) => !frame.includes('Pause reason:'), 'no reason keys while ready');
      // Ready: the digits do nothing.
      await console.press('2');
      await console.press('r');
      await console.see('PAUSED (break)');
      assert.equal(api.board.station('201')?.pauseReason, 'break');
    } finally {
      console.close();
    }
  });

  test('the automatic missed-calls pause is shown in words', async () => {
    const console = await signedIn(people.anna, { extension: '201', language: 'pl' });
    try {
      await console.press('r');
      await console.see('GOTOWY');
      api.board.pause('201', 'missed-calls');
      await console.see('PRZERWA (nieodebrane połączenia)');
    } finally {
      console.close();
    }
  });

  test('a caller offered to this station rings: banner and one bell', async () => {
    const console = await signedIn(people.anna, { extension: '201' });
    try {
      await console.see('PAUSED');
      api.api.publishQueue([{ id: 'r1', from: '+48 602 000 111', waitingSince: Date.now(), ringing: ['201'] }]);
      await console.see('RINGING! Passenger +48 602 000 111 — pick up the phone.');
      await eventually(() => console.bells.count === 1, 2000, 'the bell');
      api.api.publishQueue([{ id: 'r1', from: '+48 602 000 111', waitingSince: Date.now() - 1000, ringing: ['201'] }]);
      await console.see(/00:0\d/);
      assert.equal(console.bells.count, 1, 'the same offer rings once');
      api.api.publishQueue([]);
      await console.see((frame) => !frame.includes('RINGING'));
    } finally {
      console.close();
    }
  });

  test('the other stations are listed with their state', async () => {
    api.registrations.set('202', 'registered');
    const other = await signedIn(people.bartek, { extension: '202' });
    const console = await signedIn(people.anna, { extension: '201' });
    try {
      await other.see('PAUSED');
      await other.press('r');
      await console.see(/202\s+Bartek Kowa\S*\s+can take calls/);
      await other.press('r');
      await console.see(/202\s+Bartek Kowa\S*\s+paused: break/);
    } finally {
      console.close();
      other.close();
    }
  });

  test('a station without an extension asks for one, or for an administrator', async () => {
    const manager = await signedIn(dora);
    const dispatcher = await signedIn(people.bartek);
    try {
      await manager.see('This station has no phone number. Set it in the configuration (c).');
      await dispatcher.see('Ask someone with the configure permission.');
    } finally {
      manager.close();
      dispatcher.close();
    }
  });

  test('a station held by another console is refused, and t takes it over', async () => {
    const first = await signedIn(people.anna, { extension: '201' });
    try {
      await first.see('PAUSED');
      const second = await signedIn(people.bartek, { extension: '201' });
      try {
        await second.see('Station 201 is held by Anna Nowak. t: take over');
        await second.press('t');
        await second.see((f) => f.includes('Bartek Kowalski') && f.includes('PAUSED') && !f.includes('held by'));
        await first.see('Another console took this station (Bartek Kowalski).');
      } finally {
        second.close();
      }
    } finally {
      first.close();
    }
  });

  test('q releases the station at once and leaves', async () => {
    const console = await signedIn(people.anna, { extension: '201' });
    await console.see('PAUSED');
    await console.press('r');
    await console.see('READY');
    await console.press('q');
    await eventually(() => api.board.station('201')?.session === undefined, 5000, 'station 201 to be released');
    assert.equal(api.board.station('201')?.eligibility.eligible, false);
    console.close();
  });

  test('Ctrl+C quits like q, releasing the station', async () => {
    const console = await signedIn(people.anna, { extension: '201' });
    await console.see('PAUSED');
    await eventually(() => api.board.station('201')?.session !== undefined, 5000, 'station 201 to be held');
    await console.press('\x03');
    await eventually(() => api.board.station('201')?.session === undefined, 5000, 'station 201 to be released');
    console.close();
  });

  test('l releases the station, logs out and forgets the token', async () => {
    const console = await signedIn(people.anna, { extension: '201' });
    await console.see('PAUSED');
    const token = console.settings.read().token!;
    await console.press('l');
    await console.see('Log in');
    assert.equal(api.board.station('201')?.session, undefined);
    assert.equal(console.settings.read().token, undefined);
    const stillValid = await fetch(`${api.api.url}/api/phones`, { headers: { Authorization: `Bearer ${token}` } });
    assert.equal(stillValid.status, 401, 'the switchboard forgot the token too');
    console.close();
  });

  test('the switchboard going away shows the disconnected banner; it reconnects by itself', async () => {
    const own = await startConsoleApi();
    const console = await signedIn(people.anna, { extension: '201', on: own });
    try {
      await console.see(/connected$/m);
      await own.api.close();
      await console.see(/No connection to the switchboard — retrying/);
      await console.see(/disconnected$/m);
    } finally {
      console.close();
      own.board.close();
    }
  });

  test('a stored token the switchboard no longer accepts leads back to the login screen', async () => {
    const console = renderConsole({ server: api.api.url, settings: { token: 'forgotten-token', login: 'anna', extension: '201' } });
    try {
      await console.see('Your session has ended. Log in again.');
      assert.equal(console.settings.read().token, undefined);
    } finally {
      console.close();
    }
  });
});

describe('keys that open other screens', () => {
  test('c opens the configuration, Esc goes back', async () => {
    const console = await signedIn(people.anna, { extension: '201' });
    try {
      await console.see('Queue');
      await console.press('c');
      await console.see('Dispatcher configuration');
      await console.press(keys.escape);
      await console.see('Queue');
    } finally {
      console.close();
    }
  });
});
