import type { AudioDecoder, AudioEncoder } from './codec.js';
import {
  OpusError,
  OPUS_APPLICATION_VOIP,
  OPUS_SET_BITRATE,
  OPUS_SET_COMPLEXITY,
  OPUS_SET_INBAND_FEC,
  OPUS_SET_PACKET_LOSS_PERC,
  OPUS_SET_SIGNAL,
  OPUS_SIGNAL_VOICE,
  heapI16,
  heapU8,
  opus,
} from './opus-wasm.js';

/**
 * Opus (RFC 6716) for RTP (RFC 7587): always a 48 kHz RTP clock; we encode mono 20 ms frames
 * at 48 kHz with in-band FEC on, and decode mono (stereo packets are downmixed by libopus).
 */
export const OPUS_RATE = 48000;
const MAX_FRAME = 5760; // 120 ms at 48 kHz, the longest Opus packet
const MAX_PACKET = 1500;

/** The input rates libopus encodes directly; the RTP clock is 48 kHz whatever the input. */
export const OPUS_INPUT_RATES: readonly number[] = [8000, 12000, 16000, 24000, 48000];

export interface OpusEncoderOptions {
  /**
   * Rate of the PCM handed to encode() (default 48 kHz). Narrowband audio (a PCMU caller) is
   * encoded at 8 kHz as it is: no upsampling first, and far less analysis in the encoder.
   */
  sampleRate?: number;
  bitrate?: number;
  complexity?: number;
  /** Expected loss in percent; in-band FEC only spends bits when this is above 0. */
  packetLossPercent?: number;
}

export class OpusEncoder implements AudioEncoder {
  readonly name = 'opus';
  readonly sampleRate: number;
  private state: number;
  private readonly pcmPtr: number;
  private readonly outPtr: number;

  constructor(options: OpusEncoderOptions = {}) {
    this.sampleRate = options.sampleRate ?? OPUS_RATE;
    if (!OPUS_INPUT_RATES.includes(this.sampleRate)) throw new RangeError(`Opus cannot encode ${this.sampleRate} Hz input`);
    const lib = opus();
    this.state = lib.malloc(lib.opus_encoder_get_size(1));
    this.pcmPtr = lib.malloc(MAX_FRAME * 2);
    this.outPtr = lib.malloc(MAX_PACKET);
    const rc = lib.opus_encoder_init(this.state, this.sampleRate, 1, OPUS_APPLICATION_VOIP);
    if (rc < 0) {
      this.close();
      throw new OpusError('encoder init', rc);
    }
    lib.opus_encoder_ctl_set(this.state, OPUS_SET_BITRATE, options.bitrate ?? 32000);
    lib.opus_encoder_ctl_set(this.state, OPUS_SET_COMPLEXITY, options.complexity ?? 5);
    lib.opus_encoder_ctl_set(this.state, OPUS_SET_INBAND_FEC, 1);
    lib.opus_encoder_ctl_set(this.state, OPUS_SET_PACKET_LOSS_PERC, options.packetLossPercent ?? 5);
    lib.opus_encoder_ctl_set(this.state, OPUS_SET_SIGNAL, OPUS_SIGNAL_VOICE);
  }

  encode(pcm: Int16Array): Buffer {
    if (this.state === 0) throw new Error('opus encoder is closed');
    if (pcm.length > MAX_FRAME) throw new RangeError('an Opus frame is at most 120 ms');
    heapI16().set(pcm, this.pcmPtr >> 1);
    const n = opus().opus_encode(this.state, this.pcmPtr, pcm.length, this.outPtr, MAX_PACKET);
    if (n < 0) throw new OpusError('encode', n);
    return Buffer.from(heapU8().subarray(this.outPtr, this.outPtr + n));
  }

  close(): void {
    if (this.state === 0) return;
    const lib = opus();
    lib.free(this.state);
    lib.free(this.pcmPtr);
    lib.free(this.outPtr);
    this.state = 0;
  }
}

export class OpusDecoder implements AudioDecoder {
  readonly name = 'opus';
  readonly sampleRate = OPUS_RATE;
  private state: number;
  private readonly dataPtr: number;
  private readonly pcmPtr: number;

  constructor() {
    const lib = opus();
    this.state = lib.malloc(lib.opus_decoder_get_size(1));
    this.dataPtr = lib.malloc(MAX_PACKET);
    this.pcmPtr = lib.malloc(MAX_FRAME * 2);
    const rc = lib.opus_decoder_init(this.state, OPUS_RATE, 1);
    if (rc < 0) {
      this.close();
      throw new OpusError('decoder init', rc);
    }
  }

  decode(payload: Uint8Array): Int16Array {
    return this.run(payload, MAX_FRAME, false);
  }

  /**
   * Audio for `samples` that never arrived: decoded from the in-band FEC (LBRR) data of the
   * packet that follows the gap when we have it, otherwise libopus's own concealment.
   */
  conceal(samples: number, next?: Uint8Array): Int16Array {
    const size = Math.max(120, Math.min(MAX_FRAME, samples - (samples % 120)));
    if (next && next.length > 0) {
      try {
        return this.run(next, size, true);
      } catch {
        // A packet without usable FEC data: fall through to plain concealment.
      }
    }
    return this.run(null, size, false);
  }

  private run(payload: Uint8Array | null, frameSize: number, fec: boolean): Int16Array {
    if (this.state === 0) throw new Error('opus decoder is closed');
    const lib = opus();
    let len = 0;
    if (payload) {
      if (payload.length > MAX_PACKET) throw new RangeError('Opus packet too large');
      heapU8().set(payload, this.dataPtr);
      len = payload.length;
    }
    const n = lib.opus_decode(this.state, payload ? this.dataPtr : 0, len, this.pcmPtr, frameSize, fec ? 1 : 0);
    if (n < 0) throw new OpusError('decode', n);
    return heapI16().slice(this.pcmPtr >> 1, (this.pcmPtr >> 1) + n);
  }

  close(): void {
    if (this.state === 0) return;
    const lib = opus();
    lib.free(this.state);
    lib.free(this.dataPtr);
    lib.free(this.pcmPtr);
    this.state = 0;
  }
}

const FRAME_TENTHS_MS = [
  // SILK-only configs 0–11: 10, 20, 40, 60 ms per bandwidth
  100, 200, 400, 600, 100, 200, 400, 600, 100, 200, 400, 600,
  // hybrid 12–15: 10, 20 ms
  100, 200, 100, 200,
  // CELT-only 16–31: 2.5, 5, 10, 20 ms
  25, 50, 100, 200, 25, 50, 100, 200, 25, 50, 100, 200, 25, 50, 100, 200,
];

/** Samples at 48 kHz in one Opus packet, from its TOC byte (RFC 6716 §3.1); null if malformed. */
export function opusPacketSamples(packet: Uint8Array): number | null {
  if (packet.length < 1) return null;
  const toc = packet[0]!;
  const perFrame = (FRAME_TENTHS_MS[toc >> 3]! * 48) / 10;
  const code = toc & 3;
  let frames: number;
  if (code === 0) frames = 1;
  else if (code === 1 || code === 2) frames = 2;
  else {
    if (packet.length < 2) return null;
    frames = packet[1]! & 0x3f;
    if (frames === 0) return null;
  }
  const total = perFrame * frames;
  return total > MAX_FRAME ? null : total;
}
