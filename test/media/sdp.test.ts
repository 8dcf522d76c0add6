import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import sdpTransform from 'sdp-transform';
import {
  SdpError,
  buildAnswer,
  buildOffer,
  negotiateAnswer,
  negotiateFromAnswer,
  parseRemoteAudio,
} from '../../source/media/sdp.js';

const sdp = (...lines: string[]) => lines.join('\r\n') + '\r\n';
const local = { address: '127.0.0.1', port: 20002, sessionId: 1234, sessionVersion: 0 };

// What a softphone offers: several codecs, PCMA before PCMU, telephone-event on 96.
const softphoneOffer = sdp(
  'v=0',
  'o=alice 2890844526 2890844526 IN IP4 192.0.2.10',
  's=Talk',
  'c=IN IP4 192.0.2.10',
  't=0 0',
  'm=audio 49170 RTP/AVP 9 8 0 18 96',
  'a=rtpmap:9 G722/8000',
  'a=rtpmap:8 PCMA/8000',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:18 G729/8000',
  'a=rtpmap:96 telephone-event/8000',
  'a=fmtp:96 0-15',
  'a=ptime:20',
  'a=sendrecv',
);

function audioOf(text: string) {
  const parsed = sdpTransform.parse(text);
  return { parsed, m: parsed.media[0]! };
}

describe('parsing a remote offer', () => {
  it('finds the connection address, audio port, G.711 codecs in order and telephone-event', () => {
    const remote = parseRemoteAudio(softphoneOffer);
    assert.equal(remote.address, '192.0.2.10');
    assert.equal(remote.port, 49170);
    assert.deepEqual(remote.codecs, [
      { name: 'PCMA', payloadType: 8 },
      { name: 'PCMU', payloadType: 0 },
    ]);
    assert.deepEqual(remote.telephoneEvent, { payloadType: 96, fmtp: '0-15' });
    assert.equal(remote.direction, 'sendrecv');
    assert.equal(remote.ptime, 20);
  });

  it('takes static payload types without rtpmap, and a media-level c= over the session one', () => {
    const remote = parseRemoteAudio(sdp('v=0', 'o=- 1 1 IN IP4 10.0.0.1', 's=-', 'c=IN IP4 10.0.0.1', 't=0 0', 'm=audio 5004 RTP/AVP 0 8', 'c=IN IP4 10.0.0.2'));
    assert.equal(remote.address, '10.0.0.2');
    assert.deepEqual(remote.codecs.map((c) => c.name), ['PCMU', 'PCMA']);
    assert.equal(remote.telephoneEvent, undefined);
  });

  it('skips a refused or unusable audio stream for a later usable one', () => {
    const remote = parseRemoteAudio(
      sdp('v=0', 'o=- 1 1 IN IP4 10.0.0.1', 's=-', 'c=IN IP4 10.0.0.1', 't=0 0', 'm=video 6000 RTP/AVP 96', 'm=audio 7000 RTP/SAVP 0', 'm=audio 7002 RTP/AVP 0'),
    );
    assert.equal(remote.mediaIndex, 2);
    assert.equal(remote.port, 7002);
  });

  it('reads old and new ways of putting a call on hold', () => {
    const sendonly = parseRemoteAudio(softphoneOffer.replace('a=sendrecv', 'a=sendonly'));
    assert.equal(sendonly.direction, 'sendonly');
    assert.equal(negotiateAnswer(sendonly).direction, 'recvonly');
    const zeroAddress = negotiateAnswer(parseRemoteAudio(softphoneOffer.replace('c=IN IP4 192.0.2.10', 'c=IN IP4 0.0.0.0')));
    assert.equal(zeroAddress.remote, undefined);
    const sessionLevel = parseRemoteAudio(sdp('v=0', 'o=- 1 1 IN IP4 10.0.0.1', 's=-', 'c=IN IP4 10.0.0.1', 't=0 0', 'a=inactive', 'm=audio 5004 RTP/AVP 0'));
    assert.equal(sessionLevel.direction, 'inactive');
  });

  it('throws SdpError with a reason for SDP without usable audio', () => {
    const cases: [string, string, RegExp][] = [
      ['no body', '', /no SDP/],
      ['not SDP', 'hello world', /no SDP/],
      ['video only', sdp('v=0', 'o=- 1 1 IN IP4 10.0.0.1', 's=-', 'c=IN IP4 10.0.0.1', 't=0 0', 'm=video 6000 RTP/AVP 96'), /no audio/],
      ['only other codecs', softphoneOffer.replace('m=audio 49170 RTP/AVP 9 8 0 18 96', 'm=audio 49170 RTP/AVP 9 18 96'), /G722\/8000, G729\/8000.*PCMU or PCMA/],
      ['SRTP', softphoneOffer.replace('RTP/AVP', 'RTP/SAVP'), /RTP\/SAVP not supported/],
      ['WebRTC', softphoneOffer.replace('RTP/AVP', 'UDP/TLS/RTP/SAVPF'), /not supported/],
      ['audio refused', softphoneOffer.replace('m=audio 49170', 'm=audio 0'), /port 0/],
      ['no c= line', softphoneOffer.replace('c=IN IP4 192.0.2.10\r\n', ''), /no connection address/],
      ['PCMU at 16 kHz', sdp('v=0', 'o=- 1 1 IN IP4 10.0.0.1', 's=-', 'c=IN IP4 10.0.0.1', 't=0 0', 'm=audio 5004 RTP/AVP 97', 'a=rtpmap:97 PCMU/16000'), /PCMU\/16000/],
    ];
    for (const [name, text, message] of cases) {
      assert.throws(() => parseRemoteAudio(text), (err: unknown) => err instanceof SdpError && message.test(err.message), name);
    }
  });
});

describe('answering an offer', () => {
  it("chooses the offerer's preferred G.711 codec and keeps its telephone-event number", () => {
    const offer = parseRemoteAudio(softphoneOffer);
    const session = negotiateAnswer(offer);
    assert.equal(session.codec, 'PCMA');
    assert.equal(session.payloadType, 8);
    assert.equal(session.telephoneEvent, 96);
    assert.deepEqual(session.remote, { address: '192.0.2.10', port: 49170 });
    assert.deepEqual(session.receive, [
      { payloadType: 8, kind: 'PCMA' },
      { payloadType: 96, kind: 'telephone-event' },
    ]);
  });

  it('writes our address and port, the chosen codec, telephone-event, ptime 20 and sendrecv', () => {
    const offer = parseRemoteAudio(softphoneOffer);
    const text = buildAnswer(softphoneOffer, offer, negotiateAnswer(offer), local);
    const { parsed, m } = audioOf(text);
    assert.equal(parsed.connection?.ip, '127.0.0.1');
    assert.equal(parsed.origin.address, '127.0.0.1');
    assert.equal(m.port, 20002);
    assert.equal(m.protocol, 'RTP/AVP');
    assert.equal(m.payloads, '8 96');
    assert.deepEqual(m.rtp.map((r) => `${r.payload} ${r.codec}/${r.rate}`), ['8 PCMA/8000', '96 telephone-event/8000']);
    assert.deepEqual(m.fmtp, [{ payload: 96, config: '0-15' }]);
    assert.equal(m.ptime, 20);
    assert.equal(m.direction, 'sendrecv');
    assert.match(text, /^v=0\r\n/);
    assert.doesNotMatch(text, /\n\r?\n./);
  });

  it('leaves telephone-event out when it was not offered', () => {
    const text = sdp('v=0', 'o=- 1 1 IN IP4 10.0.0.1', 's=-', 'c=IN IP4 10.0.0.1', 't=0 0', 'm=audio 5004 RTP/AVP 0');
    const offer = parseRemoteAudio(text);
    const { m } = audioOf(buildAnswer(text, offer, negotiateAnswer(offer), local));
    assert.equal(String(m.payloads), '0');
  });

  it('refuses the other m-lines with port 0, keeping their order', () => {
    const text = sdp('v=0', 'o=- 1 1 IN IP4 10.0.0.1', 's=-', 'c=IN IP4 10.0.0.1', 't=0 0', 'm=video 6000 RTP/AVP 96 97', 'a=rtpmap:96 H264/90000', 'm=audio 5004 RTP/AVP 0 101', 'a=rtpmap:101 telephone-event/8000');
    const offer = parseRemoteAudio(text);
    const parsed = sdpTransform.parse(buildAnswer(text, offer, negotiateAnswer(offer), local));
    assert.equal(parsed.media.length, 2);
    assert.deepEqual([parsed.media[0]!.type, parsed.media[0]!.port, String(parsed.media[0]!.payloads)], ['video', 0, '96']);
    assert.deepEqual([parsed.media[1]!.type, parsed.media[1]!.port, String(parsed.media[1]!.payloads)], ['audio', 20002, '0 101']);
  });

  it('answers a hold offer (sendonly) with recvonly', () => {
    const text = softphoneOffer.replace('a=sendrecv', 'a=sendonly');
    const offer = parseRemoteAudio(text);
    assert.equal(audioOf(buildAnswer(text, offer, negotiateAnswer(offer), local)).m.direction, 'recvonly');
  });
});

describe('making an offer', () => {
  it('offers PCMU, PCMA and telephone-event 101 at 20 ms, sendrecv', () => {
    const { parsed, m } = audioOf(buildOffer(local));
    assert.equal(parsed.connection?.ip, '127.0.0.1');
    assert.equal(m.port, 20002);
    assert.equal(m.payloads, '0 8 101');
    assert.deepEqual(m.rtp.map((r) => `${r.payload} ${r.codec}/${r.rate}`), ['0 PCMU/8000', '8 PCMA/8000', '101 telephone-event/8000']);
    assert.deepEqual(m.fmtp, [{ payload: 101, config: '0-16' }]);
    assert.equal(m.ptime, 20);
    assert.equal(m.direction, 'sendrecv');
  });

  it('writes IPv6 addresses as IN IP6', () => {
    const text = buildOffer({ ...local, address: '::1' });
    assert.match(text, /c=IN IP6 ::1/);
    assert.match(text, /o=- 1234 0 IN IP6 ::1/);
  });

  it('follows the answer: its codec to send, both numbers accepted for what it listed', () => {
    const answer = sdp('v=0', 'o=- 5 5 IN IP4 10.0.0.9', 's=-', 'c=IN IP4 10.0.0.9', 't=0 0', 'm=audio 4000 RTP/AVP 8 96', 'a=rtpmap:8 PCMA/8000', 'a=rtpmap:96 telephone-event/8000');
    const session = negotiateFromAnswer(parseRemoteAudio(answer));
    assert.equal(session.codec, 'PCMA');
    assert.equal(session.payloadType, 8);
    assert.equal(session.telephoneEvent, 96);
    assert.deepEqual(session.remote, { address: '10.0.0.9', port: 4000 });
    assert.deepEqual(
      session.receive.map((r) => `${r.payloadType}:${r.kind}`),
      ['8:PCMA', '101:telephone-event', '96:telephone-event'],
    );
  });
});
