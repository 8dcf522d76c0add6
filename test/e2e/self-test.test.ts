// `*60` end to end: a registered phone (SIPp) dials the self-test and the
// switchboard answers with music, measured as real RTP on a UDP socket.
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { after, before, describe, it } from 'node:test';
import { MULAW_DECODE } from '../../source/media/index.js';
import { freePort } from './support/ports.js';
import { registerPhone, startPbx, type PbxProcess } from './support/pbx.js';
import { assertSippPassed, runSipp } from './support/sipp.js';

describe('the *60 phone self-test', () => {
  let pbx: PbxProcess;
  before(async () => {
    pbx = await startPbx(['--options-ping', '3600']);
    assert.equal(pbx.admin('phone', 'add', '204', '--password', 'telefon-204').code, 0);
  });
  after(async () => {
    await pbx.stop();
  });

  it('answers a registered phone and plays audible music until it hangs up', async () => {
    await registerPhone(pbx.sipPort, await freePort(), '204', 'telefon-204');
    const rtp = dgram.createSocket('udp4');
    await new Promise<void>((r) => rtp.bind(0, '127.0.0.1', () => r()));
    let packets = 0;
    let sumSquares = 0;
    let samples = 0;
    rtp.on('message', (buf) => {
      if (buf.length < 12 || buf[0]! >> 6 !== 2 || (buf[1]! & 0x7f) !== 0) return;
      packets++;
      for (let i = 12; i < buf.length; i++) {
        const s = MULAW_DECODE[buf[i]!]! / 32768;
        sumSquares += s * s;
        samples++;
      }
    });
    try {
      const result = await runSipp({
        scenario: 'uac-self-test.xml',
        remote: `127.0.0.1:${pbx.sipPort}`,
        service: '*60',
        keys: { rtp_port: String(rtp.address().port), extension: '204' },
        extraArgs: ['-d', '2000'],
      });
      assertSippPassed(result);
    } finally {
      rtp.close();
    }
    // 2 s of 20 ms frames is about 100 packets; allow for start-up.
    assert.ok(packets >= 60, `only ${packets} RTP packets arrived`);
    const dbfs = 10 * Math.log10(sumSquares / samples);
    assert.ok(dbfs > -40, `music level ${dbfs.toFixed(1)} dBFS is silence`);
  });

  it('refuses *60 from a phone that is not registered', async () => {
    const result = await runSipp({
      scenario: 'uac-invite-expect-403.xml',
      remote: `127.0.0.1:${pbx.sipPort}`,
      service: '*60',
    });
    assertSippPassed(result);
  });
});
