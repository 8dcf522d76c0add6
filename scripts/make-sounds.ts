// Writes the switchboard's sounds to sounds/: hold music, the *60 self-test
// music and a ringback, synthesised by source/media/synth.ts as 8 kHz 16-bit
// mono WAV. Run after changing synth.ts and commit the files it writes:
//
//   node --import tsx scripts/make-sounds.ts [folder]
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { soundMakers, SOUND_RATE } from '../source/media/synth.js';
import { encodeWav } from '../source/media/wav.js';
import { measureLevel } from '../source/media/level.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const folder = path.resolve(process.argv[2] ?? path.join(root, 'sounds'));
mkdirSync(folder, { recursive: true });

for (const [name, make] of Object.entries(soundMakers)) {
  const samples = make();
  const file = path.join(folder, `${name}.wav`);
  const bytes = encodeWav({ sampleRate: SOUND_RATE, channels: 1 }, samples);
  writeFileSync(file, bytes);
  const { rmsDbfs, peakDbfs } = measureLevel(samples);
  console.log(
    `${path.relative(process.cwd(), file)}: ${(samples.length / SOUND_RATE).toFixed(1)} s, ${(bytes.length / 1024).toFixed(0)} KiB, ` +
      `RMS ${rmsDbfs.toFixed(1)} dBFS, peak ${peakDbfs.toFixed(1)} dBFS`,
  );
}
