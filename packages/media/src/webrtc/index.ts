export { createWebRtcTransport } from './webrtc-transport.js';
export type { WebRtcTransport, WebRtcTransportOptions, WebRtcLogger, WebRtcTimings, WebRtcCounters } from './webrtc-transport.js';
export type { PortRange } from './port-reservations.js';
export { WebRtcNegotiationError, WebRtcUsageError } from './errors.js';
export type { WebRtcNegotiationErrorCode, WebRtcUsageErrorCode } from './errors.js';
