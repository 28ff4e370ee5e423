import type { InviteClientTransaction} from '../../src/index.js';
import { InviteClientState, NonInviteClientState, type SipResponse } from '../../src/index.js';
import { RecordingChannel, invite, options, reply, settle, setup } from './fixtures.js';

function collect(tx: { on(e: 'response', l: (r: SipResponse) => void): unknown }): SipResponse[] {
  const got: SipResponse[] = [];
  tx.on('response', (r) => got.push(r));
  return got;
}

describe('INVITE client transaction (§17.1.1, RFC 6026)', () => {
  it('retransmits on Timer A (doubling, no cap) and times out on Timer B with a 408', async () => {
    const { clock, layer } = setup();
    const ch = new RecordingChannel(false, clock);
    const tx = layer.createClient(invite(), ch) as InviteClientTransaction;
    const got = collect(tx);
    tx.start();
    clock.advance(31_999);
    await settle();
    expect(ch.times('INVITE')).toEqual([0, 500, 1500, 3500, 7500, 15500, 31500]);
    expect(tx.state).toBe(InviteClientState.Calling);
    clock.advance(1);
    expect(tx.state).toBe(InviteClientState.Terminated);
    expect(got.map((r) => r.status)).toEqual([408]);
    expect((await tx.final).status).toBe(408);
    expect(layer.counts.clients).toBe(0);
  });

  it('stops retransmitting on 1xx, ACKs a non-2xx final and re-ACKs its retransmission, then Timer D', async () => {
    const { clock, layer } = setup();
    const ch = new RecordingChannel(false, clock);
    const req = invite();
    const tx = layer.createClient(req, ch) as InviteClientTransaction;
    const got = collect(tx);
    tx.start();
    clock.advance(100);
    tx.receive(reply(req, 180));
    clock.advance(10_000);
    expect(tx.state).toBe(InviteClientState.Proceeding);
    expect(ch.times('INVITE')).toEqual([0]);
    tx.receive(reply(req, 486));
    expect(tx.state).toBe(InviteClientState.Completed);
    tx.receive(reply(req, 486));
    await settle();
    const acks = ch.sends.filter((s) => s.text.startsWith('ACK'));
    expect(acks).toHaveLength(2);
    expect(acks[0]!.text).toContain('CSeq: 1 ACK');
    expect(acks[0]!.text).toContain('To: <sip:bob@example.com>;tag=b1');
    expect(acks[0]!.text).toContain('branch=z9hG4bKinv1');
    expect(got.map((r) => r.status)).toEqual([180, 486]);
    clock.advance(31_999);
    expect(tx.state).toBe(InviteClientState.Completed);
    clock.advance(1);
    expect(tx.state).toBe(InviteClientState.Terminated);
  });

  it('passes every 2xx to the TU in Accepted and ends on Timer M', () => {
    const { clock, layer } = setup();
    const req = invite();
    const tx = layer.createClient(req, new RecordingChannel(false, clock)) as InviteClientTransaction;
    const got = collect(tx);
    tx.start();
    tx.receive(reply(req, 200));
    expect(tx.state).toBe(InviteClientState.Accepted);
    tx.receive(reply(req, 200));
    tx.receive(reply(req, 200, 'other-fork'));
    expect(got.map((r) => r.status)).toEqual([200, 200, 200]);
    clock.advance(32_000);
    expect(tx.state).toBe(InviteClientState.Terminated);
  });

  it('over a reliable transport: no Timer A, Timer D is zero', async () => {
    const { clock, layer } = setup();
    const ch = new RecordingChannel(true, clock);
    const req = invite();
    const tx = layer.createClient(req, ch) as InviteClientTransaction;
    tx.start();
    clock.advance(20_000);
    await settle();
    expect(ch.times('INVITE')).toEqual([0]);
    tx.receive(reply(req, 404));
    expect(tx.state).toBe(InviteClientState.Terminated);
  });

  it('turns a transport failure into a 503 for the TU', async () => {
    const { clock, layer } = setup();
    const ch = new RecordingChannel(false, clock);
    ch.fail = true;
    const tx = layer.createClient(invite(), ch);
    tx.start();
    const final = await tx.final;
    expect(final.status).toBe(503);
    expect(tx.terminated).toBe(true);
  });

  it('after a CANCEL, gives up with 408 when no final response comes in 64*T1', () => {
    const { clock, layer } = setup();
    const req = invite();
    const tx = layer.createClient(req, new RecordingChannel(true, clock)) as InviteClientTransaction;
    tx.start();
    tx.receive(reply(req, 180));
    tx.expectFinalAfterCancel();
    clock.advance(32_000);
    expect(tx.finalResponse?.status).toBe(408);
  });
});

describe('non-INVITE client transaction (§17.1.2)', () => {
  it('retransmits on Timer E up to T2 and times out on Timer F', () => {
    const { clock, layer } = setup();
    const ch = new RecordingChannel(false, clock);
    const tx = layer.createClient(options(), ch);
    const got = collect(tx);
    tx.start();
    clock.advance(32_000);
    return settle().then(() => {
      expect(ch.times('OPTIONS')).toEqual([0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500]);
      expect(got.map((r) => r.status)).toEqual([408]);
      expect(tx.state).toBe(NonInviteClientState.Terminated);
    });
  });

  it('in Proceeding retransmits every T2; a final response completes it and Timer K ends it', async () => {
    const { clock, layer } = setup();
    const ch = new RecordingChannel(false, clock);
    const req = options();
    const tx = layer.createClient(req, ch);
    const got = collect(tx);
    tx.start();
    clock.advance(600);
    tx.receive(reply(req, 100));
    clock.advance(9_000);
    await settle();
    expect(ch.times('OPTIONS')).toEqual([0, 500, 1500, 5500, 9500]);
    tx.receive(reply(req, 200));
    tx.receive(reply(req, 200));
    expect(got.map((r) => r.status)).toEqual([100, 200]);
    expect(tx.state).toBe(NonInviteClientState.Completed);
    clock.advance(4_999);
    expect(tx.state).toBe(NonInviteClientState.Completed);
    clock.advance(1);
    expect(tx.state).toBe(NonInviteClientState.Terminated);
  });

  it('over a reliable transport: no Timer E, Timer K is zero', async () => {
    const { clock, layer } = setup();
    const ch = new RecordingChannel(true, clock);
    const req = options();
    const tx = layer.createClient(req, ch);
    tx.start();
    clock.advance(10_000);
    await settle();
    expect(ch.times('OPTIONS')).toEqual([0]);
    tx.receive(reply(req, 200));
    expect(tx.terminated).toBe(true);
  });
});
