// Consoles holding stations over a real WebSocket: binding, refusals and
// takeovers, ready and pause, what every console is told about every station,
// and the liveness rule: a console that is cut off or goes silent stops its
// station being eligible within the lease plus one second.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, before, describe, test } from 'node:test';
import WebSocket from 'ws';
import { closeCodes, type StationState } from '../../source/api/messages.js';
import { maxMessageBytes } from '../../source/api/server.js';
import { ConsoleSocket, people, startApi, type TestApi, type TestUser } from './support.js';

async function openConsole(api: TestApi, user: TestUser): Promise<ConsoleSocket> {
  const { token } = await api.login(user);
  return ConsoleSocket.open(api.api, token);
}

function stationIn(stations: StationState[], extension: string): StationState | undefined {
  return stations.find((s) => s.extension === extension);
}

describe('opening the WebSocket', () => {
  let api: TestApi;
  before(async () => (api = await startApi()));
  after(() => api.close());

  async function refusedStatus(url: string, headers: Record<string, string> = {}): Promise<number> {
    const ws = new WebSocket(url, { headers });
    ws.on('error', () => {}); // the refusal itself, reported once more when we hang up
    const [, res] = (await once(ws, 'unexpected-response')) as [unknown, { statusCode: number }];
    ws.terminate();
    return res.statusCode;
  }

  test('a WebSocket without a token is refused with 401', async () => {
    assert.equal(await refusedStatus(`${api.api.url.replace('http', 'ws')}/ws`), 401);
  });

  test('a WebSocket with a made-up token is refused with 401', async () => {
    assert.equal(await refusedStatus(`${api.api.url.replace('http', 'ws')}/ws?token=forged`), 401);
  });

  test('a WebSocket on another path is refused with 404', async () => {
    const { token } = await api.login(people.anna);
    assert.equal(await refusedStatus(`${api.api.url.replace('http', 'ws')}/elsewhere?token=${token}`), 404);
  });

  test('the token may come in an Authorization header instead', async () => {
    const { token } = await api.login(people.anna);
    const ws = new WebSocket(`${api.api.url.replace('http', 'ws')}/ws`, { headers: { Authorization: `Bearer ${token}` } });
    // Listening before 'open': the welcome may come in the same packet as the handshake.
    const [data] = (await once(ws, 'message')) as [Buffer];
    assert.equal(JSON.parse(data.toString()).type, 'welcome');
    ws.close();
    await once(ws, 'close');
  });

  test('a new connection is welcomed with the user, lease and heartbeat interval, then all stations and the queue', async () => {
    const { token } = await api.login(people.anna);
    const console = await ConsoleSocket.open(api.api, token);
    assert.deepEqual(console.welcome, {
      type: 'welcome',
      user: { login: 'anna', displayName: 'Anna Nowak', roles: ['dispatcher'] },
      leaseMs: 3000,
      heartbeatMs: 1000,
    });
    assert.deepEqual(await console.next('stations'), { type: 'stations', stations: [] });
    assert.deepEqual(await console.next('queue'), { type: 'queue', callers: [] });
    await console.close();
  });

  test('logging out closes the consoles opened with that token', async () => {
    const { token } = await api.login(people.anna);
    const console = await ConsoleSocket.open(api.api, token);
    await fetch(`${api.api.url}/api/logout`, { method: 'POST', headers: { Authorization: `Bearer ${token}` } });
    assert.equal((await console.closed).code, closeCodes.sessionEnded);
  });
});

describe('binding a station', () => {
  let api: TestApi;
  before(async () => (api = await startApi()));
  after(() => api.close());

  test('binding an extension that exists gives the station, starting paused', async () => {
    const anna = await openConsole(api, people.anna);
    anna.send({ type: 'bind', extension: '201' });
    const { station } = await anna.next('bound');
    assert.equal(station.extension, '201');
    assert.deepEqual(station.console, { login: 'anna', displayName: 'Anna Nowak', alive: true });
    assert.equal(station.eligible, false);
    assert.equal(station.reason, 'paused');
    await anna.close();
  });

  test('binding an extension no phone has is refused as unknown-extension', async () => {
    const anna = await openConsole(api, people.anna);
    anna.send({ type: 'bind', extension: '999' });
    assert.deepEqual(await anna.next('refused'), { type: 'refused', extension: '999', reason: 'unknown-extension' });
    await anna.close();
  });

  test('a user without the dispatcher role cannot hold a station', async () => {
    const celina = await openConsole(api, people.celina);
    celina.send({ type: 'bind', extension: '201' });
    assert.equal((await celina.next('refused')).reason, 'not-a-dispatcher');
    await celina.close();
  });

  test('a second console is refused a station another console holds, and told who holds it', async () => {
    const anna = await openConsole(api, people.anna);
    const bartek = await openConsole(api, people.bartek);
    anna.send({ type: 'bind', extension: '201' });
    await anna.next('bound');
    bartek.send({ type: 'bind', extension: '201' });
    assert.deepEqual(await bartek.next('refused'), {
      type: 'refused',
      extension: '201',
      reason: 'taken',
      heldBy: { login: 'anna', displayName: 'Anna Nowak' },
    });
    await Promise.all([anna.close(), bartek.close()]);
  });

  test('a takeover moves the station to the new console; the old one is told and closed', async () => {
    const anna = await openConsole(api, people.anna);
    const bartek = await openConsole(api, people.bartek);
    anna.send({ type: 'bind', extension: '202' });
    await anna.next('bound');
    bartek.send({ type: 'bind', extension: '202', takeover: true });
    const { station } = await bartek.next('bound');
    assert.equal(station.console?.login, 'bartek');
    assert.deepEqual(await anna.next('taken-over'), {
      type: 'taken-over',
      extension: '202',
      by: { login: 'bartek', displayName: 'Bartek Kowalski' },
    });
    assert.equal((await anna.closed).code, closeCodes.takenOver);
    // The old console's connection closing must not free the new holder's station.
    const later = await bartek.next('stations', (m) => stationIn(m.stations, '202')?.console?.login === 'bartek');
    assert.equal(stationIn(later.stations, '202')?.console?.login, 'bartek');
    await bartek.close();
  });

  test('closing the console frees its station at once', async () => {
    const anna = await openConsole(api, people.anna);
    const watcher = await openConsole(api, people.bartek);
    anna.send({ type: 'bind', extension: '201' });
    await anna.next('bound');
    await watcher.next('stations', (m) => stationIn(m.stations, '201')?.console?.login === 'anna');
    await anna.close();
    const update = await watcher.next('stations', (m) => stationIn(m.stations, '201')?.console === null);
    assert.equal(stationIn(update.stations, '201')?.reason, 'no-console');
    await watcher.close();
  });

  test('a console moving to another station keeps its old one when the new one is taken', async () => {
    const anna = await openConsole(api, people.anna);
    const bartek = await openConsole(api, people.bartek);
    anna.send({ type: 'bind', extension: '201' });
    await anna.next('bound');
    bartek.send({ type: 'bind', extension: '202' });
    await bartek.next('bound');

    anna.send({ type: 'bind', extension: '202' });
    assert.equal((await anna.next('refused')).reason, 'taken');
    assert.equal(api.board.station('201')?.session?.login, 'anna');

    await bartek.close();
    await anna.next('stations', (m) => stationIn(m.stations, '202')?.console === null);
    anna.send({ type: 'bind', extension: '202' });
    await anna.next('bound');
    assert.equal(api.board.station('201')?.session, undefined, 'the old station is let go');
    assert.equal(api.board.station('202')?.session?.login, 'anna');
    await anna.close();
  });

  test('unbind gives the station up and is confirmed', async () => {
    const anna = await openConsole(api, people.anna);
    anna.send({ type: 'bind', extension: '201' });
    await anna.next('bound');
    anna.send({ type: 'unbind' });
    assert.deepEqual(await anna.next('unbound'), { type: 'unbound', extension: '201' });
    anna.send({ type: 'ready' });
    assert.equal((await anna.next('error')).code, 'not-bound');
    await anna.close();
  });
});

describe('ready and pause', () => {
  let api: TestApi;
  before(async () => (api = await startApi()));
  after(() => api.close());

  test('a ready console with a registered phone is eligible; a pause with a reason makes it not', async () => {
    const anna = await openConsole(api, people.anna);
    const watcher = await openConsole(api, people.bartek);
    anna.send({ type: 'bind', extension: '201' });
    await anna.next('bound');

    anna.send({ type: 'ready' });
    let own = await anna.next('station', (m) => m.station.ready);
    assert.equal(own.station.reason, 'not-registered');

    api.registrations.set('201', 'registered');
    own = await anna.next('station', (m) => m.station.registration === 'registered');
    assert.equal(own.station.eligible, true);
    await watcher.next('stations', (m) => stationIn(m.stations, '201')?.eligible === true);

    anna.send({ type: 'pause', reason: 'coffee' });
    own = await anna.next('station', (m) => !m.station.ready);
    assert.equal(own.station.pauseReason, 'coffee');
    assert.equal(own.station.reason, 'paused');
    const seen = await watcher.next('stations', (m) => stationIn(m.stations, '201')?.ready === false);
    assert.equal(stationIn(seen.stations, '201')?.pauseReason, 'coffee');

    anna.send({ type: 'ready' });
    own = await anna.next('station', (m) => m.station.ready);
    assert.equal(own.station.eligible, true);
    assert.equal(own.station.pauseReason, null);
    await Promise.all([anna.close(), watcher.close()]);
  });

  test('a registration change for the bound extension is pushed to its console', async () => {
    const anna = await openConsole(api, people.anna);
    anna.send({ type: 'bind', extension: '202' });
    await anna.next('bound');
    api.registrations.set('202', 'unreachable');
    const { station } = await anna.next('station', (m) => m.station.registration === 'unreachable');
    assert.equal(station.extension, '202');
    api.registrations.set('202', 'none');
    await anna.next('station', (m) => m.station.registration === 'none');
    await anna.close();
  });

  test('ready, pause and heartbeat before binding are errors', async () => {
    const anna = await openConsole(api, people.anna);
    for (const message of [{ type: 'ready' }, { type: 'pause', reason: 'x' }, { type: 'heartbeat' }] as const) {
      anna.send(message);
      assert.equal((await anna.next('error')).code, 'not-bound');
    }
    await anna.close();
  });
});

describe('liveness: a station whose console is gone stops being eligible within the lease plus one second', () => {
  const leaseMs = 600;
  let api: TestApi;
  before(async () => (api = await startApi({ leaseMs })));
  after(() => api.close());

  async function eligibleStation(user: TestUser, extension: string) {
    const console = await openConsole(api, user);
    const watcher = await openConsole(api, people.celina);
    api.registrations.set(extension, 'registered');
    console.startHeartbeats();
    console.send({ type: 'bind', extension });
    await console.next('bound');
    console.send({ type: 'ready' });
    await watcher.next('stations', (m) => stationIn(m.stations, extension)?.eligible === true);
    return { console, watcher };
  }

  test('heartbeats keep a station eligible past its lease', async () => {
    const { console, watcher } = await eligibleStation(people.anna, '201');
    await new Promise((resolve) => setTimeout(resolve, leaseMs * 3));
    assert.equal(api.board.eligibility('201').eligible, true);
    await Promise.all([console.close(), watcher.close()]);
  });

  test('a console whose connection is cut', async () => {
    const { console, watcher } = await eligibleStation(people.anna, '201');
    const cutAt = Date.now();
    console.ws.terminate();
    const seen = await watcher.next('stations', (m) => stationIn(m.stations, '201')?.eligible === false, leaseMs + 1000);
    assert.ok(Date.now() - cutAt <= leaseMs + 1000);
    assert.match(stationIn(seen.stations, '201')?.reason ?? '', /^(no-console|lease-expired)$/);
    await watcher.close();
  });

  test('a console that goes silent with its connection open', async () => {
    const { console, watcher } = await eligibleStation(people.bartek, '202');
    console.stopHeartbeats();
    const silentFrom = Date.now();
    const seen = await watcher.next('stations', (m) => stationIn(m.stations, '202')?.eligible === false, leaseMs + 1000);
    assert.ok(Date.now() - silentFrom <= leaseMs + 1000);
    assert.equal(stationIn(seen.stations, '202')?.reason, 'lease-expired');
    assert.equal(stationIn(seen.stations, '202')?.console?.alive, false);
    const own = await console.next('station', (m) => m.station.reason === 'lease-expired');
    assert.equal(own.station.console?.alive, false, 'the console itself is told its lease lapsed');

    // Talking again revives it: the console was only quiet.
    console.send({ type: 'heartbeat' });
    await watcher.next('stations', (m) => stationIn(m.stations, '202')?.eligible === true);
    await Promise.all([console.close(), watcher.close()]);
  });

  test('a silent console gives way to another console without a takeover', async () => {
    const { console: silent, watcher } = await eligibleStation(people.anna, '201');
    silent.stopHeartbeats();
    await watcher.next('stations', (m) => stationIn(m.stations, '201')?.reason === 'lease-expired', leaseMs + 1000);
    const bartek = await openConsole(api, people.bartek);
    bartek.send({ type: 'bind', extension: '201' });
    await bartek.next('bound');
    await silent.next('taken-over');
    await Promise.all([bartek.close(), watcher.close(), silent.closed]);
  });
});

describe('bad input from a console', () => {
  let api: TestApi;
  before(async () => (api = await startApi()));
  after(() => api.close());

  test('bad JSON, unknown types, bad fields and binary frames get errors and the connection keeps serving', async () => {
    const anna = await openConsole(api, people.anna);
    anna.sendRaw('{"type":');
    assert.equal((await anna.next('error')).code, 'bad-json');
    anna.send({ type: 'dial', number: '112' });
    assert.equal((await anna.next('error')).code, 'unknown-type');
    anna.send({ type: 'bind', extension: 201 });
    assert.equal((await anna.next('error')).code, 'bad-message');
    anna.sendRaw(Buffer.from([1, 2, 3]));
    assert.equal((await anna.next('error')).code, 'bad-message');
    anna.send({ type: 'bind', extension: '201' });
    assert.equal((await anna.next('bound')).station.extension, '201');
    await anna.close();
  });

  test('an oversized frame closes that connection with 1009; the server keeps serving others', async () => {
    const anna = await openConsole(api, people.anna);
    const bartek = await openConsole(api, people.bartek);
    anna.sendRaw(JSON.stringify({ type: 'pause', reason: 'x'.repeat(maxMessageBytes) }));
    assert.equal((await anna.closed).code, 1009);
    bartek.send({ type: 'bind', extension: '202' });
    assert.equal((await bartek.next('bound')).station.extension, '202');
    const again = await openConsole(api, people.anna);
    again.send({ type: 'bind', extension: '201' });
    await again.next('bound');
    assert.equal((await fetch(`${api.api.url}/health`)).status, 200);
    await Promise.all([bartek.close(), again.close()]);
  });
});
