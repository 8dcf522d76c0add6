// The drachtio control side of the embedded server, driven over a raw socket
// and by a real drachtio-srf app, with a raw UDP peer standing in for a phone.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import net from 'node:net';
import { once } from 'node:events';
import Srf from 'drachtio-srf';
import { createSipServer, type SipServer } from '../../source/sip-server/index.js';
import { parseMessage, type SipMessage } from '../../source/sip-server/message.js';

async function waitFor<T>(what: string, fn: () => T | undefined, ms = 5000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A raw control connection that collects the frames the server sends. */
async function rawControl(server: SipServer) {
  const socket = net.connect(server.control.port, server.control.address);
  await once(socket, 'connect');
  const frames: string[] = [];
  let pending = '';
  socket.on('data', (d) => {
    pending += d.toString('utf8');
    for (;;) {
      const hash = pending.indexOf('#');
      if (hash === -1) break;
      const len = Number(pending.slice(0, hash));
      if (pending.length < hash + 1 + len) break;
      frames.push(pending.slice(hash + 1, hash + 1 + len));
      pending = pending.slice(hash + 1 + len);
    }
  });
  const closed = once(socket, 'close').then(() => true);
  let isClosed = false;
  void closed.then(() => (isClosed = true));
  return {
    socket,
    frames,
    closed: () => isClosed,
    send(payload: string) {
      socket.write(`${Buffer.byteLength(payload)}#${payload}`);
    },
  };
}

/** A bare-bones phone on UDP: sends requests, collects responses. */
async function udpPhone() {
  const socket = dgram.createSocket('udp4');
  socket.bind(0, '127.0.0.1');
  await once(socket, 'listening');
  const port = socket.address().port;
  const received: SipMessage[] = [];
  socket.on('message', (buf) => received.push(parseMessage(buf)));
  return {
    port,
    received,
    invite(to: { address: string; port: number }, callId: string) {
      const text = [
        `INVITE sip:100@${to.address}:${to.port} SIP/2.0`,
        `Via: SIP/2.0/UDP 127.0.0.1:${port};branch=z9hG4bK-${callId};rport`,
        `From: <sip:48600100200@127.0.0.1>;tag=p-${callId}`,
        `To: <sip:100@${to.address}>`,
        `Call-ID: ${callId}`,
        'CSeq: 1 INVITE',
        `Contact: <sip:48600100200@127.0.0.1:${port}>`,
        'Max-Forwards: 70',
        'Content-Length: 0',
        '',
        '',
      ].join('\r\n');
      socket.send(text, to.port, to.address);
    },
    close: () => socket.close(),
  };
}

describe('control protocol of the embedded SIP server', () => {
  let server: SipServer;
  before(async () => {
    server = await createSipServer({ contacts: ['sip:127.0.0.1:0;transport=udp,tcp'], admin: { address: '127.0.0.1', port: 0 }, secret: 'cymru', t1: 100 });
  });
  after(async () => {
    await server.close();
  });

  it('refuses a wrong secret and disconnects the app', async () => {
    const c = await rawControl(server);
    c.send('a1|authenticate|wrong|');
    await waitFor('the refusal', () => c.frames[0]);
    assert.match(c.frames[0]!, /^[^|]+\|response\|a1\|NO\|incorrect secret$/);
    await waitFor('the disconnect', () => c.closed());
  });

  it('answers authenticate with the SIP hostports and a drachtio-style version', async () => {
    const c = await rawControl(server);
    c.send('a2|authenticate|cymru|tag1');
    await waitFor('the answer', () => c.frames[0]);
    const fields = c.frames[0]!.split('|');
    assert.equal(fields[3], 'OK');
    const udp = server.endpoints.find((e) => e.transport === 'udp')!;
    assert.ok(fields[4]!.split(',').includes(`udp/127.0.0.1:${udp.port}`));
    assert.match(fields[5]!, /^v\d+\.\d+\.\d+/);
    c.send('p1|ping');
    c.send('r1|route|invite');
    c.send('x1|frobnicate');
    await waitFor('three answers', () => c.frames.length >= 4);
    assert.match(c.frames[1]!, /\|response\|p1\|OK\|pong$/);
    assert.match(c.frames[2]!, /\|response\|r1\|OK$/);
    assert.match(c.frames[3]!, /\|response\|x1\|NO\|Unknown message type$/);
    c.socket.destroy();
  });

  it('disconnects an app that sends a frame without a valid length', async () => {
    const c = await rawControl(server);
    c.socket.write('12x#garbage');
    await waitFor('the disconnect', () => c.closed());
    // The server still serves the next app.
    const d = await rawControl(server);
    d.send('a3|authenticate|cymru|');
    await waitFor('the answer', () => d.frames[0]);
    assert.match(d.frames[0]!, /\|OK\|/);
    d.socket.destroy();
  });

  it('answers 503 to an INVITE when no app routes invite', async () => {
    const phone = await udpPhone();
    const udp = server.endpoints.find((e) => e.transport === 'udp')!;
    phone.invite(udp, 'no-app-1');
    const final = await waitFor('a final response', () => phone.received.find((m) => m.status >= 200));
    assert.equal(final.status, 503);
    assert.ok(phone.received.some((m) => m.status === 100), 'expected 100 Trying first');
    phone.close();
  });

  it('answers 503 to calls its app left unanswered, and leaves no transaction behind', async () => {
    const srf = new Srf();
    srf.connect({ host: server.control.address, port: server.control.port, secret: 'cymru' });
    await once(srf, 'connect');
    let offered = 0;
    srf.invite(() => {
      offered++; // the app never answers: it is about to crash
    });
    const phone = await udpPhone();
    const udp = server.endpoints.find((e) => e.transport === 'udp')!;
    phone.invite(udp, 'orphan-1');
    await waitFor('the app to see the INVITE', () => offered === 1);
    assert.equal(phone.received.some((m) => m.status >= 200), false);
    srf.disconnect();
    const final = await waitFor('a final response', () => phone.received.find((m) => m.status >= 200));
    assert.equal(final.status, 503);
    phone.close();
    // Timer H (64*T1 = 6.4 s here) ends the server transaction once no ACK comes.
    await waitFor('transactions to drain', () => server.stats().serverTransactions === 0, 10_000);
    assert.equal(server.stats().apps, 0);
  });
});
