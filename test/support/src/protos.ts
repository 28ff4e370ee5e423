/**
 * Replays the PROTOS c07-sip robustness suite over real UDP against any SIP server: the bare
 * SipStack in packages/sip's tests, the whole running server in apps/server's.
 *
 * Each case file holds two records `LENGTH SP MESSAGE` (an INVITE, then a teardown); the
 * placeholders are filled in as the suite's README says. After every batch a valid OPTIONS
 * probes that the server still answers.
 */
import { createSocket, type Socket } from 'node:dgram';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

export interface ProtosReplayOptions {
  /** Server under test. */
  host: string;
  port: number;
  /** Folder of case files (…/testdata/sip/protos-c07). */
  casesDir: string;
  /** Cases sent before each probe (default 50). */
  batchSize?: number;
  /** Only the first `limit` cases (default all). */
  limit?: number;
  /** How long a probe may wait for its answer (default 3000 ms). */
  probeTimeoutMs?: number;
  /** Called after each batch, e.g. to sample memory. */
  onBatch?: (done: number, total: number) => void | Promise<void>;
}

export interface ProtosReplayResult {
  cases: number;
  datagramsSent: number;
  /** Datagrams cut to the largest UDP payload (the suite has messages up to 280 kB). */
  truncated: number;
  /** Responses received to case traffic, by status code. */
  responses: Record<number, number>;
  /** Cases whose INVITE or teardown got at least one response (the rest were dropped). */
  answeredCases: number;
  probesSent: number;
  probesAnswered: number;
  /** Probe answers' status codes, in order. */
  probeStatuses: number[];
  durationMs: number;
}

const MAX_UDP_PAYLOAD = 65507;

/** Splits a case file into its records (`LENGTH SP MESSAGE`, separated by line breaks). */
export function readCase(data: Buffer): Buffer[] {
  const records: Buffer[] = [];
  let i = 0;
  while (i < data.length) {
    const space = data.indexOf(0x20, i);
    if (space < 0) break;
    const length = Number(data.toString('latin1', i, space));
    if (!Number.isInteger(length) || length < 0) break;
    records.push(data.subarray(space + 1, space + 1 + length));
    i = space + 1 + length;
    while (i < data.length && (data[i] === 13 || data[i] === 10)) i++;
  }
  return records;
}

interface Substitution {
  to: string;
  from: string;
  address: string;
  localPort: number;
  caseId: number;
}

/** Fills the placeholders; `<Content-Length>` becomes the real length of the body that follows. */
export function substitute(record: Buffer, s: Substitution): Buffer {
  let text = record.toString('latin1');
  const replace = (name: string, value: string) => (text = text.split(name).join(value));
  replace('<To>', s.to);
  replace('<From>', s.from);
  replace('<From-Address>', s.address);
  replace('<From-IP>', s.address);
  replace('<Local-Port>', String(s.localPort));
  replace('<Branch-ID>', String(s.caseId));
  replace('<Call-ID>', `protos-${s.caseId}`);
  replace('<CSeq>', String(s.caseId + 1));
  replace('<Teardown-Method>', 'CANCEL');
  const blank = text.indexOf('\r\n\r\n');
  const bodyLength = blank < 0 ? 0 : text.length - (blank + 4);
  replace('<Content-Length>', String(bodyLength));
  return Buffer.from(text, 'latin1');
}

function probe(socket: Socket, host: string, port: number, n: number): Buffer {
  const local = socket.address();
  return Buffer.from(
    [
      `OPTIONS sip:probe@${host}:${port} SIP/2.0`,
      `Via: SIP/2.0/UDP ${local.address}:${local.port};branch=z9hG4bKprobe${n};rport`,
      'Max-Forwards: 70',
      `From: <sip:protos@${local.address}>;tag=probe${n}`,
      `To: <sip:probe@${host}>`,
      `Call-ID: protos-probe-${n}`,
      `CSeq: ${n + 1} OPTIONS`,
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n'),
  );
}

export async function replayProtos(options: ProtosReplayOptions): Promise<ProtosReplayResult> {
  const started = Date.now();
  const files = readdirSync(options.casesDir)
    .filter((f) => /^\d+$/.test(f))
    .sort()
    .slice(0, options.limit);
  const batchSize = options.batchSize ?? 50;
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
  // Room for the answers to a burst of large cases.
  socket.setRecvBufferSize(4 << 20);
  const local = socket.address();
  const result: ProtosReplayResult = { cases: files.length, datagramsSent: 0, truncated: 0, responses: {}, answeredCases: 0, probesSent: 0, probesAnswered: 0, probeStatuses: [], durationMs: 0 };
  const answered = new Set<number>();
  const probeWaiters = new Map<string, (status: number) => void>();

  socket.on('message', (data) => {
    const head = data.toString('latin1', 0, Math.min(data.length, 4096));
    const status = /^SIP\/2\.0 (\d{3})/.exec(head)?.[1];
    if (!status) return;
    const callId = /\r\n(?:Call-ID|i)[ \t]*:[ \t]*([^\r\n]*)/i.exec(head)?.[1]?.trim() ?? '';
    const waiter = probeWaiters.get(callId);
    if (waiter) {
      probeWaiters.delete(callId);
      waiter(Number(status));
      return;
    }
    result.responses[Number(status)] = (result.responses[Number(status)] ?? 0) + 1;
    const caseId = /protos-(\d+)/.exec(callId)?.[1];
    if (caseId !== undefined) answered.add(Number(caseId));
  });

  const send = (data: Buffer) =>
    new Promise<void>((resolve) => {
      let payload = data;
      if (payload.length > MAX_UDP_PAYLOAD) {
        payload = payload.subarray(0, MAX_UDP_PAYLOAD);
        result.truncated++;
      }
      socket.send(payload, options.port, options.host, () => {
        result.datagramsSent++;
        resolve();
      });
    });

  try {
    for (let start = 0; start < files.length; start += batchSize) {
      for (const file of files.slice(start, start + batchSize)) {
        const caseId = Number(file);
        const records = readCase(readFileSync(join(options.casesDir, file)));
        const sub = { to: `protos@${options.host}:${options.port}`, from: `protos@${local.address}:${local.port}`, address: local.address, localPort: local.port, caseId };
        for (const record of records) await send(substitute(record, sub));
      }
      const n = result.probesSent++;
      const answer = new Promise<number | undefined>((resolve) => {
        const timer = setTimeout(() => {
          probeWaiters.delete(`protos-probe-${n}`);
          resolve(undefined);
        }, options.probeTimeoutMs ?? 3000);
        probeWaiters.set(`protos-probe-${n}`, (status) => {
          clearTimeout(timer);
          resolve(status);
        });
      });
      await send(probe(socket, options.host, options.port, n));
      const status = await answer;
      if (status !== undefined) {
        result.probesAnswered++;
        result.probeStatuses.push(status);
      }
      await options.onBatch?.(Math.min(start + batchSize, files.length), files.length);
    }
    // Late answers to the last batch.
    await new Promise((r) => setTimeout(r, 200));
  } finally {
    socket.close();
  }
  for (const file of files) if (answered.has(Number(file))) result.answeredCases++;
  result.durationMs = Date.now() - started;
  return result;
}
