import assert from 'node:assert/strict';
import { statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { defaultSoundsDirectory, loadSound, Sound, SOUND_NAMES } from '../../source/media/sound.js';
import { encodeWav, readWavFile } from '../../source/media/wav.js';
import { temporaryFolder } from './support.js';
import { measureLevel, zeroCrossingFrequency } from '../../source/media/level.js';
import { holdMusic, ringback, testMusic } from '../../source/media/synth.js';
import { PCMU } from '../../source/media/g711.js';

const folder = defaultSoundsDirectory();

describe('the sounds in sounds/', () => {
  for (const name of SOUND_NAMES) {
    it(`${name}.wav is 8 kHz 16-bit mono, a few seconds long, small and not silent`, () => {
      const file = path.join(folder, `${name}.wav`);
      assert.ok(statSync(file).size < 200 * 1024, 'under 200 KB');
      const wav = readWavFile(file);
      assert.equal(wav.sampleRate, 8000);
      assert.equal(wav.channels, 1);
      assert.equal(wav.bitsPerSample, 16);
      const seconds = wav.samples.length / 8000;
      assert.ok(seconds >= 3 && seconds <= 12, `${seconds} s`);
      const level = measureLevel(wav.samples);
      assert.ok(level.rmsDbfs > -30, `RMS ${level.rmsDbfs} dBFS`);
      assert.ok(level.peakDbfs < -1, `peak ${level.peakDbfs} dBFS leaves headroom`);
    });
  }

  it('are what the synthesiser makes (run scripts/make-sounds.ts after changing it)', () => {
    const made = { hold: holdMusic(), test: testMusic(), ring: ringback() };
    for (const name of SOUND_NAMES) {
      const onDisk = readWavFile(path.join(folder, `${name}.wav`)).samples;
      const fresh = made[name];
      assert.equal(onDisk.length, fresh.length, name);
      // Math.sin may differ in the last bit between platforms: allow off-by-one samples.
      let worst = 0;
      for (let i = 0; i < fresh.length; i++) worst = Math.max(worst, Math.abs(onDisk[i]! - fresh[i]!));
      assert.ok(worst <= 1, `${name}: differs by up to ${worst}`);
    }
  });

  it('ring is 425 Hz for one second, then four seconds of silence', () => {
    const ring = loadSound(path.join(folder, 'ring.wav'));
    const on = ring.pcm.subarray(400, 7600);
    assert.ok(Math.abs(zeroCrossingFrequency(on) - 425) < 3);
    assert.ok(measureLevel(ring.pcm, 8000, 32000).peakDbfs < -100);
  });

  it('hold and test music loop without a click at the seam', () => {
    for (const name of ['hold', 'test']) {
      const pcm = loadSound(path.join(folder, `${name}.wav`)).pcm;
      const jump = Math.abs(pcm[0]! - pcm[pcm.length - 1]!);
      let typical = 0;
      for (let i = 1; i < pcm.length; i++) typical = Math.max(typical, Math.abs(pcm[i]! - pcm[i - 1]!));
      assert.ok(jump <= typical, `${name}: seam step ${jump}, largest step inside ${typical}`);
    }
  });
});

describe('a Sound', () => {
  it('encodes once per codec, with the first frame repeated at the end for looping', () => {
    const sound = new Sound('beep', new Int16Array(400).map((_, i) => i * 10));
    const bytes = sound.encoded('PCMU');
    assert.equal(bytes, sound.encoded('PCMU'));
    assert.equal(bytes.length, 400 + 160);
    assert.equal(bytes[0], PCMU.encodeTable[0]);
    assert.deepEqual([...bytes.subarray(400)], [...bytes.subarray(0, 160)]);
    assert.notEqual(sound.encoded('PCMA'), bytes);
  });

  it('refuses a WAV that is not 8 kHz mono', () => {
    const file = path.join(temporaryFolder(), 'wide.wav');
    writeFileSync(file, encodeWav({ sampleRate: 16000, channels: 1 }, new Int16Array(10)));
    assert.throws(() => loadSound(file), /8 kHz mono/);
  });
});
