// Sounds the engine plays: 8 kHz 16-bit mono PCM loaded from WAV files in
// sounds/, kept once per engine and encoded to each G.711 law on first use.
// The encoded copy carries the first frame again at its end, so a looping
// player always finds 160 contiguous bytes and sends them without copying.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { codecs, type CodecName } from './g711.js';
import { parseWav } from './wav.js';

export const SOUND_NAMES = ['hold', 'test', 'ring'] as const;
export type SoundName = (typeof SOUND_NAMES)[number];

const FRAME = 160;

export class Sound {
  readonly name: string;
  readonly pcm: Int16Array;
  readonly #encoded: Partial<Record<CodecName, Uint8Array>> = {};

  constructor(name: string, pcm: Int16Array) {
    if (pcm.length === 0) throw new Error(`sound ${name} is empty`);
    this.name = name;
    this.pcm = pcm;
  }

  get durationMs(): number {
    return (this.pcm.length / 8000) * 1000;
  }

  /** The sound in `codec`, followed by its first 160 bytes again (see the header comment). */
  encoded(codec: CodecName): Uint8Array {
    let bytes = this.#encoded[codec];
    if (!bytes) {
      const { encodeTable } = codecs[codec];
      const n = this.pcm.length;
      bytes = new Uint8Array(n + FRAME);
      for (let i = 0; i < n + FRAME; i++) bytes[i] = encodeTable[this.pcm[i % n]! & 0xffff]!;
      this.#encoded[codec] = bytes;
    }
    return bytes;
  }
}

/** Loads an 8 kHz 16-bit mono WAV as a Sound; throws with the file name when it is anything else. */
export function loadSound(file: string, name = path.basename(file, path.extname(file))): Sound {
  const wav = parseWav(readFileSync(file));
  if (wav.sampleRate !== 8000 || wav.channels !== 1) {
    throw new Error(`${file}: sounds must be 8 kHz mono 16-bit WAV (found ${wav.sampleRate} Hz, ${wav.channels} channels)`);
  }
  return new Sound(name, wav.samples);
}

/**
 * The package's sounds/ folder, found by walking up from this file: it runs
 * from source/media/ under tsx and from dist/source/media/ once built.
 */
export function defaultSoundsDirectory(from: string = path.dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json')) && existsSync(path.join(dir, 'sounds'))) return path.join(dir, 'sounds');
    if (path.dirname(dir) === dir) throw new Error(`no sounds/ folder found above ${from}`);
  }
}

export function soundFile(directory: string, name: SoundName): string {
  return path.join(directory, `${name}.wav`);
}
