// G.711 (ITU-T): PCMU (µ-law) and PCMA (A-law) for 16-bit linear PCM at 8 kHz.
// Everything on the hot path is a table lookup: a 64 KiB encode table per law
// (indexed by the sample's 16 bits), a 256-entry decode table, and 256-entry
// tables that turn one law straight into the other for the bridge.
//
// The per-sample formulas are the classic ones from the ITU reference and the
// public-domain Sun g711.c; the tables are built from them once at load.

export type CodecName = 'PCMU' | 'PCMA';

/** Static RTP payload types (RFC 3551). */
export const PCMU_PAYLOAD_TYPE = 0;
export const PCMA_PAYLOAD_TYPE = 8;

export const SAMPLE_RATE = 8000;

const MULAW_BIAS = 0x84;
const MULAW_CLIP = 32635;

/** µ-law byte for one 16-bit sample (the formula; use the tables in loops). */
export function mulawFromLinear(sample: number): number {
  let s = sample | 0;
  const sign = s < 0 ? 0x80 : 0;
  if (sign) s = -s;
  if (s > MULAW_CLIP) s = MULAW_CLIP;
  s += MULAW_BIAS;
  let exponent = 7;
  for (let mask = 0x4000; (s & mask) === 0 && exponent > 0; mask >>= 1) exponent--;
  const mantissa = (s >> (exponent + 3)) & 0x0f;
  return ~(sign | (exponent << 4) | mantissa) & 0xff;
}

/** 16-bit sample for one µ-law byte. */
export function linearFromMulaw(byte: number): number {
  const u = ~byte & 0xff;
  const exponent = (u >> 4) & 0x07;
  const magnitude = ((((u & 0x0f) << 3) + MULAW_BIAS) << exponent) - MULAW_BIAS;
  return u & 0x80 ? -magnitude | 0 : magnitude; // | 0: no -0
}

const ALAW_SEGMENT_ENDS = [0x1f, 0x3f, 0x7f, 0xff, 0x1ff, 0x3ff, 0x7ff, 0xfff];

/** A-law byte for one 16-bit sample (the formula; use the tables in loops). */
export function alawFromLinear(sample: number): number {
  let v = (sample | 0) >> 3;
  let mask: number;
  if (v >= 0) {
    mask = 0xd5;
  } else {
    mask = 0x55;
    v = -v - 1;
  }
  let segment = 0;
  while (segment < 8 && v > ALAW_SEGMENT_ENDS[segment]!) segment++;
  if (segment >= 8) return 0x7f ^ mask;
  let a = segment << 4;
  a |= segment < 2 ? (v >> 1) & 0x0f : (v >> segment) & 0x0f;
  return a ^ mask;
}

/** 16-bit sample for one A-law byte. */
export function linearFromAlaw(byte: number): number {
  const a = (byte & 0xff) ^ 0x55;
  let t = (a & 0x0f) << 4;
  const segment = (a & 0x70) >> 4;
  if (segment === 0) t += 8;
  else if (segment === 1) t += 0x108;
  else t = (t + 0x108) << (segment - 1);
  return a & 0x80 ? t : -t;
}

function encodeTable(formula: (sample: number) => number): Uint8Array {
  const table = new Uint8Array(65536);
  for (let i = 0; i < 65536; i++) table[i] = formula((i << 16) >> 16);
  return table;
}

function decodeTable(formula: (byte: number) => number): Int16Array {
  const table = new Int16Array(256);
  for (let i = 0; i < 256; i++) table[i] = formula(i);
  return table;
}

/** Indexed by `sample & 0xffff`. */
export const MULAW_ENCODE = encodeTable(mulawFromLinear);
export const ALAW_ENCODE = encodeTable(alawFromLinear);
export const MULAW_DECODE = decodeTable(linearFromMulaw);
export const ALAW_DECODE = decodeTable(linearFromAlaw);

/** µ-law byte → A-law byte of the same level (through linear), and back. */
export const MULAW_TO_ALAW = new Uint8Array(256).map((_, i) => ALAW_ENCODE[MULAW_DECODE[i]! & 0xffff]!);
export const ALAW_TO_MULAW = new Uint8Array(256).map((_, i) => MULAW_ENCODE[ALAW_DECODE[i]! & 0xffff]!);

/** One G.711 law: its RTP payload type, tables and digital silence. */
export interface G711Codec {
  readonly name: CodecName;
  readonly payloadType: number;
  readonly encodeTable: Uint8Array;
  readonly decodeTable: Int16Array;
  /** The byte for a zero sample. */
  readonly silence: number;
}

export const PCMU: G711Codec = {
  name: 'PCMU',
  payloadType: PCMU_PAYLOAD_TYPE,
  encodeTable: MULAW_ENCODE,
  decodeTable: MULAW_DECODE,
  silence: MULAW_ENCODE[0]!,
};

export const PCMA: G711Codec = {
  name: 'PCMA',
  payloadType: PCMA_PAYLOAD_TYPE,
  encodeTable: ALAW_ENCODE,
  decodeTable: ALAW_DECODE,
  silence: ALAW_ENCODE[0]!,
};

export const codecs: Readonly<Record<CodecName, G711Codec>> = { PCMU, PCMA };

/** Encodes `count` samples of `pcm` from `pcmOffset` into `out` at `outOffset`. */
export function encode(codec: G711Codec, pcm: Int16Array, out: Uint8Array, pcmOffset = 0, count = pcm.length - pcmOffset, outOffset = 0): void {
  const table = codec.encodeTable;
  for (let i = 0; i < count; i++) out[outOffset + i] = table[pcm[pcmOffset + i]! & 0xffff]!;
}

/** Decodes `count` bytes of `bytes` from `offset` into `out` at `outOffset`. */
export function decode(codec: G711Codec, bytes: Uint8Array, out: Int16Array, offset = 0, count = bytes.length - offset, outOffset = 0): void {
  const table = codec.decodeTable;
  for (let i = 0; i < count; i++) out[outOffset + i] = table[bytes[offset + i]!]!;
}

/** The table turning `from` bytes into `to` bytes, or undefined when they are the same law. */
export function transcodeTable(from: CodecName, to: CodecName): Uint8Array | undefined {
  if (from === to) return undefined;
  return from === 'PCMU' ? MULAW_TO_ALAW : ALAW_TO_MULAW;
}
