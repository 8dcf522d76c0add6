// The media engine against a foreign RTP stack: SIPp calls a bare SIP answerer
// in this test, which answers with an engine leg. SIPp plays its recorded
// A-law speech and a DTMF key (pcap) at the leg, and we check the leg heard
// speech and the key, and that the leg's own music goes to SIPp's media port.
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import { MediaEngine } from '../../source/media/engine.js';
import type { RtpEndpoint, DtmfEvent } from '../../source/media/endpoint.js';
import { SdpError } from '../../source/media/sdp.js';
import { freePort } from '../e2e/support/ports.js';
import { assertSippPassed, runSipp } from '../e2e/support/sipp.js';
import { testPortRange } from './support.js';

const scenario = fileURLToPath(new URL('./scenarios/uac-play-pcap.xml', import.meta.url));
const pcaps = existsSync('/usr/share/sip-tester/g711a.pcap');

/** Just enough of a SIP UAS for one call over UDP: 200 to INVITE (with our SDP), 200 to BYE. */
async function answerer(answer: (sdp: string) => string): Promise<{ port: number; close(): void }> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  socket.on('message', (msg, rinfo) => {
    const text = msg.toString('utf8');
    const [head = '', body = ''] = text.split('\r\n\r\n');
    const lines = head.split('\r\n');
    const method = lines[0]!.split(' ')[0];
    if (method !== 'INVITE' && method !== 'BYE') return;
    const header = (name: string) => lines.filter((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`));
    let status = '200 OK';
    let sdp = '';
    if (method === 'INVITE') {
      try {
        sdp = answer(body);
      } catch (err) {
        if (!(err instanceof SdpError)) throw err;
        status = '488 Not Acceptable Here';
      }
    }
    const to = header('To')[0]!;
    const response = [
      `SIP/2.0 ${status}`,
      ...header('Via'),
      ...header('From'),
      method === 'INVITE' && !/;tag=/.test(to) ? `${to};tag=media-test` : to,
      ...header('Call-ID'),
      ...header('CSeq'),
      `Contact: <sip:media@127.0.0.1:${socket.address().port}>`,
      ...(sdp ? ['Content-Type: application/sdp'] : []),
      `Content-Length: ${Buffer.byteLength(sdp)}`,
      '',
      sdp,
    ].join('\r\n');
    socket.send(response, rinfo.port, rinfo.address);
  });
  return { port: socket.address().port, close: () => socket.close() };
}

describe('the media engine with SIPp as the phone', { skip: !pcaps && 'SIPp pcap files not installed' }, () => {
  const engine = new MediaEngine({ ports: testPortRange() });
  after(() => engine.close());

  it("hears SIPp's recorded A-law speech and its RFC 4733 key, and sends music back", async () => {
    await engine.start();
    let leg: RtpEndpoint | undefined;
    const keys: DtmfEvent[] = [];
    let heardSpeech = -120;
    let sampler: NodeJS.Timeout | undefined;
    const sip = await answerer((offer) => {
      const answered = engine.answer(offer);
      leg = answered.endpoint;
      leg.on('dtmf', (d) => keys.push(d));
      engine.play(leg, 'hold', { loop: true });
      // The meter holds the last 200 ms: sample it while SIPp speaks.
      sampler = setInterval(() => (heardSpeech = Math.max(heardSpeech, leg!.level().rmsDbfs)), 50);
      return answered.localSdp;
    });
    const mediaPort = await freePort();
    try {
      const result = await runSipp({
        scenario,
        remote: `127.0.0.1:${sip.port}`,
        extraArgs: ['-mi', '127.0.0.1', '-mp', String(mediaPort)],
        timeoutMs: 15_000,
      });
      assertSippPassed(result);
    } finally {
      clearInterval(sampler);
      sip.close();
    }
    assert.ok(leg, 'SIPp called');
    const stats = leg.stats();
    assert.equal(stats.codec, 'PCMA');
    assert.ok(stats.packetsIn >= 60, `${stats.packetsIn} packets from SIPp`);
    assert.ok(heardSpeech > -40, `speech at ${heardSpeech} dBFS`);
    assert.deepEqual(keys.map((k) => k.digit), ['1']);
    assert.ok(stats.packetsOut >= 60, `${stats.packetsOut} packets of music to SIPp`);
    assert.equal(stats.latched, true);
    assert.deepEqual(stats.sendingTo, { address: '127.0.0.1', port: mediaPort });
  });
});
