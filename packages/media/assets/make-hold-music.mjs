#!/usr/bin/env node
// Synthesizes the hold-music loop: a soft four-chord progression in E-flat major (no A4 = 440 Hz
// anywhere, so tests can tell it from a 440 Hz test tone) with a slow bell-like melody and a
// bass line. 16 kHz mono 16-bit, 24 s, seamless when looped. Usage: node make-hold-music.mjs out.wav
import { writeFileSync } from 'node:fs';

const RATE = 16000;
const BEAT = 0.6; // seconds per beat: 100 bpm, calm
const BAR = 4 * BEAT;
const note = (semitonesFromA4) => 440 * 2 ** (semitonesFromA4 / 12);
// Note numbers relative to A4.
const Eb3 = -18, G3 = -14, Bb3 = -11, C4 = -9, Eb4 = -6, F4 = -4, G4 = -2, Ab4 = -1, Bb4 = 1, C5 = 3, D5 = 5, Eb5 = 6, F5 = 8, G5 = 10;
const Ab3 = -13, F3 = -16, C3 = -21, Ab2 = -25, Bb2 = -23, Eb2 = -30;

// Eb – Cm – Ab – Bb, twice, as two-bar chords (10 bars in all with the ending bar).
const chords = [
  { bass: Eb2, notes: [Eb3, G3, Bb3, Eb4] },
  { bass: C3, notes: [C4, Eb4, G4] },
  { bass: Ab2, notes: [Ab3, C4, Eb4] },
  { bass: Bb2, notes: [Bb3, D5 - 12, F4] },
  { bass: Eb2, notes: [Eb3, G3, Bb3, Eb4] },
];
// Melody: [note, beats], two phrases per pass.
const melody = [
  [G5, 2], [F5, 1], [Eb5, 1], [Bb4, 3], [C5, 1],
  [Eb5, 2], [D5, 1], [C5, 1], [G4, 3], [Bb4, 1],
  [C5, 2], [Eb5, 1], [C5, 1], [Ab4, 3], [Bb4, 1],
  [D5, 2], [F5, 1], [D5, 1], [Bb4, 4],
  [G5, 2], [Eb5, 2], [Bb4, 4],
];

const seconds = 24;
const total = Math.round(seconds * RATE);
const out = new Float64Array(total);

function addTone(start, duration, freq, amp, attack, release, partials, vibrato = 0) {
  const s0 = Math.round(start * RATE);
  const n = Math.round((duration + release) * RATE);
  let phase = 0;
  for (let i = 0; i < n; i++) {
    const t = i / RATE;
    let env = Math.min(1, t / attack);
    if (t > duration) env *= Math.max(0, 1 - (t - duration) / release);
    const f = freq * (1 + vibrato * Math.sin(2 * Math.PI * 5 * t));
    phase += (2 * Math.PI * f) / RATE;
    let v = 0;
    for (const [k, a] of partials) v += a * Math.sin(k * phase);
    // Wrap around so the loop's end flows into its start.
    out[(s0 + i) % total] += amp * env * v;
  }
}

// Pads: two bars per chord for the first four chords, repeated; the loop is 10 bars at 2.4 s.
const order = [0, 1, 2, 3, 0, 1, 2, 3, 4, 4];
order.forEach((c, bar) => {
  const chord = chords[c];
  const start = bar * BAR;
  for (const n of chord.notes) addTone(start, BAR, note(n), 0.05, 0.6, 0.8, [[1, 1], [2, 0.25], [3, 0.08]]);
  addTone(start, BAR * 0.9, note(chord.bass), 0.09, 0.05, 0.6, [[1, 1], [2, 0.3]]);
});
// Melody, bell-like: quick attack, long decay.
let t = 0;
for (const [n, beats] of melody) {
  if (t >= seconds - 0.5) break;
  addTone(t, beats * BEAT * 0.8, note(n), 0.07, 0.01, beats * BEAT * 0.9, [[1, 1], [2, 0.35], [3, 0.12], [4, 0.05]], 0.003);
  t += beats * BEAT;
}

let peak = 0;
for (const v of out) peak = Math.max(peak, Math.abs(v));
const gain = (0.35 * 32767) / peak;
const data = Buffer.alloc(total * 2);
for (let i = 0; i < total; i++) data.writeInt16LE(Math.round(out[i] * gain), i * 2);
const header = Buffer.alloc(44);
header.write('RIFF', 0, 'ascii');
header.writeUInt32LE(36 + data.length, 4);
header.write('WAVEfmt ', 8, 'ascii');
header.writeUInt32LE(16, 16);
header.writeUInt16LE(1, 20);
header.writeUInt16LE(1, 22);
header.writeUInt32LE(RATE, 24);
header.writeUInt32LE(RATE * 2, 28);
header.writeUInt16LE(2, 32);
header.writeUInt16LE(16, 34);
header.write('data', 36, 'ascii');
header.writeUInt32LE(data.length, 40);
writeFileSync(process.argv[2] ?? 'hold.wav', Buffer.concat([header, data]));
