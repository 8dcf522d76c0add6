import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { parseMessage, SipParseError, splitList, SipMessage } from '../../source/sip-server/message.js';
import { parseNameAddr, parseUri, parseVia, tagOf, formatVia } from '../../source/sip-server/address.js';

const invite = [
  'INVITE sip:100@127.0.0.1:5060 SIP/2.0',
  'v: SIP/2.0/UDP 10.0.0.7:5062;branch=z9hG4bK-1;rport, SIP/2.0/TCP 10.0.0.8;branch=z9hG4bK-0',
  'Via: SIP/2.0/UDP 10.0.0.9;branch=z9hG4bK-x',
  'f: "Pasażer" <sip:48600100200@trunk.example>;tag=abc',
  't: <sip:100@taxi.example>',
  'i: call-1@10.0.0.7',
  'CSeq: 7 INVITE',
  'Max-Forwards: 70',
  'm: <sip:48600100200@10.0.0.7:5062>',
  'Subject: a folded',
  '  subject line',
  'c: application/sdp',
  'l: 4',
  '',
  'v=0\r\n',
].join('\r\n');

describe('SIP message codec', () => {
  it('expands compact header names and unfolds continuation lines', () => {
    const m = parseMessage(Buffer.from(invite));
    assert.equal(m.method, 'INVITE');
    assert.equal(m.get('call-id'), 'call-1@10.0.0.7');
    assert.equal(m.get('Content-Type'), 'application/sdp');
    assert.equal(m.get('subject'), 'a folded subject line');
    assert.equal(m.body.toString(), 'v=0\r');
  });

  it('lists every Via value in order across lines and commas', () => {
    const m = parseMessage(Buffer.from(invite));
    assert.deepEqual(m.getAll('via').map((v) => parseVia(v)!.params.get('branch')), ['z9hG4bK-1', 'z9hG4bK-0', 'z9hG4bK-x']);
    m.popVia();
    assert.equal(parseVia(m.topVia()!)!.host, '10.0.0.8');
  });

  it('writes Content-Length from the real body and keeps UTF-8 intact', () => {
    const m = parseMessage(Buffer.from(invite));
    const again = parseMessage(m.toBuffer());
    assert.equal(again.get('content-length'), '4');
    assert.equal(again.get('from'), '"Pasażer" <sip:48600100200@trunk.example>;tag=abc');
  });

  it('accepts bare LF line ends', () => {
    const m = parseMessage(Buffer.from('OPTIONS sip:x@h SIP/2.0\nVia: SIP/2.0/UDP h;branch=z9hG4bKa\nFrom: <sip:a@h>;tag=1\nTo: <sip:x@h>\nCall-ID: c\nCSeq: 1 OPTIONS\n\n'));
    assert.equal(m.method, 'OPTIONS');
  });

  it('parses responses', () => {
    const m = parseMessage(Buffer.from('SIP/2.0 486 Busy Here\r\nVia: SIP/2.0/UDP h;branch=z9hG4bKa\r\nFrom: <sip:a@h>;tag=1\r\nTo: <sip:x@h>;tag=2\r\nCall-ID: c\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n'));
    assert.equal(m.status, 486);
    assert.equal(m.reason, 'Busy Here');
    assert.deepEqual(m.cseq(), { seq: 1, method: 'INVITE' });
  });

  for (const [what, text] of [
    ['a missing Call-ID', 'OPTIONS sip:x@h SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bKa\r\nFrom: <sip:a@h>;tag=1\r\nTo: <sip:x@h>\r\nCSeq: 1 OPTIONS\r\n\r\n'],
    ['a CSeq whose method differs', 'OPTIONS sip:x@h SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bKa\r\nFrom: <sip:a@h>;tag=1\r\nTo: <sip:x@h>\r\nCall-ID: c\r\nCSeq: 1 INVITE\r\n\r\n'],
    ['a body shorter than its Content-Length', 'OPTIONS sip:x@h SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bKa\r\nFrom: <sip:a@h>;tag=1\r\nTo: <sip:x@h>\r\nCall-ID: c\r\nCSeq: 1 OPTIONS\r\nContent-Length: 50\r\n\r\nshort'],
    ['a bad request line', 'HELLO WORLD\r\n\r\n'],
    ['a status code out of range', 'SIP/2.0 999 Nope\r\n\r\n'],
    ['a header without a colon', 'OPTIONS sip:x@h SIP/2.0\r\nVia SIP/2.0/UDP h\r\n\r\n'],
  ] as const) {
    it(`rejects ${what} with a parse error`, () => {
      assert.throws(() => parseMessage(Buffer.from(text)), SipParseError);
    });
  }

  it('keeps what it could read of a rejected request, so a 400 can be sent', () => {
    try {
      parseMessage(Buffer.from('OPTIONS sip:x@h SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bKa\r\nFrom: <sip:a@h>;tag=1\r\nTo: <sip:x@h>\r\nCSeq: 1 OPTIONS\r\n\r\n'));
      assert.fail('should throw');
    } catch (err) {
      assert.ok(err instanceof SipParseError);
      assert.equal(err.partial?.method, 'OPTIONS');
      assert.ok(err.partial?.topVia());
    }
  });

  it('throws nothing but parse errors for thousands of corrupted messages', () => {
    const base = Buffer.from(invite);
    for (let i = 0; i < 5000; i++) {
      const buf = Buffer.from(base);
      const flips = 1 + (i % 8);
      for (let f = 0; f < flips; f++) buf[randomBytes(2).readUInt16BE() % buf.length] = randomBytes(1)[0]!;
      const cut = i % 3 === 0 ? buf.subarray(0, (i * 7) % buf.length) : buf;
      try {
        parseMessage(cut);
      } catch (err) {
        assert.ok(err instanceof SipParseError, `unexpected ${String(err)}`);
      }
    }
  });

  it('sets, prepends and removes headers by any spelling of their name', () => {
    const m = SipMessage.request('BYE', 'sip:a@h');
    m.set('call-id', 'x').append('Via', 'SIP/2.0/UDP a;branch=z9hG4bK1').prepend('v', 'SIP/2.0/UDP b;branch=z9hG4bK2');
    assert.equal(m.get('i'), 'x');
    assert.equal(parseVia(m.topVia()!)!.host, 'b');
    m.remove('VIA');
    assert.equal(m.has('via'), false);
    assert.match(m.toString(), /^BYE sip:a@h SIP\/2.0\r\nCall-ID: x\r\nContent-Length: 0\r\n\r\n$/);
  });
});

describe('SIP addresses', () => {
  it('splits lists without breaking quoted commas or URIs', () => {
    assert.deepEqual(splitList('"Doe, John" <sip:j@h>;q=1, <sip:k@h;a=b,c>'), ['"Doe, John" <sip:j@h>;q=1', '<sip:k@h;a=b,c>']);
  });

  it('reads URIs with users, ports, IPv6 hosts and parameters', () => {
    const u = parseUri('sip:1001@[::1]:5070;transport=TCP;lr')!;
    assert.equal(u.user, '1001');
    assert.equal(u.host, '::1');
    assert.equal(u.port, 5070);
    assert.equal(u.params.get('transport'), 'TCP');
    assert.equal(u.params.get('lr'), '');
    assert.equal(parseUri('http://x'), undefined);
  });

  it('tells header parameters from URI parameters in name-addr and addr-spec forms', () => {
    const a = parseNameAddr('"Stacja 1" <sip:1001@h;transport=tcp>;tag=9;expires=60')!;
    assert.equal(a.uri, 'sip:1001@h;transport=tcp');
    assert.equal(a.params.get('tag'), '9');
    const b = parseNameAddr('sip:1001@h;tag=7')!;
    assert.equal(b.uri, 'sip:1001@h');
    assert.equal(tagOf('sip:1001@h;tag=7'), '7');
    assert.equal(tagOf('<sip:1001@h;tag=not-a-tag>'), undefined);
  });

  it('round-trips a Via with received and rport', () => {
    const v = parseVia('SIP/2.0/UDP 10.0.0.7:5062;branch=z9hG4bK-1;rport')!;
    v.params.set('received', '192.0.2.1');
    v.params.set('rport', '40000');
    assert.equal(formatVia(v), 'SIP/2.0/UDP 10.0.0.7:5062;branch=z9hG4bK-1;rport=40000;received=192.0.2.1');
  });
});
