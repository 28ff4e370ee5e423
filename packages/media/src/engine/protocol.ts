import type { MessagePort } from 'node:worker_threads';
import type { ToneName } from '../audio/tones.js';
import type { PortRange } from '../rtp/port-pool.js';
import type { RecordingOptions, RecordingResult } from '../session/recorder.js';
import type { PlaybackEnd } from '../session/media-leg.js';
import type { AudioCodec, NegotiatedAudio, OfferOptions, TransportState } from '../transport/types.js';

/**
 * The typed message channel between the main thread (MediaEngine) and its media threads,
 * and between media threads. The main thread sends commands and gets one reply per command;
 * media threads send events. Packets never cross to the main thread.
 */

export type LegKind = 'rtp' | 'webrtc';

/** What a leg can play. Relative file paths are taken from the engine's assets folder. */
export type PlaySource =
  | { tone: ToneName; region?: string }
  | { file: string }
  /** Files played back to back, e.g. ['prompts/you-have.wav', 'prompts/digits/3.wav', 'prompts/new-messages.wav']. */
  | { files: string[] };

export interface WorkerInit {
  index: number;
  portRange: PortRange | null;
  bindAddress: string;
  announcedAddress: string;
  assetsDir: string;
  inactivityTimeoutMs: number;
  toneRegion: string;
  testHooks: boolean;
  /** Load the WebRTC stack and Opus, and make the DTLS certificate, as the thread starts. */
  prepareWebRtc: boolean;
}

/** Where a tap delivers a leg's incoming packets: a bridge link or a mixer seat, on some thread. */
export interface TapTarget {
  worker: number;
  kind: 'link' | 'mixer';
  id: string;
  /** For a mixer: the participant (leg id) the packets belong to. */
  participant?: string;
}

export type Command =
  | { op: 'init'; init: WorkerInit }
  | { op: 'peer'; worker: number; port: MessagePort }
  | { op: 'createLeg'; legId: string; kind: LegKind; srtp?: boolean }
  | { op: 'createOffer'; legId: string; options?: OfferOptions }
  | { op: 'applyAnswer'; legId: string; sdp: string }
  | { op: 'answerOffer'; legId: string; sdp: string; options?: OfferOptions }
  | { op: 'play'; legId: string; source: PlaySource; loop: boolean }
  | { op: 'stopPlayback'; legId: string }
  | { op: 'record'; legId: string; path: string; options: RecordingOptions }
  | { op: 'stopRecording'; legId: string }
  | { op: 'sendDtmf'; legId: string; digits: string }
  | { op: 'setFeed'; legId: string; feed: string | null }
  | { op: 'closeLeg'; legId: string; reason: string }
  | { op: 'addLink'; linkId: string; sinkLegId: string }
  | { op: 'removeLink'; linkId: string }
  | { op: 'addTap'; tapId: string; legId: string; target: TapTarget }
  | { op: 'removeTap'; tapId: string }
  | { op: 'createMixer'; mixerId: string }
  | { op: 'closeMixer'; mixerId: string }
  | { op: 'mixerAdd'; mixerId: string; legId: string; legWorker: number; rate: number }
  | { op: 'mixerRemove'; mixerId: string; legId: string }
  | { op: 'mixerMute'; mixerId: string; legId: string; muted: boolean }
  | { op: 'stats' }
  /** The watchdog's question: answered at once by a thread whose event loop runs. */
  | { op: 'ping' }
  | { op: 'injectFault'; legId: string }
  /** Test hook: the thread stops returning to its event loop (a bug that never ends), just after it replies. */
  | { op: 'injectHang' };

export interface Request {
  id: number;
  command: Command;
}

/**
 * What one postMessage carries: everything one side had to say in one turn of its event loop
 * (a call step is several commands: both legs' creation and offers, a bridge's links and taps,
 * a call's teardown), in order. The structured clone and the wake-up of the other thread are
 * paid once per turn, not once per command.
 */
export type ToThread = Request[] | { shutdown: true };
export type FromThread = Array<Reply | WorkerEvent>;

export interface SerializedError {
  name: string;
  message: string;
  code?: string;
}

export type Reply = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: SerializedError };

/** What each command resolves to. */
export interface CommandResults {
  createOffer: string;
  applyAnswer: NegotiatedAudio;
  answerOffer: { answer: string; negotiated: NegotiatedAudio };
  play: PlaybackEnd;
  record: RecordingResult;
  stats: WorkerStats;
}

export interface WorkerStats {
  index: number;
  legs: number;
  links: number;
  mixers: number;
  taps: number;
  clockTasks: number;
  ticks: number;
  lateTicks: number;
  /** Share of wall time the clock's tasks ran, the longest tick, and the worst tick start lag (ms). */
  clockBusyMs: number;
  longestTickMs: number;
  worstStartLagMs: number;
  /** Link counters: packets passed through vs frames transcoded. */
  relayed: number;
  transcoded: number;
}

export type WorkerEvent =
  | { event: 'ready'; webrtc: string | null }
  | { event: 'leg'; legId: string; name: 'dtmf'; digit: string }
  | { event: 'leg'; legId: string; name: 'inactive'; silentMs: number }
  | { event: 'leg'; legId: string; name: 'state'; state: TransportState }
  | { event: 'leg'; legId: string; name: 'negotiated'; negotiated: NegotiatedAudio }
  | { event: 'leg'; legId: string; name: 'error'; error: SerializedError }
  | { event: 'leg'; legId: string; name: 'closed'; reason: string }
  | { event: 'mixer'; mixerId: string; name: 'speaking'; legId: string; speaking: boolean }
  | { event: 'mixer'; mixerId: string; name: 'error'; error: SerializedError };

/** An RTP packet as it crosses between threads (a Buffer arrives as a plain Uint8Array). */
export interface PortablePacket {
  payloadType: number;
  sequenceNumber: number;
  timestamp: number;
  ssrc: number;
  marker: boolean;
  payload: Uint8Array;
}

export type PeerMessage =
  | { t: 'src'; target: TapTarget; packet: PortablePacket; codec: AudioCodec | null; eventRate: number | null }
  | { t: 'mix'; legId: string; mixerId: string; pcm: Int16Array; rate: number };

export function serializeError(error: unknown): SerializedError {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return { name: error.name, message: error.message, ...(typeof code === 'string' ? { code } : {}) };
  }
  return { name: 'Error', message: String(error) };
}
