import { InviteServerState, NonInviteServerState, TransactionError, type InviteServerTransaction, type NonInviteServerTransaction } from '../../src/index.js';
import { RecordingChannel, fakeFlow, invite, options, parse, settle, setup } from './fixtures.js';
import type { SipRequest } from '../../src/index.js';

describe('INVITE server transaction (§17.2.1, RFC 6026)', () => {
  function start(reliable = false) {
    const { clock, layer } = setup();
    const ch = new RecordingChannel(reliable, clock);
    const req = invite();
    const tx = layer.createServer(req, fakeFlow(reliable), ch) as InviteServerTransaction;
    return { clock, layer, ch, req, tx };
  }

  it('sends 100 Trying after 200 ms when the TU is silent, at once on a retransmission', async () => {
    const a = start();
    a.clock.advance(199);
    await settle();
    expect(a.ch.times('SIP/2.0 100')).toEqual([]);
    a.clock.advance(1);
    await settle();
    expect(a.ch.times('SIP/2.0 100')).toEqual([200]);
    const b = start();
    b.clock.advance(50);
    b.tx.receiveRetransmission();
    await settle();
    expect(b.ch.times('SIP/2.0 100')).toEqual([50]);
    expect(b.ch.sends[0]!.text).toContain('To: <sip:bob@example.com>\r\n');
  });

  it('resends the last provisional on a retransmitted INVITE, with a stable To tag', async () => {
    const { tx, ch } = start();
    tx.respond(180);
    tx.receiveRetransmission();
    const final = tx.respond(486);
    await settle();
    expect(ch.times('SIP/2.0 180')).toHaveLength(2);
    expect(ch.times('SIP/2.0 100')).toHaveLength(0);
    expect(final.toTag).toBe(tx.localTag);
    expect(ch.sends[0]!.text).toContain(`tag=${tx.localTag}`);
  });

  it('retransmits a non-2xx final on Timer G (capped at T2) until the ACK, then Timer I', async () => {
    const { tx, ch, clock } = start();
    tx.respond(486);
    clock.advance(12_000);
    await settle();
    expect(ch.times('SIP/2.0 486')).toEqual([0, 500, 1500, 3500, 7500, 11500]);
    tx.receiveAck();
    expect(tx.state).toBe(InviteServerState.Confirmed);
    tx.receiveAck();
    clock.advance(4_999);
    expect(tx.state).toBe(InviteServerState.Confirmed);
    clock.advance(1);
    await settle();
    expect(ch.times('SIP/2.0 486')).toHaveLength(6);
    expect(tx.state).toBe(InviteServerState.Terminated);
  });

  it('gives up on Timer H when no ACK comes', () => {
    const { tx, clock } = start();
    let timedOut = false;
    tx.on('ackTimeout', () => (timedOut = true));
    tx.respond(603);
    clock.advance(31_999);
    expect(tx.state).toBe(InviteServerState.Completed);
    clock.advance(1);
    expect(tx.state).toBe(InviteServerState.Terminated);
    expect(timedOut).toBe(true);
  });

  it('retransmits a 2xx (§13.3.1.4) until its ACK, absorbs retransmitted INVITEs, ends on Timer L', async () => {
    const { tx, ch, clock } = start();
    tx.respond(200);
    expect(tx.state).toBe(InviteServerState.Accepted);
    clock.advance(4_000);
    tx.receiveRetransmission();
    await settle();
    expect(ch.times('SIP/2.0 200')).toEqual([0, 500, 1500, 3500]);
    let acked: SipRequest | undefined;
    tx.on('ack', (a) => (acked = a));
    const ack = parse<SipRequest>('ACK sip:bob@192.0.2.2 SIP/2.0\nVia: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKack\nFrom: <sip:alice@example.com>;tag=a1\nTo: <sip:bob@example.com>;tag=x\nCall-ID: call-1@192.0.2.1\nCSeq: 1 ACK\n\n');
    tx.receive2xxAck(ack);
    expect(acked).toBe(ack);
    clock.advance(20_000);
    await settle();
    expect(ch.times('SIP/2.0 200')).toHaveLength(4);
    expect(tx.state).toBe(InviteServerState.Accepted);
    clock.advance(12_000);
    expect(tx.state).toBe(InviteServerState.Terminated);
  });

  it('reports an unacknowledged 2xx when Timer L fires', () => {
    const { tx, clock } = start(true);
    let timedOut = false;
    tx.on('ackTimeout', () => (timedOut = true));
    tx.respond(200);
    clock.advance(32_000);
    expect(timedOut).toBe(true);
  });

  it('refuses a second final response (a TU bug is a thrown TransactionError)', () => {
    const { tx } = start();
    tx.respond(486);
    expect(() => tx.respond(200)).toThrow(TransactionError);
  });

  it('answers 487 after a CANCEL unless the TU answers first', async () => {
    const a = start();
    a.tx.receiveCancel(a.req);
    await settle();
    expect(a.tx.finalResponse?.status).toBe(487);
    const b = start();
    b.tx.on('cancelled', () => b.tx.respond(486));
    b.tx.receiveCancel(b.req);
    expect(b.tx.finalResponse?.status).toBe(486);
  });

  it('tells the TU of a CANCEL that crossed its 2xx (before the ACK), and of none after the ACK', () => {
    const { tx, req } = start();
    const crossed: SipRequest[] = [];
    tx.on('cancelledAfterAnswer', (cancel) => crossed.push(cancel));
    tx.on('cancelled', () => expect.unreachable('a CANCEL after a final response is not a cancellation'));
    tx.respond(200);
    tx.receiveCancel(req);
    expect(crossed).toEqual([req]);
    expect(tx.finalResponse?.status).toBe(200);
    expect(tx.state).toBe(InviteServerState.Accepted);
    const ack = parse<SipRequest>('ACK sip:bob@192.0.2.2 SIP/2.0\nVia: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKack\nFrom: <sip:alice@example.com>;tag=a1\nTo: <sip:bob@example.com>;tag=x\nCall-ID: call-1@192.0.2.1\nCSeq: 1 ACK\n\n');
    tx.receive2xxAck(ack);
    tx.receiveCancel(req);
    expect(crossed).toHaveLength(1);
  });
});

describe('non-INVITE server transaction (§17.2.2)', () => {
  function start(reliable = false) {
    const { clock, layer } = setup();
    const ch = new RecordingChannel(reliable, clock);
    const tx = layer.createServer(options(), fakeFlow(reliable), ch) as NonInviteServerTransaction;
    return { clock, layer, ch, tx };
  }

  it('absorbs retransmissions in Trying, resends the final in Completed, ends on Timer J', async () => {
    const { tx, ch, clock, layer } = start();
    tx.receiveRetransmission();
    expect(ch.sends).toHaveLength(0);
    tx.respond(200);
    tx.receiveRetransmission();
    await settle();
    expect(ch.times('SIP/2.0 200')).toHaveLength(2);
    expect(tx.state).toBe(NonInviteServerState.Completed);
    clock.advance(31_999);
    expect(layer.counts.servers).toBe(1);
    clock.advance(1);
    expect(tx.state).toBe(NonInviteServerState.Terminated);
    expect(layer.counts.servers).toBe(0);
  });

  it('keeps its request readable in Completed, and forgets its merge key when it ends', async () => {
    const { tx, ch, clock, layer } = start();
    const request = tx.request;
    const from = request.from;
    const sent = tx.respond(200);
    // The final response is kept as the octets sent, read back when asked for.
    expect(tx.finalResponse).not.toBe(sent);
    expect(tx.finalResponse?.status).toBe(200);
    expect(tx.finalResponse?.toBuffer().equals(sent.toBuffer())).toBe(true);
    // The parsed headers were released (memory while Timer J runs): they are parsed again, equal.
    expect(request.from).not.toBe(from);
    expect(request.from).toEqual(from);
    expect(request.callId).toBe(options().callId);
    tx.receiveRetransmission();
    await settle();
    expect(ch.times('SIP/2.0 200')).toHaveLength(2);
    // The same request on another branch merges with it while it lives (§8.2.2.2), not after.
    expect(layer.isMerged(options())).toBe(false);
    expect(layer.isMerged(options('z9hG4bKanother'))).toBe(true);
    clock.advance(32_000);
    expect(tx.state).toBe(NonInviteServerState.Terminated);
    expect(layer.isMerged(options('z9hG4bKanother'))).toBe(false);
  });

  it('resends the last provisional in Proceeding, and ends at once over a reliable transport', async () => {
    const a = start();
    a.tx.respond(100);
    a.tx.receiveRetransmission();
    await settle();
    expect(a.ch.times('SIP/2.0 100')).toHaveLength(2);
    const b = start(true);
    b.tx.respond(202);
    expect(b.tx.state).toBe(NonInviteServerState.Terminated);
  });
});
