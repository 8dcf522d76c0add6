import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ALAW_DECODE,
  ALAW_ENCODE,
  ALAW_TO_MULAW,
  MULAW_DECODE,
  MULAW_ENCODE,
  MULAW_TO_ALAW,
  PCMA,
  PCMU,
  alawFromLinear,
  decode,
  encode,
  linearFromAlaw,
  linearFromMulaw,
  mulawFromLinear,
  transcodeTable,
} from '../../source/media/g711.js';

describe('G.711 µ-law (PCMU)', () => {
  it('encodes known values as the ITU tables do', () => {
    assert.equal(mulawFromLinear(0), 0xff);
    assert.equal(mulawFromLinear(-1), 0x7f);
    assert.equal(mulawFromLinear(32767), 0x80);
    assert.equal(mulawFromLinear(-32768), 0x00);
    assert.equal(mulawFromLinear(1000), 0xce);
    assert.equal(mulawFromLinear(-1000), 0x4e);
  });

  it('decodes known values', () => {
    assert.equal(linearFromMulaw(0xff), 0);
    assert.equal(linearFromMulaw(0x7f), 0);
    assert.equal(linearFromMulaw(0x80), 32124);
    assert.equal(linearFromMulaw(0x00), -32124);
    assert.equal(linearFromMulaw(0xce), 988);
    assert.equal(linearFromMulaw(0x4e), -988);
  });

  it('tables agree with the formulas for every input', () => {
    for (let s = -32768; s < 32768; s++) assert.equal(MULAW_ENCODE[s & 0xffff], mulawFromLinear(s));
    for (let b = 0; b < 256; b++) assert.equal(MULAW_DECODE[b], linearFromMulaw(b));
  });

  it('re-encodes every decoded byte to itself (but the negative zero)', () => {
    for (let b = 0; b < 256; b++) if (b !== 0x7f) assert.equal(MULAW_ENCODE[MULAW_DECODE[b]! & 0xffff], b, `byte ${b}`);
  });

  it('keeps round-trip error within half a quantisation step (about 1/32 of the sample)', () => {
    let worst = 0;
    for (let s = -32635; s <= 32635; s++) {
      const err = Math.abs(MULAW_DECODE[MULAW_ENCODE[s & 0xffff]!]! - s);
      assert.ok(err <= (Math.abs(s) + 132) / 32 + 1, `sample ${s}: error ${err}`);
      worst = Math.max(worst, err);
    }
    assert.ok(worst <= 512);
    // Beyond the clip level the error grows only by the clipped amount.
    assert.equal(MULAW_DECODE[MULAW_ENCODE[32767]!], 32124);
  });
});

describe('G.711 A-law (PCMA)', () => {
  it('encodes known values as the ITU tables do', () => {
    assert.equal(alawFromLinear(0), 0xd5);
    assert.equal(alawFromLinear(-1), 0x55);
    assert.equal(alawFromLinear(32767), 0xaa);
    assert.equal(alawFromLinear(-32768), 0x2a);
    assert.equal(alawFromLinear(1000), 0xfa);
  });

  it('decodes known values', () => {
    assert.equal(linearFromAlaw(0xd5), 8);
    assert.equal(linearFromAlaw(0x55), -8);
    assert.equal(linearFromAlaw(0xaa), 32256);
    assert.equal(linearFromAlaw(0x2a), -32256);
    assert.equal(linearFromAlaw(0xfa), 1008);
  });

  it('tables agree with the formulas and every byte round-trips', () => {
    for (let s = -32768; s < 32768; s++) assert.equal(ALAW_ENCODE[s & 0xffff], alawFromLinear(s));
    for (let b = 0; b < 256; b++) {
      assert.equal(ALAW_DECODE[b], linearFromAlaw(b));
      assert.equal(ALAW_ENCODE[ALAW_DECODE[b]! & 0xffff], b, `byte ${b}`);
    }
  });

  it('keeps round-trip error within half a quantisation step', () => {
    for (let s = -32768; s < 32768; s++) {
      const err = Math.abs(ALAW_DECODE[ALAW_ENCODE[s & 0xffff]!]! - s);
      assert.ok(err <= Math.max(8, Math.abs(s) / 32) + 1, `sample ${s}: error ${err}`);
    }
  });
});

describe('G.711 buffers and transcoding', () => {
  it('encodes and decodes a 20 ms frame of a sine within 3% RMS error in both laws', () => {
    const pcm = new Int16Array(160).map((_, i) => Math.round(12000 * Math.sin((2 * Math.PI * 1000 * i) / 8000)));
    for (const codec of [PCMU, PCMA]) {
      const bytes = new Uint8Array(160);
      const back = new Int16Array(160);
      encode(codec, pcm, bytes);
      decode(codec, bytes, back);
      let err = 0;
      let sig = 0;
      for (let i = 0; i < 160; i++) {
        err += (back[i]! - pcm[i]!) ** 2;
        sig += pcm[i]! ** 2;
      }
      assert.ok(Math.sqrt(err / sig) < 0.03, `${codec.name}: ${Math.sqrt(err / sig)}`);
    }
  });

  it('encodes at offsets without touching the rest of the buffer', () => {
    const pcm = new Int16Array([0, 1000, -1000, 0]);
    const out = new Uint8Array(6).fill(0x11);
    encode(PCMU, pcm, out, 1, 2, 3);
    assert.deepEqual([...out], [0x11, 0x11, 0x11, 0xce, 0x4e, 0x11]);
  });

  it('has digital silence bytes 0xFF (µ) and 0xD5 (A)', () => {
    assert.equal(PCMU.silence, 0xff);
    assert.equal(PCMA.silence, 0xd5);
  });

  it('transcodes µ-law to A-law and back at the same level', () => {
    assert.equal(transcodeTable('PCMU', 'PCMU'), undefined);
    assert.equal(transcodeTable('PCMU', 'PCMA'), MULAW_TO_ALAW);
    assert.equal(transcodeTable('PCMA', 'PCMU'), ALAW_TO_MULAW);
    for (let b = 0; b < 256; b++) {
      const linear = MULAW_DECODE[b]!;
      const viaA = ALAW_DECODE[MULAW_TO_ALAW[b]!]!;
      assert.ok(Math.abs(viaA - linear) <= Math.max(16, Math.abs(linear) / 16), `µ ${b}: ${linear} -> ${viaA}`);
      const a = ALAW_DECODE[b]!;
      const viaU = MULAW_DECODE[ALAW_TO_MULAW[b]!]!;
      assert.ok(Math.abs(viaU - a) <= Math.max(16, Math.abs(a) / 16), `A ${b}: ${a} -> ${viaU}`);
    }
  });
});
