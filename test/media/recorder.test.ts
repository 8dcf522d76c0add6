import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { FrameClock } from '../../source/media/frame-clock.js';
import { CallRecorder, type AudioSource } from '../../source/media/recorder.js';
import { WavError, WavFileWriter, channel, encodeWav, parseWav, readWavFile, wavHeader } from '../../source/media/wav.js';
import { measureLevel, SILENCE_DBFS } from '../../source/media/level.js';
import { ManualTime, strongestTone, temporaryFolder, tone, waitFor } from './support.js';

const folder = temporaryFolder();

/** A side that says `frequency` Hz, starting at frame `from` (silence before). */
class ToneSource implements AudioSource {
  frame = 0;
  phase = 0;
  cleared = false;
  constructor(readonly frequency: number, readonly from = 0) {}
  readAudio(out: Int16Array, offset: number, stride: number, length: number): number {
    const audible = this.frame++ >= this.from;
    const t = tone(this.frequency, length, 8000, this.phase);
    this.phase += length;
    for (let i = 0; i < length; i++) out[offset + i * stride] = audible ? t[i]! : 0;
    return audible ? length : 0;
  }
  clearAudio(): void {
    this.cleared = true;
  }
}

describe('WAV files', () => {
  it('writes and reads back a mono file', () => {
    const samples = tone(440, 800);
    const wav = parseWav(encodeWav({ sampleRate: 8000, channels: 1 }, samples));
    assert.equal(wav.sampleRate, 8000);
    assert.equal(wav.channels, 1);
    assert.deepEqual(wav.samples, samples);
  });

  it('skips chunks it does not know and reads WAVE_FORMAT_EXTENSIBLE', () => {
    const plain = encodeWav({ sampleRate: 8000, channels: 2 }, new Int16Array([1, -2, 3, -4]));
    const list = Buffer.concat([Buffer.from('LIST'), Buffer.from([3, 0, 0, 0]), Buffer.from('abc\0')]);
    const withList = Buffer.concat([plain.subarray(0, 36), list, plain.subarray(36)]);
    assert.deepEqual([...parseWav(withList).samples], [1, -2, 3, -4]);
    const fmt = Buffer.alloc(40);
    fmt.writeUInt16LE(0xfffe, 0);
    fmt.writeUInt16LE(1, 2);
    fmt.writeUInt32LE(8000, 4);
    fmt.writeUInt16LE(16, 14);
    fmt.writeUInt16LE(1, 24); // sub-format: PCM
    const data = Buffer.from([0x10, 0, 0x20, 0]);
    const ext = Buffer.concat([Buffer.from('RIFF'), Buffer.alloc(4), Buffer.from('WAVEfmt '), Buffer.from([40, 0, 0, 0]), fmt, Buffer.from('data'), Buffer.from([4, 0, 0, 0]), data]);
    assert.deepEqual([...parseWav(ext).samples], [16, 32]);
  });

  it('refuses what is not 16-bit PCM WAV', () => {
    assert.throws(() => parseWav(Buffer.from('not a wav file at all')), WavError);
    const eightBit = wavHeader({ sampleRate: 8000, channels: 1 }, 0);
    eightBit.writeUInt16LE(8, 34);
    assert.throws(() => parseWav(eightBit), /16-bit PCM/);
  });

  it('streams a file to disk and keeps the header current', async () => {
    const file = path.join(folder, 'stream.wav');
    const writer = new WavFileWriter(file, { sampleRate: 8000, channels: 1 }, 1);
    const chunk = () => Buffer.from(new Int16Array([1, 2, 3, 4]).buffer);
    writer.append(chunk());
    writer.append(chunk());
    await waitFor(() => existsSync(file) && statSync(file).size === 44 + 16, 2000, 'two chunks on disk');
    await waitFor(() => readFileSync(file).readUInt32LE(40) === 16, 2000, 'header updated');
    assert.deepEqual([...readWavFile(file).samples], [1, 2, 3, 4, 1, 2, 3, 4]);
    writer.append(chunk());
    await writer.close();
    assert.equal(readWavFile(file).samples.length, 12);
    assert.equal(readFileSync(file).readUInt32LE(4), 36 + 24);
  });
});

describe('recording a call', () => {
  it('writes the caller on the left and the dispatcher on the right, aligned frame by frame', async () => {
    const time = new ManualTime();
    const clock = new FrameClock({ source: time });
    const file = path.join(folder, 'call.wav');
    const caller = new ToneSource(440);
    // The dispatcher starts talking half a second in.
    const dispatcher = new ToneSource(1000, 25);
    const recorder = new CallRecorder(clock, file, caller, dispatcher, { framesPerChunk: 10 });
    assert.ok(caller.cleared && dispatcher.cleared, 'audio queued before the recording is dropped');
    time.runUntil(1000 + 20 * 99); // 100 frames: 2 s
    const recording = await recorder.stop();
    assert.equal(recording.frames, 100);
    assert.equal(recording.durationMs, 2000);
    assert.equal(recording.error, undefined);
    time.runUntil(5000);
    assert.equal(recorder.frames, 100, 'no frames after stop');

    const wav = readWavFile(file);
    assert.equal(wav.sampleRate, 8000);
    assert.equal(wav.channels, 2);
    assert.equal(wav.samples.length, 100 * 160 * 2);
    const left = channel(wav, 0);
    const right = channel(wav, 1);
    assert.equal(strongestTone(left, [440, 1000]).frequency, 440);
    assert.ok(strongestTone(left, [440, 1000]).marginDb > 30);
    assert.equal(strongestTone(right.subarray(4000), [440, 1000]).frequency, 1000);
    assert.equal(measureLevel(right, 0, 25 * 160).rmsDbfs, SILENCE_DBFS, 'right is silent before the dispatcher speaks');
    assert.ok(measureLevel(right, 25 * 160, 160).rmsDbfs > -20, 'and speaks from exactly frame 25');
  });

  it('flushes to disk while the call goes on, not only at the end', async () => {
    const time = new ManualTime();
    const clock = new FrameClock({ source: time });
    const file = path.join(folder, 'long.wav');
    const recorder = new CallRecorder(clock, file, new ToneSource(300), new ToneSource(600), { framesPerChunk: 50, headerEveryChunks: 2 });
    time.runUntil(1000 + 20 * 120);
    await waitFor(() => existsSync(file) && statSync(file).size >= 44 + 100 * 640, 2000, 'two seconds on disk');
    await waitFor(() => readFileSync(file).readUInt32LE(40) === 100 * 640, 2000, 'the header counts what is on disk');
    await recorder.stop();
    assert.equal(readWavFile(file).samples.length, 121 * 320);
  });

  it('reports a file it cannot write in the result instead of throwing', async () => {
    const time = new ManualTime();
    const clock = new FrameClock({ source: time });
    const blocker = path.join(folder, 'not-a-folder');
    writeFileSync(blocker, '');
    const recorder = new CallRecorder(clock, path.join(blocker, 'x.wav'), new ToneSource(300), new ToneSource(600), { framesPerChunk: 5 });
    time.runUntil(1000 + 20 * 20);
    const recording = await recorder.stop();
    assert.ok(recording.error, 'error reported');
    assert.equal(recording.frames, 21);
  });
});
