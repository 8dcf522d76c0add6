// WAV (RIFF, 16-bit PCM) reading and writing. Reading is for the sounds in
// sounds/ and for tests; writing is either a whole file at once (the sound
// script) or streamed: WavFileWriter appends chunks to disk as a call goes on
// and brings the header's sizes up to date every few chunks, so a recording
// cut short by a crash is still a playable file up to that point.
import { open, type FileHandle } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { endianness } from 'node:os';

export const WAV_HEADER_SIZE = 44;
const LITTLE_ENDIAN = endianness() === 'LE';

export interface WavFormat {
  sampleRate: number;
  channels: number;
}

export interface Wav extends WavFormat {
  bitsPerSample: 16;
  /** Interleaved samples (for stereo: left, right, left, ...). */
  samples: Int16Array;
}

export class WavError extends Error {
  override name = 'WavError';
}

/** The 44-byte header of a 16-bit PCM WAV holding `dataBytes` bytes of samples. */
export function wavHeader(format: WavFormat, dataBytes: number): Buffer {
  const header = Buffer.alloc(WAV_HEADER_SIZE);
  const blockAlign = format.channels * 2;
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(Math.min(0xffffffff, 36 + dataBytes), 4);
  header.write('WAVE', 8, 'ascii');
  header.write('fmt ', 12, 'ascii');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(format.channels, 22);
  header.writeUInt32LE(format.sampleRate, 24);
  header.writeUInt32LE(format.sampleRate * blockAlign, 28);
  header.writeUInt16LE(blockAlign, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(Math.min(0xffffffff, dataBytes), 40);
  return header;
}

/** Little-endian bytes of `samples` (a copy). */
export function samplesToBytes(samples: Int16Array): Buffer {
  const bytes = Buffer.from(samples.buffer.slice(samples.byteOffset, samples.byteOffset + samples.byteLength));
  if (!LITTLE_ENDIAN) bytes.swap16();
  return bytes;
}

/** A whole WAV file in memory. */
export function encodeWav(format: WavFormat, samples: Int16Array): Buffer {
  return Buffer.concat([wavHeader(format, samples.byteLength), samplesToBytes(samples)]);
}

/** Parses a 16-bit PCM WAV (plain or WAVE_FORMAT_EXTENSIBLE), skipping unknown chunks. */
export function parseWav(file: Uint8Array): Wav {
  const buf = Buffer.from(file.buffer, file.byteOffset, file.byteLength);
  if (buf.length < 12 || buf.toString('ascii', 0, 4) !== 'RIFF' || buf.toString('ascii', 8, 12) !== 'WAVE') {
    throw new WavError('not a RIFF/WAVE file');
  }
  let format: { tag: number; channels: number; sampleRate: number; bits: number } | undefined;
  let offset = 12;
  while (offset + 8 <= buf.length) {
    const id = buf.toString('ascii', offset, offset + 4);
    const size = buf.readUInt32LE(offset + 4);
    const body = offset + 8;
    if (id === 'fmt ') {
      if (size < 16 || body + 16 > buf.length) throw new WavError('fmt chunk too short');
      let tag = buf.readUInt16LE(body);
      // WAVE_FORMAT_EXTENSIBLE: the real format is the first two bytes of the sub-format GUID.
      if (tag === 0xfffe && size >= 40) tag = buf.readUInt16LE(body + 24);
      format = { tag, channels: buf.readUInt16LE(body + 2), sampleRate: buf.readUInt32LE(body + 4), bits: buf.readUInt16LE(body + 14) };
    } else if (id === 'data') {
      if (!format) throw new WavError('data chunk before fmt chunk');
      if (format.tag !== 1 || format.bits !== 16) throw new WavError(`only 16-bit PCM is supported (format ${format.tag}, ${format.bits} bits)`);
      if (format.channels < 1) throw new WavError('no channels');
      // A header left at 0 or oversized by an interrupted writer: take what is there.
      const available = buf.length - body;
      const bytes = size === 0 || size > available ? available : size;
      const count = Math.floor(bytes / 2);
      const samples = new Int16Array(count);
      for (let i = 0; i < count; i++) samples[i] = buf.readInt16LE(body + 2 * i);
      return { sampleRate: format.sampleRate, channels: format.channels, bitsPerSample: 16, samples };
    }
    offset = body + size + (size & 1);
  }
  throw new WavError('no data chunk');
}

export function readWavFile(path: string): Wav {
  return parseWav(readFileSync(path));
}

/** One channel of interleaved samples. */
export function channel(wav: Wav, index: number): Int16Array {
  const frames = Math.floor(wav.samples.length / wav.channels);
  const out = new Int16Array(frames);
  for (let i = 0; i < frames; i++) out[i] = wav.samples[i * wav.channels + index]!;
  return out;
}

/**
 * A WAV file written as it grows. `append` hands over a buffer of
 * little-endian 16-bit samples that the writer then owns (do not reuse it);
 * writes are queued in order, and the header's sizes are brought up to date
 * every few appends. `close` writes the final sizes.
 */
export class WavFileWriter {
  readonly path: string;
  readonly format: WavFormat;
  #file: Promise<FileHandle>;
  #queue: Promise<void>;
  #dataBytes = 0;
  #error: Error | undefined;
  #closed = false;
  #closing: Promise<void> | undefined;
  #appends = 0;
  readonly #headerEvery: number;

  /** `headerEvery`: rewrite the header's sizes after every this many appends (default 5). */
  constructor(path: string, format: WavFormat, headerEvery = 5) {
    this.path = path;
    this.format = format;
    this.#headerEvery = Math.max(1, headerEvery);
    this.#file = open(path, 'w');
    // Catch here so an unopenable path is reported by close(), not as an unhandled rejection.
    this.#queue = this.#file.then(
      (fh) => fh.write(wavHeader(format, 0), 0, WAV_HEADER_SIZE, 0).then(() => undefined),
      (err: Error) => {
        this.#error = err;
      },
    );
  }

  /** Bytes of samples accepted so far. */
  get dataBytes(): number {
    return this.#dataBytes;
  }

  /** The first write error, if any (writing stops at the first one). */
  get error(): Error | undefined {
    return this.#error;
  }

  append(bytes: Buffer, length = bytes.length): void {
    if (this.#closed || this.#error || length <= 0) return;
    const position = WAV_HEADER_SIZE + this.#dataBytes;
    this.#dataBytes += length;
    const dataBytes = this.#dataBytes;
    // The header follows every few appends: crash-safe to within seconds, at a fraction of the writes.
    const updateHeader = ++this.#appends % this.#headerEvery === 0;
    this.#queue = this.#queue.then(async () => {
      if (this.#error) return;
      try {
        const fh = await this.#file;
        await fh.write(bytes, 0, length, position);
        if (updateHeader) await fh.write(wavHeader(this.format, dataBytes), 0, WAV_HEADER_SIZE, 0);
      } catch (err) {
        this.#error = err as Error;
      }
    });
  }

  /** Finishes pending writes, writes the final header and closes the file; rejects with the first error. */
  async close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    this.#closed = true;
    await this.#queue;
    const fh = await this.#file.catch(() => undefined);
    if (fh) {
      try {
        if (!this.#error) await fh.write(wavHeader(this.format, this.#dataBytes), 0, WAV_HEADER_SIZE, 0);
      } catch (err) {
        this.#error = err as Error;
      } finally {
        await fh.close();
      }
    }
    if (this.#error) throw this.#error;
  }
}
