export { createWebRtcTransport } from './webrtc-transport.js';
export { prepareDtlsCertificate as prepareWebRtc } from './ice-dtls-link.js';
export type { WebRtcTransport, WebRtcTransportOptions, WebRtcLogger, WebRtcTimings, WebRtcCounters } from './webrtc-transport.js';
export { WebRtcUsageError } from './errors.js';
export type { WebRtcUsageErrorCode } from './errors.js';
