import { OutboundStream } from '../../src/session/outbound-stream.js';
import type { RtpPacket } from '../../src/transport/types.js';

function clock() {
  let t = 1000;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

function inbound(ssrc: number, seq: number, ts: number): RtpPacket {
  return { payloadType: 0, sequenceNumber: seq & 0xffff, timestamp: ts >>> 0, ssrc, marker: false, payload: Buffer.alloc(160) };
}

describe('outbound stream (one continuous RTP stream per leg)', () => {
  it('keeps SSRC, sequence and wall-clock timing across producers: relay, player, another relay', () => {
    const c = clock();
    const out = new OutboundStream(8000, c.now);
    const sent: RtpPacket[] = [];
    for (let i = 0; i < 5; i++, c.advance(20)) sent.push(out.relayed('bridge-1', inbound(111, 65533 + i, 4_294_967_000 + i * 160), 0));
    // Hold music for 1 s (generated frames), then a transfer relays a different caller.
    for (let i = 0; i < 50; i++, c.advance(20)) sent.push(out.generated('player', 0, Buffer.alloc(160), 160));
    c.advance(300); // a gap of silence while the transfer is set up
    for (let i = 0; i < 5; i++, c.advance(20)) sent.push(out.relayed('bridge-2', inbound(222, 100 + i, 777 + i * 160), 8));
    expect(new Set(sent.map((p) => p.ssrc))).toEqual(new Set([out.ssrc]));
    const seqSteps = sent.slice(1).map((p, i) => (p.sequenceNumber - sent[i]!.sequenceNumber) & 0xffff);
    expect(new Set(seqSteps)).toEqual(new Set([1]));
    const tsSteps = sent.slice(1).map((p, i) => (p.timestamp - sent[i]!.timestamp) >>> 0);
    // 160 per 20 ms frame, and 160 + 2400 across the 300 ms gap.
    expect(tsSteps.filter((s) => s !== 160)).toEqual([160 + 2400]);
    // The marker bit flags each new producer.
    expect(sent.map((p, i) => (p.marker ? i : -1)).filter((i) => i >= 0)).toEqual([0, 5, 55]);
    expect(sent[55]!.payloadType).toBe(8);
  });

  it('passes a relayed stream’s own gaps and reordering through', () => {
    const c = clock();
    const out = new OutboundStream(8000, c.now);
    const a = out.relayed('b', inbound(1, 10, 1600), 0);
    const late = inbound(1, 12, 1920);
    const b = out.relayed('b', late, 0);
    const c2 = out.relayed('b', inbound(1, 11, 1760), 0);
    expect((b.sequenceNumber - a.sequenceNumber) & 0xffff).toBe(2);
    expect((c2.sequenceNumber - a.sequenceNumber) & 0xffff).toBe(1);
    expect((b.timestamp - a.timestamp) >>> 0).toBe(320);
    // The next new producer continues after the newest sequence number sent.
    const d = out.generated('p', 0, Buffer.alloc(160), 160);
    expect((d.sequenceNumber - b.sequenceNumber) & 0xffff).toBe(1);
  });

  it('gives every packet of one telephone event the same timestamp, mapped from the relayed stream', () => {
    const c = clock();
    const out = new OutboundStream(8000, c.now);
    const audio = out.relayed('b', inbound(1, 10, 16000), 0);
    const e1 = out.event('b', 16160, 101, Buffer.from([5, 10, 0, 160]), 8000);
    const e2 = out.event('b', 16160, 101, Buffer.from([5, 10, 1, 64]), 8000);
    const e3 = out.event('b', 20000, 101, Buffer.from([6, 10, 0, 160]), 8000);
    expect(e1.timestamp).toBe((audio.timestamp + 160) >>> 0);
    expect(e2.timestamp).toBe(e1.timestamp);
    expect(e1.marker).toBe(true);
    expect(e2.marker).toBe(false);
    expect(e3.timestamp).not.toBe(e1.timestamp);
    expect((e2.sequenceNumber - e1.sequenceNumber) & 0xffff).toBe(1);
  });

  it('continues its timeline when the send codec changes clock rate', () => {
    const c = clock();
    const out = new OutboundStream(8000, c.now);
    const a = out.generated('p', 0, Buffer.alloc(160), 160);
    c.advance(20);
    out.setClockRate(48000);
    const b = out.generated('p', 111, Buffer.alloc(50), 960);
    // 20 ms at the old rate, then the new rate counts on (timestamps only ever move forward).
    expect((b.timestamp - a.timestamp) >>> 0).toBeGreaterThanOrEqual(160);
    expect((b.timestamp - a.timestamp) >>> 0).toBeLessThanOrEqual(161);
    expect((b.sequenceNumber - a.sequenceNumber) & 0xffff).toBe(1);
  });
});
