import type {
  InviteClientTransaction} from '../../src/index.js';
import {
  createRequest,
  createResponse,
  FakeClock,
  SipStack,
  address,
  sipUri,
  type AnyServerTransaction,
  type InviteServerTransaction,
  type SipRequest,
  type TraceEvent,
} from '../../src/index.js';
import { MemoryTransport, settle } from '../helpers/memory-transport.js';

const PHONE = { address: '192.0.2.1', port: 5070 };

function request(method: string, opts: { branch?: string; via?: string; extra?: string[]; toTag?: string; cseq?: number; body?: string } = {}): string {
  const lines = [
    `${method} sip:pbx@127.0.0.1 SIP/2.0`,
    opts.via ?? `Via: SIP/2.0/UDP 192.0.2.1:5070;branch=${opts.branch ?? 'z9hG4bK1'};rport`,
    'Max-Forwards: 70',
    'From: <sip:101@example.com>;tag=f1',
    `To: <sip:pbx@example.com>${opts.toTag ? `;tag=${opts.toTag}` : ''}`,
    'Call-ID: c1',
    `CSeq: ${opts.cseq ?? 1} ${method === 'CANCEL' ? 'CANCEL' : method === 'ACK' ? 'ACK' : method}`,
    'Contact: <sip:101@192.0.2.1:5070>',
    ...(opts.extra ?? []),
    `Content-Length: ${Buffer.byteLength(opts.body ?? '')}`,
    '',
    opts.body ?? '',
  ];
  return lines.join('\r\n');
}

function setup(handler?: (req: SipRequest, tx: AnyServerTransaction) => void, options: { supported?: string[] } = {}) {
  const clock = new FakeClock();
  const transport = new MemoryTransport();
  const traces: TraceEvent[] = [];
  const stack = new SipStack({ transports: [transport], clock, trace: (e) => traces.push(e), ...options });
  const received: SipRequest[] = [];
  stack.onRequest((req, tx) => {
    received.push(req);
    handler?.(req, tx);
  });
  return { clock, transport, stack, received, traces };
}

describe('SipStack as a UAS', () => {
  it('hands requests to the TU and routes the answer to the source port when rport was asked (RFC 3581)', async () => {
    const { transport, received, traces } = setup((req, tx) => tx.respond(200));
    transport.inject(request('OPTIONS'), { address: '203.0.113.9', port: 40000 });
    await settle();
    expect(received).toHaveLength(1);
    const [sent] = transport.sent;
    expect(sent!.to).toEqual({ address: '203.0.113.9', port: 40000 });
    expect(sent!.message.topVia).toMatchObject({ received: '203.0.113.9', rport: 40000 });
    expect(sent!.message.toTag).toBeDefined();
    expect(traces.map((t) => t.direction)).toEqual(['in', 'out']);
  });

  it('without rport, answers the received address at the sent-by port (§18.2.2)', async () => {
    const { transport } = setup((req, tx) => tx.respond(200));
    transport.inject(request('OPTIONS', { via: 'Via: SIP/2.0/UDP 192.0.2.1:5070;branch=z9hG4bK2' }), { address: '203.0.113.9', port: 40000 });
    await settle();
    expect(transport.sent[0]!.to).toEqual({ address: '203.0.113.9', port: 5070 });
    expect(transport.sent[0]!.message.topVia.received).toBe('203.0.113.9');
  });

  it('absorbs retransmissions: the TU sees a request once, the answer is repeated', async () => {
    const { transport, received } = setup((req, tx) => tx.respond(200));
    transport.inject(request('REGISTER'), PHONE);
    transport.inject(request('REGISTER'), PHONE);
    await settle();
    expect(received).toHaveLength(1);
    expect(transport.sentMatching('SIP/2.0 200')).toHaveLength(2);
  });

  it('matches RFC 2543 requests without a magic cookie (RFC 4475 badbranch)', async () => {
    const { transport, received } = setup((req, tx) => tx.respond(200));
    const old = request('OPTIONS', { via: 'Via: SIP/2.0/UDP 192.0.2.1:5070;branch=z9hG4bK' });
    transport.inject(old, PHONE);
    transport.inject(old, PHONE);
    await settle();
    expect(received).toHaveLength(1);
    expect(transport.sentMatching('SIP/2.0 200')).toHaveLength(2);
  });

  it('answers a CANCEL with 200 and the INVITE with 487 (§9.2), and an unmatched CANCEL with 481', async () => {
    let cancelled = 0;
    const { transport } = setup((req, tx) => {
      if (req.method === 'INVITE') (tx as InviteServerTransaction).on('cancelled', () => cancelled++);
    });
    transport.inject(request('INVITE', { branch: 'z9hG4bKinv' }), PHONE);
    transport.inject(request('CANCEL', { branch: 'z9hG4bKinv' }), PHONE);
    await settle();
    expect(cancelled).toBe(1);
    expect(transport.sentMatching('SIP/2.0 200')[0]!.message.cseq.method).toBe('CANCEL');
    expect(transport.sentMatching('SIP/2.0 487')[0]!.message.cseq.method).toBe('INVITE');
    transport.inject(request('CANCEL', { branch: 'z9hG4bKnone' }), PHONE);
    await settle();
    expect(transport.sentMatching('SIP/2.0 481')).toHaveLength(1);
  });

  it('answers 200 to a CANCEL after the final response, with the INVITE\'s To tag, and changes nothing', async () => {
    const { transport } = setup((req, tx) => {
      if (req.method === 'INVITE') tx.respond(486);
    });
    transport.inject(request('INVITE', { branch: 'z9hG4bKlate' }), PHONE);
    transport.inject(request('CANCEL', { branch: 'z9hG4bKlate' }), PHONE);
    await settle();
    expect(transport.sent.map((s) => s.status)).toEqual([486, 200]);
    expect(transport.sent[1]!.message.toTag).toBe(transport.sent[0]!.message.toTag);
  });

  it('answers a merged request with 482 (§8.2.2.2)', async () => {
    const { transport, received } = setup();
    transport.inject(request('INVITE', { branch: 'z9hG4bKpath1' }), PHONE);
    transport.inject(request('INVITE', { branch: 'z9hG4bKpath2' }), PHONE);
    await settle();
    expect(received).toHaveLength(1);
    expect(transport.sentMatching('SIP/2.0 482')).toHaveLength(1);
  });

  it('routes the ACK of a 2xx to its INVITE transaction, which stops retransmitting', async () => {
    let acked = 0;
    const { transport, clock } = setup((req, tx) => {
      (tx as InviteServerTransaction).on('ack', () => acked++);
      tx.respond(200);
    });
    transport.inject(request('INVITE', { branch: 'z9hG4bKi' }), PHONE);
    await settle();
    const tag = transport.sent[0]!.message.toTag!;
    clock.advance(600);
    await settle();
    expect(transport.sentMatching('SIP/2.0 200')).toHaveLength(2);
    transport.inject(request('ACK', { branch: 'z9hG4bKack', toTag: tag }), PHONE);
    clock.advance(10_000);
    await settle();
    expect(acked).toBe(1);
    expect(transport.sentMatching('SIP/2.0 200')).toHaveLength(2);
  });

  it('passes an ACK that matches nothing to "ack" listeners', () => {
    const { transport, stack } = setup();
    const acks: SipRequest[] = [];
    stack.on('ack', (a) => acks.push(a));
    transport.inject(request('ACK', { toTag: 'zz' }), PHONE);
    expect(acks).toHaveLength(1);
  });

  it('answers 416, 420 with Unsupported, and 483 itself', async () => {
    const { transport, received } = setup(undefined, { supported: ['replaces'] });
    transport.inject(request('INVITE', { branch: 'z9hG4bKa' }).replace('sip:pbx@127.0.0.1', 'mailto:pbx@example.com'), PHONE);
    transport.inject(request('INVITE', { branch: 'z9hG4bKb', extra: ['Require: replaces, 100rel'] }).replace('Call-ID: c1', 'Call-ID: c2'), PHONE);
    transport.inject(request('INVITE', { branch: 'z9hG4bKc' }).replace('Max-Forwards: 70', 'Max-Forwards: 0').replace('Call-ID: c1', 'Call-ID: c3'), PHONE);
    await settle();
    expect(received).toHaveLength(0);
    expect(transport.sent.map((s) => s.message.isRequest ? 0 : (s.message as unknown as { status: number }).status)).toEqual([416, 420, 483]);
    expect(transport.sent[1]!.message.unsupported).toEqual(['100rel']);
  });

  it('answers a malformed request with 400 and drops a malformed response', async () => {
    const { transport, received } = setup();
    transport.inject(request('OPTIONS').replace('CSeq: 1 OPTIONS', 'CSeq: 1 INVITE'), PHONE);
    transport.inject('SIP/2.0 99999 Nope\r\nVia: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bKq\r\n\r\n', PHONE);
    await settle();
    expect(received).toHaveLength(0);
    expect(transport.sent).toHaveLength(1);
    expect(transport.sent[0]!.message).toMatchObject({ status: 400 });
    expect(transport.sent[0]!.to).toEqual(PHONE);
  });

  it('answers 500 when the TU throws, 501 when there is no TU', async () => {
    const { transport } = setup(() => {
      throw new Error('bug');
    });
    transport.inject(request('OPTIONS'), PHONE);
    await settle();
    expect(transport.sent[0]!.message).toMatchObject({ status: 500 });
    const bare = new SipStack({ transports: [new MemoryTransport()], clock: new FakeClock() });
    const t = (bare as unknown as { transports: MemoryTransport[] }).transports[0]!;
    t.inject(request('OPTIONS'), PHONE);
    await settle();
    expect(t.sent[0]!.message).toMatchObject({ status: 501 });
  });
});

describe('SipStack as a UAC', () => {
  function invite() {
    return createRequest({
      method: 'INVITE',
      uri: 'sip:101@192.0.2.1:5070',
      from: '<sip:pbx@example.com>',
      to: '<sip:101@example.com>',
      contact: address(sipUri({ host: '127.0.0.1', port: 5060 })),
    });
  }

  it('adds Via (branch, rport) and Max-Forwards, sends to the Request-URI, and matches the answer', async () => {
    const { transport, stack } = setup();
    const tx = stack.sendRequest(invite());
    await settle();
    const out = transport.sent[0]!;
    expect(out.to).toEqual({ address: '192.0.2.1', port: 5070 });
    expect(out.message.topVia).toMatchObject({ transport: 'UDP', host: '127.0.0.1', port: 5060, rport: null });
    expect(out.message.topVia.branch).toMatch(/^z9hG4bK/);
    transport.inject(createResponse(out.message as SipRequest, 180, undefined, { toTag: 't1' }), PHONE);
    transport.inject(createResponse(out.message as SipRequest, 486, undefined, { toTag: 't1' }), PHONE);
    expect((await tx.final).status).toBe(486);
    await settle();
    expect(transport.sentMatching('ACK')).toHaveLength(1);
  });

  it('sends to the first Route instead of the Request-URI', async () => {
    const { transport, stack } = setup();
    const req = invite();
    req.set('Route', '<sip:198.51.100.7:5080;lr>');
    stack.sendRequest(req);
    await settle();
    expect(transport.sent[0]!.to).toEqual({ address: '198.51.100.7', port: 5080 });
  });

  it('holds a CANCEL until a provisional response arrives (§9.1)', async () => {
    const { transport, stack } = setup();
    const tx = stack.sendRequest(invite()) as InviteClientTransaction;
    await settle();
    const cancelled = stack.cancel(tx, { reason: 'SIP;cause=487;text="Caller hung up"' });
    await settle();
    expect(transport.sentMatching('CANCEL')).toHaveLength(0);
    const sentInvite = transport.sent[0]!.message as SipRequest;
    transport.inject(createResponse(sentInvite, 180, undefined, { toTag: 't1' }), PHONE);
    await settle();
    const cancel = transport.sentMatching('CANCEL')[0]!.message as SipRequest;
    expect(cancel.topVia.branch).toBe(sentInvite.topVia.branch);
    expect(cancel.cseq).toEqual({ seq: sentInvite.cseq.seq, method: 'CANCEL' });
    expect(cancel.get('reason')).toContain('Caller hung up');
    transport.inject(createResponse(cancel, 200), PHONE);
    expect((await cancelled)?.status).toBe(200);
    transport.inject(createResponse(sentInvite, 487, undefined, { toTag: 't1' }), PHONE);
    expect((await tx.final).status).toBe(487);
  });

  it('re-sends the ACK when a 2xx is retransmitted', async () => {
    const { transport, stack } = setup();
    const tx = stack.sendRequest(invite());
    await settle();
    const sentInvite = transport.sent[0]!.message as SipRequest;
    const ok = createResponse(sentInvite, 200, undefined, { toTag: 't9', headers: { Contact: '<sip:101@192.0.2.1:5070>' } });
    transport.inject(ok, PHONE);
    await tx.final;
    const ack = createRequest({ method: 'ACK', uri: 'sip:101@192.0.2.1:5070', from: sentInvite.get('from')!, to: ok.get('to')!, callId: sentInvite.callId, cseq: sentInvite.cseq.seq });
    await stack.sendAck(ack);
    expect(transport.sentMatching('ACK')).toHaveLength(1);
    transport.inject(ok, PHONE);
    await settle();
    expect(transport.sentMatching('ACK')).toHaveLength(2);
    expect(transport.sentMatching('ACK')[1]!.data.equals(transport.sentMatching('ACK')[0]!.data)).toBe(true);
  });

  it('drops responses with more than one Via (§8.1.3.3)', async () => {
    const { transport, stack } = setup();
    const tx = stack.sendRequest(createRequest({ method: 'OPTIONS', uri: 'sip:192.0.2.1:5070', from: '<sip:pbx@example.com>', to: '<sip:x@example.com>' }));
    await settle();
    const res = createResponse(transport.sent[0]!.message as SipRequest, 200);
    res.add('Via', 'SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKextra');
    transport.inject(res, PHONE);
    expect(tx.finalResponse).toBeUndefined();
  });

  it('settles pending transactions with 503 when closed', async () => {
    const { stack } = setup();
    const tx = stack.sendRequest(createRequest({ method: 'OPTIONS', uri: 'sip:192.0.2.1:5070', from: '<sip:pbx@example.com>', to: '<sip:x@example.com>' }));
    await settle();
    await stack.close();
    expect((await tx.final).status).toBe(503);
    await stack.close();
  });

  it('reports an unreachable destination as 503', async () => {
    const { stack } = setup();
    const tx = stack.sendRequest(createRequest({ method: 'OPTIONS', uri: 'sip:x@192.0.2.1;transport=tcp', from: '<sip:pbx@example.com>', to: '<sip:x@example.com>' }));
    expect((await tx.final).status).toBe(503);
  });
});
