// RTP packets (RFC 3550) and telephone-events (RFC 4733, DTMF). Parsing fills
// a reusable RtpPacket in place instead of allocating per packet, and never
// throws: anything that is not a well-formed version-2 RTP packet (RTCP, STUN,
// truncated or padded past its end, stray bytes) is `undefined`.

export const RTP_HEADER_SIZE = 12;

/** A parsed packet: header fields plus where the payload sits in `buffer`. */
export class RtpPacket {
  buffer: Uint8Array = new Uint8Array(0);
  marker = false;
  payloadType = 0;
  sequenceNumber = 0;
  timestamp = 0;
  ssrc = 0;
  csrcCount = 0;
  hasExtension = false;
  hasPadding = false;
  payloadOffset = 0;
  payloadLength = 0;

  /** A copy of the payload (allocates; for tests and logs, not the hot path). */
  payload(): Uint8Array {
    return this.buffer.slice(this.payloadOffset, this.payloadOffset + this.payloadLength);
  }
}

/**
 * Parses `buffer` as RTP into `into` (a fresh RtpPacket if not given).
 * Undefined for anything else. The packet keeps a reference to `buffer`.
 */
export function parseRtp(buffer: Uint8Array, into: RtpPacket = new RtpPacket()): RtpPacket | undefined {
  const length = buffer.length;
  if (length < RTP_HEADER_SIZE) return undefined;
  const b0 = buffer[0]!;
  if (b0 >> 6 !== 2) return undefined;
  const b1 = buffer[1]!;
  const payloadType = b1 & 0x7f;
  // RTCP shares the port under rtcp-mux: packet types 200-204 read as PT 72-76 (RFC 5761).
  if (payloadType >= 72 && payloadType <= 76) return undefined;
  const csrcCount = b0 & 0x0f;
  let offset = RTP_HEADER_SIZE + 4 * csrcCount;
  if (offset > length) return undefined;
  const hasExtension = (b0 & 0x10) !== 0;
  if (hasExtension) {
    if (offset + 4 > length) return undefined;
    offset += 4 + 4 * ((buffer[offset + 2]! << 8) | buffer[offset + 3]!);
    if (offset > length) return undefined;
  }
  let end = length;
  const hasPadding = (b0 & 0x20) !== 0;
  if (hasPadding) {
    const padding = buffer[length - 1]!;
    if (padding === 0 || offset + padding > length) return undefined;
    end -= padding;
  }
  into.buffer = buffer;
  into.marker = (b1 & 0x80) !== 0;
  into.payloadType = payloadType;
  into.sequenceNumber = (buffer[2]! << 8) | buffer[3]!;
  into.timestamp = readUint32(buffer, 4);
  into.ssrc = readUint32(buffer, 8);
  into.csrcCount = csrcCount;
  into.hasExtension = hasExtension;
  into.hasPadding = hasPadding;
  into.payloadOffset = offset;
  into.payloadLength = end - offset;
  return into;
}

export interface RtpHeader {
  marker: boolean;
  payloadType: number;
  sequenceNumber: number;
  timestamp: number;
  ssrc: number;
}

/** Writes a plain 12-byte header (no CSRC, extension or padding) at `offset`; returns its size. */
export function writeRtpHeader(buffer: Uint8Array, offset: number, marker: boolean, payloadType: number, sequenceNumber: number, timestamp: number, ssrc: number): number {
  buffer[offset] = 0x80;
  buffer[offset + 1] = (marker ? 0x80 : 0) | (payloadType & 0x7f);
  buffer[offset + 2] = (sequenceNumber >> 8) & 0xff;
  buffer[offset + 3] = sequenceNumber & 0xff;
  writeUint32(buffer, offset + 4, timestamp);
  writeUint32(buffer, offset + 8, ssrc);
  return RTP_HEADER_SIZE;
}

/** A whole packet in a new buffer (allocates; for tests and simulated phones). */
export function buildRtp(header: RtpHeader, payload: Uint8Array): Buffer {
  const packet = Buffer.allocUnsafe(RTP_HEADER_SIZE + payload.length);
  writeRtpHeader(packet, 0, header.marker, header.payloadType, header.sequenceNumber, header.timestamp, header.ssrc);
  packet.set(payload, RTP_HEADER_SIZE);
  return packet;
}

function readUint32(buffer: Uint8Array, offset: number): number {
  return ((buffer[offset]! << 24) | (buffer[offset + 1]! << 16) | (buffer[offset + 2]! << 8) | buffer[offset + 3]!) >>> 0;
}

function writeUint32(buffer: Uint8Array, offset: number, value: number): void {
  buffer[offset] = (value >>> 24) & 0xff;
  buffer[offset + 1] = (value >>> 16) & 0xff;
  buffer[offset + 2] = (value >>> 8) & 0xff;
  buffer[offset + 3] = value & 0xff;
}

// ------------------------------------------------------------ RFC 4733

export const TELEPHONE_EVENT_SIZE = 4;

export interface TelephoneEvent {
  /** 0-9, 10 = *, 11 = #, 12-15 = A-D, 16 = flash. */
  event: number;
  end: boolean;
  /** Power level, 0 to 63 meaning 0 to -63 dBm0. */
  volume: number;
  /** In timestamp units (1/8000 s) since the event's timestamp. */
  duration: number;
}

/** The event in an RTP payload; undefined when it is too short to be one. */
export function parseTelephoneEvent(buffer: Uint8Array, offset = 0, length = buffer.length - offset): TelephoneEvent | undefined {
  if (length < TELEPHONE_EVENT_SIZE) return undefined;
  const flags = buffer[offset + 1]!;
  return {
    event: buffer[offset]!,
    end: (flags & 0x80) !== 0,
    volume: flags & 0x3f,
    duration: (buffer[offset + 2]! << 8) | buffer[offset + 3]!,
  };
}

export function buildTelephoneEvent(event: TelephoneEvent): Uint8Array {
  const payload = new Uint8Array(TELEPHONE_EVENT_SIZE);
  payload[0] = event.event & 0xff;
  payload[1] = (event.end ? 0x80 : 0) | (event.volume & 0x3f);
  payload[2] = (event.duration >> 8) & 0xff;
  payload[3] = event.duration & 0xff;
  return payload;
}

const DTMF_DIGITS = '0123456789*#ABCD';

/** The key for an event number ('0'-'9', '*', '#', 'A'-'D', 'flash'), or undefined for others. */
export function dtmfDigit(event: number): string | undefined {
  if (event < DTMF_DIGITS.length) return DTMF_DIGITS[event];
  return event === 16 ? 'flash' : undefined;
}

/** The event number for a key, or undefined. */
export function dtmfEvent(digit: string): number | undefined {
  if (digit === 'flash') return 16;
  const i = DTMF_DIGITS.indexOf(digit.toUpperCase());
  return i < 0 || digit.length !== 1 ? undefined : i;
}
