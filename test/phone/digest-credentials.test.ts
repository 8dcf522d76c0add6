// The phone's digest answers, checked the way the switchboard's registrar
// checks them (its own parser and hash), for MD5 and SHA-256.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { authorizationValue, readChallenges } from '../../source/phone/index.js';
import { digestResponse, formatChallenge, parseAuthorization, sameDigest } from '../../source/switchboard/digest.js';

describe('answering digest challenges', () => {
  test('picks SHA-256 from two challenges joined in one header value', () => {
    const joined = `${formatChallenge({ realm: 'dispatcher', nonce: 'n-md5', algorithm: 'MD5' })}, ${formatChallenge({ realm: 'dispatcher', nonce: 'n-sha', algorithm: 'SHA-256' })}`;
    const challenges = readChallenges(joined);
    assert.deepEqual(challenges.map((c) => [c.algorithm, c.nonce, c.qopAuth]), [['SHA-256', 'n-sha', true], ['MD5', 'n-md5', true]]);
  });

  for (const algorithm of ['MD5', 'SHA-256'] as const) {
    test(`an ${algorithm} answer with qop=auth passes the registrar's check`, () => {
      const [challenge] = readChallenges(formatChallenge({ realm: 'dispatcher', nonce: 'abc123', algorithm }));
      const value = authorizationValue(challenge!, { username: '201', password: 'telefon-201' }, 'REGISTER', 'sip:127.0.0.1:5060');
      const [credentials] = parseAuthorization(value);
      const p = credentials!.params;
      assert.equal(p.algorithm, algorithm);
      const expected = digestResponse({ algorithm, username: '201', realm: 'dispatcher', password: 'telefon-201', method: 'REGISTER', uri: p.uri!, nonce: p.nonce!, qop: 'auth', nc: p.nc, cnonce: p.cnonce });
      assert.ok(sameDigest(expected, p.response!));
      const wrong = digestResponse({ algorithm, username: '201', realm: 'dispatcher', password: 'other', method: 'REGISTER', uri: p.uri!, nonce: p.nonce!, qop: 'auth', nc: p.nc, cnonce: p.cnonce });
      assert.ok(!sameDigest(wrong, p.response!));
    });
  }

  test('ignores other schemes, unknown algorithms and garbage', () => {
    assert.deepEqual(readChallenges('Basic realm="x"'), []);
    assert.deepEqual(readChallenges('Digest realm="x", nonce="y", algorithm=SHA-512-256'), []);
    assert.deepEqual(readChallenges('Digest realm="x"'), []);
    assert.deepEqual(readChallenges('"""",,,=='), []);
    assert.deepEqual(readChallenges(undefined), []);
  });
});
