// OPTIONS through the server: answered by an app, sent by an app, and shared
// round-robin between two apps that both route it.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { connectApp, sendRequest } from './support/app.js';
import { startServerUnderTest, type ServerUnderTest } from './support/server-under-test.js';
import { assertSippPassed, runSipp, startSippUas, TRANSPORTS } from './support/sipp.js';

describe('OPTIONS', () => {
  let server: ServerUnderTest;
  before(async () => {
    server = await startServerUnderTest();
  });
  after(async () => {
    await server?.close();
  });

  for (const { name, sipp } of TRANSPORTS) {
    it(`answers OPTIONS through the app over ${name}`, async () => {
      const seen: Array<{ from: string; protocol: string }> = [];
      const app = await connectApp(server.control, (srf) => {
        srf.use('options', (req, res) => {
          seen.push({ from: req.getParsedHeader('from').uri, protocol: req.protocol });
          res.send(200, { headers: { 'X-Answered-By': 'switchboard' } });
        });
      });
      try {
        const result = await runSipp({ scenario: 'uac-options.xml', remote: server.hostport, transport: sipp });
        assertSippPassed(result);
        assert.equal(seen.length, 1, `the app should have seen exactly one OPTIONS\n${result.explain()}`);
        assert.match(seen[0]!.from, /^sip:passenger@127\.0\.0\.1:\d+$/);
        assert.equal(seen[0]!.protocol, name.toLowerCase());
        assert.match(result.messageLog, /X-Answered-By: switchboard/, 'the 200 should be the one the app built');
      } finally {
        await app.disconnect();
      }
    });

    it(`sends the app's OPTIONS to a peer and returns its 200 over ${name}`, async () => {
      const peer = await startSippUas({ scenario: 'uas-options.xml', transport: sipp });
      const app = await connectApp(server.control);
      try {
        const res = await sendRequest(app.srf, peer.uri('peer'), {
          method: 'OPTIONS',
          headers: { From: '<sip:switchboard@localhost>', To: `<${peer.uri('peer')}>` },
        });
        assert.equal(res.status, 200);
        assertSippPassed(await peer.done);
      } finally {
        await app.disconnect();
        await peer.stop();
      }
    });
  }

  it('shares new OPTIONS round-robin between two apps that route them', async () => {
    const answered = { dispatch: 0, backup: 0 };
    const answerAs = (name: keyof typeof answered) => (srf: import('drachtio-srf')) =>
      srf.use('options', (_req, res) => {
        answered[name]++;
        res.send(200);
      });
    const dispatch = await connectApp(server.control, answerAs('dispatch'));
    const backup = await connectApp(server.control, answerAs('backup'));
    try {
      const result = await runSipp({
        scenario: 'uac-options.xml',
        remote: server.hostport,
        transport: 'u1',
        calls: 10,
        rate: 50,
      });
      assertSippPassed(result, 10);
      assert.deepEqual(answered, { dispatch: 5, backup: 5 }, `each app should answer every other OPTIONS\n${result.explain()}`);
    } finally {
      await dispatch.disconnect();
      await backup.disconnect();
    }
  });
});
