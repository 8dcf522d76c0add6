// The console's WebSocket session against a real console API: it rebinds and
// restores readiness after the network drops or the switchboard restarts
// (which forgets every login token), notices a connection that went silent,
// and releases the station at once when stopped.
import assert from 'node:assert/strict';
import net from 'node:net';
import { WebSocketServer } from 'ws';
import { after, describe, test } from 'node:test';
import { logIn } from '../../source/console/client/api.js';
import { StationSession, type Relogin } from '../../source/console/client/session.js';
import { people, type TestApi } from '../api/support.js';
import { eventually } from '../e2e/support/wait.js';
import { startConsoleApi } from './support.js';

const fast = { firstMs: 50, maxMs: 300, jitter: 0 };
const cleanup: Array<() => Promise<unknown> | void> = [];
after(async () => {
  for (const step of cleanup.reverse()) await step();
});

/** A TCP relay in front of the API: it can cut every connection, or go silent like a dead network. */
async function relay(target: number) {
  const pairs = new Set<{ client: net.Socket; upstream: net.Socket; silent: boolean }>();
  const server = net.createServer((client) => {
    const upstream = net.connect(target, '127.0.0.1');
    const pair = { client, upstream, silent: false };
    pairs.add(pair);
    client.on('data', (chunk) => !pair.silent && upstream.write(chunk));
    upstream.on('data', (chunk) => !pair.silent && client.write(chunk));
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    get connections() {
      return pairs.size;
    },
    cut() {
      for (const { client, upstream } of pairs) {
        client.destroy();
        upstream.destroy();
      }
    },
    /** Existing connections stop carrying anything, without closing; new ones work. */
    goSilent() {
      const stuck = [...pairs];
      for (const pair of stuck) pair.silent = true;
      return () => {
        for (const { client, upstream } of stuck) {
          client.destroy();
          upstream.destroy();
        }
      };
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function passwordRelogin(server: string, login: string, password: string): Relogin {
  return async () => {
    const outcome = await logIn(server, login, password);
    if (outcome.ok) return { token: outcome.response.token };
    return outcome.reason === 'unreachable' ? { retry: true } : { refused: true };
  };
}

async function readyStation(api: TestApi, server: string, extension = '201') {
  api.registrations.set(extension, 'registered');
  const { token } = await api.login(people.anna);
  const tokens: string[] = [];
  const session = new StationSession({
    server,
    token,
    extension,
    ready: true,
    backoff: fast,
    relogin: passwordRelogin(server, people.anna.login, people.anna.password),
    onToken: (fresh) => tokens.push(fresh),
  });
  cleanup.push(() => session.stop());
  session.start();
  await eventually(() => api.board.station(extension)?.eligibility.eligible === true, 5000, `station ${extension} to be eligible`);
  return { session, tokens };
}

describe('console session', () => {
  test('after the network drops it binds again and is ready again, with the same token', async () => {
    const api = await startConsoleApi();
    cleanup.push(() => api.close());
    const line = await relay(api.api.port);
    cleanup.push(() => line.close());
    const { session, tokens } = await readyStation(api, line.url);
    const firstToken = session.token;

    line.cut();
    await eventually(() => session.getSnapshot().link.state === 'disconnected', 5000, 'the console to see the drop');
    await eventually(() => api.board.station('201')?.session === undefined, 5000, 'the switchboard to release the station');
    await eventually(() => api.board.station('201')?.eligibility.eligible === true, 5000, 'the station to be eligible again');
    assert.equal(session.getSnapshot().link.state, 'connected');
    assert.equal(session.token, firstToken);
    assert.deepEqual(tokens, [], 'no new login was needed');
  });

  test('a connection that goes silent is given up and made again', async () => {
    const api = await startConsoleApi({ leaseMs: 600 });
    cleanup.push(() => api.close());
    const line = await relay(api.api.port);
    cleanup.push(() => line.close());
    const { session } = await readyStation(api, line.url);
    const release = line.goSilent();
    cleanup.push(release);
    await eventually(() => session.getSnapshot().link.state !== 'connected', 10_000, 'the console to give up the silent connection');
    await eventually(() => session.getSnapshot().bound && api.board.station('201')?.eligibility.eligible === true, 10_000, 'the station to be eligible again');
  });

  test('after the switchboard restarts it logs in again, binds and is ready again', async () => {
    const first = await startConsoleApi();
    const port = first.api.port;
    const { session, tokens } = await readyStation(first, first.api.url);
    const oldToken = session.token;

    await first.close();
    await eventually(() => session.getSnapshot().link.state === 'disconnected', 5000, 'the console to see the switchboard gone');
    assert.equal(session.getSnapshot().bound, false);
    assert.equal(session.getSnapshot().wantReady, true, 'the dispatcher\'s choice is kept');

    const second = await startConsoleApi({ port });
    cleanup.push(() => second.close());
    second.registrations.set('201', 'registered');
    await eventually(() => second.board.station('201')?.eligibility.eligible === true, 10_000, 'the station to be eligible on the new switchboard');
    assert.notEqual(session.token, oldToken);
    assert.deepEqual(tokens, [session.token], 'the new token was handed out to be stored');
  });

  test('a token refused with no way to log in again ends the session instead of retrying', async () => {
    const api = await startConsoleApi();
    cleanup.push(() => api.close());
    const session = new StationSession({ server: api.api.url, token: 'not-a-token', extension: '201', ready: true, backoff: fast });
    cleanup.push(() => session.stop());
    session.start();
    await eventually(() => session.getSnapshot().sessionEnded, 5000, 'the session to end');
    assert.equal(session.getSnapshot().link.state, 'disconnected');
  });

  test('a paused station comes back paused after a reconnect', async () => {
    const api = await startConsoleApi();
    cleanup.push(() => api.close());
    const line = await relay(api.api.port);
    cleanup.push(() => line.close());
    const { session } = await readyStation(api, line.url);
    session.setReady(false);
    await eventually(() => api.board.station('201')?.ready === false, 5000, 'the station to be paused');
    line.cut();
    await eventually(() => session.getSnapshot().link.state === 'disconnected', 5000, 'the drop');
    await eventually(() => session.getSnapshot().bound, 5000, 'the station to be bound again');
    await eventually(() => api.board.station('201')?.pauseReason === 'break', 5000, 'the pause reason to be restored');
    assert.equal(api.board.station('201')?.ready, false);
  });

  test('stop releases the station before it resolves', async () => {
    const api = await startConsoleApi();
    cleanup.push(() => api.close());
    const { session } = await readyStation(api, api.api.url);
    await session.stop();
    assert.equal(api.board.station('201')?.session, undefined);
    assert.equal(api.board.station('201')?.eligibility.eligible, false);
  });

  test('garbled frames from a switchboard are dropped; the session carries on', async () => {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
    cleanup.push(() => new Promise<void>((resolve) => wss.close(() => resolve())));
    wss.on('connection', (ws) => {
      ws.send('not json at all');
      ws.send(Buffer.from([0xff, 0x00, 0x13]));
      ws.send('{"type":"queue","callers":"everyone"}');
      ws.send('{"type":"station","station":{"extension":201}}');
      ws.send('{"type":"welcome","user":{"login":"anna","displayName":"Anna","roles":["dispatcher"]},"leaseMs":3000,"heartbeatMs":"often"}');
      ws.send('{"type":"welcome","user":{"login":"anna","displayName":"Anna","roles":["dispatcher"]},"leaseMs":3000,"heartbeatMs":1000}');
      ws.send(JSON.stringify({ type: 'queue', callers: [{ id: 'c1', from: '+48 600', waitingSince: 1, ringing: [] }, { id: 7 }] }));
    });
    const { port } = wss.address() as net.AddressInfo;
    const session = new StationSession({ server: `http://127.0.0.1:${port}`, token: 't', extension: null, ready: false, backoff: fast });
    cleanup.push(() => session.stop());
    session.start();
    await eventually(() => session.getSnapshot().callers.length === 1, 5000, 'the valid queue');
    const state = session.getSnapshot();
    assert.equal(state.link.state, 'connected');
    assert.equal(state.heartbeatMs, 1000);
    assert.equal(state.callers[0]!.id, 'c1');
  });
});
