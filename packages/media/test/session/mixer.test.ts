import { MULAW_DECODE, encodeG711 } from '../../src/codecs/g711.js';
import type { ClockTask, MediaClock } from '../../src/session/media-clock.js';
import { Mixer, clip } from '../../src/session/mixer.js';
import type { AudioCodec } from '../../src/transport/types.js';

const PCMU: AudioCodec = { payloadType: 0, name: 'PCMU', clockRate: 8000, channels: 1 };

/** A clock the test turns by hand. */
class HandClock {
  readonly tasks = new Set<ClockTask>();
  now = 0;
  add(t: ClockTask): void {
    this.tasks.add(t);
  }
  delete(t: ClockTask): void {
    this.tasks.delete(t);
  }
  has(t: ClockTask): boolean {
    return this.tasks.has(t);
  }
  tick(): void {
    this.now += 20;
    for (const t of [...this.tasks]) t.tick(this.now);
  }
}

interface Seat {
  id: string;
  value: number;
  seq: number;
  heard: Int16Array[];
}

function setup(values: number[]) {
  const clock = new HandClock();
  const speaking: Array<[string, boolean]> = [];
  const mixer = new Mixer('m', clock as unknown as MediaClock, { speaking: (id, s) => speaking.push([id, s]) }, (e) => {
    throw e;
  });
  const seats: Seat[] = [];
  const join = (value: number): Seat => {
    const seat: Seat = { id: `p${seats.length}`, value, seq: 0, heard: [] };
    seats.push(seat);
    mixer.add(seat.id, 8000, (pcm) => seat.heard.push(pcm));
    return seat;
  };
  values.forEach(join);
  /** One 20 ms step: every seat sends a constant frame, then the clock ticks. */
  const step = (senders: Seat[] = seats): void => {
    for (const s of senders) {
      const payload = encodeG711('mulaw', new Int16Array(160).fill(s.value));
      mixer.onSource(s.id, { packet: { payloadType: 0, sequenceNumber: s.seq, timestamp: s.seq * 160, ssrc: seats.indexOf(s) + 1, marker: false, payload }, codec: PCMU, eventRate: null });
      s.seq++;
    }
    clock.tick();
  };
  return { clock, mixer, seats, join, step, speaking };
}

/** Values that survive μ-law exactly, so sums can be checked to the unit. */
const exact = (approx: number): number => MULAW_DECODE.reduce((best, v) => (Math.abs(v - approx) < Math.abs(best - approx) ? v : best), 0);

describe('conference mixer', () => {
  it('sends each of ten participants the exact sum of the other nine', () => {
    const values = Array.from({ length: 10 }, (_, i) => exact((i + 1) * 300 * (i % 2 ? -1 : 1)));
    const { seats, step } = setup(values);
    for (let i = 0; i < 10; i++) step();
    const total = values.reduce((a, b) => a + b, 0);
    for (const seat of seats) {
      const last = seat.heard[seat.heard.length - 1]!;
      expect(last.length).toBe(160);
      expect(new Set(last)).toEqual(new Set([total - seat.value]));
    }
  });

  it('clips to 16 bits instead of wrapping', () => {
    const loud = exact(20000);
    const { seats, step } = setup([loud, loud, loud]);
    for (let i = 0; i < 6; i++) step();
    for (const seat of seats) expect(seat.heard[seat.heard.length - 1]![0]).toBe(32767);
    expect(clip(Int32Array.of(-70000, 70000, 5), null)).toEqual(Int16Array.of(-32768, 32767, 5));
    expect(clip(Int32Array.of(100), Int16Array.of(30))).toEqual(Int16Array.of(70));
  });

  it('mutes: a muted participant is heard by nobody but still hears the room', () => {
    const [a, b, c] = [exact(1000), exact(2000), exact(4000)];
    const { mixer, seats, step } = setup([a, b, c]);
    mixer.setMuted('p1', true);
    for (let i = 0; i < 6; i++) step();
    const last = (i: number) => seats[i]!.heard[seats[i]!.heard.length - 1]![0];
    expect(last(0)).toBe(c);
    expect(last(1)).toBe(a + c);
    expect(last(2)).toBe(a);
  });

  it('lets participants join and leave while audio flows', () => {
    const { mixer, seats, join, step } = setup([exact(1000), exact(2000)]);
    for (let i = 0; i < 5; i++) step();
    const c = join(exact(500));
    for (let i = 0; i < 5; i++) step();
    expect(c.heard[c.heard.length - 1]![0]).toBe(seats[0]!.value + seats[1]!.value);
    expect(seats[0]!.heard[seats[0]!.heard.length - 1]![0]).toBe(seats[1]!.value + c.value);
    mixer.remove('p1');
    for (let i = 0; i < 3; i++) step([seats[0]!, c]);
    expect(seats[0]!.heard[seats[0]!.heard.length - 1]![0]).toBe(c.value);
    expect(mixer.size).toBe(2);
  });

  it('keeps a steady 20 ms output when senders drift against its clock', () => {
    const { clock, mixer, seats } = setup([exact(1000), exact(2000)]);
    // p0 sends 2 % fast, p1 2 % slow, for 10 s of the mixer's clock.
    const next = [0, 0];
    const periods = [19.6, 20.4];
    for (let tick = 0; tick < 500; tick++) {
      seats.forEach((s, i) => {
        while (next[i]! <= clock.now) {
          const payload = encodeG711('mulaw', new Int16Array(160).fill(s.value));
          mixer.onSource(s.id, { packet: { payloadType: 0, sequenceNumber: s.seq, timestamp: s.seq * 160, ssrc: i + 1, marker: false, payload }, codec: PCMU, eventRate: null });
          s.seq++;
          next[i]! += periods[i]!;
        }
      });
      clock.tick();
    }
    for (const s of seats) expect(s.heard).toHaveLength(500);
    // Each hears the other nearly all the time (short concealment glitches allowed).
    const heardOther = seats[0]!.heard.filter((f) => Math.abs(f[0]! - seats[1]!.value) < 200).length;
    expect(heardOther).toBeGreaterThan(450);
  });

  it('reports talkers with hysteresis: speech starts after 3 loud frames, ends after 0.5 s of quiet', () => {
    const { seats, step, speaking } = setup([exact(3000), 0]);
    for (let i = 0; i < 10; i++) step();
    expect(speaking).toEqual([['p0', true]]);
    seats[0]!.value = 0;
    // A short pause (200 ms) between words does not end it.
    for (let i = 0; i < 10; i++) step();
    expect(speaking).toHaveLength(1);
    seats[0]!.value = exact(3000);
    for (let i = 0; i < 3; i++) step();
    seats[0]!.value = 0;
    for (let i = 0; i < 30; i++) step();
    expect(speaking).toEqual([
      ['p0', true],
      ['p0', false],
    ]);
  });
});
