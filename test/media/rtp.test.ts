import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  RtpPacket,
  buildRtp,
  buildTelephoneEvent,
  dtmfDigit,
  dtmfEvent,
  parseRtp,
  parseTelephoneEvent,
  writeRtpHeader,
} from '../../source/media/rtp.js';

const header = { marker: true, payloadType: 8, sequenceNumber: 0xfffe, timestamp: 0xfffffff0, ssrc: 0xdeadbeef };

describe('RTP packets', () => {
  it('builds and parses a plain packet with every header field', () => {
    const packet = buildRtp(header, new Uint8Array([1, 2, 3]));
    assert.equal(packet.length, 15);
    assert.equal(packet[0], 0x80);
    assert.equal(packet[1], 0x88);
    const parsed = parseRtp(packet)!;
    assert.equal(parsed.marker, true);
    assert.equal(parsed.payloadType, 8);
    assert.equal(parsed.sequenceNumber, 0xfffe);
    assert.equal(parsed.timestamp, 0xfffffff0);
    assert.equal(parsed.ssrc, 0xdeadbeef);
    assert.deepEqual([...parsed.payload()], [1, 2, 3]);
  });

  it('fills the same packet object again instead of allocating', () => {
    const into = new RtpPacket();
    const first = parseRtp(buildRtp({ ...header, sequenceNumber: 1 }, new Uint8Array(160)), into);
    const second = parseRtp(buildRtp({ ...header, sequenceNumber: 2, marker: false }, new Uint8Array(4)), into);
    assert.equal(first, into);
    assert.equal(second, into);
    assert.equal(into.sequenceNumber, 2);
    assert.equal(into.marker, false);
    assert.equal(into.payloadLength, 4);
  });

  it('writes a header at an offset into an existing buffer', () => {
    const buffer = new Uint8Array(20).fill(0xaa);
    assert.equal(writeRtpHeader(buffer, 4, false, 0, 513, 160, 7), 12);
    assert.deepEqual([...buffer.subarray(0, 4)], [0xaa, 0xaa, 0xaa, 0xaa]);
    assert.deepEqual([...buffer.subarray(4, 16)], [0x80, 0, 2, 1, 0, 0, 0, 160, 0, 0, 0, 7]);
    assert.equal(buffer[16], 0xaa);
  });

  it('skips CSRCs, a header extension and padding on receive', () => {
    const packet = Buffer.from([
      0xb2, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0, 1, // V=2 P=1 X=1 CC=2
      0, 0, 0, 2, 0, 0, 0, 3, // two CSRCs
      0xbe, 0xde, 0x00, 0x01, 0x10, 0xff, 0, 0, // extension, one word
      9, 8, 7, // payload
      0, 0, 3, // padding, last byte = count
    ]);
    const parsed = parseRtp(packet)!;
    assert.ok(parsed);
    assert.equal(parsed.csrcCount, 2);
    assert.equal(parsed.hasExtension, true);
    assert.equal(parsed.hasPadding, true);
    assert.deepEqual([...parsed.payload()], [9, 8, 7]);
  });

  it('rejects garbage without throwing', () => {
    const cases: [string, Uint8Array][] = [
      ['empty', new Uint8Array(0)],
      ['short', new Uint8Array([0x80, 0, 0, 1])],
      ['version 1', buildRtp(header, new Uint8Array(4)).fill(0x40, 0, 1)],
      ['version 0 (STUN-like)', new Uint8Array(20)],
      ['RTCP sender report', Buffer.from([0x80, 200, 0, 6, ...new Array(24).fill(0)])],
      ['CSRC count past the end', Buffer.from([0x8f, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1])],
      ['extension past the end', Buffer.from([0x90, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0xbe, 0xde, 0, 9])],
      ['truncated extension header', Buffer.from([0x90, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0xbe])],
      ['padding count zero', Buffer.from([0xa0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 5, 0])],
      ['padding longer than packet', Buffer.from([0xa0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 5, 40])],
      ['text', Buffer.from('INVITE sip:*60@example SIP/2.0\r\n')],
    ];
    for (const [name, bytes] of cases) assert.equal(parseRtp(bytes), undefined, name);
    for (let i = 0; i < 2000; i++) {
      const random = new Uint8Array(Math.floor(Math.random() * 64)).map(() => Math.floor(Math.random() * 256));
      const parsed = parseRtp(random);
      if (parsed) assert.ok(parsed.payloadOffset + parsed.payloadLength <= random.length);
    }
  });

  it('accepts a header-only packet with an empty payload', () => {
    const parsed = parseRtp(buildRtp(header, new Uint8Array(0)))!;
    assert.equal(parsed.payloadLength, 0);
  });
});

describe('RFC 4733 telephone-events', () => {
  it('builds and parses an event payload', () => {
    const payload = buildTelephoneEvent({ event: 11, end: true, volume: 10, duration: 1600 });
    assert.deepEqual([...payload], [11, 0x8a, 0x06, 0x40]);
    assert.deepEqual(parseTelephoneEvent(payload), { event: 11, end: true, volume: 10, duration: 1600 });
  });

  it('parses an event inside an RTP packet and rejects a short one', () => {
    const packet = parseRtp(buildRtp({ ...header, payloadType: 101 }, buildTelephoneEvent({ event: 5, end: false, volume: 7, duration: 320 })))!;
    assert.deepEqual(parseTelephoneEvent(packet.buffer, packet.payloadOffset, packet.payloadLength), { event: 5, end: false, volume: 7, duration: 320 });
    assert.equal(parseTelephoneEvent(new Uint8Array(3)), undefined);
  });

  it('names DTMF keys both ways', () => {
    assert.equal(dtmfDigit(0), '0');
    assert.equal(dtmfDigit(10), '*');
    assert.equal(dtmfDigit(11), '#');
    assert.equal(dtmfDigit(15), 'D');
    assert.equal(dtmfDigit(16), 'flash');
    assert.equal(dtmfDigit(40), undefined);
    assert.equal(dtmfEvent('#'), 11);
    assert.equal(dtmfEvent('a'), 12);
    assert.equal(dtmfEvent('x'), undefined);
  });
});
