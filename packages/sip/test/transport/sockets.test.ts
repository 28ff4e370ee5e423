import { until } from '@switchboard/testkit';
import { connect, type Socket } from 'node:net';
import { createSocket } from 'node:dgram';
import { WebSocket, WebSocketServer } from 'ws';
import type { AddressInfo } from 'node:net';
import { TcpTransport, UdpTransport, WsTransport, type Flow, type ParseResult } from '../../src/index.js';

const OPTIONS = (n: number) => `OPTIONS sip:a@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1;branch=z9hG4bK${n}\r\nFrom: <sip:b@127.0.0.1>;tag=1\r\nTo: <sip:a@127.0.0.1>\r\nCall-ID: c${n}\r\nCSeq: ${n} OPTIONS\r\nContent-Length: 0\r\n\r\n`;

function collect(t: { on(e: 'message', l: (r: ParseResult, f: Flow) => void): unknown }) {
  const got: Array<{ result: ParseResult; flow: Flow }> = [];
  t.on('message', (result, flow) => got.push({ result, flow }));
  return got;
}


describe('TcpTransport', () => {
  let transport: TcpTransport;
  let client: Socket;
  beforeEach(async () => {
    transport = await TcpTransport.listen({ address: '127.0.0.1' });
    client = connect(transport.local.port, '127.0.0.1');
    await new Promise<void>((r) => client.once('connect', () => r()));
  });
  afterEach(async () => {
    client.destroy();
    await transport.close();
  });

  it('frames many messages per connection across partial reads, all on one flow', async () => {
    const got = collect(transport);
    client.write(OPTIONS(1) + OPTIONS(2));
    const third = OPTIONS(3);
    client.write(third.slice(0, 10));
    await new Promise((r) => setTimeout(r, 20));
    client.write(third.slice(10));
    await until('3 message(s) received', () => got.length === 3, 10_000, 5);
    expect(got.every((g) => g.result.ok)).toBe(true);
    expect(new Set(got.map((g) => g.flow.id)).size).toBe(1);
    expect(got[0]!.flow).toMatchObject({ protocol: 'tcp', reliable: true, remote: { address: '127.0.0.1', port: client.localPort } });
  });

  it('answers a CRLF ping with a pong (RFC 5626 §3.5.1)', async () => {
    const pong = new Promise<string>((r) => client.once('data', (d) => r(d.toString())));
    client.write('\r\n\r\n');
    expect(await pong).toBe('\r\n');
  });

  it('sends back over the same connection, and reports when it closes', async () => {
    const got = collect(transport);
    client.write(OPTIONS(1));
    await until('1 message(s) received', () => got.length === 1, 10_000, 5);
    const flow = got[0]!.flow;
    const reply = new Promise<string>((r) => client.once('data', (d) => r(d.toString())));
    expect((await transport.send(Buffer.from('SIP/2.0 200 OK\r\n\r\n'), flow)).ok).toBe(true);
    expect(await reply).toBe('SIP/2.0 200 OK\r\n\r\n');
    const closed = new Promise<Flow>((r) => transport.on('flowClosed', r));
    client.end();
    expect((await closed).id).toBe(flow.id);
    expect(transport.flow(flow.id)).toBeUndefined();
    expect(await transport.send(Buffer.from('x'), flow)).toMatchObject({ ok: false });
  });

  it('drops a connection whose stream cannot be framed', async () => {
    const closed = new Promise<void>((r) => client.once('close', () => r()));
    client.write('OPTIONS sip:a SIP/2.0\r\nContent-Length: banana\r\n\r\n');
    await closed;
  });

  it('opens a connection to an endpoint and reuses it; an unreachable one is a value, not a throw', async () => {
    const other = await TcpTransport.listen({ address: '127.0.0.1' });
    const got = collect(other);
    const a = await transport.send(Buffer.from(OPTIONS(1)), other.local);
    const b = await transport.send(Buffer.from(OPTIONS(2)), other.local);
    expect(a.ok && b.ok && a.flow.id === b.flow.id).toBe(true);
    await until('2 message(s) received', () => got.length === 2, 10_000, 5);
    const closed = new Promise<Flow>((r) => transport.on('flowClosed', r));
    await other.close();
    expect((await closed).id).toBe(a.ok ? a.flow.id : '');
    const dead = await transport.send(Buffer.from(OPTIONS(3)), { address: '127.0.0.1', port: other.local.port });
    expect(dead.ok).toBe(false);
  });
});

describe('UdpTransport', () => {
  it('delivers datagrams with their flow, ignores CRLF keep-alives, and sends', async () => {
    const transport = await UdpTransport.listen({ address: '127.0.0.1', receiveBufferSize: 1 << 20 });
    const got = collect(transport);
    const peer = createSocket('udp4');
    await new Promise<void>((r) => peer.bind(0, '127.0.0.1', () => r()));
    peer.send('\r\n\r\n', transport.local.port, '127.0.0.1');
    peer.send(OPTIONS(1), transport.local.port, '127.0.0.1');
    peer.send('garbage', transport.local.port, '127.0.0.1');
    await until('2 message(s) received', () => got.length === 2, 10_000, 5);
    expect(got[0]!.result.ok).toBe(true);
    expect(got[1]!.result.ok).toBe(false);
    expect(got[0]!.flow.remote.port).toBe(peer.address().port);
    // One flow per remote end, shared by its datagrams and by sends to it.
    expect(got[1]!.flow).toBe(got[0]!.flow);
    expect(transport.flow(got[0]!.flow.id)).toBe(got[0]!.flow);
    const echo = new Promise<string>((r) => peer.once('message', (d) => r(d.toString())));
    await transport.send(Buffer.from('pong'), got[0]!.flow);
    expect(await echo).toBe('pong');
    const sent = await transport.send(Buffer.from('pong'), { address: '127.0.0.1', port: peer.address().port });
    expect(sent).toMatchObject({ ok: true, flow: got[0]!.flow });
    peer.close();
    await transport.close();
    expect(await transport.send(Buffer.from('x'), { address: '127.0.0.1', port: 9 })).toMatchObject({ ok: false });
  });
});

describe('WsTransport (RFC 7118)', () => {
  it('takes text and binary frames, answers in text, and refuses a socket without the "sip" subprotocol', async () => {
    const transport = new WsTransport({ local: { address: '127.0.0.1', port: 0 } });
    const got = collect(transport);
    const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    server.on('connection', (socket, req) => transport.accept(socket, { address: req.socket.remoteAddress!, port: req.socket.remotePort!, secure: false }));
    await new Promise<void>((r) => server.once('listening', () => r()));
    const url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;

    const ws = new WebSocket(url, 'sip');
    await new Promise<void>((r) => ws.once('open', () => r()));
    ws.send(OPTIONS(1));
    ws.send(Buffer.from(OPTIONS(2)), { binary: true });
    await until('2 message(s) received', () => got.length === 2, 10_000, 5);
    expect(got.map((g) => g.result.ok)).toEqual([true, true]);
    expect(got[0]!.flow).toMatchObject({ protocol: 'ws', reliable: true });
    const reply = new Promise<{ text: string; binary: boolean }>((r) => ws.once('message', (d, binary) => r({ text: (d as Buffer).toString(), binary })));
    await transport.send(Buffer.from('SIP/2.0 200 OK\r\n\r\n'), got[0]!.flow);
    expect(await reply).toEqual({ text: 'SIP/2.0 200 OK\r\n\r\n', binary: false });
    const closed = new Promise<Flow>((r) => transport.on('flowClosed', r));
    ws.close();
    expect((await closed).id).toBe(got[0]!.flow.id);

    const wrong = new WebSocket(url, 'chat');
    const code = await new Promise<number>((r) => wrong.once('close', (c) => r(c)));
    expect(code).toBe(1002);
    expect(await transport.send(Buffer.from('x'), { address: '127.0.0.1', port: 1 })).toMatchObject({ ok: false });
    await transport.close();
    await new Promise<void>((r) => server.close(() => r()));
  });
});
