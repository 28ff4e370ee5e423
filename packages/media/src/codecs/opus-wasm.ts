import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/**
 * A direct binding to the libopus WebAssembly build that ships inside `@evan/opus`. The
 * package's own classes expose neither packet-loss concealment (decoding "no packet") nor
 * in-band FEC decoding (`decode_fec`), which the jitter buffer needs, so we call the libopus
 * C API ourselves: `opus_decode(st, data, len, pcm, frame_size, decode_fec)` and friends.
 * One instance per thread (each worker loads its own).
 */

// The project's TypeScript libs (ES2023, no DOM) carry no WebAssembly types: describe the part we use.
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: Record<string, Record<string, () => number>>) => { exports: unknown };
  validate(bytes: Uint8Array): boolean;
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

interface OpusExports {
  memory: { buffer: ArrayBuffer };
  malloc(size: number): number;
  free(ptr: number): void;
  opus_strerror(code: number): number;
  opus_decoder_get_size(channels: number): number;
  opus_decoder_init(st: number, rate: number, channels: number): number;
  opus_decode(st: number, data: number, len: number, pcm: number, frameSize: number, decodeFec: number): number;
  opus_decoder_ctl_set(st: number, request: number, value: number): number;
  opus_decoder_ctl_get(st: number, request: number): number;
  opus_encoder_get_size(channels: number): number;
  opus_encoder_init(st: number, rate: number, channels: number, application: number): number;
  opus_encode(st: number, pcm: number, frameSize: number, data: number, maxBytes: number): number;
  opus_encoder_ctl_set(st: number, request: number, value: number): number;
  opus_encoder_ctl_get(st: number, request: number): number;
  _initialize?: () => void;
}

// libopus request codes (opus_defines.h).
export const OPUS_APPLICATION_VOIP = 2048;
export const OPUS_SET_BITRATE = 4002;
export const OPUS_SET_COMPLEXITY = 4010;
export const OPUS_SET_INBAND_FEC = 4012;
export const OPUS_SET_PACKET_LOSS_PERC = 4014;
export const OPUS_SET_SIGNAL = 4024;
export const OPUS_SIGNAL_VOICE = 3001;

let instance: OpusExports | null = null;

function wasmFile(): string {
  const require = createRequire(import.meta.url);
  // Same choice as the package: the SIMD build when the engine validates a SIMD opcode.
  const simdProbe = Uint8Array.of(0, 97, 115, 109, 1, 0, 0, 0, 1, 4, 1, 96, 0, 0, 3, 2, 1, 0, 10, 9, 1, 7, 0, 65, 0, 253, 15, 26, 11);
  return require.resolve(wasm.validate(simdProbe) ? '@evan/opus/wasm/simd.wasm' : '@evan/opus/wasm/opus.wasm');
}

export function opus(): OpusExports {
  if (instance) return instance;
  const module = new wasm.Module(readFileSync(wasmFile()));
  const noop = (): number => 0;
  const created = new wasm.Instance(module, {
    wasi_snapshot_preview1: { fd_seek: noop, fd_write: noop, fd_close: noop, proc_exit: noop },
    env: { emscripten_notify_memory_growth: noop },
  });
  instance = created.exports as OpusExports;
  return instance;
}

export class OpusError extends Error {
  constructor(operation: string, code: number) {
    super(`opus ${operation} failed: ${readCString(opus().opus_strerror(code))} (${code})`);
    this.name = 'OpusError';
  }
}

function readCString(ptr: number): string {
  const bytes = new Uint8Array(opus().memory.buffer);
  let end = ptr;
  while (end < bytes.length && bytes[end] !== 0) end++;
  return Buffer.from(bytes.subarray(ptr, end)).toString('latin1');
}

/** Views on the current wasm memory; recreated after the memory grows (its buffer changes). */
export function heapU8(): Uint8Array {
  return new Uint8Array(opus().memory.buffer);
}
export function heapI16(): Int16Array {
  return new Int16Array(opus().memory.buffer);
}
