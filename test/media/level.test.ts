import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LevelMeter, SILENCE_DBFS, dbfs, measureLevel, toneLevel, zeroCrossingFrequency } from '../../source/media/level.js';
import { PlayoutBuffer } from '../../source/media/playout.js';
import { tone } from './support.js';

const near = (actual: number, expected: number, within: number, what = '') =>
  assert.ok(Math.abs(actual - expected) <= within, `${what} ${actual} not within ${within} of ${expected}`);

describe('level measurement', () => {
  it('reads a full-scale sine as -3 dBFS RMS and 0 dBFS peak', () => {
    const level = measureLevel(tone(1000, 8000, 32767));
    near(level.rmsDbfs, -3.01, 0.05, 'rms');
    near(level.peakDbfs, 0, 0.01, 'peak');
  });

  it('reads a sine of a tenth of full scale 20 dB lower', () => {
    near(measureLevel(tone(440, 8000, 3277)).rmsDbfs, -23.01, 0.1, 'rms');
  });

  it('reports digital silence at the floor, not -Infinity', () => {
    assert.deepEqual(measureLevel(new Int16Array(160)), { rmsDbfs: SILENCE_DBFS, peakDbfs: SILENCE_DBFS });
    assert.equal(dbfs(0), SILENCE_DBFS);
  });

  it('meters the last 200 ms only: music, then silence, reads silent again', () => {
    const meter = new LevelMeter();
    assert.equal(meter.level().rmsDbfs, SILENCE_DBFS);
    const music = tone(500, 160, 10000);
    for (let i = 0; i < 30; i++) meter.add(music);
    near(meter.level().rmsDbfs, dbfs(10000 / Math.SQRT2), 0.2, 'music');
    // Ten blocks of silence push the music out of the window.
    for (let i = 0; i < 10; i++) meter.add(new Int16Array(160));
    assert.equal(meter.level().rmsDbfs, SILENCE_DBFS);
    assert.equal(meter.level().peakDbfs, SILENCE_DBFS);
  });

  it('counts audio that arrives in pieces of any size', () => {
    const meter = new LevelMeter();
    const signal = tone(1000, 1600, 16000);
    for (let at = 0; at < signal.length; at += 37) meter.add(signal, at, Math.min(37, signal.length - at));
    near(meter.level().rmsDbfs, dbfs(16000 / Math.SQRT2), 0.3, 'rms');
  });

  it('takes blocks summed up by the caller, mixing with samples added the plain way', () => {
    const meter = new LevelMeter();
    const block = tone(1000, 160, 20000);
    let sum = 0;
    let peak = 0;
    for (const s of block) {
      sum += s * s;
      peak = Math.max(peak, Math.abs(s));
    }
    for (let i = 0; i < 5; i++) meter.addBlock(sum, peak, 160);
    meter.add(block, 0, 100); // a partial block, closed by the next addBlock
    for (let i = 0; i < 5; i++) meter.addBlock(sum, peak, 160);
    near(meter.level().rmsDbfs, dbfs(20000 / Math.SQRT2), 0.3, 'rms');
    for (let i = 0; i < 10; i++) meter.addBlock(0, 0, 160);
    assert.equal(meter.level().rmsDbfs, SILENCE_DBFS);
  });

  it('tells tones apart: Goertzel level and zero-crossing frequency', () => {
    const mixed = tone(400, 1600, 8000).map((s, i) => s + tone(1000, 1600, 2000)[i]!);
    near(toneLevel(mixed, 400), dbfs(8000 / Math.SQRT2), 0.5, '400 Hz');
    near(toneLevel(mixed, 1000), dbfs(2000 / Math.SQRT2), 0.5, '1000 Hz');
    assert.ok(toneLevel(mixed, 2500) < -60);
    near(zeroCrossingFrequency(tone(425, 4000)), 425, 2, 'zero crossings');
    assert.equal(zeroCrossingFrequency(new Int16Array(100)), 0);
  });
});

describe('the playout buffer', () => {
  it('gives silence until two frames are queued, then audio frame by frame', () => {
    const buffer = new PlayoutBuffer();
    const out = new Int16Array(160);
    buffer.write(new Int16Array(160).fill(1), 0, 160);
    assert.equal(buffer.read(out, 0, 1, 160), 0);
    assert.ok(out.every((s) => s === 0));
    buffer.write(new Int16Array(160).fill(2), 0, 160);
    assert.equal(buffer.read(out, 0, 1, 160), 160);
    assert.ok(out.every((s) => s === 1));
    // Emptied exactly is not running dry: the next frame that arrives in time plays at once.
    assert.equal(buffer.read(out, 0, 1, 160), 160);
    buffer.write(new Int16Array(160).fill(3), 0, 160);
    assert.equal(buffer.read(out, 0, 1, 160), 160);
    assert.ok(out.every((s) => s === 3));
    assert.equal(buffer.underruns, 0);
  });

  it('pads with silence and waits to refill after running dry', () => {
    const buffer = new PlayoutBuffer();
    const out = new Int16Array(160);
    buffer.write(new Int16Array(400).fill(5), 0, 400);
    buffer.read(out, 0, 1, 160);
    buffer.read(out, 0, 1, 160);
    assert.equal(buffer.read(out, 0, 1, 160), 80);
    assert.ok(out.subarray(0, 80).every((s) => s === 5) && out.subarray(80).every((s) => s === 0));
    assert.equal(buffer.underruns, 1);
    buffer.write(new Int16Array(160).fill(6), 0, 160);
    assert.equal(buffer.read(out, 0, 1, 160), 0, 'waits for the prefill again');
  });

  it('drops the oldest audio when too much queues, keeping delay bounded', () => {
    const buffer = new PlayoutBuffer(1600, 320, 960);
    for (let i = 0; i < 20; i++) buffer.write(new Int16Array(160).fill(i), 0, 160);
    assert.equal(buffer.queued, 960);
    const out = new Int16Array(160);
    buffer.read(out, 0, 1, 160);
    assert.equal(out[0], 14);
    assert.equal(buffer.dropped, 20 * 160 - 960);
  });

  it('fills one channel of interleaved stereo with a stride', () => {
    const buffer = new PlayoutBuffer(1600, 1, 960);
    buffer.write(new Int16Array([1, 2, 3]), 0, 3);
    const stereo = new Int16Array(8).fill(9);
    assert.equal(buffer.read(stereo, 1, 2, 4), 3);
    assert.deepEqual([...stereo], [9, 1, 9, 2, 9, 3, 9, 0]);
  });
});
