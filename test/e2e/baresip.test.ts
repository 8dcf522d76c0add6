// A real softphone against the switchboard's Registrar: baresip registers
// extension 201 through the SIP server under test, doing Digest for real,
// answers the registrar's OPTIONS pings, and goes away either politely
// (SIGTERM: it unregisters) or not (SIGKILL: unreachable, then expired).
//
// The registrar offers MD5 only here: baresip 1.0.0 (Debian 12) gives up on
// the whole 401 ("Register: Function not implemented") when any of its
// challenges names an algorithm it lacks, SHA-256 included.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startBaresip, type Baresip } from './support/baresip.js';
import { startRegistrar, type RunningRegistrar } from './support/registrar.js';
import { startServerUnderTest, type ServerUnderTest } from './support/server-under-test.js';
import { eventually } from './support/wait.js';

/** Like eventually(), with what baresip said attached when it fails. */
async function until(phone: Baresip, check: () => boolean, ms: number, what: string): Promise<void> {
  try {
    await eventually(check, ms, what);
  } catch (err) {
    throw new Error(`${(err as Error).message}\nbaresip ${phone.aor} (pid ${phone.pid}) said:\n${phone.output()}`);
  }
}

describe('Registrar with a real softphone (baresip)', () => {
  let server: ServerUnderTest;
  before(async () => {
    server = await startServerUnderTest();
  });
  after(async () => {
    await server?.close();
  });

  for (const transport of ['udp', 'tcp'] as const) {
    const name = transport.toUpperCase();

    it(`registers baresip as extension 201 with Digest, and unregisters it when it quits, over ${name}`, async () => {
      const r: RunningRegistrar = await startRegistrar(server.control, { algorithms: ['MD5'] });
      const phone = await startBaresip({ extension: '201', password: 'kierowca', registrar: server.sip, transport, regint: 60 });
      try {
        await until(phone, () => r.registrar.state('201') === 'registered', 10_000, 'baresip to register extension 201');
        const [binding, ...others] = r.registrar.bindings('201');
        assert.deepEqual(others, []);
        assert.match(binding!.contact, new RegExp(`^sip:201[^@]*@127\\.0\\.0\\.1:${phone.port}\\b`));
        assert.equal(binding!.source.transport, transport);
        assert.equal(binding!.source.address, '127.0.0.1');
        if (transport === 'udp') assert.equal(binding!.source.port, phone.port);
        assert.match(binding!.userAgent ?? '', /baresip/);
        assert.match(phone.output(), /^contact: <sip:201[^>]*>;expires=60\r?$/im, 'the 200 granted the regint baresip asked for');

        const exit = await phone.stop();
        assert.equal(exit.signal === 'SIGKILL', false, `baresip should quit on SIGTERM\n${phone.output()}`);
        await until(phone, () => r.registrar.state('201') === 'none', 10_000, 'baresip to unregister on its way out');
        assert.deepEqual(r.changes, [
          ['201', 'registered'],
          ['201', 'none'],
        ]);
        assert.ok(r.log.some((l) => l.msg === 'extension unregistered' && l.reason === 'unregistered'));
        assert.doesNotMatch(JSON.stringify(r.log), /kierowca/);
      } finally {
        await phone.kill();
        await r.stop();
      }
    });

    it(`finds a killed baresip unreachable, then lets its registration expire, over ${name}`, async () => {
      const r = await startRegistrar(server.control, {
        algorithms: ['MD5'],
        minExpires: 1,
        optionsPingMs: 300,
        pingTimeoutMs: 1_000,
      });
      const phone = await startBaresip({ extension: '201', password: 'kierowca', registrar: server.sip, transport, regint: 4 });
      try {
        await until(phone, () => r.registrar.state('201') === 'registered', 10_000, 'baresip to register extension 201');
        await phone.kill();
        await until(phone, () => r.registrar.state('201') === 'unreachable', 10_000, 'the killed phone to stop answering pings');
        await until(phone, () => r.registrar.state('201') === 'none', 10_000, 'the 4 s registration to expire');
        // baresip may re-register (and so be seen alive again) before it is killed; what matters
        // is the end: unreachable, then gone.
        assert.deepEqual(r.changes.slice(-2), [
          ['201', 'unreachable'],
          ['201', 'none'],
        ]);
        assert.ok(r.log.some((l) => l.msg === 'extension unregistered' && l.reason === 'expired'));
      } finally {
        await phone.kill();
        await r.stop();
      }
    });
  }
});
