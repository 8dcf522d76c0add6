// The switchboard's Registrar in a real drachtio-srf app, with SIPp phones
// registering through the SIP server under test (the embedded one, or a real
// drachtio-server when DRACHTIO_URL/DRACHTIO_SIP are set). Each test connects
// its own app with its own Registrar, so one test's refused address or
// bindings never leak into the next. Phones live in a Map.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { freePort } from './support/ports.js';
import { registerLoadUsers, startRegistrar, testPhone, type TestRegistrarOptions } from './support/registrar.js';
import { startServerUnderTest, type ServerUnderTest } from './support/server-under-test.js';
import { assertSippPassed, onlyMessage, runSipp, SCENARIOS_DIR, TRANSPORTS, type SippOptions } from './support/sipp.js';
import { eventually } from './support/wait.js';

/** SIPp as phone `extension` with `password`, registering for `expires` seconds. */
function asPhone(extension: string, password: string, expires: number | string): Partial<SippOptions> {
  return { service: extension, keys: { expires: String(expires) }, extraArgs: ['-au', extension, '-ap', password] };
}

describe('Registrar with SIPp phones', () => {
  let server: ServerUnderTest;
  before(async () => {
    server = await startServerUnderTest();
  });
  after(async () => {
    await server?.close();
  });

  const withRegistrar = (opts: TestRegistrarOptions = {}, phones?: Parameters<typeof startRegistrar>[2]) =>
    startRegistrar(server.control, opts, phones);
  const register = (scenario: string, transport: SippOptions['transport'], phoneOpts: Partial<SippOptions>, more: Partial<SippOptions> = {}) =>
    runSipp({ scenario, remote: server.hostport, transport, ...phoneOpts, ...more });

  for (const { name, sipp } of TRANSPORTS) {
    it(`registers a phone that answers the MD5 challenge over ${name}`, async () => {
      const r = await withRegistrar();
      try {
        const result = await register('registrar-register.xml', sipp, asPhone('201', 'kierowca', 300));
        assertSippPassed(result);
        assert.equal(onlyMessage(result, '401').count, 1);
        assert.equal(r.registrar.state('201'), 'registered');
        assert.deepEqual(r.changes, [['201', 'registered']]);
        const [binding, ...others] = r.registrar.bindings('201');
        assert.deepEqual(others, []);
        assert.match(binding!.contact, new RegExp(`^sip:201@127\\.0\\.0\\.1:\\d+;transport=${name}$`, 'i'));
        assert.equal(binding!.source.transport, name.toLowerCase());
        assert.equal(binding!.source.address, '127.0.0.1');
        assert.equal(binding!.userAgent, 'SIPp registrar test');
        assert.match(result.messageLog, /Contact: <sip:201@127\.0\.0\.1:\d+;transport=\w+>;expires=(300|299)/i, 'the 200 lists the binding');
        assert.ok(r.log.some((l) => l.msg === 'extension registered' && l.extension === '201'));
      } finally {
        await r.stop();
      }
    });

    it(`refuses a wrong password and an unknown extension with 403 after the challenge over ${name}`, async () => {
      const r = await withRegistrar();
      try {
        const wrong = await register('registrar-wrong-password.xml', sipp, asPhone('201', 'zgadywanka', 300));
        assertSippPassed(wrong);
        const unknown = await register('registrar-wrong-password.xml', sipp, asPhone('999', 'kierowca', 300));
        assertSippPassed(unknown);
        assert.equal(r.registrar.state('201'), 'none');
        assert.deepEqual(r.registrar.allBindings(), []);
        assert.deepEqual(r.changes, []);
        assert.doesNotMatch(JSON.stringify(r.log), /zgadywanka|kierowca/, 'no password in the log');
      } finally {
        await r.stop();
      }
    });

    it(`unregisters a contact with Expires 0, and all of them with Contact: * over ${name}`, async () => {
      const r = await withRegistrar();
      try {
        // One SIPp local port for the whole test: the same Contact each time.
        const port = await freePort();
        assertSippPassed(await register('registrar-register.xml', sipp, asPhone('201', 'kierowca', 300), { localPort: port }));
        assert.equal(r.registrar.state('201'), 'registered');
        assertSippPassed(await register('registrar-register.xml', sipp, asPhone('201', 'kierowca', 0), { localPort: port }));
        assert.equal(r.registrar.state('201'), 'none');

        assertSippPassed(await register('registrar-two-contacts.xml', sipp, asPhone('201', 'kierowca', 300), { localPort: port }));
        assert.equal(r.registrar.bindings('201').length, 2);
        const all = await register('registrar-unregister-all.xml', sipp, asPhone('201', 'kierowca', 0), { localPort: port });
        assertSippPassed(all);
        assert.equal(r.registrar.state('201'), 'none');
        assert.deepEqual(r.changes, [
          ['201', 'registered'],
          ['201', 'none'],
          ['201', 'registered'],
          ['201', 'none'],
        ]);
      } finally {
        await r.stop();
      }
    });

    it(`keeps several contacts of one extension and lists them all over ${name}`, async () => {
      const r = await withRegistrar();
      try {
        const two = await register('registrar-two-contacts.xml', sipp, asPhone('201', 'kierowca', 300));
        assertSippPassed(two);
        const third = await register('registrar-register.xml', sipp, asPhone('201', 'kierowca', 300));
        assertSippPassed(third);
        const bindings = r.registrar.bindings('201');
        assert.equal(bindings.length, 3, JSON.stringify(bindings));
        assert.equal(bindings.filter((b) => b.contact.endsWith(';line=2')).length, 1);
        // The third 200 lists all three, each with its own lifetime.
        const lastOk = third.messageLog.slice(third.messageLog.lastIndexOf('SIP/2.0 200'));
        assert.equal(lastOk.match(/<sip:201@[^>]+>;expires=\d+/g)?.length, 3, lastOk);
        assert.match(lastOk, /;line=2>;expires=1[12]\d/);
      } finally {
        await r.stop();
      }
    });

    it(`answers a too brief registration with 423 and Min-Expires over ${name}`, async () => {
      const r = await withRegistrar({ minExpires: 60 });
      try {
        const result = await register('registrar-too-brief.xml', sipp, asPhone('201', 'kierowca', 10));
        assertSippPassed(result);
        assert.match(result.messageLog, /Min-Expires: 60/i);
        assert.equal(r.registrar.state('201'), 'none');
      } finally {
        await r.stop();
      }
    });

    it(`lets a registration expire and reports the extension gone over ${name}`, async () => {
      const r = await withRegistrar({ minExpires: 1 });
      try {
        assertSippPassed(await register('registrar-register.xml', sipp, asPhone('201', 'kierowca', 2)));
        assert.equal(r.registrar.state('201'), 'registered');
        await eventually(() => r.registrar.state('201') === 'none', 10_000, 'the 2 s registration to expire');
        assert.deepEqual(r.changes, [
          ['201', 'registered'],
          ['201', 'none'],
        ]);
        assert.ok(r.log.some((l) => l.msg === 'extension unregistered' && l.reason === 'expired'));
      } finally {
        await r.stop();
      }
    });

    it(`refuses an address after repeated failures, even with the right password, over ${name}`, async () => {
      const r = await withRegistrar({ authFailLimit: 3, authFailWindowMs: 60_000 });
      try {
        const guesses = await register('registrar-wrong-password.xml', sipp, asPhone('201', 'zgadywanka', 300), { calls: 3 });
        assertSippPassed(guesses, 3);
        const refused = await register('registrar-refused.xml', sipp, asPhone('201', 'kierowca', 300));
        assertSippPassed(refused);
        assert.equal(r.registrar.state('201'), 'none');
        const warnings = r.log.filter((l) => l.msg === 'registration attempts refused');
        assert.equal(warnings.length, 1, JSON.stringify(r.log));
        assert.equal(warnings[0]!.address, '127.0.0.1');
        assert.equal(warnings[0]!.level, 40);
      } finally {
        await r.stop();
      }
    });

    it(`marks a phone that stops answering OPTIONS unreachable over ${name}`, async () => {
      const r = await withRegistrar({ optionsPingMs: 200, pingTimeoutMs: 1_000 });
      try {
        const result = await register('registrar-phone.xml', sipp, asPhone('201', 'kierowca', 300), {
          extraArgs: ['-au', '201', '-ap', 'kierowca', '-d', '2000', '-oocsf', path.join(SCENARIOS_DIR, 'registrar-phone-options.xml')],
        });
        assertSippPassed(result);
        const answered = result.messageLog.match(/SIP\/2\.0 200 OK[\s\S]*?CSeq: \d+ OPTIONS/g) ?? [];
        assert.ok(answered.length >= 1, `the phone should have answered some pings while it was up\n${result.explain()}`);
        await eventually(() => r.registrar.state('201') === 'unreachable', 10_000, 'the silent phone to become unreachable');
        assert.deepEqual(r.changes, [
          ['201', 'registered'],
          ['201', 'unreachable'],
        ]);
        assert.equal(r.registrar.bindings('201')[0]!.reachable, false);
        assert.ok(r.log.some((l) => l.msg === 'extension unreachable' && l.extension === '201'));
      } finally {
        await r.stop();
      }
    });
  }

  it('registers twenty extensions from one SIPp users file (the load scenario)', async () => {
    const phones = Array.from({ length: 20 }, (_, i) => testPhone(String(300 + i), `haslo-${i}`));
    const r = await withRegistrar({}, phones);
    const dir = await mkdtemp(path.join(os.tmpdir(), 'registrar-load-'));
    try {
      const users = path.join(dir, 'users.csv');
      await writeFile(users, registerLoadUsers(phones));
      const result = await runSipp({
        scenario: 'registrar-load.xml',
        remote: server.hostport,
        transport: 'u1',
        calls: phones.length,
        rate: 50,
        keys: { expires: '300' },
        extraArgs: ['-inf', users],
      });
      assertSippPassed(result, phones.length);
      for (const p of phones) assert.equal(r.registrar.state(p.extension), 'registered', p.extension);
      assert.equal(r.registrar.allBindings().length, phones.length);
    } finally {
      await r.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
