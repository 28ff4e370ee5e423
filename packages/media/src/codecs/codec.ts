import type { AudioCodec } from '../transport/types.js';
import { decodeG711, encodeG711, type G711Law } from './g711.js';
import { OpusDecoder, OpusEncoder, OPUS_INPUT_RATES, OPUS_RATE, opusPacketSamples } from './opus.js';

/** Turns 16-bit mono PCM at `sampleRate` into one RTP payload. */
export interface AudioEncoder {
  readonly name: string;
  readonly sampleRate: number;
  encode(pcm: Int16Array): Buffer;
  close(): void;
}

/** Turns RTP payloads back into 16-bit mono PCM at `sampleRate`, and covers for lost ones. */
export interface AudioDecoder {
  readonly name: string;
  readonly sampleRate: number;
  decode(payload: Uint8Array): Int16Array;
  /**
   * Audio for `samples` that were lost. `next`, when known, is the payload after the gap
   * (Opus recovers the lost frame from its in-band FEC data).
   */
  conceal(samples: number, next?: Uint8Array): Int16Array;
  close(): void;
}

/** Audio codecs the engine encodes and decodes (telephone-event is handled as events). */
export const AUDIO_CODECS = ['PCMU', 'PCMA', 'opus'] as const;
export type AudioCodecName = (typeof AUDIO_CODECS)[number];

export function audioCodecName(codec: Pick<AudioCodec, 'name' | 'clockRate'>): AudioCodecName | null {
  const name = codec.name.toLowerCase();
  if (name === 'pcmu' && codec.clockRate === 8000) return 'PCMU';
  if (name === 'pcma' && codec.clockRate === 8000) return 'PCMA';
  if (name === 'opus' && codec.clockRate === OPUS_RATE) return 'opus';
  return null;
}

/** Two codec lines name the same encoding (payload type numbers aside). */
export function sameEncoding(a: Pick<AudioCodec, 'name' | 'clockRate'>, b: Pick<AudioCodec, 'name' | 'clockRate'>): boolean {
  return a.name.toLowerCase() === b.name.toLowerCase() && a.clockRate === b.clockRate;
}

/**
 * The input rate an encoder of `codec` should take for PCM at `pcmRate`: Opus encodes 8, 12, 16
 * and 24 kHz input as it comes (no resampling), everything else takes its own rate.
 */
export function encoderInputRate(codec: Pick<AudioCodec, 'name' | 'clockRate'>, pcmRate: number): number {
  if (audioCodecName(codec) !== 'opus') return codec.clockRate;
  return OPUS_INPUT_RATES.includes(pcmRate) ? pcmRate : OPUS_RATE;
}

export function createEncoder(codec: Pick<AudioCodec, 'name' | 'clockRate'>, inputRate?: number): AudioEncoder {
  const name = audioCodecName(codec);
  switch (name) {
    case 'PCMU':
      return new G711Encoder('mulaw');
    case 'PCMA':
      return new G711Encoder('alaw');
    case 'opus':
      return new OpusEncoder({ sampleRate: inputRate ?? OPUS_RATE });
    default:
      throw new Error(`no encoder for ${codec.name}/${codec.clockRate}`);
  }
}

export function createDecoder(codec: Pick<AudioCodec, 'name' | 'clockRate'>): AudioDecoder {
  const name = audioCodecName(codec);
  switch (name) {
    case 'PCMU':
      return new G711Decoder('mulaw');
    case 'PCMA':
      return new G711Decoder('alaw');
    case 'opus':
      return new OpusDecoder();
    default:
      throw new Error(`no decoder for ${codec.name}/${codec.clockRate}`);
  }
}

/** Samples (at the RTP clock rate) carried by one payload, or null when it cannot be told. */
export function payloadSamples(codec: Pick<AudioCodec, 'name' | 'clockRate'>, payload: Uint8Array): number | null {
  const name = audioCodecName(codec);
  if (name === 'PCMU' || name === 'PCMA') return payload.length;
  if (name === 'opus') return opusPacketSamples(payload);
  return null;
}

export class G711Encoder implements AudioEncoder {
  readonly name: string;
  readonly sampleRate = 8000;
  constructor(private readonly law: G711Law) {
    this.name = law === 'mulaw' ? 'PCMU' : 'PCMA';
  }
  encode(pcm: Int16Array): Buffer {
    return encodeG711(this.law, pcm);
  }
  close(): void {}
}

/**
 * G.711 has no concealment of its own: a lost frame repeats the last good one, each repeat
 * quieter (×0.6), and after 100 ms of loss only silence remains (in the spirit of G.711
 * Appendix I, without its pitch search).
 */
export class G711Decoder implements AudioDecoder {
  readonly name: string;
  readonly sampleRate = 8000;
  private last: Int16Array = new Int16Array(0);
  private lostInRow = 0;

  constructor(private readonly law: G711Law) {
    this.name = law === 'mulaw' ? 'PCMU' : 'PCMA';
  }

  decode(payload: Uint8Array): Int16Array {
    const pcm = decodeG711(this.law, payload);
    this.last = pcm;
    this.lostInRow = 0;
    return pcm;
  }

  conceal(samples: number): Int16Array {
    this.lostInRow++;
    const out = new Int16Array(samples);
    if (this.last.length === 0 || this.lostInRow > 5) return out;
    const from = 0.6 ** (this.lostInRow - 1);
    const to = 0.6 ** this.lostInRow;
    for (let i = 0; i < samples; i++) {
      const gain = from + ((to - from) * i) / samples;
      out[i] = Math.round(this.last[i % this.last.length]! * gain);
    }
    return out;
  }

  close(): void {}
}
