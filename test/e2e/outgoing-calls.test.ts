// The app calls out (srf.createUAC) to a SIPp phone through the server:
// answered and hung up by the app, answered and hung up by the phone,
// re-INVITE from the app, and a busy phone whose 486 the server must ACK.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type Srf from 'drachtio-srf';
import { connectApp, SWITCHBOARD_SDP } from './support/app.js';
import { startServerUnderTest, type ServerUnderTest } from './support/server-under-test.js';
import { assertSippPassed, startSippUas, TRANSPORTS } from './support/sipp.js';
import { deferred, within } from './support/wait.js';

const isConnected = (dialog: Srf.Dialog) => (dialog as unknown as { connected: boolean }).connected;

describe('outgoing calls made by the app', () => {
  let server: ServerUnderTest;
  before(async () => {
    server = await startServerUnderTest();
  });
  after(async () => {
    await server?.close();
  });

  for (const { name, sipp } of TRANSPORTS) {
    it(`calls a phone, gets a dialog and hangs up over ${name}`, async () => {
      const phone = await startSippUas({ scenario: 'uas-answer-expect-bye.xml', transport: sipp });
      const app = await connectApp(server.control);
      try {
        const dialog = await within(
          app.srf.createUAC(phone.uri('driver'), { localSdp: SWITCHBOARD_SDP }),
          5_000,
          'the call to be answered',
        );
        assert.match(dialog.remote.sdp, /^o=driver 2002 1 /m, "the app should get the phone's SDP answer");
        assert.ok(dialog.sip.callId && dialog.sip.localTag && dialog.sip.remoteTag, 'the dialog should be identified');
        await new Promise<void>((resolve, reject) =>
          dialog.destroy(undefined, (err) => (err ? reject(err) : resolve())),
        );
        assertSippPassed(await phone.done);
      } finally {
        await app.disconnect();
        await phone.stop();
      }
    });

    it(`sees the phone hang up a call the app made over ${name}`, async () => {
      const phone = await startSippUas({ scenario: 'uas-answer-then-bye.xml', transport: sipp });
      const app = await connectApp(server.control);
      try {
        const dialog = await within(
          app.srf.createUAC(phone.uri('driver'), { localSdp: SWITCHBOARD_SDP }),
          5_000,
          'the call to be answered',
        );
        const hungUp = deferred<void>();
        if (!isConnected(dialog)) hungUp.resolve();
        else dialog.on('destroy', () => hungUp.resolve());
        await within(hungUp.promise, 3_000, "the app's dialog to emit 'destroy' after the phone's BYE");
        assertSippPassed(await phone.done);
      } finally {
        await app.disconnect();
        await phone.stop();
      }
    });

    it(`re-INVITEs the phone with dialog.modify() over ${name}`, async () => {
      const phone = await startSippUas({ scenario: 'uas-answer-reinvite.xml', transport: sipp });
      const app = await connectApp(server.control);
      try {
        const dialog = await within(
          app.srf.createUAC(phone.uri('driver'), { localSdp: SWITCHBOARD_SDP }),
          5_000,
          'the call to be answered',
        );
        const answer = await within(
          dialog.modify(SWITCHBOARD_SDP.replace('3003 1', '3003 2').replace('a=sendrecv', 'a=sendonly')),
          5_000,
          'the re-INVITE to be answered',
        );
        assert.match(answer, /^o=driver 2002 2 /m, "modify() should resolve with the phone's new SDP");
        assert.match(answer, /^a=recvonly/m);
        await new Promise<void>((resolve, reject) =>
          dialog.destroy(undefined, (err) => (err ? reject(err) : resolve())),
        );
        assertSippPassed(await phone.done);
      } finally {
        await app.disconnect();
        await phone.stop();
      }
    });

    it(`cancels its own call while the phone rings over ${name}`, async () => {
      const phone = await startSippUas({ scenario: 'uas-ring-expect-cancel.xml', transport: sipp });
      const app = await connectApp(server.control);
      try {
        let invite: Srf.SrfRequest | undefined;
        const failure = await within(
          app.srf
            .createUAC(
              phone.uri('driver'),
              { localSdp: SWITCHBOARD_SDP },
              {
                // drachtio-srf calls it as (err, req), unlike its typings say.
                cbRequest: ((err: Error | null, req: Srf.SrfRequest) => {
                  if (!err) invite = req;
                }) as unknown as (req: Srf.SrfRequest) => void,
                // The offer rang long enough: withdraw it (ring timeout in the switchboard).
                cbProvisional: (res) => {
                  if (res.status === 180) invite!.cancel(() => {});
                },
              },
            )
            .then(
              () => assert.fail('the call should have been cancelled'),
              (err: unknown) => err,
            ),
          5_000,
          'the cancelled call to fail',
        );
        assert.equal((failure as Error & { status?: number }).status, 487, String(failure));
        // The phone's scenario needs the CANCEL, then the ACK for its 487.
        assertSippPassed(await phone.done);
      } finally {
        await app.disconnect();
        await phone.stop();
      }
    });

    it(`reports a busy phone's 486 to the app and ACKs it by itself over ${name}`, async () => {
      const phone = await startSippUas({ scenario: 'uas-reject-486.xml', transport: sipp });
      const app = await connectApp(server.control);
      try {
        const failure = await within(
          app.srf.createUAC(phone.uri('driver'), { localSdp: SWITCHBOARD_SDP }).then(
            () => assert.fail('the call should have been rejected'),
            (err: unknown) => err,
          ),
          5_000,
          'the call to be rejected',
        );
        assert.ok(failure instanceof Error, `expected a SipError, got ${String(failure)}`);
        assert.equal((failure as Error & { status?: number }).status, 486, String(failure));
        // The phone's scenario only completes when the 486 was ACKed.
        assertSippPassed(await phone.done);
      } finally {
        await app.disconnect();
        await phone.stop();
      }
    });
  }
});
