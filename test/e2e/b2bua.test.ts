// The switchboard's core move: a passenger (SIPp UAC) calls in, the app bridges
// the call to a driver's phone (SIPp UAS) with srf.createB2BUA. Hang-ups
// propagate both ways because the app links the two dialogs itself, and a
// passenger giving up while the phone rings cancels the phone too.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type Srf from 'drachtio-srf';
import { connectApp, type TestApp } from './support/app.js';
import { startServerUnderTest, type ServerUnderTest } from './support/server-under-test.js';
import { assertSippPassed, runSipp, startSippUas, TRANSPORTS, type SippUas } from './support/sipp.js';
import { deferred, within } from './support/wait.js';

const isConnected = (dialog: Srf.Dialog) => (dialog as unknown as { connected: boolean }).connected;

interface Bridge {
  /** Settles when createB2BUA settles: 'bridged' or the SIP status it failed with. */
  outcome: Promise<'bridged' | number>;
  /** Resolves with the leg that hung up first once the other leg was hung up too. */
  ended: Promise<'caller' | 'driver'>;
}

/** An app that bridges every incoming call to `driver` and ends both legs together. */
async function bridgingApp(server: ServerUnderTest, driver: SippUas): Promise<{ app: TestApp; bridge: Bridge }> {
  const outcome = deferred<'bridged' | number>();
  const ended = deferred<'caller' | 'driver'>();
  const app = await connectApp(server.control, (srf) => {
    srf.invite(async (req, res) => {
      try {
        const { uas: caller, uac: phone } = await srf.createB2BUA(req, res, driver.uri('driver'), {
          localSdpB: req.body,
        });
        outcome.resolve('bridged');
        const hangUpOther = (first: 'caller' | 'driver', other: Srf.Dialog) => () => {
          other.destroy(undefined, () => ended.resolve(first));
        };
        // A BYE may already have been handled before this code resumed.
        if (!isConnected(caller)) hangUpOther('caller', phone)();
        else if (!isConnected(phone)) hangUpOther('driver', caller)();
        else {
          caller.on('destroy', hangUpOther('caller', phone));
          phone.on('destroy', hangUpOther('driver', caller));
        }
      } catch (err) {
        outcome.resolve((err as { status?: number }).status ?? -1);
      }
    });
  });
  return { app, bridge: { outcome: outcome.promise, ended: ended.promise } };
}

describe('calls bridged by the app (B2BUA)', () => {
  let server: ServerUnderTest;
  before(async () => {
    server = await startServerUnderTest();
  });
  after(async () => {
    await server?.close();
  });

  for (const { name, sipp } of TRANSPORTS) {
    it(`bridges a passenger to a driver and carries the passenger's hang-up to the driver over ${name}`, async () => {
      const driver = await startSippUas({ scenario: 'uas-answer-expect-bye.xml', transport: sipp });
      const { app, bridge } = await bridgingApp(server, driver);
      try {
        const passenger = await runSipp({ scenario: 'uac-call-hangup.xml', remote: server.hostport, transport: sipp });
        assertSippPassed(passenger);
        assert.equal(await bridge.outcome, 'bridged');
        assert.match(passenger.messageLog, /o=driver 2002 1 /, "the passenger should get the driver's SDP");
        assert.equal(await within(bridge.ended, 3_000, 'both legs to end'), 'caller');
        const phone = await driver.done;
        assertSippPassed(phone);
        assert.match(phone.messageLog, /o=passenger 1001 1 /, "the driver should get the passenger's SDP");
      } finally {
        await app.disconnect();
        await driver.stop();
      }
    });

    it(`carries the driver's hang-up back to the passenger over ${name}`, async () => {
      const driver = await startSippUas({ scenario: 'uas-answer-then-bye.xml', transport: sipp });
      const { app, bridge } = await bridgingApp(server, driver);
      try {
        const passenger = await runSipp({ scenario: 'uac-call-expect-bye.xml', remote: server.hostport, transport: sipp });
        assertSippPassed(passenger);
        assert.equal(await bridge.outcome, 'bridged');
        assert.equal(await within(bridge.ended, 3_000, 'both legs to end'), 'driver');
        assertSippPassed(await driver.done);
      } finally {
        await app.disconnect();
        await driver.stop();
      }
    });

    it(`cancels the ringing driver when the passenger gives up over ${name}`, async () => {
      const driver = await startSippUas({ scenario: 'uas-ring-expect-cancel.xml', transport: sipp });
      const { app, bridge } = await bridgingApp(server, driver);
      try {
        // The passenger expects 180, then CANCELs: 200 to the CANCEL, 487 to the INVITE.
        const passenger = await runSipp({ scenario: 'uac-call-cancel.xml', remote: server.hostport, transport: sipp });
        assertSippPassed(passenger);
        // The driver's phone expects CANCEL, answers 487 and needs the ACK for it.
        assertSippPassed(await driver.done);
        assert.equal(await within(bridge.outcome, 3_000, 'createB2BUA to settle'), 487);
      } finally {
        await app.disconnect();
        await driver.stop();
      }
    });
  }
});
