import { createSocket, type Socket } from 'node:dgram';
import { until } from '@switchboard/testkit';
import { RtpPortPool } from '../../src/rtp/port-pool.js';
import { serializeRtp, type RelayedRtpPacket, type ReceivedRtpPacket } from '../../src/rtp/rtp-packet.js';
import { createRtpTransport, type RtpTransport } from '../../src/rtp/rtp-transport.js';
import { OutboundStream } from '../../src/session/outbound-stream.js';

// The passthrough fast path: a relayed packet leaves in the datagram it arrived in, our header
// written over the source's. What goes on the wire must be byte for byte what the general path
// (a fresh 12-byte header + the payload) sends for the same packet.

const pool = new RtpPortPool(null);
const closeLater: { close(): void }[] = [];
afterEach(() => {
  for (const c of closeLater.splice(0)) c.close();
});

async function udp(): Promise<Socket> {
  const socket = createSocket('udp4');
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', r));
  closeLater.push(socket);
  return socket;
}
async function legFor(peer: Socket): Promise<{ transport: RtpTransport; port: number }> {
  const transport = createRtpTransport({ id: `t${peer.address().port}`, bindAddress: '127.0.0.1', announcedAddress: '127.0.0.1', ports: pool, rtcpIntervalMs: 60_000 });
  closeLater.push(transport);
  const offer = `v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio ${peer.address().port} RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=sendrecv\r\n`;
  const { answer } = await transport.answerOffer(offer);
  return { transport, port: Number(/m=audio (\d+)/.exec(answer)![1]) };
}

/** A → src transport → OutboundStream → dst transport → B, recording what each side saw. */
async function relayRig() {
  const [a, b] = await Promise.all([udp(), udp()]);
  const src = await legFor(a);
  const dst = await legFor(b);
  const out = new OutboundStream(8000);
  const atB: Buffer[] = [];
  const expected: Buffer[] = [];
  const lent: (Buffer | null)[] = [];
  b.on('message', (m) => atB.push(m));
  src.transport.on('rtp', (packet) => {
    lent.push((packet as ReceivedRtpPacket).datagram);
    const relayed: RelayedRtpPacket = out.relayed('bridge', packet, 0);
    // What the general path sends for this packet, computed before the datagram is overwritten.
    expected.push(serializeRtp({ ...relayed, payload: Buffer.from(relayed.payload) }));
    dst.transport.sendRtp(relayed);
  });
  const send = (hex: string) => a.send(Buffer.from(hex, 'hex'), src.port, '127.0.0.1');
  return { out, atB, expected, lent, send };
}

const header = (marker: boolean, seq: number, ts: number, ssrc: number) =>
  '80' + (marker ? '80' : '00') + seq.toString(16).padStart(4, '0') + ts.toString(16).padStart(8, '0') + ssrc.toString(16).padStart(8, '0');

describe('relaying in the received datagram', () => {
  it('sends byte for byte what the general path sends, across a change of source (one SSRC, continuous numbering)', async () => {
    const rig = await relayRig();
    const payload = (n: number) => Buffer.alloc(160, n).toString('hex');
    // Source 1 wraps its sequence and timestamp; then a transfer brings source 2 elsewhere on both lines.
    const packets = [
      header(true, 0xfffe, 0xffffff00, 0xdeadbeef) + payload(1),
      header(false, 0xffff, 0xffffffa0, 0xdeadbeef) + payload(2),
      header(false, 0x0000, 0x00000040, 0xdeadbeef) + payload(3),
      header(false, 0x1234, 0x00abcdef, 0x00000007) + payload(4),
      header(false, 0x1235, 0x00abce8f, 0x00000007) + payload(5),
    ];
    for (const [i, p] of packets.entries()) {
      rig.send(p);
      await until(`packet ${i} relayed`, () => rig.atB.length === i + 1, 5_000);
    }
    expect(rig.lent.every((d) => d !== null)).toBe(true);
    expect(rig.atB.map((b) => b.toString('hex'))).toEqual(rig.expected.map((b) => b.toString('hex')));
    const ssrcs = new Set(rig.atB.map((b) => b.readUInt32BE(8)));
    expect(ssrcs).toEqual(new Set([rig.out.ssrc]));
    const seqs = rig.atB.map((b) => b.readUInt16BE(2));
    expect(seqs.slice(1).map((s, i) => (s - seqs[i]!) & 0xffff)).toEqual([1, 1, 1, 1]);
    // Timestamp steps of the source are kept (160 per packet) within each source.
    const ts = rig.atB.map((b) => b.readUInt32BE(4));
    expect([(ts[1]! - ts[0]!) >>> 0, (ts[2]! - ts[1]!) >>> 0, (ts[4]! - ts[3]!) >>> 0]).toEqual([160, 160, 160]);
    // The marker flags the new source's first packet.
    expect(rig.atB.map((b) => (b[1]! & 0x80) !== 0)).toEqual([true, false, false, true, false]);
    // Payloads untouched.
    expect(rig.atB.map((b) => b[12])).toEqual([1, 2, 3, 4, 5]);
  });

  it('builds a fresh header for packets with CSRCs, an extension or padding (they are not lent)', async () => {
    const rig = await relayRig();
    // CC=1, then X=1 with one extension word, then P=1 with 4 bytes of padding.
    rig.send('81' + '00' + '0001' + '00000100' + '00000009' + '0a0b0c0d' + 'aa'.repeat(160));
    await until('csrc packet relayed', () => rig.atB.length === 1, 5_000);
    rig.send('90' + '00' + '0002' + '000001a0' + '00000009' + 'bede0001' + '10ff0000' + 'bb'.repeat(160));
    await until('extension packet relayed', () => rig.atB.length === 2, 5_000);
    rig.send('a0' + '00' + '0003' + '00000240' + '00000009' + 'cc'.repeat(160) + '00000004');
    await until('padded packet relayed', () => rig.atB.length === 3, 5_000);
    expect(rig.lent).toEqual([null, null, null]);
    expect(rig.atB.map((b) => b.toString('hex'))).toEqual(rig.expected.map((b) => b.toString('hex')));
    // What leaves is a bare 12-byte header and the payload alone.
    expect(rig.atB.map((b) => [b[0], b.length])).toEqual([
      [0x80, 172],
      [0x80, 172],
      [0x80, 172],
    ]);
  });
});
