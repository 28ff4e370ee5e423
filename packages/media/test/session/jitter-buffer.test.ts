import { encodeG711, decodeG711 } from '../../src/codecs/g711.js';
import { OpusEncoder } from '../../src/codecs/opus.js';
import { JitterBuffer } from '../../src/session/jitter-buffer.js';
import type { AudioCodec, RtpPacket } from '../../src/transport/types.js';

const PCMU: AudioCodec = { payloadType: 0, name: 'PCMU', clockRate: 8000, channels: 1 };
const OPUS: AudioCodec = { payloadType: 111, name: 'opus', clockRate: 48000, channels: 2 };

/** Frame n of a stream whose sample values count up, so the output shows exactly what played. */
function ramp(n: number): Int16Array {
  return Int16Array.from({ length: 160 }, (_, i) => ((n * 160 + i) % 4000) * 4 - 8000);
}

function pcmuPacket(n: number, ssrc = 1): RtpPacket {
  return { payloadType: 0, sequenceNumber: (65530 + n) & 0xffff, timestamp: (0xffffff00 + n * 160) >>> 0, ssrc, marker: false, payload: encodeG711('mulaw', ramp(n)) };
}

describe('jitter buffer', () => {
  it('plays reordered packets in order, across sequence and timestamp wrap-around', () => {
    const jb = new JitterBuffer();
    const order = [0, 2, 1, 3, 5, 4, 6, 7, 9, 8, 10, 11];
    const out: Int16Array[] = [];
    let now = 0;
    // Packets arrive every 20 ms in a scrambled order; we pull every 20 ms.
    for (const n of order) {
      jb.push(pcmuPacket(n), PCMU, now);
      const frame = jb.pull(now);
      if (frame) out.push(frame.pcm);
      now += 20;
    }
    out.push(jb.pull((now += 20))!.pcm);
    expect(out).toHaveLength(12);
    for (let k = 0; k < out.length; k++) {
      expect([...out[k]!]).toEqual([...decodeG711('mulaw', encodeG711('mulaw', ramp(k)))]);
    }
    expect(jb.stats()).toMatchObject({ concealed: 0, late: 0 });
  });

  it('conceals a lost packet, drops duplicates and late packets', () => {
    const jb = new JitterBuffer();
    let now = 0;
    const played: Array<{ concealed: boolean; rms: number }> = [];
    for (let n = 0; n < 20; n++) {
      if (n !== 7) jb.push(pcmuPacket(n), PCMU, now);
      if (n === 9) jb.push(pcmuPacket(9), PCMU, now); // duplicate
      const f = jb.pull(now);
      if (f) played.push({ concealed: f.concealed, rms: Math.sqrt(f.pcm.reduce((a, s) => a + s * s, 0) / f.pcm.length) });
      now += 20;
    }
    jb.push(pcmuPacket(7), PCMU, now); // far too late now
    const stats = jb.stats();
    expect(stats.concealed).toBe(1);
    expect(stats.duplicates).toBe(1);
    expect(stats.late).toBe(1);
    const hidden = played.find((p) => p.concealed)!;
    // Repetition of the last frame, slightly faded: not silence.
    expect(hidden.rms).toBeGreaterThan(1000);
  });

  it('uses Opus in-band FEC for a single lost packet', () => {
    const encoder = new OpusEncoder({ packetLossPercent: 20 });
    const jb = new JitterBuffer();
    let now = 0;
    let recovered: Int16Array | null = null;
    for (let n = 0; n < 30; n++) {
      const pcm = Int16Array.from({ length: 960 }, (_, i) => Math.round(9000 * Math.sin((2 * Math.PI * 600 * (n * 960 + i)) / 48000)));
      const payload = encoder.encode(pcm);
      if (n !== 20) jb.push({ payloadType: 111, sequenceNumber: n, timestamp: n * 960, ssrc: 5, marker: false, payload }, OPUS, now);
      const f = jb.pull(now);
      if (f?.concealed && f.sampleRate === 48000) recovered = f.pcm;
      now += 20;
    }
    encoder.close();
    jb.close();
    expect(recovered).not.toBeNull();
    const rms = Math.sqrt(recovered!.reduce((a, s) => a + s * s, 0) / recovered!.length);
    expect(rms).toBeGreaterThan(2000);
  });

  it('absorbs clock drift: drops frames for a fast sender, refills for a slow one', () => {
    for (const [period, expectDrops] of [
      [19.6, true],
      [20.4, false],
    ] as const) {
      const jb = new JitterBuffer();
      let nextArrival = 0;
      let n = 0;
      let played = 0;
      // 20 s of our clock against a sender 2 % off.
      for (let tick = 0; tick < 1000; tick++) {
        const now = tick * 20;
        while (nextArrival <= now) {
          jb.push(pcmuPacket(n++), PCMU, nextArrival);
          nextArrival += period;
        }
        if (jb.pull(now)) played++;
      }
      const stats = jb.stats();
      expect(played).toBeGreaterThan(990);
      if (expectDrops) {
        expect(stats.droppedForDelay).toBeGreaterThan(5);
      } else {
        expect(stats.underruns).toBeGreaterThan(5);
        expect(stats.droppedForDelay).toBe(0);
      }
    }
  });

  it('starts afresh for a new SSRC and after a long silence', () => {
    const jb = new JitterBuffer();
    let now = 0;
    for (let n = 0; n < 5; n++, now += 20) {
      jb.push(pcmuPacket(n), PCMU, now);
      jb.pull(now);
    }
    for (let i = 0; i < 10; i++) jb.pull((now += 20));
    expect(jb.pull((now += 20))).toBeNull();
    expect(jb.active).toBe(false);
    // The same sender resumes 5 s later (timestamps jumped), then a new SSRC takes over.
    const resumed = { ...pcmuPacket(300), sequenceNumber: pcmuPacket(5).sequenceNumber };
    jb.push(resumed, PCMU, now);
    jb.push({ ...pcmuPacket(301), sequenceNumber: (resumed.sequenceNumber + 1) & 0xffff }, PCMU, now);
    expect(jb.pull(now)?.concealed).toBe(false);
    jb.push(pcmuPacket(0, 99), PCMU, (now += 20));
    jb.push(pcmuPacket(1, 99), PCMU, now);
    expect(jb.pull(now)?.concealed).toBe(false);
  });
});
