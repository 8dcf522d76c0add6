// Hostile and broken input on the SIP ports: random bytes, truncated and
// oversized messages, bad Content-Length, missing mandatory headers. The
// server must answer 400 where a response can be addressed (a parsable
// request line and Via), never offer broken messages to the app, never
// crash, and keep serving: every test ends with a real SIPp OPTIONS.
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { connectApp, type TestApp } from './support/app.js';
import { LOOPBACK } from './support/ports.js';
import { startServerUnderTest, type ServerUnderTest } from './support/server-under-test.js';
import { assertSippPassed, runSipp, type SippTransport } from './support/sipp.js';
import { eventually } from './support/wait.js';

/** Deterministic bytes (xorshift32), so a failing input can be replayed. */
function noise(seed: number, length: number): Buffer {
  const out = Buffer.alloc(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

let sequence = 0;

interface Probe {
  branch: string;
  callId: string;
  text: string;
}

/** A request as text; headers can be dropped or replaced to break it. */
function request(
  server: ServerUnderTest,
  local: { transport: 'UDP' | 'TCP'; port: number },
  opts: {
    method?: string;
    omit?: string[];
    contentLength?: string;
    body?: string;
    extra?: string[];
  } = {},
): Probe {
  const n = ++sequence;
  const method = opts.method ?? 'OPTIONS';
  const branch = `z9hG4bK-probe-${process.pid}-${n}`;
  const callId = `probe-${process.pid}-${n}@127.0.0.1`;
  const body = opts.body ?? '';
  const headers: Array<[string, string]> = [
    ['Via', `SIP/2.0/${local.transport} 127.0.0.1:${local.port};branch=${branch};rport`],
    ['From', `<sip:prober@127.0.0.1:${local.port}>;tag=p${n}`],
    ['To', `<sip:service@${server.hostport}>`],
    ['Call-ID', callId],
    ['CSeq', `1 ${method}`],
    ['Contact', `<sip:prober@127.0.0.1:${local.port};transport=${local.transport.toLowerCase()}>`],
    ['Max-Forwards', '70'],
  ];
  const lines = [`${method} sip:service@${server.hostport} SIP/2.0`];
  for (const [name, value] of headers) if (!opts.omit?.includes(name)) lines.push(`${name}: ${value}`);
  lines.push(...(opts.extra ?? []));
  if (body) lines.push('Content-Type: application/sdp');
  lines.push(`Content-Length: ${opts.contentLength ?? Buffer.byteLength(body)}`);
  return { branch, callId, text: `${lines.join('\r\n')}\r\n\r\n${body}` };
}

const statusOf = (response: string) => Number(/^SIP\/2\.0 (\d{3})/.exec(response)?.[1] ?? NaN);

/** A UDP socket on loopback that keeps every datagram it receives. */
async function udpPeer(): Promise<{ socket: dgram.Socket; port: number; received: string[]; close(): Promise<void> }> {
  const socket = dgram.createSocket('udp4');
  const received: string[] = [];
  socket.on('message', (msg) => received.push(msg.toString('latin1')));
  await new Promise<void>((resolve) => socket.bind(0, LOOPBACK, () => resolve()));
  return {
    socket,
    port: socket.address().port,
    received,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}

/** A TCP connection to the server that keeps everything it receives. */
async function tcpPeer(server: ServerUnderTest): Promise<{
  socket: net.Socket;
  port: number;
  received: () => string;
  closed: () => boolean;
  close(): void;
}> {
  const socket = net.connect({ host: server.sip.host, port: server.sip.port });
  let data = '';
  let closed = false;
  socket.on('data', (chunk) => {
    data += chunk.toString('latin1');
  });
  socket.on('error', () => {});
  socket.on('close', () => {
    closed = true;
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  return {
    socket,
    port: socket.localPort!,
    received: () => data,
    closed: () => closed,
    close: () => socket.destroy(),
  };
}

/** Responses in `stream` (UDP datagrams, or one TCP byte stream) for a branch. */
function responsesFor(stream: string[] | string, branch: string): string[] {
  const messages = typeof stream === 'string' ? stream.split(/(?=SIP\/2\.0 \d{3} )/) : stream;
  return messages.filter((m) => m.startsWith('SIP/2.0 ') && m.includes(branch));
}

describe('malformed and hostile input', () => {
  let server: ServerUnderTest;
  let app: TestApp;
  /** Call-IDs of every request the app was offered. */
  const offered: string[] = [];

  before(async () => {
    server = await startServerUnderTest();
    app = await connectApp(server.control, (srf) => {
      srf.use('options', (req, res) => {
        offered.push(req.get('Call-ID'));
        res.send(200);
      });
      srf.invite((req, res) => {
        offered.push(req.get('Call-ID'));
        res.send(480);
      });
    });
  });
  after(async () => {
    await app?.disconnect();
    await server?.close();
  });

  /** The proof of survival: a real SIPp OPTIONS still gets the app's 200. */
  async function stillServes(transport: SippTransport): Promise<void> {
    const result = await runSipp({ scenario: 'uac-options.xml', remote: server.hostport, transport });
    assertSippPassed(result);
    // SIPp's Call-IDs are <call number>-<pid>@<local ip> (its default -cid_str).
    assert.ok(offered.includes(`1-${result.pid}@127.0.0.1`), 'the app should have answered the OPTIONS');
    assert.deepEqual(app.errors, [], "the app's control connection should be unharmed");
  }

  it('ignores random bytes over UDP and keeps serving', async () => {
    const peer = await udpPeer();
    try {
      const junk = [
        noise(1, 1),
        noise(2, 17),
        noise(3, 512),
        noise(4, 1400),
        noise(5, 9000),
        Buffer.from('INVITE \0\0\0 SIP/2.0\r\n\r\n', 'latin1'),
        Buffer.concat([Buffer.from('SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 127.0.0.1:1;branch=z9hG4bKnobody\r\n'), noise(6, 64)]),
        Buffer.from('\r\n\r\n'),
      ];
      for (const datagram of junk) peer.socket.send(datagram, server.sip.port, server.sip.host);
      await stillServes('u1');
      const answers = peer.received.filter((m) => m.startsWith('SIP/2.0 '));
      assert.ok(answers.every((m) => statusOf(m) === 400), `only 400s may answer junk, got:\n${answers.join('\n---\n')}`);
    } finally {
      await peer.close();
    }
  });

  it('answers 400 to a request missing Call-ID over UDP', async () => {
    const peer = await udpPeer();
    try {
      const probe = request(server, { transport: 'UDP', port: peer.port }, { omit: ['Call-ID'] });
      peer.socket.send(probe.text, server.sip.port, server.sip.host);
      await eventually(() => responsesFor(peer.received, probe.branch).length > 0, 3_000, 'a response to the OPTIONS without Call-ID');
      const [response] = responsesFor(peer.received, probe.branch);
      assert.equal(statusOf(response!), 400, response);
      assert.match(response!, /^CSeq: 1 OPTIONS\r$/m, 'the 400 should echo the CSeq');
      await stillServes('u1');
    } finally {
      await peer.close();
    }
  });

  it('answers 400 to a request missing CSeq, From or To over UDP', async () => {
    const peer = await udpPeer();
    try {
      const probes = ['CSeq', 'From', 'To'].map((header) =>
        request(server, { transport: 'UDP', port: peer.port }, { omit: [header] }),
      );
      for (const probe of probes) peer.socket.send(probe.text, server.sip.port, server.sip.host);
      for (const probe of probes) {
        await eventually(() => responsesFor(peer.received, probe.branch).length > 0, 3_000, `a response to ${probe.callId}`);
        const [response] = responsesFor(peer.received, probe.branch);
        assert.equal(statusOf(response!), 400, response);
      }
      assert.ok(probes.every((p) => !offered.includes(p.callId)), 'broken requests must not reach the app');
      await stillServes('u1');
    } finally {
      await peer.close();
    }
  });

  it('answers 400 to a request with a non-numeric Content-Length over UDP', async () => {
    const peer = await udpPeer();
    try {
      const probe = request(server, { transport: 'UDP', port: peer.port }, { contentLength: 'twelve' });
      peer.socket.send(probe.text, server.sip.port, server.sip.host);
      await eventually(() => responsesFor(peer.received, probe.branch).length > 0, 3_000, 'a response to the bad Content-Length');
      assert.equal(statusOf(responsesFor(peer.received, probe.branch)[0]!), 400);
      assert.ok(!offered.includes(probe.callId), 'the broken request must not reach the app');
      await stillServes('u1');
    } finally {
      await peer.close();
    }
  });

  it('never offers the app a truncated INVITE or a body shorter than its Content-Length over UDP', async () => {
    const peer = await udpPeer();
    try {
      const sdp = 'v=0\r\no=prober 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0\r\n';
      const whole = request(server, { transport: 'UDP', port: peer.port }, { method: 'INVITE', body: sdp });
      // Cut in the middle of the headers: no blank line, no body.
      const truncated = { ...whole, text: whole.text.slice(0, whole.text.indexOf('CSeq:') + 7) };
      const shortBody = request(server, { transport: 'UDP', port: peer.port }, { method: 'INVITE', body: sdp, contentLength: '900' });
      peer.socket.send(truncated.text, server.sip.port, server.sip.host);
      peer.socket.send(shortBody.text, server.sip.port, server.sip.host);
      // The SIPp OPTIONS goes through the same server socket after both.
      await stillServes('u1');
      assert.ok(!offered.includes(truncated.callId), 'the truncated INVITE must not reach the app');
      assert.ok(!offered.includes(shortBody.callId), 'the INVITE with a short body must not reach the app');
      for (const probe of [truncated, shortBody]) {
        const answers = responsesFor(peer.received, probe.branch);
        assert.ok(answers.every((m) => statusOf(m) === 400), `only 400 may answer a broken INVITE, got:\n${answers.join('\n---\n')}`);
      }
    } finally {
      await peer.close();
    }
  });

  it('survives a 60 KB datagram and keeps serving', async () => {
    const peer = await udpPeer();
    try {
      const probe = request(server, { transport: 'UDP', port: peer.port }, { extra: [`X-Filler: ${'a'.repeat(60_000)}`] });
      peer.socket.send(probe.text, server.sip.port, server.sip.host);
      await stillServes('u1');
    } finally {
      await peer.close();
    }
  });

  it('closes or ignores a TCP connection that sends random bytes and keeps serving', async () => {
    const peer = await tcpPeer(server);
    try {
      peer.socket.write(noise(7, 4096));
      peer.socket.write(Buffer.from('\0\0\0\r\n\r\nREGISTER\r\n\r\n', 'latin1'));
      await stillServes('t1');
      const answers = responsesFor(peer.received(), 'SIP/2.0');
      assert.ok(answers.every((m) => statusOf(m) === 400), `only 400s may answer junk, got:\n${answers.join('\n---\n')}`);
    } finally {
      peer.close();
    }
  });

  it('answers 400 to a request missing Call-ID over TCP', async () => {
    const peer = await tcpPeer(server);
    try {
      const probe = request(server, { transport: 'TCP', port: peer.port }, { omit: ['Call-ID'] });
      peer.socket.write(probe.text);
      await eventually(() => responsesFor(peer.received(), probe.branch).length > 0, 3_000, 'a response to the OPTIONS without Call-ID');
      assert.equal(statusOf(responsesFor(peer.received(), probe.branch)[0]!), 400);
      await stillServes('t1');
    } finally {
      peer.close();
    }
  });

  it('survives a request with a 100 KB header over TCP and keeps serving', async () => {
    const peer = await tcpPeer(server);
    try {
      const probe = request(server, { transport: 'TCP', port: peer.port }, { extra: [`X-Filler: ${'b'.repeat(100_000)}`] });
      peer.socket.write(probe.text);
      // Whatever the server decides (answer, 4xx/5xx, close), it must go on serving.
      await eventually(
        () => peer.closed() || responsesFor(peer.received(), probe.branch).length > 0,
        5_000,
        'the server to answer or close the connection',
      );
      await stillServes('t1');
    } finally {
      peer.close();
    }
  });

  it('survives a TCP connection that ends in the middle of a body and keeps serving', async () => {
    const peer = await tcpPeer(server);
    try {
      const probe = request(server, { transport: 'TCP', port: peer.port }, { method: 'INVITE', body: 'v=0\r\n', contentLength: '5000' });
      peer.socket.end(probe.text);
      await eventually(() => peer.closed(), 5_000, 'the connection to close');
      await stillServes('t1');
      assert.ok(!offered.includes(probe.callId), 'the incomplete INVITE must not reach the app');
    } finally {
      peer.close();
    }
  });

  it('answers requests that share a TCP segment or arrive in pieces', async () => {
    const peer = await tcpPeer(server);
    try {
      const local = { transport: 'TCP' as const, port: peer.port };
      const [first, second, third] = [request(server, local), request(server, local), request(server, local)];
      peer.socket.write(first!.text + second!.text);
      const cut = Math.floor(third!.text.length / 2);
      peer.socket.write(third!.text.slice(0, cut));
      await delay(50);
      peer.socket.write(third!.text.slice(cut));
      for (const probe of [first!, second!, third!]) {
        await eventually(() => responsesFor(peer.received(), probe.branch).length > 0, 3_000, `the answer to ${probe.callId}`);
        assert.equal(statusOf(responsesFor(peer.received(), probe.branch)[0]!), 200);
        assert.ok(offered.includes(probe.callId));
      }
    } finally {
      peer.close();
    }
  });
});
