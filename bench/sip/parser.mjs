#!/usr/bin/env node
// Parser throughput: parse (and re-serialize) a typical INVITE with SDP, N times, on one core,
// using the built package (run `npx tsc -b packages/sip` first). Prints messages per second.
//   node bench/sip/parser.mjs [count]
import { parseMessage } from '../../packages/sip/dist/index.js';

const count = Number(process.argv[2] ?? 200_000);
const sdp = [
  'v=0',
  'o=- 3912461398 3912461398 IN IP4 192.0.2.10',
  's=-',
  'c=IN IP4 192.0.2.10',
  't=0 0',
  'm=audio 40000 RTP/AVP 0 8 101',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:8 PCMA/8000',
  'a=rtpmap:101 telephone-event/8000',
  'a=fmtp:101 0-16',
  'a=ptime:20',
  'a=sendrecv',
  '',
].join('\r\n');
const invite = Buffer.from(
  [
    'INVITE sip:102@pbx.example.com SIP/2.0',
    'Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK776asdhds;rport',
    'Max-Forwards: 70',
    'To: <sip:102@pbx.example.com>',
    'From: "Alice Example" <sip:101@pbx.example.com>;tag=1928301774',
    'Call-ID: a84b4c76e66710@192.0.2.10',
    'CSeq: 314159 INVITE',
    'Contact: <sip:101@192.0.2.10:5060;transport=udp>;+sip.instance="<urn:uuid:00000000-0000-1000-8000-000A95A0E128>"',
    'Allow: INVITE, ACK, CANCEL, BYE, OPTIONS, REFER, NOTIFY, INFO, UPDATE',
    'Supported: replaces, timer, path',
    'User-Agent: Example Phone 1.0',
    'Content-Type: application/sdp',
    `Content-Length: ${Buffer.byteLength(sdp)}`,
    '',
    sdp,
  ].join('\r\n'),
);

// Wall time, and CPU time of this process: on a shared machine the second is the steadier measure.
function run(n, serialize) {
  const start = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  let bytes = 0;
  for (let i = 0; i < n; i++) {
    const r = parseMessage(invite);
    if (!r.ok) throw new Error(r.reason);
    if (serialize) bytes += r.message.toBuffer().length;
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const used = process.cpuUsage(cpu);
  const cpuSeconds = (used.user + used.system) / 1e6;
  return { perSecond: Math.round(n / seconds), perCpuSecond: Math.round(n / cpuSeconds), bytes };
}

run(Math.min(20_000, count), true); // warm-up
const parsed = run(count, false);
const roundTrip = run(count, true);
console.log(`INVITE ${invite.length} bytes, ${count} iterations`);
const fmt = (n) => n.toLocaleString('en-US');
console.log(`parse:             ${fmt(parsed.perSecond)} messages/s (${fmt(parsed.perCpuSecond)} per CPU-second)`);
console.log(`parse + serialize: ${fmt(roundTrip.perSecond)} messages/s (${fmt(roundTrip.perCpuSecond)} per CPU-second)`);
