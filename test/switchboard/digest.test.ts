// Digest arithmetic against the RFCs' own examples, the Authorization
// reader on the shapes phones send, and the stateless nonces.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  algorithmOf,
  checkNonce,
  createNonce,
  digestResponse,
  formatChallenge,
  newNonceSecret,
  parseAuthorization,
  sameDigest,
} from '../../source/switchboard/digest.js';

describe('digest responses', () => {
  it('matches the RFC 2617 example (MD5, qop=auth)', () => {
    const response = digestResponse({
      algorithm: 'MD5',
      username: 'Mufasa',
      realm: 'testrealm@host.com',
      password: 'Circle Of Life',
      method: 'GET',
      uri: '/dir/index.html',
      nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093',
      qop: 'auth',
      nc: '00000001',
      cnonce: '0a4f113b',
    });
    assert.equal(response, '6629fae49393a05397450978507c4ef1');
  });

  // RFC 7616 section 3.9.1: the same request answered with each algorithm.
  const rfc7616 = {
    username: 'Mufasa',
    realm: 'http-auth@example.org',
    password: 'Circle of Life',
    method: 'GET',
    uri: '/dir/index.html',
    nonce: '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v',
    qop: 'auth' as const,
    nc: '00000001',
    cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ',
  };

  it('matches the RFC 7616 example with MD5', () => {
    assert.equal(digestResponse({ algorithm: 'MD5', ...rfc7616 }), '8ca523f5e9506fed4657c9700eebdbec');
  });

  it('matches the RFC 7616 example with SHA-256', () => {
    assert.equal(
      digestResponse({ algorithm: 'SHA-256', ...rfc7616 }),
      '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1',
    );
  });

  it('computes the RFC 2069 form when there is no qop', () => {
    // H(H(A1):nonce:H(A2)) with the RFC 2617 inputs, worked out by hand with md5sum.
    const response = digestResponse({
      algorithm: 'MD5',
      username: 'Mufasa',
      realm: 'testrealm@host.com',
      password: 'Circle Of Life',
      method: 'GET',
      uri: '/dir/index.html',
      nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093',
    });
    assert.equal(response, '670fd8c2df070c60b045671b8b24ff02');
  });

  it('compares digests without regard to hex case', () => {
    assert.equal(sameDigest('abc123', 'ABC123'), true);
    assert.equal(sameDigest('abc123', 'abc124'), false);
    assert.equal(sameDigest('abc123', 'abc12'), false);
  });

  it('reads the algorithm parameter, MD5 when absent', () => {
    assert.equal(algorithmOf(undefined), 'MD5');
    assert.equal(algorithmOf('md5'), 'MD5');
    assert.equal(algorithmOf('SHA-256'), 'SHA-256');
    assert.equal(algorithmOf('SHA-512-256'), undefined);
    assert.equal(algorithmOf('MD5-sess'), undefined);
  });
});

describe('challenges and credentials', () => {
  it('formats a challenge with qop=auth and, when asked, stale=true', () => {
    assert.equal(
      formatChallenge({ realm: 'taxi', nonce: 'n1', algorithm: 'SHA-256' }),
      'Digest realm="taxi", nonce="n1", algorithm=SHA-256, qop="auth"',
    );
    assert.match(formatChallenge({ realm: 'taxi', nonce: 'n1', algorithm: 'MD5', stale: true }), /, stale=true$/);
  });

  it('reads the Authorization header SIPp sends', () => {
    const [c, ...rest] = parseAuthorization(
      'Digest username="201",realm="taxi.test",cnonce="6b8b4567",nc=00000001,qop=auth,uri="sip:127.0.0.1:5060",' +
        'nonce="abc",response="0123456789abcdef0123456789abcdef",algorithm=MD5',
    );
    assert.deepEqual(rest, []);
    assert.equal(c!.scheme, 'Digest');
    assert.deepEqual(c!.params, {
      username: '201',
      realm: 'taxi.test',
      cnonce: '6b8b4567',
      nc: '00000001',
      qop: 'auth',
      uri: 'sip:127.0.0.1:5060',
      nonce: 'abc',
      response: '0123456789abcdef0123456789abcdef',
      algorithm: 'MD5',
    });
  });

  it('keeps commas and escaped quotes inside quoted values', () => {
    const [c] = parseAuthorization('Digest realm="a, \\"b\\"", username = "x" , nonce="n"');
    assert.equal(c!.params.realm, 'a, "b"');
    assert.equal(c!.params.username, 'x');
    assert.equal(c!.params.nonce, 'n');
  });

  it('splits several credentials joined into one line', () => {
    const creds = parseAuthorization('Digest realm="other", username="a", Digest realm="taxi", username="201"');
    assert.deepEqual(
      creds.map((c) => [c.scheme, c.params.realm, c.params.username]),
      [
        ['Digest', 'other', 'a'],
        ['Digest', 'taxi', '201'],
      ],
    );
  });

  it('never throws on junk', () => {
    for (const junk of ['', 'Digest', '===', 'Digest realm="unterminated', ',,,', 'Basic dXNlcjpwYXNz', '"', 'Digest a=,b']) {
      assert.doesNotThrow(() => parseAuthorization(junk), junk);
    }
    assert.deepEqual(parseAuthorization('Digest'), [{ scheme: 'Digest', params: {} }]);
  });
});

describe('nonces', () => {
  const secret = newNonceSecret();
  const lifetime = 5 * 60_000;
  const t0 = 1_700_000_000_000;

  it('accepts its own nonce within the lifetime and says when it was issued', () => {
    const nonce = createNonce(secret, 'taxi', t0);
    assert.deepEqual(checkNonce(secret, 'taxi', nonce, t0, lifetime), { kind: 'fresh', issuedAt: t0 });
    assert.deepEqual(checkNonce(secret, 'taxi', nonce, t0 + lifetime, lifetime), { kind: 'fresh', issuedAt: t0 });
  });

  it('calls its own nonce stale once the lifetime is over', () => {
    const nonce = createNonce(secret, 'taxi', t0);
    assert.deepEqual(checkNonce(secret, 'taxi', nonce, t0 + lifetime + 1, lifetime), { kind: 'stale', issuedAt: t0 });
  });

  it('makes a different nonce every time', () => {
    assert.notEqual(createNonce(secret, 'taxi', t0), createNonce(secret, 'taxi', t0));
  });

  it('refuses a nonce from another secret, another realm, altered, from the future, or made up', () => {
    const nonce = createNonce(secret, 'taxi', t0);
    assert.equal(checkNonce(newNonceSecret(), 'taxi', nonce, t0, lifetime).kind, 'foreign');
    assert.equal(checkNonce(secret, 'other', nonce, t0, lifetime).kind, 'foreign');
    // Move the timestamp forward by one: the MAC no longer fits.
    const bumped = (parseInt(nonce.slice(0, 12), 16) + 1).toString(16).padStart(12, '0') + nonce.slice(12);
    assert.equal(checkNonce(secret, 'taxi', bumped, t0 + 10, lifetime).kind, 'foreign');
    const last = nonce.at(-1) === '0' ? '1' : '0';
    assert.equal(checkNonce(secret, 'taxi', nonce.slice(0, -1) + last, t0, lifetime).kind, 'foreign');
    assert.equal(checkNonce(secret, 'taxi', createNonce(secret, 'taxi', t0 + 1000), t0, lifetime).kind, 'foreign');
    for (const junk of ['', 'abc', nonce.toUpperCase(), `${nonce}0`, 'z'.repeat(nonce.length)]) {
      assert.equal(checkNonce(secret, 'taxi', junk, t0, lifetime).kind, 'foreign', junk);
    }
  });

  it('uses only characters that need no escaping in a quoted string', () => {
    assert.match(createNonce(secret, 'taxi', t0), /^[0-9a-f]{60}$/);
  });
});
