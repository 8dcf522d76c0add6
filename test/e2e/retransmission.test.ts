// Lost UDP packets are recovered by the server's transaction layer. The SIPp
// peers run with -nr (no retransmission handling of their own) and drop the
// first copy of a message on purpose: each call can only complete if the
// server retransmitted that message (RFC 3261 timers G and A).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { connectApp, SWITCHBOARD_SDP } from './support/app.js';
import { startServerUnderTest, type ServerUnderTest } from './support/server-under-test.js';
import { assertSippPassed, messageAt, runSipp, startSippUas } from './support/sipp.js';
import { deferred, within } from './support/wait.js';

describe('lost UDP packets', () => {
  let server: ServerUnderTest;
  before(async () => {
    server = await startServerUnderTest();
  });
  after(async () => {
    await server?.close();
  });

  it("retransmits the app's 200 OK until the caller ACKs it", async () => {
    const acked = deferred<void>();
    const app = await connectApp(server.control, (srf) => {
      srf.invite(async (req, res) => {
        const dialog = await srf.createUAS(req, res, { localSdp: SWITCHBOARD_SDP });
        dialog.on('ack', () => acked.resolve());
      });
    });
    try {
      const caller = await runSipp({
        scenario: 'uac-call-lose-first-200.xml',
        remote: server.hostport,
        transport: 'u1',
        extraArgs: ['-nr'],
      });
      assertSippPassed(caller);
      // #4 is the 200 the caller ignored, #5 the retransmission it ACKed.
      assert.equal(messageAt(caller, 4).count, 1);
      assert.equal(messageAt(caller, 5).count, 1);
      await within(acked.promise, 3_000, 'the app to see the ACK of the retransmitted 200');
    } finally {
      await app.disconnect();
    }
  });

  it("retransmits the app's INVITE until the phone answers it", async () => {
    const phone = await startSippUas({ scenario: 'uas-lose-first-invite.xml', transport: 'u1', extraArgs: ['-nr'] });
    const app = await connectApp(server.control);
    try {
      const dialog = await within(
        app.srf.createUAC(phone.uri('driver'), { localSdp: SWITCHBOARD_SDP }),
        5_000,
        'the call to be answered after the INVITE was retransmitted',
      );
      await new Promise<void>((resolve, reject) => dialog.destroy(undefined, (err) => (err ? reject(err) : resolve())));
      const result = await phone.done;
      assertSippPassed(result);
      // #0 is the INVITE the phone ignored, #1 the retransmission it answered.
      assert.equal(messageAt(result, 0).count, 1);
      assert.equal(messageAt(result, 1).count, 1);
    } finally {
      await app.disconnect();
      await phone.stop();
    }
  });
});
