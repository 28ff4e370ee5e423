/**
 * Outgoing TLS to a host name: the connection asks for the name (SNI) and the peer's certificate
 * must name it (RFC 5922), as a carrier's certificate names its host and not the address it
 * resolves to. Real sockets on loopback; the name resolves to 127.0.0.1 through the stack's resolver.
 */
import { generate } from 'selfsigned';
import { createRequest, SipStack, TcpTransport } from '../../src/index.js';

const NAME = 'sip.carrier.test';

let server: TcpTransport;
let serverStack: SipStack;
let client: SipStack;
const serverNames: Array<string | false> = [];

beforeAll(async () => {
  // A certificate for the name alone: no IP address in it.
  const pems = await generate([{ name: 'commonName', value: NAME }], {
    keyType: 'ec',
    algorithm: 'sha256',
    extensions: [{ name: 'subjectAltName', altNames: [{ type: 2, value: NAME }] }],
  });
  server = await TcpTransport.listen({ address: '127.0.0.1', tls: { key: pems.private, cert: pems.cert } });
  // What each connection asked for (its SNI), from the TLS socket itself.
  server.on('message', (_result, flow) => {
    const socket = (flow as unknown as { socket: { servername?: string | false } }).socket;
    serverNames.push(socket.servername ?? false);
  });
  serverStack = new SipStack({ transports: [server] });
  serverStack.onRequest((_request, tx) => void tx.respond(200));
  const clientTransport = await TcpTransport.listen({ address: '127.0.0.1', tls: { ca: pems.cert } });
  client = new SipStack({ transports: [clientTransport], resolver: (host) => (host === NAME ? Promise.resolve('127.0.0.1') : Promise.reject(new Error(`unknown host ${host}`))) });
});

afterAll(async () => {
  await client?.close();
  await serverStack?.close();
});

function options(host: string): Promise<{ status: number; reason: string }> {
  const request = createRequest({ method: 'OPTIONS', uri: `sip:${host}:${server.local.port};transport=tls`, from: 'sip:pbx@example.test', to: `sip:${host}` });
  return client.sendRequest(request).final.then((r) => ({ status: r.status, reason: r.reason }));
}

it('reaches the host by its name: SNI carries the name and the certificate is checked against it', async () => {
  expect(await options(NAME)).toMatchObject({ status: 200 });
  expect(serverNames).toContain(NAME);
});

it('refuses the same certificate when the URI names the address instead (the certificate does not name it)', async () => {
  const result = await options('127.0.0.1');
  expect(result.status).toBe(503);
  expect(result.reason).toMatch(/does not match certificate's altnames/);
});
