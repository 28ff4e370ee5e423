/**
 * @switchboard/media — the media engine. The PBX uses the engine API (MediaEngine, Leg, Mixer,
 * Bridge); the lower layers are exported for tests, tools and the WebRTC transport.
 */
export { MediaEngine, Bridge, splitRange, type MediaEngineOptions, type CreateLegOptions } from './engine/media-engine.js';
export { Leg, type LegEvents } from './engine/leg.js';
export { Mixer, type MixerEvents } from './engine/mixer-handle.js';
export { MediaError } from './engine/media-worker.js';
export type { PlaySource, LegKind, WorkerStats } from './engine/protocol.js';
export type { RecordingOptions, RecordingResult, RecordingEnd } from './session/recorder.js';
export type { PlaybackEnd } from './session/media-leg.js';

export type * from './transport/types.js';
export * from './rtp/rtp-packet.js';
export * from './rtp/rtcp-packet.js';
export * from './rtp/telephone-event.js';
export { RtpPortPool, PortsExhaustedError, type PortRange } from './rtp/port-pool.js';
export { RtpTransport, createRtpTransport, type RtpTransportOptions, type RtpTransportStats } from './rtp/rtp-transport.js';
export * from './sdp/negotiate.js';
export { plainRtpCodecs, readRtpSdp, writeRtpSdp, PLAIN_RTP_CODECS, DEFAULT_OFFER_CODECS } from './sdp/rtp-sdp.js';
export * from './codecs/g711.js';
export * from './codecs/codec.js';
export { OpusEncoder, OpusDecoder, opusPacketSamples, OPUS_RATE } from './codecs/opus.js';
export { Resampler } from './codecs/resampler.js';
export { TONE_REGIONS, DTMF_FREQUENCIES, toneSpec, type ToneName, type ToneSpec, type ToneTable } from './audio/tones.js';
export { parseWav, encodeWav, type PcmAudio } from './audio/wav.js';
