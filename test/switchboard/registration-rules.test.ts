// What a REGISTER asks for: Contact lists, Expires rules (as a table) and
// the user part of To/From.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  decideExpires,
  isZeroExpires,
  parseContacts,
  userOf,
  type ExpiresDecision,
} from '../../source/switchboard/registration-rules.js';

describe('Expires rules', () => {
  const limits = { min: 60, max: 3600, default: 3600 };
  const table: Array<[string, string | undefined, string | undefined, ExpiresDecision]> = [
    ['the Expires header when the contact names none', undefined, '120', { kind: 'bind', seconds: 120 }],
    ['the contact parameter over the header', '300', '120', { kind: 'bind', seconds: 300 }],
    ['the default when neither is given', undefined, undefined, { kind: 'bind', seconds: 3600 }],
    ['the default for an unreadable header', undefined, 'soon', { kind: 'bind', seconds: 3600 }],
    ['the header when the parameter is unreadable', 'x', '90', { kind: 'bind', seconds: 90 }],
    ['removal for 0 in the header', undefined, '0', { kind: 'remove' }],
    ['removal for 0 in the parameter despite the header', '0', '3600', { kind: 'remove' }],
    ['a refusal just below the minimum', undefined, '59', { kind: 'too-brief', requested: 59 }],
    ['a refusal for a brief parameter despite a long header', '1', '3600', { kind: 'too-brief', requested: 1 }],
    ['exactly the minimum', undefined, '60', { kind: 'bind', seconds: 60 }],
    ['exactly the maximum', undefined, '3600', { kind: 'bind', seconds: 3600 }],
    ['the maximum for anything longer', undefined, '7200', { kind: 'bind', seconds: 3600 }],
    ['the maximum for absurdly long values', '99999999999999999999', undefined, { kind: 'bind', seconds: 3600 }],
    ['surrounding blanks ignored', ' 120 ', undefined, { kind: 'bind', seconds: 120 }],
    ['no negative numbers (unreadable: default)', undefined, '-5', { kind: 'bind', seconds: 3600 }],
  ];
  for (const [what, param, header, expected] of table) {
    it(`gives ${what}`, () => {
      assert.deepEqual(decideExpires(param, header, limits), expected);
    });
  }

  it('uses the configured default, which the maximum also caps', () => {
    assert.deepEqual(decideExpires(undefined, undefined, { min: 1, max: 600, default: 600 }), { kind: 'bind', seconds: 600 });
  });

  it('knows which Expires values mean zero', () => {
    assert.equal(isZeroExpires('0'), true);
    assert.equal(isZeroExpires(' 0'), true);
    assert.equal(isZeroExpires('00'), true);
    assert.equal(isZeroExpires('1'), false);
    assert.equal(isZeroExpires(undefined), false);
    assert.equal(isZeroExpires('zero'), false);
  });
});

describe('Contact lists', () => {
  it('reads name-addrs with display names and expires parameters', () => {
    assert.deepEqual(parseContacts('"Desk, front" <sip:201@10.0.0.5:5060;transport=udp>;expires=120;q=0.5, <sip:201@10.0.0.6>'), [
      { uri: 'sip:201@10.0.0.5:5060;transport=udp', expires: '120' },
      { uri: 'sip:201@10.0.0.6' },
    ]);
  });

  it('gives the parameters after a bare URI to the header', () => {
    assert.deepEqual(parseContacts('sip:201@10.0.0.5:5060;expires=0'), [{ uri: 'sip:201@10.0.0.5:5060', expires: '0' }]);
  });

  it('reads the wildcard, and no Contact as a query', () => {
    assert.equal(parseContacts('*'), '*');
    assert.equal(parseContacts(' * '), '*');
    assert.deepEqual(parseContacts(undefined), []);
    assert.deepEqual(parseContacts(''), []);
  });

  it('refuses the wildcard among contacts and things that are not SIP URIs', () => {
    assert.equal(parseContacts('*, <sip:201@10.0.0.5>'), undefined);
    assert.equal(parseContacts('<http://example.com>'), undefined);
    assert.equal(parseContacts('<sip:201@10.0.0.5'), undefined);
    assert.equal(parseContacts('"unterminated <sip:201@10.0.0.5>'), undefined);
  });

  it('takes the user part of To and From', () => {
    assert.equal(userOf('<sip:201@127.0.0.1:5060>'), '201');
    assert.equal(userOf('"Front desk" <sip:201@taxi.test>;tag=abc'), '201');
    assert.equal(userOf('sip:201@taxi.test;tag=abc'), '201');
    assert.equal(userOf('<sips:2%301@taxi.test>'), '201');
    assert.equal(userOf('<sip:201;phone-context=x@taxi.test>'), undefined, 'user parameters are not part of the extension');
    assert.equal(userOf('<sip:taxi.test>'), undefined);
    assert.equal(userOf(undefined), undefined);
  });
});
