export * from './wav.js';
export * from './tone.js';
export * from './ports.js';
export * from './baresip.js';
export * from './g711.js';
export * from './rtp-peer.js';
export * from './sipp.js';
export * from './protos.js';
