// The switchboard's sounds, synthesised from nothing but arithmetic: no
// recordings, no third-party audio. scripts/make-sounds.ts writes them to
// sounds/ as 8 kHz 16-bit mono WAV.
//
// The music is built for the telephone: everything that matters sits inside
// 300-3400 Hz (the bass is heard through its harmonics), and each piece is
// synthesised on a circle, so a note ringing past the end wraps round to the
// start and the loop has no seam.

export const SOUND_RATE = 8000;

interface Note {
  /** Start, seconds from the beginning of the loop. */
  at: number;
  frequency: number;
  /** Relative strengths of harmonics 1, 2, 3, ... */
  partials: number[];
  gain: number;
  attack: number;
  /** Exponential decay time constant, seconds. */
  decay: number;
  /** How long the note is rendered (it has died away by then), seconds. */
  length: number;
}

/** Adds `notes` into a circular buffer of `seconds` and scales the result to `peak` (0-1 of full scale). */
function render(seconds: number, notes: Note[], pads: Pad[], peak: number): Int16Array {
  const total = Math.round(seconds * SOUND_RATE);
  const mix = new Float64Array(total);
  for (const n of notes) {
    const start = Math.round(n.at * SOUND_RATE);
    const length = Math.round(n.length * SOUND_RATE);
    const attack = Math.max(1, Math.round(n.attack * SOUND_RATE));
    const release = Math.round(0.02 * SOUND_RATE);
    for (let i = 0; i < length; i++) {
      const t = i / SOUND_RATE;
      let env = i < attack ? i / attack : Math.exp(-(t - n.attack) / n.decay);
      if (i > length - release) env *= (length - i) / release;
      let v = 0;
      for (let h = 0; h < n.partials.length; h++) {
        const f = n.frequency * (h + 1);
        if (f < 3600) v += n.partials[h]! * Math.sin(2 * Math.PI * f * t);
      }
      mix[(start + i) % total] += n.gain * env * v;
    }
  }
  for (const p of pads) {
    const start = Math.round(p.at * SOUND_RATE);
    const length = Math.round(p.length * SOUND_RATE);
    const fade = Math.round(p.fade * SOUND_RATE);
    for (let i = 0; i < length; i++) {
      const t = i / SOUND_RATE;
      const edge = Math.min(1, i / fade, (length - i) / fade);
      const env = 0.5 - 0.5 * Math.cos(Math.PI * Math.max(0, edge));
      // A slow shimmer keeps the pad alive without being noticed.
      const shimmer = 1 + 0.08 * Math.sin(2 * Math.PI * 0.7 * t);
      let v = 0;
      for (const f of p.frequencies) v += Math.sin(2 * Math.PI * f * t) + 0.15 * Math.sin(4 * Math.PI * f * t);
      mix[(start + i) % total] += p.gain * env * shimmer * v;
    }
  }
  let max = 0;
  for (const v of mix) max = Math.max(max, Math.abs(v));
  const scale = max > 0 ? (peak * 32767) / max : 0;
  const out = new Int16Array(total);
  for (let i = 0; i < total; i++) out[i] = Math.round(mix[i]! * scale);
  return out;
}

interface Pad {
  at: number;
  length: number;
  fade: number;
  frequencies: number[];
  gain: number;
}

/** Frequency of a MIDI note number (69 = A4 = 440 Hz). */
function midi(note: number): number {
  return 440 * 2 ** ((note - 69) / 12);
}

const PIANO = [1, 0.4, 0.15, 0.06];
const BASS = [0.2, 1, 0.7, 0.4, 0.2];
const BELL = [1, 0, 0.25, 0, 0.1];

interface Chord {
  /** MIDI notes, low to high. */
  tones: number[];
  root: number;
}

function arrangement(chords: Chord[], stepSeconds: number, pattern: number[], melody: (number | undefined)[][]): { seconds: number; notes: Note[]; pads: Pad[] } {
  const chordSeconds = stepSeconds * pattern.length;
  const notes: Note[] = [];
  const pads: Pad[] = [];
  chords.forEach((chord, c) => {
    const at = c * chordSeconds;
    pattern.forEach((index, step) => {
      const tone = index < chord.tones.length ? chord.tones[index]! : chord.tones[index - chord.tones.length]! + 12;
      notes.push({ at: at + step * stepSeconds, frequency: midi(tone), partials: PIANO, gain: step === 0 ? 0.5 : 0.38, attack: 0.006, decay: 0.45, length: 1.6 });
    });
    for (const half of [0, 0.5]) {
      notes.push({ at: at + half * chordSeconds, frequency: midi(chord.root - 12), partials: BASS, gain: 0.3, attack: 0.01, decay: 0.6, length: 2 });
    }
    (melody[c] ?? []).forEach((tone, step) => {
      if (tone !== undefined) notes.push({ at: at + step * stepSeconds * 2, frequency: midi(tone), partials: BELL, gain: 0.32, attack: 0.004, decay: 0.7, length: 2.4 });
    });
    pads.push({ at, length: chordSeconds + 0.3, fade: 0.35, frequencies: chord.tones.slice(0, 3).map(midi), gain: 0.05 });
  });
  return { seconds: chordSeconds * chords.length, notes, pads };
}

/** Hold music: a calm I-vi-IV-V in C, arpeggiated, 9.6 s loop. */
export function holdMusic(): Int16Array {
  const chords: Chord[] = [
    { tones: [60, 64, 67, 72], root: 48 }, // C
    { tones: [57, 60, 64, 69], root: 45 }, // Am
    { tones: [53, 57, 60, 65], root: 41 }, // F
    { tones: [55, 59, 62, 67], root: 43 }, // G
  ];
  const melody = [
    [79, undefined, 76, undefined],
    [76, undefined, 72, undefined],
    [77, undefined, 72, 74],
    [74, undefined, 71, undefined],
  ];
  const a = arrangement(chords, 0.3, [0, 1, 2, 3, 5, 3, 2, 1], melody);
  return render(a.seconds, a.notes, a.pads, 0.5);
}

/** Self-test (*60) music: brighter and quicker, I-V-vi-IV in G, 8 s loop. */
export function testMusic(): Int16Array {
  const chords: Chord[] = [
    { tones: [67, 71, 74, 79], root: 43 }, // G
    { tones: [62, 66, 69, 74], root: 38 }, // D
    { tones: [64, 67, 71, 76], root: 40 }, // Em
    { tones: [60, 64, 67, 72], root: 36 }, // C
  ];
  const melody = [
    [83, 81, 79, undefined, 86],
    [81, undefined, 78, 79, 81],
    [83, undefined, 79, undefined, 76],
    [76, 79, 84, undefined, 83],
  ];
  const a = arrangement(chords, 0.2, [0, 1, 2, 3, 5, 6, 3, 2, 1, 2], melody);
  return render(a.seconds, a.notes, a.pads, 0.55);
}

/** Ringback as European exchanges give it: 425 Hz, 1 s on, 4 s off; one 5 s cycle. */
export function ringback(): Int16Array {
  const out = new Int16Array(5 * SOUND_RATE);
  const on = SOUND_RATE;
  const fade = Math.round(0.01 * SOUND_RATE);
  const amplitude = 0.3 * 32767;
  for (let i = 0; i < on; i++) {
    const env = Math.min(1, i / fade, (on - i) / fade);
    out[i] = Math.round(amplitude * env * Math.sin((2 * Math.PI * 425 * i) / SOUND_RATE));
  }
  return out;
}

export const soundMakers = { hold: holdMusic, test: testMusic, ring: ringback } as const;
