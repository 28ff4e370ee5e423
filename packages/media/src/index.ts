export type * from './transport/types.js';
export * from './rtp/rtp-packet.js';
export * from './rtp/rtcp-packet.js';
export * from './rtp/telephone-event.js';
export * from './codecs/g711.js';
export * from './codecs/codec.js';
export { OpusEncoder, OpusDecoder, opusPacketSamples, OPUS_RATE } from './codecs/opus.js';
export { Resampler } from './codecs/resampler.js';
