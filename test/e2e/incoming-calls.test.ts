// A SIPp passenger calls in; a drachtio-srf app is the answering side
// (srf.createUAS): busy rejection, answer and hang-up from either side,
// re-INVITE within the dialog, and BYE for a dialog that does not exist.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type Srf from 'drachtio-srf';
import { connectApp, SWITCHBOARD_SDP } from './support/app.js';
import { startServerUnderTest, type ServerUnderTest } from './support/server-under-test.js';
import { assertSippPassed, messageAt, runSipp, TRANSPORTS } from './support/sipp.js';
import { deferred, within } from './support/wait.js';

/** drachtio-srf sets `connected` on dialogs; its typings leave it out. */
const isConnected = (dialog: Srf.Dialog) => (dialog as unknown as { connected: boolean }).connected;

// drachtio-server 0.9.10 (seen side by side, 2026-11) neither answers the
// overlapping re-INVITE with 491 nor delivers the app's 200 for the first one;
// RFC 3261 14.2 asks for 491 and the embedded server gives it. Against a real
// server the test still runs, reported as a known divergence instead of a failure.
const glareDivergence = process.env.DRACHTIO_URL
  ? { todo: 'drachtio-server does not answer an overlapping re-INVITE with 491' }
  : {};

describe('incoming calls answered by the app', () => {
  let server: ServerUnderTest;
  before(async () => {
    server = await startServerUnderTest();
  });
  after(async () => {
    await server?.close();
  });

  for (const { name, sipp } of TRANSPORTS) {
    it(`rejects a call with 486 from the app and absorbs the caller's ACK over ${name}`, async () => {
      let invites = 0;
      const app = await connectApp(server.control, (srf) => {
        srf.invite((_req, res) => {
          invites++;
          res.send(486);
        });
      });
      try {
        const result = await runSipp({ scenario: 'uac-invite-expect-486.xml', remote: server.hostport, transport: sipp });
        assertSippPassed(result);
        assert.equal(invites, 1, 'the app should have been offered the INVITE once');
        // #3 is the 486: a repeat after the caller's ACK would mean the ACK did not reach the transaction.
        assert.equal(messageAt(result, 3).retrans, 0, `the server repeated the 486 after the ACK\n${result.explain()}`);
      } finally {
        await app.disconnect();
      }
    });

    it(`tells the app when the caller gives up while the call rings over ${name}`, async () => {
      const cancelled = deferred<void>();
      const app = await connectApp(server.control, (srf) => {
        srf.invite((req, res) => {
          // Ringing, no answer yet: the caller waits in the queue.
          res.send(180);
          req.on('cancel', () => cancelled.resolve());
        });
      });
      try {
        // The caller expects 200 to its CANCEL and 487 to the INVITE, and ACKs the 487.
        const result = await runSipp({ scenario: 'uac-call-cancel.xml', remote: server.hostport, transport: sipp });
        assertSippPassed(result);
        await within(cancelled.promise, 3_000, "the app's INVITE request to emit 'cancel'");
      } finally {
        await app.disconnect();
      }
    });

    it(`answers a call with the app's SDP and sees the caller hang up over ${name}`, async () => {
      const offer = deferred<string>();
      const hungUp = deferred<void>();
      const app = await connectApp(server.control, (srf) => {
        srf.invite(async (req, res) => {
          offer.resolve(req.body);
          const dialog = await srf.createUAS(req, res, { localSdp: SWITCHBOARD_SDP });
          if (!isConnected(dialog)) hungUp.resolve();
          else dialog.on('destroy', () => hungUp.resolve());
        });
      });
      try {
        const result = await runSipp({ scenario: 'uac-call-hangup.xml', remote: server.hostport, transport: sipp });
        assertSippPassed(result);
        assert.match(await offer.promise, /^o=passenger 1001 1 /m, "the app should get the caller's SDP offer");
        assert.match(result.messageLog, /o=switchboard 3003 1 /, "the caller should get the app's SDP answer");
        await within(hungUp.promise, 3_000, "the app's dialog to emit 'destroy' after the caller's BYE");
      } finally {
        await app.disconnect();
      }
    });

    it(`hangs up from the app with dialog.destroy() over ${name}`, async () => {
      const byeAnswered = deferred<number>();
      const app = await connectApp(server.control, (srf) => {
        srf.invite(async (req, res) => {
          const dialog = await srf.createUAS(req, res, { localSdp: SWITCHBOARD_SDP });
          dialog.on('ack', () => {
            dialog.destroy(undefined, (err) => {
              if (err) byeAnswered.reject(err);
              else byeAnswered.resolve(1);
            });
          });
        });
      });
      try {
        const result = await runSipp({ scenario: 'uac-call-expect-bye.xml', remote: server.hostport, transport: sipp });
        assertSippPassed(result);
        await within(byeAnswered.promise, 3_000, "the app's BYE to be answered");
      } finally {
        await app.disconnect();
      }
    });

    it(`lets the app answer a re-INVITE within the dialog over ${name}`, async () => {
      const reoffer = deferred<string>();
      const hungUp = deferred<void>();
      const app = await connectApp(server.control, (srf) => {
        srf.invite(async (req, res) => {
          const dialog = await srf.createUAS(req, res, { localSdp: SWITCHBOARD_SDP });
          dialog.on('modify', (reinvite, response) => {
            reoffer.resolve(reinvite.body);
            response.send(200, {
              body: SWITCHBOARD_SDP.replace('3003 1', '3003 2').replace('a=sendrecv', 'a=recvonly'),
              headers: { 'Content-Type': 'application/sdp' },
            });
          });
          dialog.on('destroy', () => hungUp.resolve());
        });
      });
      try {
        const result = await runSipp({ scenario: 'uac-call-reinvite.xml', remote: server.hostport, transport: sipp });
        assertSippPassed(result);
        const sdp = await reoffer.promise;
        assert.match(sdp, /^o=passenger 1001 2 /m, 'the app should see the new SDP version');
        assert.match(sdp, /^a=sendonly/m);
        assert.match(result.messageLog, /o=switchboard 3003 2 /, "the caller should get the app's new answer");
        await within(hungUp.promise, 3_000, "the app's dialog to end with the caller's BYE");
      } finally {
        await app.disconnect();
      }
    });

    it(`refuses a second re-INVITE with 491 while the app still answers the first over ${name}`, glareDivergence, async () => {
      const reoffers: string[] = [];
      const app = await connectApp(server.control, (srf) => {
        srf.invite((req, res) => {
          // The re-INVITEs follow the ACK at once, possibly in the same read of
          // the control connection: attach 'modify' in the callback, which runs
          // before the next frame is handled (an awaited promise would not).
          srf.createUAS(req, res, { localSdp: SWITCHBOARD_SDP }, (err, dialog) => {
            if (err) return;
            dialog.on('modify', (reinvite, response) => {
              reoffers.push(reinvite.body);
              // The app takes its time (say, asking the media engine); meanwhile
              // the caller's second re-INVITE must be refused by the server.
              setTimeout(() => {
                response.send(200, {
                  body: SWITCHBOARD_SDP.replace('3003 1', '3003 2').replace('a=sendrecv', 'a=recvonly'),
                  headers: { 'Content-Type': 'application/sdp' },
                });
              }, 600);
            });
          });
        });
      });
      try {
        const result = await runSipp({
          scenario: 'uac-call-reinvite-glare.xml',
          remote: server.hostport,
          transport: sipp,
          extraArgs: ['-pause_msg_ign'],
        });
        assertSippPassed(result);
        assert.equal(reoffers.length, 1, 'only the first re-INVITE should reach the app');
        assert.match(reoffers[0]!, /^o=passenger 1001 2 /m);
      } finally {
        await app.disconnect();
      }
    });

    it(`ends a call whose caller never ACKs the 200, with a BYE to both sides over ${name}`, async () => {
      const ended = deferred<void>();
      const app = await connectApp(server.control, (srf) => {
        srf.invite(async (req, res) => {
          const dialog = await srf.createUAS(req, res, { localSdp: SWITCHBOARD_SDP });
          if (!isConnected(dialog)) ended.resolve();
          else dialog.on('destroy', () => ended.resolve());
        });
      });
      try {
        // RFC 3261 13.3.1.4: no ACK within 64*T1 ends the dialog.
        const result = await runSipp({
          scenario: 'uac-call-never-ack.xml',
          remote: server.hostport,
          transport: sipp,
          timeoutMs: 64 * server.t1 + 10_000,
        });
        assertSippPassed(result);
        if (sipp === 'u1') {
          // #4 is the 200: over UDP it must have been retransmitted while no ACK came.
          assert.ok(messageAt(result, 4).retrans >= 1, `the 200 should have been retransmitted\n${result.explain()}`);
        }
        await within(ended.promise, 5_000, "the app's dialog to end after the missing ACK");
      } finally {
        await app.disconnect();
      }
    });

    it(`answers 481 to a BYE for an unknown dialog over ${name}`, async () => {
      let offered = 0;
      const app = await connectApp(server.control, (srf) => {
        srf.invite((_req, res) => {
          offered++;
          res.send(500);
        });
      });
      try {
        const result = await runSipp({ scenario: 'uac-bye-unknown-dialog.xml', remote: server.hostport, transport: sipp });
        assertSippPassed(result);
        assert.equal(offered, 0);
      } finally {
        await app.disconnect();
      }
    });
  }
});
