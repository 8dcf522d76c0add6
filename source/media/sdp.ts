// SDP offer/answer (RFC 3264) for one G.711 audio stream, with sdp-transform.
// We answer an offer by taking its first usable audio m-line, choosing PCMU or
// PCMA in the offerer's order of preference and keeping telephone-event when
// offered; every other m-line is refused with port 0, as RFC 3264 requires.
// We offer PCMU, PCMA and telephone-event 101. An SDP we cannot use throws
// SdpError, which the switchboard turns into 488 Not Acceptable Here.
import { isIPv6 } from 'node:net';
import sdpTransform, { type MediaDescription, type SessionDescription } from 'sdp-transform';
import { PCMA_PAYLOAD_TYPE, PCMU_PAYLOAD_TYPE, type CodecName } from './g711.js';

export class SdpError extends Error {
  override name = 'SdpError';
}

export type Direction = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

/** The payload type we offer telephone-event on. */
export const OFFERED_TELEPHONE_EVENT_PT = 101;
export const PTIME_MS = 20;

/** The usable audio stream of a remote SDP (an offer or an answer). */
export interface RemoteAudio {
  /** Index of the m-line, to mirror the others when answering. */
  mediaIndex: number;
  /** Where the remote wants our RTP; 0.0.0.0 (old-style hold) means "send nothing". */
  address: string;
  port: number;
  /** G.711 codecs the remote listed, in its order of preference, with its payload types. */
  codecs: { name: CodecName; payloadType: number }[];
  /** The remote's telephone-event (8 kHz) payload type, if listed. */
  telephoneEvent?: { payloadType: number; fmtp?: string };
  /** The remote's direction, from its point of view. */
  direction: Direction;
  ptime?: number;
}

/** What one leg agreed to: how to send and what to accept. */
export interface AudioSession {
  /** Where the remote's SDP asks for our packets; undefined = nowhere (hold, port 0). */
  remote?: { address: string; port: number };
  /** The codec and payload types we send with (the remote's numbers). */
  codec: CodecName;
  payloadType: number;
  telephoneEvent?: number;
  /** Payload types we accept, by number (ours and, for robustness, the remote's). */
  receive: { payloadType: number; kind: CodecName | 'telephone-event' }[];
  /** Our direction. */
  direction: Direction;
}

export interface LocalAddress {
  /** The address written in c= and o= (what phones send RTP to). */
  address: string;
  port: number;
  /** o= session id and version; bump the version for every new SDP of one leg. */
  sessionId: number;
  sessionVersion: number;
}

/** The first usable audio stream in `sdp`. Throws SdpError when there is none. */
export function parseRemoteAudio(sdp: string): RemoteAudio {
  if (typeof sdp !== 'string' || !/^v=0/m.test(sdp)) throw new SdpError('no SDP body (expected an SDP offer or answer with audio)');
  let session: SessionDescription;
  try {
    session = sdpTransform.parse(sdp);
  } catch (err) {
    throw new SdpError(`unreadable SDP: ${(err as Error).message}`);
  }
  const media = Array.isArray(session.media) ? session.media : [];
  const audio = media.map((m, index) => ({ m, index })).filter(({ m }) => m.type === 'audio');
  if (audio.length === 0) throw new SdpError('SDP has no audio stream');
  const problems: string[] = [];
  for (const { m, index } of audio) {
    const found = usableAudio(session, m, index, problems);
    if (found) return found;
  }
  throw new SdpError(`SDP has no usable audio: ${problems.join('; ')}`);
}

function usableAudio(session: SessionDescription, m: MediaDescription, index: number, problems: string[]): RemoteAudio | undefined {
  if (!m.port) {
    problems.push('audio stream refused (port 0)');
    return undefined;
  }
  if (m.protocol !== 'RTP/AVP') {
    problems.push(`audio transport ${m.protocol} not supported (plain RTP/AVP only)`);
    return undefined;
  }
  const address = m.connection?.ip ?? session.connection?.ip;
  if (!address) {
    problems.push('audio stream has no connection address (c=)');
    return undefined;
  }
  const rtpmap = new Map((m.rtp ?? []).map((r) => [r.payload, r]));
  const payloadTypes = String(m.payloads ?? '')
    .split(/\s+/)
    .filter((p) => /^\d+$/.test(p))
    .map(Number);
  const codecs: RemoteAudio['codecs'] = [];
  let telephoneEvent: RemoteAudio['telephoneEvent'];
  const others: string[] = [];
  for (const pt of payloadTypes) {
    const map = rtpmap.get(pt);
    const name = map ? map.codec.toUpperCase() : pt === PCMU_PAYLOAD_TYPE ? 'PCMU' : pt === PCMA_PAYLOAD_TYPE ? 'PCMA' : `PT ${pt}`;
    const rate = map?.rate ?? 8000;
    const channels = map?.encoding ?? 1;
    if ((name === 'PCMU' || name === 'PCMA') && rate === 8000 && channels === 1) {
      if (!codecs.some((c) => c.name === name)) codecs.push({ name, payloadType: pt });
    } else if (name === 'TELEPHONE-EVENT' && rate === 8000) {
      telephoneEvent ??= { payloadType: pt, fmtp: m.fmtp?.find((f) => f.payload === pt)?.config };
    } else {
      others.push(map ? `${map.codec}/${rate}` : name);
    }
  }
  if (codecs.length === 0) {
    problems.push(`audio offered only with codecs we do not speak (${others.join(', ') || 'none'}); we need PCMU or PCMA`);
    return undefined;
  }
  const direction = m.direction ?? (session as { direction?: Direction }).direction ?? 'sendrecv';
  return { mediaIndex: index, address, port: m.port, codecs, telephoneEvent, direction, ptime: m.ptime };
}

const answerDirection: Record<Direction, Direction> = {
  sendrecv: 'sendrecv',
  sendonly: 'recvonly',
  recvonly: 'sendonly',
  inactive: 'inactive',
};

function remoteTarget(remote: RemoteAudio): AudioSession['remote'] {
  const unspecified = remote.address === '0.0.0.0' || remote.address === '::';
  return unspecified || remote.port === 0 ? undefined : { address: remote.address, port: remote.port };
}

/** What we agree to when answering `offer`: its most preferred G.711 codec, and telephone-event if offered. */
export function negotiateAnswer(offer: RemoteAudio): AudioSession {
  const chosen = offer.codecs[0]!;
  const receive: AudioSession['receive'] = [{ payloadType: chosen.payloadType, kind: chosen.name }];
  if (offer.telephoneEvent) receive.push({ payloadType: offer.telephoneEvent.payloadType, kind: 'telephone-event' });
  return {
    remote: remoteTarget(offer),
    codec: chosen.name,
    payloadType: chosen.payloadType,
    telephoneEvent: offer.telephoneEvent?.payloadType,
    receive,
    direction: answerDirection[offer.direction],
  };
}

/**
 * What was agreed when `answer` replies to our offer (PCMU 0, PCMA 8,
 * telephone-event 101). We send with the answerer's first codec; we accept
 * either law it listed, on our numbers and on its own, since phones differ.
 */
export function negotiateFromAnswer(answer: RemoteAudio): AudioSession {
  const chosen = answer.codecs[0]!;
  const receive: AudioSession['receive'] = [];
  const accept = (payloadType: number, kind: AudioSession['receive'][number]['kind']) => {
    if (!receive.some((r) => r.payloadType === payloadType)) receive.push({ payloadType, kind });
  };
  for (const c of answer.codecs) {
    accept(c.name === 'PCMU' ? PCMU_PAYLOAD_TYPE : PCMA_PAYLOAD_TYPE, c.name);
    accept(c.payloadType, c.name);
  }
  if (answer.telephoneEvent) {
    accept(OFFERED_TELEPHONE_EVENT_PT, 'telephone-event');
    accept(answer.telephoneEvent.payloadType, 'telephone-event');
  }
  return {
    remote: remoteTarget(answer),
    codec: chosen.name,
    payloadType: chosen.payloadType,
    telephoneEvent: answer.telephoneEvent?.payloadType,
    receive,
    direction: answerDirection[answer.direction],
  };
}

/** What we accept between sending our offer and hearing the answer: what we offered. */
export function offeredSession(): AudioSession {
  return {
    codec: 'PCMU',
    payloadType: PCMU_PAYLOAD_TYPE,
    receive: [
      { payloadType: PCMU_PAYLOAD_TYPE, kind: 'PCMU' },
      { payloadType: PCMA_PAYLOAD_TYPE, kind: 'PCMA' },
      { payloadType: OFFERED_TELEPHONE_EVENT_PT, kind: 'telephone-event' },
    ],
    direction: 'sendrecv',
  };
}

function sessionLines(local: LocalAddress, media: MediaDescription[]): SessionDescription {
  const ipVer = isIPv6(local.address) ? 6 : 4;
  return {
    version: 0,
    origin: { username: '-', sessionId: local.sessionId, sessionVersion: local.sessionVersion, netType: 'IN', ipVer, address: local.address },
    name: '-',
    connection: { version: ipVer, ip: local.address },
    timing: { start: 0, stop: 0 },
    media,
  };
}

function audioLine(port: number, codecs: { name: string; payloadType: number }[], telephoneEvent: { payloadType: number; fmtp?: string } | undefined, direction: Direction): MediaDescription {
  const rtp: MediaDescription['rtp'] = codecs.map((c) => ({ payload: c.payloadType, codec: c.name, rate: 8000 }));
  const fmtp: MediaDescription['fmtp'] = [];
  if (telephoneEvent) {
    rtp.push({ payload: telephoneEvent.payloadType, codec: 'telephone-event', rate: 8000 });
    fmtp.push({ payload: telephoneEvent.payloadType, config: telephoneEvent.fmtp ?? '0-16' });
  }
  return {
    type: 'audio',
    port,
    protocol: 'RTP/AVP',
    payloads: rtp.map((r) => r.payload).join(' '),
    rtp,
    fmtp,
    ptime: PTIME_MS,
    direction,
  };
}

/** Our answer to `offerSdp`, agreeing to `session` (from negotiateAnswer) on `local`. */
export function buildAnswer(offerSdp: string, offer: RemoteAudio, session: AudioSession, local: LocalAddress): string {
  const offered = sdpTransform.parse(offerSdp).media;
  const media = offered.map((m, index): MediaDescription => {
    if (index === offer.mediaIndex) {
      const codec = offer.codecs.find((c) => c.name === session.codec)!;
      return audioLine(local.port, [codec], offer.telephoneEvent, session.direction);
    }
    // Refused: port 0, same media type, transport and at least one format.
    const first = String(m.payloads ?? '').split(/\s+/)[0] || '0';
    return { type: m.type, port: 0, protocol: m.protocol, payloads: first, rtp: [], fmtp: [] };
  });
  return sdpTransform.write(sessionLines(local, media));
}

/** Our offer: PCMU, PCMA and telephone-event 101, 20 ms, sendrecv. */
export function buildOffer(local: LocalAddress, direction: Direction = 'sendrecv'): string {
  const codecs = [
    { name: 'PCMU', payloadType: PCMU_PAYLOAD_TYPE },
    { name: 'PCMA', payloadType: PCMA_PAYLOAD_TYPE },
  ];
  return sdpTransform.write(sessionLines(local, [audioLine(local.port, codecs, { payloadType: OFFERED_TELEPHONE_EVENT_PT }, direction)]));
}
