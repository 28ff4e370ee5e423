import { createResponse, FakeClock, parseMessage, TransactionLayer, DEFAULT_TIMERS, type Channel, type SipRequest, type SipResponse, type Flow } from '../../src/index.js';

export function parse<T>(text: string): T {
  const r = parseMessage(Buffer.from(text.replace(/\n/g, '\r\n')));
  if (!r.ok) throw new Error(r.reason);
  return r.message as T;
}

export function invite(branch = 'z9hG4bKinv1', extra = ''): SipRequest {
  return parse<SipRequest>(`INVITE sip:bob@192.0.2.2 SIP/2.0
Via: SIP/2.0/UDP 192.0.2.1:5060;branch=${branch}
Max-Forwards: 70
From: <sip:alice@example.com>;tag=a1
To: <sip:bob@example.com>
Call-ID: call-1@192.0.2.1
CSeq: 1 INVITE
Contact: <sip:alice@192.0.2.1>
${extra}Content-Length: 0

`);
}

export function options(branch = 'z9hG4bKopt1'): SipRequest {
  return parse<SipRequest>(`OPTIONS sip:bob@192.0.2.2 SIP/2.0
Via: SIP/2.0/UDP 192.0.2.1:5060;branch=${branch}
Max-Forwards: 70
From: <sip:alice@example.com>;tag=a1
To: <sip:bob@example.com>
Call-ID: call-2@192.0.2.1
CSeq: 7 OPTIONS
Content-Length: 0

`);
}

export function reply(request: SipRequest, status: number, toTag = 'b1'): SipResponse {
  return createResponse(request, status, undefined, { toTag });
}

/** A channel that records what was sent and when (on the fake clock). */
export class RecordingChannel implements Channel {
  readonly sends: Array<{ at: number; text: string }> = [];
  fail = false;
  constructor(
    readonly reliable: boolean,
    private readonly clock: FakeClock,
    private readonly flow: Flow = fakeFlow(reliable),
  ) {}
  send(data: Buffer) {
    if (this.fail) return Promise.resolve({ ok: false as const, error: 'boom' });
    this.sends.push({ at: this.clock.now(), text: data.toString() });
    return Promise.resolve({ ok: true as const, flow: this.flow });
  }
  times(startsWith: string): number[] {
    return this.sends.filter((s) => s.text.startsWith(startsWith)).map((s) => s.at);
  }
}

export function fakeFlow(reliable: boolean): Flow {
  return { id: 'test', protocol: reliable ? 'tcp' : 'udp', transport: undefined as never, local: { address: '127.0.0.1', port: 5060 }, remote: { address: '192.0.2.1', port: 5060 }, reliable, secure: false, closed: false };
}

export function setup() {
  const clock = new FakeClock();
  const layer = new TransactionLayer(clock, DEFAULT_TIMERS);
  return { clock, layer };
}

export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}
