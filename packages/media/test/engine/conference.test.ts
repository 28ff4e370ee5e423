import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyseTone, goertzelPower, readWav } from '@switchboard/testkit';
import { MediaEngine } from '../../src/engine/media-engine.js';
import type { Leg } from '../../src/engine/leg.js';
import { TestPeer, type PeerCodec } from '../support/test-peer.js';

let engine: MediaEngine;
const peers: TestPeer[] = [];
const dir = mkdtempSync(join(tmpdir(), 'sb-media-'));

beforeAll(async () => {
  engine = await MediaEngine.start({ workers: 2, rtpPortRange: 'ephemeral', bindAddress: '127.0.0.1', announcedAddress: '127.0.0.1' });
});
afterAll(async () => {
  for (const p of peers) p.close();
  await engine.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function party(codec: PeerCodec, toneHz: number | null): Promise<{ peer: TestPeer; leg: Leg }> {
  const peer = await TestPeer.open(codec, toneHz);
  peers.push(peer);
  const leg = engine.createLeg({ kind: 'rtp' });
  const { answer } = await leg.answerOffer(peer.sdp());
  peer.start(answer);
  return { peer, leg };
}

/** Power of each frequency in the audio, relative to the strongest of them, in dB. */
function levels(samples: Float32Array, rate: number, frequencies: number[]): number[] {
  const powers = frequencies.map((f) => goertzelPower(samples, rate, f));
  const max = Math.max(...powers);
  return powers.map((p) => 10 * Math.log10(p / max + 1e-12));
}

describe('conference', () => {
  it('three parties of mixed codecs on two threads: each hears the other two tones and not its own', async () => {
    const tones = [500, 1100, 1700];
    const parties = [await party('PCMU', tones[0]!), await party('PCMA', tones[1]!), await party('opus', tones[2]!)];
    expect(new Set(parties.map((p) => p.leg.worker)).size).toBe(2);
    const mixer = engine.createMixer();
    const talkers = new Set<string>();
    mixer.on('speaking', (leg, speaking) => {
      if (speaking) talkers.add(leg.id);
    });
    for (const p of parties) await mixer.add(p.leg);
    // Let every jitter buffer settle, then listen for 1.5 s.
    await Promise.all(parties.map((p) => p.peer.hear(0.4)));
    const heard = await Promise.all(parties.map((p) => p.peer.hear(1.5)));
    heard.forEach((pcm, i) => {
      const db = levels(pcm.samples, pcm.sampleRate, tones);
      const others = tones.map((_, k) => k).filter((k) => k !== i);
      // Both other tones are there at comparable levels (a busy machine may drop a few frames)…
      for (const k of others) expect(db[k]).toBeGreaterThan(-10);
      // …and one's own voice is not sent back.
      expect(db[i]).toBeLessThan(-30);
    });
    expect(talkers.size).toBe(3);

    // Muting the Opus party: the others stop hearing 1700 Hz.
    await mixer.setMuted(parties[2]!.leg, true);
    const afterMute = await parties[0]!.peer.hear(1.0);
    const skip = Math.round(0.3 * afterMute.sampleRate);
    const db = levels(afterMute.samples.subarray(skip), afterMute.sampleRate, tones);
    expect(db[1]).toBeGreaterThan(-1);
    expect(db[2]).toBeLessThan(-30);

    // One leaves while audio flows; the other two still hear each other.
    await mixer.remove(parties[1]!.leg);
    await mixer.setMuted(parties[2]!.leg, false);
    expect(analyseTone(await parties[0]!.peer.hear(1.0), { skipSeconds: 0.3 }).dominant).toBe(1700);
    await mixer.close();
    for (const p of parties) await p.leg.close();
  });

  it('records what a caller says until the stop digit, and the file is complete on disk', async () => {
    const a = await party('PCMU', 600);
    const path = join(dir, 'message.wav');
    const recording = a.leg.record(path, { maxSeconds: 30, stopDigits: '#' });
    await new Promise((r) => setTimeout(r, 1500));
    a.peer.sendDigits('#');
    const result = await recording;
    expect(result.reason).toBe('digit');
    expect(result.digit).toBe('#');
    expect(result.durationMs).toBeGreaterThan(1000);
    expect(result.durationMs).toBeLessThan(5000);
    const wav = readWav(path);
    expect(wav.sampleRate).toBe(8000);
    expect(Math.abs(wav.samples.length / 8 - result.durationMs)).toBeLessThan(25);
    expect(analyseTone(wav, { skipSeconds: 0.2 }).dominant).toBe(600);
    // No temporary file is left behind.
    expect(readdirSync(dir).filter((f) => f.endsWith('.part'))).toEqual([]);
    await a.leg.close();
  });

  it('stops recording at the maximum length, and on hang-up', async () => {
    const a = await party('opus', 800);
    const short = await a.leg.record(join(dir, 'short.wav'), { maxSeconds: 0.5 });
    expect(short).toMatchObject({ reason: 'max-length', durationMs: 500 });
    const wide = readWav(join(dir, 'short.wav'));
    expect(wide.sampleRate).toBe(16000);
    const long = a.leg.record(join(dir, 'hangup.wav'), { maxSeconds: 60 });
    await new Promise((r) => setTimeout(r, 1000));
    await a.leg.close();
    const result = await long;
    expect(result.reason).toBe('hangup');
    expect(analyseTone(readWav(join(dir, 'hangup.wav')), { skipSeconds: 0.2 }).dominant).toBe(800);
  });

  it('plays a prompt once, then reports it done', async () => {
    const a = await party('PCMU', null);
    const file = join(dir, 'prompt.wav');
    // A 0.6 s, 16 kHz, 900 Hz "prompt".
    const samples = Int16Array.from({ length: 9600 }, (_, i) => Math.round(8000 * Math.sin((2 * Math.PI * 900 * i) / 16000)));
    const { encodeWav } = await import('../../src/audio/wav.js');
    writeFileSync(file, encodeWav({ sampleRate: 16000, samples }));
    const started = performance.now();
    expect(await a.leg.play({ file })).toBe('done');
    expect(performance.now() - started).toBeGreaterThan(500);
    expect(analyseTone(a.peer.heardAudio(), { skipSeconds: 0.1 }).dominant).toBe(900);
    expect(await a.leg.play({ files: ['prompts/you-have.wav', 'prompts/digits/3.wav', 'prompts/new-messages.wav'] })).toBe('done');
    await a.leg.close();
  });
});
