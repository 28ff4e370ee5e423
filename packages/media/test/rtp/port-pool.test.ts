import type { Socket } from 'node:dgram';
import { freePortBlock, until } from '@switchboard/testkit';
import { bindUdp, isOpen, PortsExhaustedError, RtpPortPool, type RtpPortPoolOptions } from '../../src/rtp/port-pool.js';
import { serializeRtp } from '../../src/rtp/rtp-packet.js';
import { createRtpTransport } from '../../src/rtp/rtp-transport.js';

const LOCAL = '127.0.0.1';
const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup();
});

/** A pool on the system's ports with a clock the test moves. */
function poolAt(options: Omit<RtpPortPoolOptions, 'now'> = {}): { pool: RtpPortPool; clock: { t: number } } {
  const clock = { t: 0 };
  const pool = new RtpPortPool(null, { quarantineMs: 1000, ...options, now: () => clock.t });
  cleanups.push(() => pool.close());
  return { pool, clock };
}

/** A loopback socket that counts what it receives (a phone). */
async function phone(): Promise<{ socket: Socket; port: number; received: Buffer[]; send: (to: number, n?: number) => void }> {
  const socket = await bindUdp(0, LOCAL);
  cleanups.push(() => socket.close());
  const received: Buffer[] = [];
  socket.on('message', (msg) => received.push(msg));
  const send = (to: number, n = 1): void => {
    for (let i = 0; i < n; i++) socket.send(serializeRtp({ payloadType: 0, sequenceNumber: i, timestamp: i * 160, ssrc: 7, marker: false, payload: Buffer.alloc(160, 0xff) }), to, LOCAL);
  };
  return { socket, port: socket.address().port, received, send };
}

describe('RTP port pool', () => {
  it('hands out even/odd pairs from its range, skips a port someone else holds, and takes pairs back', async () => {
    const base = await freePortBlock(8);
    const even = base + (base % 2);
    const pool = new RtpPortPool({ min: even, max: even + 5 });
    cleanups.push(() => pool.close());
    // Another program holds one port of the range.
    const squatter = await bindUdp(even + 2, LOCAL);
    cleanups.push(() => squatter.close());
    const pairs = [await pool.bindPair(LOCAL), await pool.bindPair(LOCAL)];
    const ports = pairs.map((p) => p.port).sort();
    expect(ports).toEqual([even, even + 4]);
    for (const p of pairs) expect(p.rtcp.address().port).toBe(p.port + 1);
    await expect(pool.bindPair(LOCAL)).rejects.toThrow(PortsExhaustedError);
    expect(pool.inUse).toBe(2);
    pairs[0]!.release();
    pairs[0]!.release();
    expect(pool.stats()).toMatchObject({ inUse: 1, resting: 1 });
    // The range is full: the pair that rested longest goes out before its quarantine ends.
    const again = await pool.bindPair(LOCAL);
    expect(again.port).toBe(pairs[0]!.port);
    again.release();
    pairs[1]!.release();
    expect(pool.inUse).toBe(0);
  });

  it('lets the system pick when it has no range (tests)', async () => {
    const { pool } = poolAt();
    const pair = await pool.bindPair(LOCAL);
    expect(pair.port % 2).toBe(0);
    expect(pair.rtcp.address().port).toBe(pair.port + 1);
    pair.release();
    expect(pool.inUse).toBe(0);
  });

  it('gives a released pair out again only after its quarantine, oldest first', async () => {
    const { pool, clock } = poolAt({ quarantineMs: 1000 });
    const first = await pool.bindPair(LOCAL);
    const second = await pool.bindPair(LOCAL);
    first.release();
    clock.t = 10;
    second.release();

    clock.t = 999;
    const early = await pool.bindPair(LOCAL);
    expect([first.port, second.port]).not.toContain(early.port);
    expect(pool.stats()).toMatchObject({ bound: 3, reused: 0, resting: 2 });

    clock.t = 1000;
    const reused = await pool.bindPair(LOCAL);
    expect(reused.port).toBe(first.port);
    expect(reused.rtp).toBe(first.rtp);
    clock.t = 1005;
    expect((await pool.bindPair(LOCAL)).port).not.toBe(second.port);
    clock.t = 1010;
    expect((await pool.bindPair(LOCAL)).port).toBe(second.port);
    expect(pool.stats()).toMatchObject({ bound: 4, reused: 2, resting: 0, inUse: 4 });
  });

  it('hands out a reused pair as a fresh one: no listeners, not connected, any source heard', async () => {
    const { pool, clock } = poolAt();
    const [oldPeer, newPeer] = [await phone(), await phone()];
    const pair = await pool.bindPair(LOCAL);
    pair.rtp.on('message', () => undefined);
    pair.rtp.on('error', () => undefined);
    pair.rtcp.on('message', () => undefined);
    pair.rtp.connect(oldPeer.port, LOCAL);
    await until('the RTP socket connected', () => remoteOf(pair.rtp) !== null);
    pair.release();
    clock.t = 1000;

    const again = await pool.bindPair(LOCAL);
    expect(again.rtp).toBe(pair.rtp);
    for (const socket of [again.rtp, again.rtcp]) expect(socket.eventNames()).toEqual([]);
    expect(remoteOf(again.rtp)).toBeNull();
    expect(again.rtp.address().port).toBe(again.port);
    const heard: Buffer[] = [];
    again.rtp.on('message', (msg) => heard.push(msg));
    newPeer.send(again.port);
    await until('the new peer heard', () => heard.length === 1);
    // And it may send anywhere again.
    again.rtp.send(Buffer.from('hello'), newPeer.port, LOCAL);
    await until('the new peer reached', () => newPeer.received.length === 1);
  });

  it('reads and drops what still comes to a resting pair: the next leg never sees it', async () => {
    const { pool, clock } = poolAt();
    const [oldPeer, newPeer] = [await phone(), await phone()];
    const pair = await pool.bindPair(LOCAL);
    pair.release();
    oldPeer.send(pair.port, 5);
    oldPeer.send(pair.port + 1, 2);
    await until('the strays read', () => pool.stats().strays === 7);

    clock.t = 1000;
    const again = await pool.bindPair(LOCAL);
    expect(again.port).toBe(pair.port);
    const heard: Buffer[] = [];
    again.rtp.on('message', (msg) => heard.push(msg));
    again.rtcp.on('message', (msg) => heard.push(msg));
    newPeer.send(again.port);
    await until('the new peer heard', () => heard.length >= 1);
    expect(heard).toHaveLength(1);
    expect(pool.stats().strays).toBe(7);
  });

  it('reuses a pair that heard its old peer just after release once it has been quiet for the quarantine', async () => {
    const { pool, clock } = poolAt();
    const oldPeer = await phone();
    const pair = await pool.bindPair(LOCAL);
    pair.release();
    clock.t = 50;
    oldPeer.send(pair.port, 3);
    await until('the strays read', () => pool.stats().strays === 3);

    clock.t = 1000;
    expect((await pool.bindPair(LOCAL)).port).not.toBe(pair.port);
    expect(pool.stats()).toMatchObject({ resting: 1, reused: 0 });
    clock.t = 1050;
    expect((await pool.bindPair(LOCAL)).port).toBe(pair.port);
  });

  it('closes a resting pair whose old peer has not stopped sending instead of reusing it', async () => {
    const { pool, clock } = poolAt();
    const oldPeer = await phone();
    const pair = await pool.bindPair(LOCAL);
    pair.release();
    for (const t of [500, 1500]) {
      clock.t = t;
      oldPeer.send(pair.port);
      await until('the stray read', () => pool.stats().strays === (t === 500 ? 1 : 2));
      clock.t = t + 100;
      expect((await pool.bindPair(LOCAL)).port).not.toBe(pair.port);
    }
    expect(pool.stats().resting).toBe(1);

    clock.t = 2000;
    expect((await pool.bindPair(LOCAL)).port).not.toBe(pair.port);
    expect(isOpen(pair.rtp) || isOpen(pair.rtcp)).toBe(false);
    expect(pool.stats()).toMatchObject({ resting: 0, reused: 0 });
  });

  it('keeps at most maxResting pairs, closing the one released beyond that', async () => {
    const { pool } = poolAt({ maxResting: 2 });
    const pairs = [await pool.bindPair(LOCAL), await pool.bindPair(LOCAL), await pool.bindPair(LOCAL)];
    for (const p of pairs) p.release();
    expect(pool.stats()).toMatchObject({ resting: 2, inUse: 0 });
    expect(pairs.map((p) => isOpen(p.rtp))).toEqual([true, true, false]);
    expect(isOpen(pairs[2]!.rtcp)).toBe(false);
  });

  it('closes pairs that rested idleCloseMs by itself (an idle server returns to few sockets)', async () => {
    const pool = new RtpPortPool(null, { quarantineMs: 10, idleCloseMs: 100 });
    cleanups.push(() => pool.close());
    const pairs = [await pool.bindPair(LOCAL), await pool.bindPair(LOCAL)];
    for (const p of pairs) p.release();
    expect(pool.stats().resting).toBe(2);
    await until('the idle pairs closed', () => pool.stats().resting === 0);
    for (const p of pairs) expect([isOpen(p.rtp), isOpen(p.rtcp)]).toEqual([false, false]);
  });

  it('ignores a second release, even once the pair has gone to another leg', async () => {
    const { pool, clock } = poolAt();
    const lease = await pool.bindPair(LOCAL);
    lease.release();
    lease.release();
    expect(pool.stats()).toMatchObject({ resting: 1, inUse: 0 });
    clock.t = 1000;
    const next = await pool.bindPair(LOCAL);
    expect(next.rtp).toBe(lease.rtp);
    lease.release();
    expect(pool.stats()).toMatchObject({ resting: 0, inUse: 1 });
    expect(isOpen(next.rtp)).toBe(true);
    expect(next.rtp.eventNames()).toEqual([]);
  });

  it('forgets a pair whose holder closed its sockets (a WebRTC leg hands the port to werift)', async () => {
    const { pool } = poolAt();
    const lease = await pool.bindPair(LOCAL);
    lease.rtp.close();
    lease.rtcp.close();
    lease.release();
    expect(pool.stats()).toMatchObject({ resting: 0, inUse: 0 });
  });

  it('close() closes every pair, resting or given out, and refuses more', async () => {
    const { pool } = poolAt();
    const [resting, held] = [await pool.bindPair(LOCAL), await pool.bindPair(LOCAL)];
    resting.release();
    pool.close();
    pool.close();
    for (const p of [resting, held]) expect([isOpen(p.rtp), isOpen(p.rtcp)]).toEqual([false, false]);
    expect(pool.stats()).toMatchObject({ resting: 0, inUse: 0 });
    held.release();
    await expect(pool.bindPair(LOCAL)).rejects.toThrow(/closed/);
  });

  it('a plain RTP leg on a reused pair starts clean: latches onto its own peer, counts only its packets', async () => {
    const { pool, clock } = poolAt();
    const [oldPhone, newPhone] = [await phone(), await phone()];
    const sdp = (port: number): string => `v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio ${port} RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=sendrecv\r\n`;
    const leg = (id: string) => createRtpTransport({ id, bindAddress: LOCAL, announcedAddress: LOCAL, ports: pool, rtcpIntervalMs: 60_000 });
    const packet = { payloadType: 0, sequenceNumber: 1, timestamp: 160, ssrc: 99, marker: false, payload: Buffer.alloc(160, 0xff) };

    const first = leg('first');
    await first.answerOffer(sdp(oldPhone.port));
    const port = first.localPort!;
    oldPhone.send(port, 3);
    await until('the first leg latched and pinned', () => first.stats().packetsReceived === 3);
    first.sendRtp(packet);
    await until('the old phone reached', () => oldPhone.received.length === 1);
    first.close();

    clock.t = 1000;
    const second = leg('second');
    cleanups.push(() => second.close());
    const heard: number[] = [];
    second.on('rtp', (p) => heard.push(p.ssrc));
    await second.answerOffer(sdp(newPhone.port));
    expect(second.localPort).toBe(port);
    expect(second.stats()).toMatchObject({ packetsReceived: 0, packetsSent: 0, rtcpReceived: 0, remote: { port: newPhone.port } });
    newPhone.send(port, 2);
    await until('the second leg heard its phone', () => heard.length === 2);
    second.sendRtp(packet);
    await until('the new phone reached', () => newPhone.received.length === 1);
    expect(oldPhone.received).toHaveLength(1);
    expect(second.stats()).toMatchObject({ packetsReceived: 2, packetsSent: 1, packetsFromStrangers: 0 });
  });
});

function remoteOf(socket: Socket): number | null {
  try {
    return socket.remoteAddress().port;
  } catch {
    return null;
  }
}
