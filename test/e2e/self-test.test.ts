// `*60` end to end: a phone (SIPp) dials the self-test, proves its password
// to the 407 challenge, and the switchboard answers with music, measured as
// real RTP on a UDP socket. Without credentials the call is challenged, with
// a wrong password refused, and failed INVITEs count towards the same
// per-address lockout as failed REGISTERs.
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { after, before, describe, it } from 'node:test';
import { MULAW_DECODE } from '../../source/media/index.js';
import { startPbx, type PbxProcess } from './support/pbx.js';
import { assertSippPassed, messageAt, runSipp, type SippOptions, type SippResult } from './support/sipp.js';

/**
 * SIPp as phone `extension` dialling `number` at `remote`, answering a 407
 * with `password` when the scenario does. SIPp's digest uri is
 * remote_ip:remote_port unless told otherwise; a phone puts the request-URI
 * there, and the switchboard checks it is that (RFC 7616 3.4.6).
 */
function asPhone(extension: string, password: string | undefined, number: string, remote: string, o: { rtpPort?: number; extraArgs?: string[] } = {}): Partial<SippOptions> {
  return {
    remote,
    service: number,
    keys: { rtp_port: String(o.rtpPort ?? 40000), extension },
    extraArgs: [...(password === undefined ? [] : ['-au', extension, '-ap', password, '-auth_uri', `${number}@${remote}`]), ...(o.extraArgs ?? [])],
  };
}

/** The Proxy-Authenticate header lines of the first 407 SIPp received. */
function proxyChallenges(result: SippResult): string[] {
  const head = /^SIP\/2\.0 407[^]*?\r?\n\r?\n/m.exec(result.messageLog)?.[0] ?? '';
  return head.split(/\r?\n/).filter((line) => /^Proxy-Authenticate:/i.test(line));
}

describe('the *60 phone self-test', () => {
  let pbx: PbxProcess;
  before(async () => {
    pbx = await startPbx(['--options-ping', '3600']);
    assert.equal(pbx.admin('phone', 'add', '204', '--password', 'telefon-204').code, 0);
  });
  after(async () => {
    await pbx.stop();
  });

  it('challenges the phone with 407, then answers it and plays audible music until it hangs up', async () => {
    // Not registered on purpose: the password on the INVITE is what says who calls.
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
        ...asPhone('204', 'telefon-204', '*60', `127.0.0.1:${pbx.sipPort}`, { rtpPort: rtp.address().port, extraArgs: ['-d', '2000'] }),
      });
      assertSippPassed(result);
      assert.equal(messageAt(result, 2).label, '407');
      assert.equal(messageAt(result, 2).count, 1, `the first INVITE is challenged once\n${result.explain()}`);
    } finally {
      rtp.close();
    }
    // 2 s of 20 ms frames is about 100 packets; allow for start-up.
    assert.ok(packets >= 60, `only ${packets} RTP packets arrived`);
    const dbfs = 10 * Math.log10(sumSquares / samples);
    assert.ok(dbfs > -40, `music level ${dbfs.toFixed(1)} dBFS is silence`);
    assert.match(pbx.output().stderr, /self-test call: playing test music/);
  });

  it('challenges *60 without credentials: 407 with one Proxy-Authenticate line per algorithm, ended by the ACK', async () => {
    const result = await runSipp({ scenario: 'uac-invite-expect-407.xml', ...asPhone('204', undefined, '*60', `127.0.0.1:${pbx.sipPort}`) });
    assertSippPassed(result);
    const challenges = proxyChallenges(result);
    assert.equal(challenges.length, 2, result.explain());
    assert.match(challenges[0]!, /^Proxy-Authenticate: Digest realm="[^"]+", nonce="[0-9a-f]+", algorithm=MD5, qop="auth"$/);
    assert.match(challenges[1]!, /algorithm=SHA-256/);
    // The ACK for the 407 reached the INVITE's server transaction: no 407 came again.
    assert.equal(messageAt(result, 2).retrans, 0, result.explain());
  });

  it('challenges a call to the queue number from a phone that is not a trunk', async () => {
    const result = await runSipp({ scenario: 'uac-invite-expect-407.xml', ...asPhone('204', undefined, '100', `127.0.0.1:${pbx.sipPort}`) });
    assertSippPassed(result);
  });

  it('refuses *60 with 403 to a wrong password and to an extension it does not know, and says why in the log', async () => {
    for (const [extension, password, reason] of [['204', 'zgadywanka', 'wrong password'], ['299', 'telefon-204', 'unknown extension']] as const) {
      const result = await runSipp({ scenario: 'uac-invite-digest-expect-403.xml', ...asPhone(extension, password, '*60', `127.0.0.1:${pbx.sipPort}`) });
      assertSippPassed(result);
      assert.match(pbx.output().stderr, new RegExp(`call refused: ${reason}`));
    }
    assert.equal(pbx.output().stderr.includes('zgadywanka'), false, 'passwords never reach the log');
  });
});

describe('one lockout for REGISTER and INVITE', () => {
  let pbx: PbxProcess;
  before(async () => {
    pbx = await startPbx(['--options-ping', '3600', '--auth-fail-limit', '2', '--auth-fail-window', '600']);
    assert.equal(pbx.admin('phone', 'add', '204', '--password', 'telefon-204').code, 0);
  });
  after(async () => {
    await pbx.stop();
  });

  it('refuses every INVITE from an address outright once REGISTER and INVITE guesses used up its tries', async () => {
    const remote = `127.0.0.1:${pbx.sipPort}`;
    const register = await runSipp({ scenario: 'registrar-wrong-password.xml', remote, service: '204', keys: { expires: '300' }, extraArgs: ['-au', '204', '-ap', 'zgadywanka'] });
    assertSippPassed(register);
    const invite = await runSipp({ scenario: 'uac-invite-digest-expect-403.xml', ...asPhone('204', 'zgadywanka', '*60', remote) });
    assertSippPassed(invite);
    // Two failures, one of each kind, and the limit is 2: no challenge any more, not even for *60.
    const locked = await runSipp({ scenario: 'uac-invite-expect-403.xml', remote, service: '*60' });
    assertSippPassed(locked);
    assert.match(pbx.output().stderr, /call refused: address locked out/);
  });
});
