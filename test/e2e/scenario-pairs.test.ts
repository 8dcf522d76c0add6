// The SIPp scenarios are the specification the server is held to, so they
// must be right themselves: each caller scenario is played against its
// counterpart scenario directly, SIPp to SIPp, with no server in between.
// When one of these fails, fix the scenario, not the server.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  assertSippPassed,
  messageAt,
  onlyMessage,
  runSipp,
  startSippUas,
  TRANSPORTS,
  type SippOptions,
  type SippResult,
  type SippTransport,
} from './support/sipp.js';

async function playPair(
  transport: SippTransport,
  caller: Omit<SippOptions, 'remote' | 'transport'>,
  callee: Omit<SippOptions, 'remote' | 'transport'>,
): Promise<{ uac: SippResult; uas: SippResult }> {
  const peer = await startSippUas({ timeoutMs: 10_000, ...callee, transport });
  try {
    const uac = await runSipp({ timeoutMs: 10_000, ...caller, remote: peer.hostport, transport });
    const uas = await peer.done;
    return { uac, uas };
  } finally {
    await peer.stop();
  }
}

describe('scenario pairs played SIPp to SIPp', () => {
  for (const { name, sipp } of TRANSPORTS) {
    it(`uac-options gets 200 from uas-options over ${name}`, async () => {
      const { uac, uas } = await playPair(sipp, { scenario: 'uac-options.xml' }, { scenario: 'uas-options.xml' });
      assertSippPassed(uac);
      assertSippPassed(uas);
    });

    it(`uac-call-hangup and uas-answer-expect-bye complete a call over ${name}`, async () => {
      const { uac, uas } = await playPair(
        sipp,
        { scenario: 'uac-call-hangup.xml' },
        { scenario: 'uas-answer-expect-bye.xml' },
      );
      assertSippPassed(uac);
      assertSippPassed(uas);
    });

    it(`uac-call-expect-bye and uas-answer-then-bye complete a call over ${name}`, async () => {
      const { uac, uas } = await playPair(
        sipp,
        { scenario: 'uac-call-expect-bye.xml' },
        { scenario: 'uas-answer-then-bye.xml' },
      );
      assertSippPassed(uac);
      assertSippPassed(uas);
    });

    it(`uac-call-reinvite and uas-answer-reinvite complete a re-INVITE over ${name}`, async () => {
      const { uac, uas } = await playPair(
        sipp,
        { scenario: 'uac-call-reinvite.xml' },
        { scenario: 'uas-answer-reinvite.xml' },
      );
      assertSippPassed(uac);
      assertSippPassed(uas);
    });

    it(`uac-call-reinvite-glare gets 491 for its second re-INVITE from a stand-in over ${name}`, async () => {
      const { uac, uas } = await playPair(
        sipp,
        { scenario: 'uac-call-reinvite-glare.xml', extraArgs: ['-pause_msg_ign'] },
        { scenario: 'peers/uas-reinvite-glare.xml' },
      );
      assertSippPassed(uac);
      assertSippPassed(uas);
    });

    it(`uac-call-cancel and uas-ring-expect-cancel complete a CANCEL over ${name}`, async () => {
      const { uac, uas } = await playPair(
        sipp,
        { scenario: 'uac-call-cancel.xml' },
        { scenario: 'uas-ring-expect-cancel.xml' },
      );
      assertSippPassed(uac);
      assertSippPassed(uas);
    });

    it(`uac-bye-unknown-dialog gets 481 from a stand-in over ${name}`, async () => {
      const { uac, uas } = await playPair(
        sipp,
        { scenario: 'uac-bye-unknown-dialog.xml' },
        { scenario: 'peers/uas-bye-481.xml' },
      );
      assertSippPassed(uac);
      assertSippPassed(uas);
    });

    it(`uac-call-never-ack answers the BYE that follows its missing ACK over ${name}`, async () => {
      const { uac, uas } = await playPair(
        sipp,
        { scenario: 'uac-call-never-ack.xml' },
        { scenario: 'peers/uas-answer-no-ack-then-bye.xml' },
      );
      assertSippPassed(uac);
      assertSippPassed(uas);
      assert.equal(onlyMessage(uas, 'ACK').count, 0, `the caller must not ACK\n${uas.explain()}`);
    });

    it(`uac-register-digest is accepted by uas-registrar-digest over ${name}`, async () => {
      const { uac, uas } = await playPair(
        sipp,
        { scenario: 'uac-register-digest.xml', service: 'alice', extraArgs: ['-au', 'alice', '-ap', 'kierowca'] },
        { scenario: 'uas-registrar-digest.xml', keys: { user: 'alice', password: 'kierowca' } },
      );
      assertSippPassed(uac);
      assertSippPassed(uas);
      assert.equal(onlyMessage(uas, '200').count, 1, `registrar should have sent 200\n${uas.explain()}`);
    });

    it(`uac-register-wrong-password is refused by uas-registrar-digest over ${name}`, async () => {
      const { uac, uas } = await playPair(
        sipp,
        { scenario: 'uac-register-wrong-password.xml', service: 'alice', extraArgs: ['-au', 'alice', '-ap', 'zgadywanka'] },
        { scenario: 'uas-registrar-digest.xml', keys: { user: 'alice', password: 'kierowca' } },
      );
      assertSippPassed(uac);
      assertSippPassed(uas);
      assert.equal(onlyMessage(uas, '403').count, 1, `registrar should have sent 403\n${uas.explain()}`);
    });
  }

  // Over TCP the stand-in closes its connection as soon as it has the ACK,
  // which ends the caller's trailing pause early; the server keeps it open.
  it('uac-invite-expect-486 and uas-reject-486 complete a rejected call over UDP', async () => {
    const { uac, uas } = await playPair(
      'u1',
      { scenario: 'uac-invite-expect-486.xml' },
      { scenario: 'uas-reject-486.xml' },
    );
    assertSippPassed(uac);
    assertSippPassed(uas);
    assert.equal(messageAt(uac, 3).retrans, 0, `486 should not be repeated after the ACK\n${uac.explain()}`);
  });

  it('uac-call-lose-first-200 completes only thanks to a retransmitted 200 over UDP', async () => {
    const { uac, uas } = await playPair(
      'u1',
      { scenario: 'uac-call-lose-first-200.xml', extraArgs: ['-nr'] },
      { scenario: 'uas-answer-expect-bye.xml' },
    );
    assertSippPassed(uac);
    assertSippPassed(uas);
    assert.ok(messageAt(uas, 3).retrans >= 1, `the answerer should have retransmitted its 200\n${uas.explain()}`);
  });

  it('uas-lose-first-invite completes only thanks to a retransmitted INVITE over UDP', async () => {
    const { uac, uas } = await playPair(
      'u1',
      { scenario: 'uac-call-hangup.xml' },
      { scenario: 'uas-lose-first-invite.xml', extraArgs: ['-nr'] },
    );
    assertSippPassed(uac);
    assertSippPassed(uas);
    assert.ok(messageAt(uac, 0).retrans >= 1, `the caller should have retransmitted its INVITE\n${uac.explain()}`);
  });
});
