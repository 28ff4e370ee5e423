import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';

/**
 * Just enough of a SIP user agent server (RFC 3261) for a real phone to call a media leg:
 * answers an INVITE with 200 OK carrying the SDP the test provides, answers BYE and anything
 * else with 200 OK. Loopback UDP only; no retransmission timers (loopback does not lose).
 */
export class SipAnswerer {
  private readonly answered = new Map<string, string>();
  private byeListeners: Array<() => void> = [];

  private constructor(
    private readonly socket: Socket,
    readonly port: number,
    private readonly onInvite: (offer: string) => Promise<string>,
  ) {
    socket.on('message', (msg, rinfo) => void this.onMessage(msg.toString('utf8'), rinfo));
  }

  static async open(onInvite: (offer: string) => Promise<string>): Promise<SipAnswerer> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    return new SipAnswerer(socket, socket.address().port, onInvite);
  }

  onBye(listener: () => void): void {
    this.byeListeners.push(listener);
  }

  close(): void {
    this.socket.close();
  }

  private async onMessage(text: string, rinfo: RemoteInfo): Promise<void> {
    const [head = '', body = ''] = text.split('\r\n\r\n');
    const lines = head.split('\r\n');
    const method = lines[0]?.split(' ')[0] ?? '';
    if (method.startsWith('SIP/')) return;
    const header = (name: string): string[] => lines.filter((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`)).map((l) => l.slice(l.indexOf(':') + 1).trim());
    const callId = header('Call-ID')[0] ?? '';
    if (method === 'ACK') return;
    let sdp: string | null = null;
    if (method === 'INVITE') {
      sdp = this.answered.get(callId) ?? (await this.onInvite(body));
      this.answered.set(callId, sdp);
    }
    if (method === 'BYE') for (const l of this.byeListeners) l();
    const to = header('To')[0] ?? '';
    const response = [
      'SIP/2.0 200 OK',
      ...header('Via').map((v) => `Via: ${v}`),
      `From: ${header('From')[0] ?? ''}`,
      `To: ${to.includes('tag=') ? to : `${to};tag=media-test`}`,
      `Call-ID: ${callId}`,
      `CSeq: ${header('CSeq')[0] ?? ''}`,
      `Contact: <sip:media@127.0.0.1:${this.port}>`,
      ...(sdp ? ['Content-Type: application/sdp'] : []),
      `Content-Length: ${sdp ? Buffer.byteLength(sdp) : 0}`,
      '',
      sdp ?? '',
    ].join('\r\n');
    this.socket.send(response, rinfo.port, rinfo.address);
  }
}
