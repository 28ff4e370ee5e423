export * from './wav.js';
export * from './tone.js';
export * from './ports.js';
export * from './baresip.js';
