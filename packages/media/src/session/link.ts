import { sameEncoding } from '../codecs/codec.js';
import type { ClockTask, MediaClock } from './media-clock.js';
import { JitterBuffer } from './jitter-buffer.js';
import type { MediaLeg, SourcePacket } from './media-leg.js';

/**
 * One direction of a bridge: what one leg receives becomes what another leg sends. It lives
 * on the thread of the leg it feeds (the sink); the source's packets reach it by function call
 * on the same thread or over a MessagePort from another.
 *
 * When the packet's encoding is the sink's send codec, it passes through untouched (only
 * renumbered onto the sink's stream): no jitter buffer, no added delay. Otherwise it goes
 * through a jitter buffer, and every 20 ms a frame is decoded, resampled and re-encoded.
 * The choice is made per packet, so a renegotiation on either side switches mode by itself.
 * A link whose source and sink are the same leg is the echo test.
 */
export class Link {
  private readonly jitter = new JitterBuffer();
  private readonly task: ClockTask;
  private transcoding = false;
  private closed = false;
  private lastSource: object | null = null;
  private lastSink: object | null = null;
  private passthrough = false;
  relayed = 0;
  transcoded = 0;

  constructor(
    readonly id: string,
    readonly sink: MediaLeg,
    private readonly clock: MediaClock,
    private readonly fail: (error: unknown) => void,
  ) {
    this.task = { tick: (now) => this.tick(now), failed: (error) => this.fail(error) };
    sink.setFeed(id);
  }

  /** A packet the source leg received. */
  onSource(sp: SourcePacket): void {
    if (this.closed) return;
    if (sp.eventRate !== null) {
      this.sink.relayEvent(this.id, sp);
      return;
    }
    // Comfort noise, video, unknown payload types: nothing to hear.
    if (!sp.codec) return;
    const send = this.sink.sendCodec;
    if (!send) return;
    if (sp.codec !== this.lastSource || send !== this.lastSink) {
      // Codec lines are the same objects packet after packet: compare names only when they change.
      this.lastSource = sp.codec;
      this.lastSink = send;
      this.passthrough = sameEncoding(sp.codec, send);
    }
    if (this.passthrough) {
      if (this.transcoding) this.stopTranscoding();
      this.relayed++;
      this.sink.relay(this.id, sp.packet, send);
      return;
    }
    this.jitter.push(sp.packet, sp.codec, performance.now());
    if (!this.transcoding) {
      this.transcoding = true;
      this.clock.add(this.task);
    }
  }

  private tick(now: number): void {
    const frame = this.jitter.pull(now);
    if (frame) {
      this.transcoded++;
      this.sink.sendPcm(this.id, frame.pcm, frame.sampleRate);
    } else if (!this.jitter.active) {
      // The source went quiet (hold, silence suppression): stop ticking until it speaks again.
      this.stopTranscoding();
    }
  }

  private stopTranscoding(): void {
    this.transcoding = false;
    this.clock.delete(this.task);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.clock.delete(this.task);
    this.jitter.close();
    if (this.sink.currentFeed === this.id) this.sink.setFeed(null);
  }
}
