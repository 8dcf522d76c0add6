// The phone user agent against real peers: a real `dispatcher pbx` process
// (registrar with MD5 and SHA-256 digest, the *60 self-test), a SIPp
// registrar that verifies MD5 credentials itself, and another phone.
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { after, before, describe, it } from 'node:test';
import { PhoneAgent } from '../../source/phone/index.js';
import { freePort, LOOPBACK } from '../e2e/support/ports.js';
import { startPbx, type PbxProcess } from '../e2e/support/pbx.js';
import { assertSippPassed, startSippUas } from '../e2e/support/sipp.js';
import { eventually, within } from '../e2e/support/wait.js';

describe('the phone user agent', () => {
  let pbx: PbxProcess;
  let md5Pbx: PbxProcess;
  before(async () => {
    [pbx, md5Pbx] = await Promise.all([startPbx(['--options-ping', '3600']), startPbx(['--options-ping', '3600', '--digest-algorithms', 'MD5'])]);
    for (const p of [pbx, md5Pbx]) {
      assert.equal(p.admin('phone', 'add', '301', '--password', 'telefon-301').code, 0);
      assert.equal(p.admin('phone', 'add', '302', '--password', 'telefon-302').code, 0);
    }
  });
  after(async () => {
    await Promise.all([pbx?.stop(), md5Pbx?.stop()]);
  });

  it('registers with SHA-256 when the switchboard offers it beside MD5, and unregisters on stop', async () => {
    const phone = await PhoneAgent.start({ localAddress: LOOPBACK });
    try {
      const { outcome } = await phone.register({ server: { host: LOOPBACK, port: pbx.sipPort, transport: 'udp' }, extension: '301', password: 'telefon-301' });
      assert.equal(outcome.kind, 'registered', JSON.stringify(outcome));
      assert.equal(outcome.kind === 'registered' && outcome.algorithm, 'SHA-256');
      await eventually(() => /"extension":"301"[^\n]*extension registered/.test(pbx.output().stderr), 5000, 'the pbx to log the registration');
    } finally {
      await phone.stop();
    }
    await eventually(() => /"extension":"301"[^\n]*extension unregistered/.test(pbx.output().stderr), 5000, 'the pbx to log the unregistration');
  });

  it('registers with MD5 and qop=auth over TCP when MD5 is all the switchboard offers', async () => {
    const phone = await PhoneAgent.start({ localAddress: LOOPBACK });
    try {
      const { outcome } = await phone.register({ server: { host: LOOPBACK, port: md5Pbx.sipPort, transport: 'tcp' }, extension: '302', password: 'telefon-302' });
      assert.equal(outcome.kind, 'registered', JSON.stringify(outcome));
      assert.equal(outcome.kind === 'registered' && outcome.algorithm, 'MD5');
    } finally {
      await phone.stop();
    }
  });

  it('is refused with 403 for a wrong password', async () => {
    const phone = await PhoneAgent.start({ localAddress: LOOPBACK });
    try {
      const { outcome } = await phone.register({ server: { host: LOOPBACK, port: pbx.sipPort, transport: 'udp' }, extension: '302', password: 'not-the-password' });
      assert.deepEqual(outcome.kind === 'refused' && outcome.status, 403, JSON.stringify(outcome));
    } finally {
      await phone.stop();
    }
  });

  it('answers a SIPp registrar that checks MD5 credentials without qop', async () => {
    const registrar = await startSippUas({ scenario: 'uas-registrar-digest.xml', keys: { user: '401', password: 'upstream-secret' } });
    const phone = await PhoneAgent.start({ localAddress: LOOPBACK });
    try {
      const { outcome } = await phone.register({ server: { host: LOOPBACK, port: registrar.port, transport: 'udp' }, extension: '401', password: 'upstream-secret', expires: 60, answerTimeoutMs: 1500 });
      assert.equal(outcome.kind, 'registered', JSON.stringify(outcome));
      assert.equal(outcome.kind === 'registered' && outcome.expiresSeconds, 60);
    } finally {
      await phone.stop();
      await registrar.stop();
    }
  });

  it('says "no answer" when nothing answers its REGISTER', async () => {
    // A bound socket that never answers: the REGISTER goes nowhere else.
    const silent = dgram.createSocket('udp4');
    await new Promise<void>((r) => silent.bind(0, LOOPBACK, () => r()));
    const phone = await PhoneAgent.start({ localAddress: LOOPBACK });
    try {
      const { outcome } = await phone.register({ server: { host: LOOPBACK, port: silent.address().port, transport: 'udp' }, extension: '301', password: 'x', answerTimeoutMs: 1500 });
      assert.equal(outcome.kind, 'no-answer', JSON.stringify(outcome));
    } finally {
      await phone.stop();
      silent.close();
    }
  });

  it('dials *60, answers the 407 with its password, and hears the test music', async () => {
    const phone = await PhoneAgent.start({ localAddress: LOOPBACK });
    try {
      const server = { host: LOOPBACK, port: pbx.sipPort, transport: 'udp' as const };
      const { outcome } = await phone.register({ server, extension: '301', password: 'telefon-301' });
      assert.equal(outcome.kind, 'registered');
      const unproven = await phone.call(`sip:*60@${LOOPBACK}:${pbx.sipPort}`, { from: '301', ringTimeoutMs: 10_000 });
      assert.deepEqual([unproven.kind, (unproven as { status?: number }).status], ['failed', 407], 'a registration alone does not say who calls');
      const result = await phone.call(`sip:*60@${LOOPBACK}:${pbx.sipPort}`, { from: '301', ringTimeoutMs: 10_000, credentials: { username: '301', password: 'telefon-301' } });
      assert.equal(result.kind, 'answered', JSON.stringify(result));
      const call = (result as Extract<typeof result, { kind: 'answered' }>).call;
      await eventually(() => call.report().packetsReceived >= 50, 10_000, 'a second of music');
      const report = await call.hangUp();
      assert.equal(report.codec, 'PCMU');
      assert.equal(report.endedBy, 'local');
      assert.ok(report.level.rmsDbfs > -40, `music level ${report.level.rmsDbfs} dBFS`);
      assert.ok(report.level.audibleShare > 0.5, `audible share ${report.level.audibleShare}`);
      assert.ok(report.jitterMs >= 0 && report.lossPercent >= 0);
      assert.equal(phone.calls.size, 0);
    } finally {
      await phone.stop();
    }
  });

  it('takes a call from another phone, answers after ringing, talks and hangs up', async () => {
    const [a, b] = await Promise.all([PhoneAgent.start({ localAddress: LOOPBACK }), PhoneAgent.start({ localAddress: LOOPBACK })]);
    try {
      let heardFrom = '';
      b.onIncoming((invite) => {
        heardFrom = invite.from;
        invite.ringing();
        setTimeout(() => {
          void invite.answer('test').then((call) => {
            if (call) setTimeout(() => void call.hangUp(), 1500);
          });
        }, 200);
      });
      const result = await a.call(`sip:777@${LOOPBACK}:${b.sipPort}`, { from: '48600100200', sound: 'hold' });
      assert.equal(result.kind, 'answered', JSON.stringify(result));
      const report = await within((result as Extract<typeof result, { kind: 'answered' }>).call.ended, 10_000, 'the callee to hang up');
      assert.equal(heardFrom, '48600100200');
      assert.equal(report.endedBy, 'remote');
      assert.ok(report.packetsReceived > 20, `${report.packetsReceived} packets`);
      assert.ok(report.level.rmsDbfs > -40, `level ${report.level.rmsDbfs}`);
      assert.equal(report.packetsLost, 0);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });

  it('gets the final status of a call nobody takes', async () => {
    const [a, b] = await Promise.all([PhoneAgent.start({ localAddress: LOOPBACK }), PhoneAgent.start({ localAddress: LOOPBACK })]);
    try {
      b.onIncoming((invite) => invite.reject(486));
      const busy = await a.call(`sip:777@${LOOPBACK}:${b.sipPort}`, { from: '301' });
      assert.deepEqual(busy, { kind: 'failed', status: 486, reason: busy.kind === 'failed' ? busy.reason : '' });
      b.onIncoming((invite) => invite.ringing());
      const unanswered = await a.call(`sip:777@${LOOPBACK}:${b.sipPort}`, { from: '301', ringTimeoutMs: 500 });
      assert.equal(unanswered.kind, 'cancelled');
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });

  it('answers a 401 to its INVITE with credentials a SIPp callee checks, and hangs up with BYE', async () => {
    const callee = await startSippUas({ scenario: 'uas-invite-digest.xml', keys: { user: '301', password: 'telefon-301' } });
    const phone = await PhoneAgent.start({ localAddress: LOOPBACK });
    try {
      const result = await phone.call(callee.uri('callee'), { from: '301', credentials: { username: '301', password: 'telefon-301' } });
      assert.equal(result.kind, 'answered', JSON.stringify(result));
      const report = await (result as Extract<typeof result, { kind: 'answered' }>).call.hangUp();
      assert.equal(report.codec, 'PCMA');
      assertSippPassed(await within(callee.done, 10_000, 'SIPp to see the BYE'));
    } finally {
      await phone.stop();
      await callee.stop();
    }
  });

  it('reports a SIPp callee that refuses its credentials', async () => {
    const callee = await startSippUas({ scenario: 'uas-invite-digest.xml', keys: { user: '301', password: 'telefon-301' } });
    const phone = await PhoneAgent.start({ localAddress: LOOPBACK });
    try {
      const result = await phone.call(callee.uri('callee'), { from: '301', credentials: { username: '301', password: 'wrong' } });
      assert.equal(result.kind === 'failed' && result.status, 403, JSON.stringify(result));
    } finally {
      await phone.stop();
      await callee.stop();
    }
  });

  it('frees its SIP port when stopped', async () => {
    const port = await freePort();
    const phone = await PhoneAgent.start({ localAddress: LOOPBACK, sipPort: port });
    await phone.stop();
    const again = await PhoneAgent.start({ localAddress: LOOPBACK, sipPort: port });
    await again.stop();
  });
});
