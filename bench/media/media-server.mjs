#!/usr/bin/env node
// The process under test in the media benchmarks: Switchboard's MediaEngine (from the built
// packages/media/dist), controlled two ways so the peers' own load generators can drive it:
//
//  - IPC from a parent that forked us (the rtp-load.mjs adapter, adapters/switchboard-relay.mjs):
//      { cmd: 'call', id, a, b } -> two plain RTP legs answering A's and B's SDP, bridged;
//      reply { aSendTo, bSendTo }.  { cmd: 'delete', id }.  { cmd: 'stats' }.
//      For (b), webrtc-load.mjs: { cmd: 'webrtc-call', id, offer, b } -> a WebRTC leg answering
//      the browser's offer and a plain PCMU leg answering B; reply { answer, bSendTo }. Then
//      { cmd: 'bridge', id } once the browser side is connected (transcoding Opus <-> PCMU).
//  - HTTP, the part of the Janus API that audiobridge-load.mjs uses (session create/destroy,
//    attach, AudioBridge create/join/destroy with plain-RTP participants, long-poll), backed
//    by MediaEngine mixers. The generator runs unchanged with --url and --pid.
//
// Every participant and both legs of a call are plain RTP legs on the engine's threads; the
// main thread here only answers control requests (none during a measured window).
import { createServer } from 'node:http';
// SB_MEDIA_DIST=<path to another build's index.js>: A/B runs of two builds of the engine.
const { MediaEngine } = /** @type {typeof import('@switchboard/media')} */ (await import(process.env.SB_MEDIA_DIST ?? '@switchboard/media'));

const args = new Map(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=')));
const workers = args.has('workers') ? Number(args.get('workers')) : undefined;
// 'room' (default): a conference and its participants share one thread; 'spread': participants
// go to the least-loaded thread and their packets cross to the mixer's thread.
const placement = args.get('placement') ?? 'room';
const range = (args.get('ports') ?? '20000-29999').split('-').map(Number);

const media = await MediaEngine.start({
  ...(workers ? { workers } : {}),
  rtpPortRange: [range[0], range[1]],
  bindAddress: '127.0.0.1',
  announcedAddress: '127.0.0.1',
  inactivityTimeoutMs: 600_000,
});

function sdp({ address, port }, codec = 'PCMU', pt = 0) {
  const rtpmap = codec === 'opus' ? `a=rtpmap:${pt} opus/48000/2` : `a=rtpmap:${pt} ${codec}/8000`;
  return `v=0\r\no=- 1 1 IN IP4 ${address}\r\ns=-\r\nc=IN IP4 ${address}\r\nt=0 0\r\nm=audio ${port} RTP/AVP ${pt}\r\n${rtpmap}\r\na=ptime:20\r\na=sendrecv\r\n`;
}
const portOf = (answer) => Number(/m=audio (\d+)/.exec(answer)[1]);

// ── relay calls (IPC) ────────────────────────────────────────────────────────────────────
const calls = new Map();
async function createCall({ id, a, b }) {
  const group = `call-${id}`;
  const legA = media.createLeg({ kind: 'rtp', group });
  const legB = media.createLeg({ kind: 'rtp', group });
  const [ra, rb] = await Promise.all([legA.answerOffer(sdp(a)), legB.answerOffer(sdp(b))]);
  await media.bridge(legA, legB);
  calls.set(id, [legA, legB]);
  return { aSendTo: { address: '127.0.0.1', port: portOf(ra.answer) }, bSendTo: { address: '127.0.0.1', port: portOf(rb.answer) } };
}
async function createWebRtcCall({ id, offer, b }) {
  const group = `call-${id}`;
  const web = media.createLeg({ kind: 'webrtc', group });
  const phone = media.createLeg({ kind: 'rtp', group });
  const [rw, rb] = await Promise.all([web.answerOffer(offer), phone.answerOffer(sdp(b))]);
  calls.set(id, [web, phone]);
  return { answer: rw.answer, bSendTo: { address: '127.0.0.1', port: portOf(rb.answer) } };
}
async function bridgeCall({ id }) {
  const [web, phone] = calls.get(id) ?? [];
  if (!web || !phone) throw new Error(`no call ${id}`);
  await media.bridge(web, phone);
  return null;
}
const commands = { call: createCall, 'webrtc-call': createWebRtcCall, bridge: bridgeCall, delete: deleteCall, stats: () => media.stats() };

async function deleteCall({ id }) {
  const legs = calls.get(id) ?? [];
  calls.delete(id);
  await Promise.all(legs.map((l) => l.close()));
  return null;
}

if (process.send) {
  process.on('message', async (m) => {
    try {
      const command = commands[m.cmd];
      const result = command ? await command(m) : null;
      process.send({ re: m.seq, ok: true, result });
    } catch (error) {
      process.send({ re: m.seq, ok: false, error: String(error?.stack ?? error) });
    }
  });
}

// ── Janus API facade (HTTP) ──────────────────────────────────────────────────────────────
let nextId = 1000;
const sessions = new Map(); // id -> { handles: Map, polls: Set<res> }
const rooms = new Map(); // room -> { mixer, legs: Set }

async function pluginMessage(body, transaction) {
  const data = (d) => ({ janus: 'success', transaction, plugindata: { plugin: 'janus.plugin.audiobridge', data: d } });
  switch (body.request) {
    case 'create': {
      if (rooms.has(body.room)) return data({ error_code: 486, error: 'room exists' });
      rooms.set(body.room, { mixer: media.createMixer({ group: `room-${body.room}` }), legs: new Set() });
      return data({ audiobridge: 'created', room: body.room, permanent: false });
    }
    case 'destroy': {
      const room = rooms.get(body.room);
      if (!room) return data({ error_code: 485, error: 'no such room' });
      rooms.delete(body.room);
      await room.mixer.close();
      await Promise.all([...room.legs].map((l) => l.close()));
      return data({ audiobridge: 'destroyed', room: body.room });
    }
    case 'join': {
      const room = rooms.get(body.room);
      if (!room) return data({ error_code: 485, error: 'no such room' });
      const opus = body.codec === 'opus';
      const leg = media.createLeg({ kind: 'rtp', ...(placement === 'room' ? { group: `room-${body.room}` } : {}) });
      const { answer } = await leg.answerOffer(sdp({ address: body.rtp.ip, port: body.rtp.port }, opus ? 'opus' : 'PCMU', body.rtp.payload_type ?? (opus ? 111 : 0)));
      room.legs.add(leg);
      await room.mixer.add(leg);
      // The join result comes back inline as the event (the generator accepts that).
      return { janus: 'event', transaction, plugindata: { plugin: 'janus.plugin.audiobridge', data: { audiobridge: 'joined', room: body.room, id: nextId++, rtp: { ip: '127.0.0.1', port: portOf(answer) } } } };
    }
    default:
      return data({ error_code: 499, error: `request ${body.request} not supported by the benchmark facade` });
  }
}

const http = createServer(async (req, res) => {
  const reply = (json) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(json));
  };
  const parts = new URL(req.url, 'http://x').pathname.split('/').filter(Boolean); // ['janus', sid?, hid?]
  if (req.method === 'GET') {
    if (parts[1] === 'info') return reply({ janus: 'server_info', name: 'switchboard-bench-facade' });
    const session = sessions.get(Number(parts[1]));
    if (!session) return reply([]);
    // Nothing is ever asynchronous here: hold the long poll, answer it empty later.
    session.polls.add(res);
    const timer = setTimeout(() => {
      session.polls.delete(res);
      reply([]);
    }, 25_000);
    res.on('close', () => {
      clearTimeout(timer);
      session.polls.delete(res);
    });
    return;
  }
  let text = '';
  for await (const chunk of req) text += chunk;
  const msg = JSON.parse(text || '{}');
  const tx = msg.transaction;
  try {
    if (parts.length === 1 && msg.janus === 'create') {
      const id = nextId++;
      sessions.set(id, { polls: new Set() });
      return reply({ janus: 'success', transaction: tx, data: { id } });
    }
    const session = sessions.get(Number(parts[1]));
    if (!session) return reply({ janus: 'error', transaction: tx, error: { code: 458, reason: 'no such session' } });
    if (parts.length === 2 && msg.janus === 'attach') return reply({ janus: 'success', transaction: tx, data: { id: nextId++ } });
    if (parts.length === 2 && msg.janus === 'destroy') {
      sessions.delete(Number(parts[1]));
      for (const r of session.polls) r.end('[]');
      return reply({ janus: 'success', transaction: tx });
    }
    if (parts.length === 3 && msg.janus === 'message') return reply(await pluginMessage(msg.body, tx));
    return reply({ janus: 'error', transaction: tx, error: { code: 400, reason: `unsupported ${msg.janus}` } });
  } catch (error) {
    return reply({ janus: 'error', transaction: tx, error: { code: 500, reason: String(error) } });
  }
});
await new Promise((resolve) => http.listen(0, '127.0.0.1', resolve));
const janusUrl = `http://127.0.0.1:${http.address().port}/janus`;

// ── diagnostics: SB_PROFILE_DIR=<dir> writes a CPU profile of every media thread ──────────
// Media threads start without execArgv (so --cpu-prof does not reach them): the main thread's
// inspector attaches to each worker and runs the V8 profiler there from SB_PROFILE_AFTER_MS
// (default 3000) after start until shutdown; one <dir>/media-<n>.cpuprofile per thread.
const profiles = process.env.SB_PROFILE_DIR ? await profileWorkers(process.env.SB_PROFILE_DIR) : null;
async function profileWorkers(dir) {
  const { Session } = await import('node:inspector');
  const { writeFileSync, mkdirSync } = await import('node:fs');
  mkdirSync(dir, { recursive: true });
  const session = new Session();
  session.connect();
  const workers = new Map(); // sessionId -> { title, replies: Map<id, resolve> }
  let nextCall = 1;
  const toWorker = (sessionId, method, params = {}) =>
    new Promise((resolve) => {
      const id = nextCall++;
      workers.get(sessionId).replies.set(id, resolve);
      session.post('NodeWorker.sendMessageToWorker', { sessionId, message: JSON.stringify({ id, method, params }) });
    });
  session.on('NodeWorker.receivedMessageFromWorker', ({ params }) => {
    const m = JSON.parse(params.message);
    const w = workers.get(params.sessionId);
    const reply = m.id !== undefined ? w?.replies.get(m.id) : undefined;
    if (reply) {
      w.replies.delete(m.id);
      reply(m.result);
    }
  });
  session.on('NodeWorker.attachedToWorker', ({ params }) => {
    workers.set(params.sessionId, { title: params.workerInfo.title, replies: new Map() });
    setTimeout(async () => {
      await toWorker(params.sessionId, 'Profiler.enable');
      await toWorker(params.sessionId, 'Profiler.setSamplingInterval', { interval: 200 });
      await toWorker(params.sessionId, 'Profiler.start');
    }, Number(process.env.SB_PROFILE_AFTER_MS ?? 3000));
  });
  session.post('NodeWorker.enable', { waitForDebuggerOnStart: false });
  return {
    async stop() {
      let n = 0;
      for (const [sessionId, w] of workers) {
        const result = await toWorker(sessionId, 'Profiler.stop');
        if (result?.profile) writeFileSync(`${dir}/${(w.title || 'media').replace(/\W+/g, '-')}-${n++}.cpuprofile`, JSON.stringify(result.profile));
      }
    },
  };
}

async function shutdown() {
  await profiles?.stop();
  http.close();
  await media.stop();
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown());
process.on('SIGINT', () => void shutdown());
process.on('disconnect', () => void shutdown());

const ready = { ready: true, pid: process.pid, janusUrl, threads: media.threadCount };
if (process.send) process.send(ready);
else console.log(JSON.stringify(ready));
