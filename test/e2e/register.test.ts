// Phones register their extensions with the switchboard app, which does the
// Digest (MD5) authentication itself; and the app registers upstream,
// answering a registrar's challenge through drachtio-srf.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type Srf from 'drachtio-srf';
import { connectApp, sendRequest } from './support/app.js';
import { startServerUnderTest, type ServerUnderTest } from './support/server-under-test.js';
import { assertSippPassed, onlyMessage, runSipp, startSippUas, TRANSPORTS } from './support/sipp.js';

const REALM = 'taxi.test';
const PASSWORDS: Record<string, string> = { alice: 'kierowca' };

const md5 = (text: string) => createHash('md5').update(text).digest('hex');

/** The parameters of a `Digest ...` Authorization header. */
function parseDigest(header: string): Record<string, string> {
  const fields: Record<string, string> = {};
  const params = header.replace(/^\s*Digest\s+/i, '');
  for (const m of params.matchAll(/([a-zA-Z-]+)\s*=\s*(?:"([^"]*)"|([^,\s]+))/g)) {
    fields[m[1]!.toLowerCase()] = m[2] ?? m[3] ?? '';
  }
  return fields;
}

/** RFC 2617 response check, with or without qop=auth. */
function digestIsValid(d: Record<string, string>, method: string, password: string): boolean {
  const ha1 = md5(`${d.username}:${d.realm}:${password}`);
  const ha2 = md5(`${method}:${d.uri}`);
  const expected = d.qop
    ? md5(`${ha1}:${d.nonce}:${d.nc}:${d.cnonce}:${d.qop}:${ha2}`)
    : md5(`${ha1}:${d.nonce}:${ha2}`);
  return expected === d.response;
}

interface Registrar {
  registered: Array<{ user: string; contact: string; expires: string }>;
  refused: string[];
}

/** The switchboard's registrar: 401 with a fresh nonce, then 200 or 403. */
function registrar(srf: Srf, book: Registrar): void {
  const nonces = new Set<string>();
  srf.use('register', (req, res) => {
    if (!req.has('Authorization')) {
      const nonce = randomBytes(12).toString('hex');
      nonces.add(nonce);
      res.send(401, {
        headers: { 'WWW-Authenticate': `Digest realm="${REALM}", nonce="${nonce}", algorithm=MD5, qop="auth"` },
      });
      return;
    }
    const d = parseDigest(req.get('Authorization'));
    const password = d.username === undefined ? undefined : PASSWORDS[d.username];
    if (!password || d.realm !== REALM || !nonces.has(d.nonce ?? '') || !digestIsValid(d, req.method, password)) {
      book.refused.push(d.username ?? '?');
      res.send(403);
      return;
    }
    nonces.delete(d.nonce!);
    const contact = req.getParsedHeader('Contact')[0]!.uri;
    book.registered.push({ user: d.username!, contact, expires: req.get('Expires') });
    res.send(200, { headers: { Contact: `<${contact}>;expires=${req.get('Expires')}` } });
  });
}

describe('REGISTER with Digest authentication', () => {
  let server: ServerUnderTest;
  before(async () => {
    server = await startServerUnderTest();
  });
  after(async () => {
    await server?.close();
  });

  for (const { name, sipp } of TRANSPORTS) {
    it(`challenges a phone's REGISTER with 401 and accepts its digest answer over ${name}`, async () => {
      const book: Registrar = { registered: [], refused: [] };
      const app = await connectApp(server.control, (srf) => registrar(srf, book));
      try {
        const phone = await runSipp({
          scenario: 'uac-register-digest.xml',
          remote: server.hostport,
          transport: sipp,
          service: 'alice',
          extraArgs: ['-au', 'alice', '-ap', 'kierowca'],
        });
        assertSippPassed(phone);
        assert.deepEqual(book.refused, []);
        assert.equal(book.registered.length, 1, `one registration expected\n${phone.explain()}`);
        assert.equal(book.registered[0]!.user, 'alice');
        assert.match(book.registered[0]!.contact, /^sip:alice@127\.0\.0\.1:\d+;transport=(udp|tcp)$/i);
        assert.equal(book.registered[0]!.expires, '60');
      } finally {
        await app.disconnect();
      }
    });

    it(`refuses a phone's REGISTER with a wrong password with 403 over ${name}`, async () => {
      const book: Registrar = { registered: [], refused: [] };
      const app = await connectApp(server.control, (srf) => registrar(srf, book));
      try {
        const phone = await runSipp({
          scenario: 'uac-register-wrong-password.xml',
          remote: server.hostport,
          transport: sipp,
          service: 'alice',
          extraArgs: ['-au', 'alice', '-ap', 'zgadywanka'],
        });
        assertSippPassed(phone);
        assert.deepEqual(book.refused, ['alice']);
        assert.deepEqual(book.registered, []);
      } finally {
        await app.disconnect();
      }
    });

    it(`registers the app upstream, answering the registrar's challenge over ${name}`, async () => {
      const upstream = await startSippUas({
        scenario: 'uas-registrar-digest.xml',
        transport: sipp,
        keys: { user: 'switchboard', password: 'centrala' },
      });
      const app = await connectApp(server.control);
      try {
        const aor = `<sip:switchboard@${upstream.hostport}>`;
        const res = await sendRequest(app.srf, upstream.uri(''), {
          method: 'REGISTER',
          headers: { From: aor, To: aor, Contact: '<sip:switchboard@localhost>', Expires: '60' },
          auth: { username: 'switchboard', password: 'centrala' },
        });
        assert.equal(res.status, 200);
        const registrarRun = await upstream.done;
        assertSippPassed(registrarRun);
        assert.equal(onlyMessage(registrarRun, '200').count, 1, `the registrar should have accepted\n${registrarRun.explain()}`);
      } finally {
        await app.disconnect();
        await upstream.stop();
      }
    });
  }
});
