/**
 * Two SipStacks talking over real sockets on loopback: UDP, TCP, TLS and WebSocket. The "pbx"
 * side is a registrar with digest auth and a callee; the "phone" side registers, calls
 * (INVITE/180/200/ACK), hangs up (BYE), and, over connection-oriented transports, is reached
 * again through the connection it registered over.
 */
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import {
  address,
  computeHa1,
  createRequest,
  Dialog,
  DialogRegistry,
  DigestAuthenticator,
  DigestClient,
  SipStack,
  TcpTransport,
  UdpTransport,
  WsTransport,
  type AnyClientTransaction,
  type Flow,
  type InviteServerTransaction,
  type SendOptions,
  type SipRequest,
  type SipResponse,
  type Transport,
  type TransportProtocol,
} from '../../src/index.js';
import { localhostCertificate } from '../helpers/tls-cert.js';

const REALM = 'pbx.test';
const SDP = 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0\r\n';

interface Pair {
  pbx: SipStack;
  phone: SipStack;
  /** How the phone addresses the pbx (Request-URI host part and params). */
  pbxUri: (user: string) => string;
  protocol: TransportProtocol;
  /** How the phone sends requests outside a dialog. */
  phoneSend: () => SendOptions;
  close: () => Promise<void>;
}

async function udpPair(): Promise<Pair> {
  const pbxT = await UdpTransport.listen({ address: '127.0.0.1' });
  const phoneT = await UdpTransport.listen({ address: '127.0.0.1' });
  return stacks(pbxT, phoneT, 'udp', (u) => `sip:${u}@127.0.0.1:${pbxT.local.port}`);
}

async function tcpPair(tls: boolean): Promise<Pair> {
  const cert = tls ? await localhostCertificate() : undefined;
  const pbxT = await TcpTransport.listen({ address: '127.0.0.1', ...(cert ? { tls: { key: cert.key, cert: cert.cert } } : {}) });
  const phoneT = await TcpTransport.listen({ address: '127.0.0.1', ...(cert ? { tls: { key: cert.key, cert: cert.cert, ca: cert.cert } } : {}) });
  const scheme = tls ? 'sips' : 'sip';
  return stacks(pbxT, phoneT, tls ? 'tls' : 'tcp', (u) => `${scheme}:${u}@127.0.0.1:${pbxT.local.port};transport=${tls ? 'tls' : 'tcp'}`);
}

async function wsPair(): Promise<Pair> {
  const pbxT = new WsTransport({ local: { address: '127.0.0.1', port: 0 } });
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0, handleProtocols: (protocols) => (protocols.has('sip') ? 'sip' : false) });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const port = (server.address() as AddressInfo).port;
  server.on('connection', (socket, req) => pbxT.accept(socket, { address: req.socket.remoteAddress ?? '', port: req.socket.remotePort ?? 0 }));
  // The phone side is a WebSocket client (as a browser would be), adopted by its own WsTransport.
  const phoneT = new WsTransport({ local: { address: 'phone.invalid', port: 9 } });
  const client = new WebSocket(`ws://127.0.0.1:${port}/sip`, 'sip');
  await new Promise<void>((resolve, reject) => {
    client.once('open', () => resolve());
    client.once('error', reject);
  });
  const flow = phoneT.accept(client, { address: '127.0.0.1', port });
  const pair = stacks(pbxT, phoneT, 'ws', (u) => `sip:${u}@127.0.0.1:${port};transport=ws`, () => ({ flow }));
  const close = pair.close;
  pair.close = async () => {
    client.close();
    await close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return pair;
}

function stacks(pbxT: Transport, phoneT: Transport, protocol: TransportProtocol, pbxUri: (u: string) => string, phoneSend: () => SendOptions = () => ({})): Pair {
  const pbx = new SipStack({ transports: [pbxT], timers: { T1: 100 } });
  const phone = new SipStack({ transports: [phoneT], timers: { T1: 100 } });
  return { pbx, phone, pbxUri, protocol, phoneSend, close: async () => Promise.all([pbx.close(), phone.close()]).then(() => undefined) };
}

/** The pbx's TU: a registrar with digest auth, and a callee that rings then answers. */
function runPbx(pbx: SipStack) {
  const auth = new DigestAuthenticator({ realm: REALM, secret: 'integration-test-secret' });
  const dialogs = new DialogRegistry();
  const registered: { flow?: Flow; contact?: SipRequest['contacts'][number] } = {};
  let acked!: (ack: SipRequest) => void;
  const ackReceived = new Promise<SipRequest>((r) => (acked = r));
  let byeReceived!: () => void;
  const bye = new Promise<void>((r) => (byeReceived = r));
  pbx.onRequest((req, tx) => {
    if (req.method === 'REGISTER') {
      const c = auth.credentials(req);
      const user = c && c !== 'malformed' ? c.username : undefined;
      const ha1 = user === '101' && c && c !== 'malformed' ? computeHa1(c.algorithm, '101', REALM, 'pw101') : undefined;
      const result = auth.verify(req, c, ha1);
      if (!result.ok) return void tx.send(auth.challenge(req, { toTag: tx.localTag, stale: result.stale }));
      registered.flow = tx.flow;
      registered.contact = req.contacts[0];
      return void tx.respond(200, undefined, { headers: { Contact: req.get('contact')!, Expires: 3600 } });
    }
    if (req.method === 'INVITE') {
      const ist = tx as InviteServerTransaction;
      const dialog = Dialog.asUas(req, { localTag: ist.localTag, localContact: address(pbx.contactUri(tx.flow.protocol, 'pbx')), flow: tx.flow });
      dialogs.add(dialog);
      ist.on('ack', (ack) => {
        dialog.confirm();
        acked(ack);
      });
      tx.respond(180);
      setTimeout(() => tx.respond(200, undefined, { body: SDP, contentType: 'application/sdp', headers: { Contact: address(pbx.contactUri(tx.flow.protocol, 'pbx')) } }), 20);
      return;
    }
    if (req.method === 'BYE') {
      const dialog = dialogs.forRequest(req);
      if (!dialog) return void tx.respond(481);
      dialog.receiveRequest(req);
      dialog.terminate();
      dialogs.remove(dialog);
      tx.respond(200);
      byeReceived();
      return;
    }
    tx.respond(405);
  });
  return { registered, ackReceived, bye, dialogs };
}

function statuses(tx: AnyClientTransaction): number[] {
  const seen: number[] = [];
  tx.on('response', (r) => seen.push(r.status));
  return seen;
}

async function scenario(pair: Pair): Promise<void> {
  const { pbx, phone } = pair;
  const world = runPbx(pbx);
  const phoneRequests: SipRequest[] = [];
  phone.onRequest((req, tx) => {
    phoneRequests.push(req);
    tx.respond(200);
  });
  const contact = address(phone.contactUri(pair.protocol, '101'));

  // REGISTER, challenged, then accepted.
  const register = createRequest({ method: 'REGISTER', uri: pair.pbxUri('').replace(':@', ':'), from: `<sip:101@${REALM}>`, to: `<sip:101@${REALM}>`, contact, headers: { Expires: 3600 } });
  const first = await phone.sendRequest(register, pair.phoneSend()).final;
  expect(first.status).toBe(401);
  expect(first.wwwAuthenticates.map((c) => c.params.get('algorithm'))).toEqual(['MD5', 'SHA-256']);
  const retry = new DigestClient({ username: '101', password: 'pw101' }).authorize(register, first)!;
  const ok = await phone.sendRequest(retry, pair.phoneSend()).final;
  expect(ok.status).toBe(200);
  expect(world.registered.contact?.uri).toMatchObject({ user: '101' });

  // INVITE / 180 / 200 / ACK.
  const invite = createRequest({ method: 'INVITE', uri: pair.pbxUri('pbx'), from: `<sip:101@${REALM}>`, to: `<sip:pbx@${REALM}>`, contact, body: SDP, contentType: 'application/sdp' });
  const inviteTx = phone.sendRequest(invite, pair.phoneSend());
  const seen = statuses(inviteTx);
  const answer: SipResponse = await inviteTx.final;
  expect(answer.status).toBe(200);
  expect(seen).toEqual(expect.arrayContaining([180, 200]));
  expect(answer.body.toString()).toBe(SDP);
  const dialog = Dialog.asUac(invite, answer, { localContact: contact, ...(inviteTx.flow ? { flow: inviteTx.flow } : {}) });
  await phone.sendAck(dialog.createAck(invite), dialog.flow?.reliable ? dialog.sendOptions() : pair.phoneSend());
  const ack = await world.ackReceived;
  expect(ack.cseq).toEqual({ seq: invite.cseq.seq, method: 'ACK' });

  // BYE inside the dialog.
  const bye = dialog.createRequest('BYE');
  expect(bye.cseq.seq).toBe(invite.cseq.seq + 1);
  const byeDone = await phone.sendRequest(bye, dialog.flow?.reliable ? dialog.sendOptions() : pair.phoneSend()).final;
  expect(byeDone.status).toBe(200);
  await world.bye;
  expect(world.dialogs.size).toBe(0);

  // Connection reuse: the pbx reaches the phone through the flow it registered over.
  if (pair.protocol !== 'udp') {
    const flow = world.registered.flow!;
    expect(flow.reliable).toBe(true);
    const options = createRequest({ method: 'OPTIONS', uri: world.registered.contact!.uri, from: `<sip:pbx@${REALM}>`, to: `<sip:101@${REALM}>` });
    const tx = pbx.sendRequest(options, { flow });
    expect((await tx.final).status).toBe(200);
    expect(tx.flow?.id).toBe(flow.id);
    expect(phoneRequests.map((r) => r.method)).toEqual(['OPTIONS']);
  }
}

describe('two stacks over real sockets', () => {
  let pair: Pair | undefined;
  afterEach(async () => {
    await pair?.close();
    pair = undefined;
  });

  it('UDP: register with digest, call, hang up', async () => {
    pair = await udpPair();
    await scenario(pair);
  });

  it('TCP: register with digest, call, hang up, reach the phone over its connection', async () => {
    pair = await tcpPair(false);
    await scenario(pair);
  });

  it('TLS: the same over a verified TLS connection', async () => {
    pair = await tcpPair(true);
    await scenario(pair);
  });

  it('WebSocket (RFC 7118): the same with the phone as a WebSocket client', async () => {
    pair = await wsPair();
    await scenario(pair);
  });
});
