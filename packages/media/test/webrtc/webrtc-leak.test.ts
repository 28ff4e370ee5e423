/**
 * Many calls through WebRTC legs must leave nothing behind: no socket, no timer, no port
 * reservation, no heap growth beyond noise. Each cycle is a real connection (ICE, DTLS, SRTP
 * both ways) to a full-ICE peer in this process, then close().
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { freePortBlock } from '@switchboard/testkit';
import { RtpPortPool } from '../../src/rtp/port-pool.js';
import { createWebRtcTransport } from '../../src/webrtc/index.js';
import type { WebRtcTransport } from '../../src/webrtc/index.js';
import { WeriftPeer } from './werift-peer.js';

const CYCLES = Number(process.env.LEAK_CYCLES ?? 30);

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Sockets and timers alive in this process, by kind. */
function handles(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const kind of process.getActiveResourcesInfo()) {
    if (kind === 'UDPWrap' || kind === 'Timeout') counts[kind] = (counts[kind] ?? 0) + 1;
  }
  return counts;
}

async function settle(): Promise<void> {
  // werift's DTLS flights keep a timer of up to ~1 s after a close.
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  gc();
}

function connected(leg: WebRtcTransport): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`leg ${leg.id} stayed ${leg.state}`)), 5_000);
    leg.on('state', (state) => {
      if (state !== 'connected') return;
      clearTimeout(timer);
      resolve();
    });
  });
}

async function call(pool: RtpPortPool, index: number): Promise<void> {
  const peer = new WeriftPeer();
  const leg = createWebRtcTransport({ id: `cycle-${index}`, announcedAddresses: ['127.0.0.1'], portPool: pool });
  let received = 0;
  leg.on('rtp', () => received++);
  const up = connected(leg);
  // Alternate the offer direction, as calls from and to the browser do.
  if (index % 2 === 0) {
    const { answer } = await leg.answerOffer(await peer.offer());
    await peer.accept(answer);
  } else {
    await leg.applyAnswer(await peer.answer(await leg.createOffer()));
  }
  await Promise.all([up, peer.connected()]);
  for (let i = 0; i < 3; i++) {
    peer.send(i);
    leg.sendRtp({ payloadType: 111, sequenceNumber: i, timestamp: i * 960, ssrc: 42, marker: false, payload: Buffer.from([0xf8, 0xff, 0xfe]) });
  }
  await vi.waitFor(() => expect(received).toBe(3));
  await vi.waitFor(() => expect(peer.received.length).toBe(3));
  leg.close();
  leg.close();
  await peer.close();
}

it(`leaves no socket, timer, port or heap behind after ${CYCLES} connected calls`, async () => {
  const base = await freePortBlock(16);
  const pool = new RtpPortPool({ min: base, max: base + 15 });
  // Warm up: werift's certificate, module state, JIT.
  for (let i = 0; i < 3; i++) await call(pool, i);
  await settle();
  const handlesBefore = handles();
  const heapBefore = process.memoryUsage().heapUsed;

  const started = performance.now();
  for (let i = 0; i < CYCLES; i++) await call(pool, i);
  const perCall = (performance.now() - started) / CYCLES;
  await settle();

  const heapGrowth = process.memoryUsage().heapUsed - heapBefore;
  console.info(`${CYCLES} calls, ${perCall.toFixed(0)} ms each; heap ${(heapGrowth / 1024 / 1024).toFixed(2)} MB; handles ${JSON.stringify(handles())}`);
  expect(handles()).toEqual(handlesBefore);
  expect(pool.inUse).toBe(0);
  // One call's state is a few hundred kB at most (werift objects, SRTP contexts); 30 leaked calls would show.
  expect(heapGrowth).toBeLessThan(4 * 1024 * 1024);
});
