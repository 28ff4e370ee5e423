/**
 * A full-ICE WebRTC endpoint in this process (werift's RTCPeerConnection) for the tests that
 * need many quick connections or a peer that vanishes without a word: the open/close cycles
 * and the silence watchdog. Audio interop itself is proven against Chromium.
 */
import { MediaStreamTrack, RTCPeerConnection, RTCRtpCodecParameters } from 'werift';
import type { RtcpPacket, RtpPacket } from 'werift';

export class WeriftPeer {
  readonly received: RtpPacket[] = [];
  readonly receivedRtcp: RtcpPacket[] = [];
  private readonly pc: RTCPeerConnection;
  private readonly track = new MediaStreamTrack({ kind: 'audio' });

  constructor() {
    this.pc = new RTCPeerConnection({
      iceServers: [],
      iceUseIpv6: false,
      iceInterfaceAddresses: { udp4: '127.0.0.1' },
      iceAdditionalHostAddresses: ['127.0.0.1'],
      codecs: { audio: [new RTCRtpCodecParameters({ mimeType: 'audio/opus', clockRate: 48000, channels: 2 })], video: [] },
    });
    this.pc.addTransceiver(this.track, { direction: 'sendrecv' });
  }

  /** Our offer with all candidates in it (no trickle). */
  async offer(): Promise<string> {
    await this.pc.setLocalDescription(await this.pc.createOffer());
    await this.gathered();
    return this.pc.localDescription!.sdp;
  }

  async answer(offer: string): Promise<string> {
    await this.pc.setRemoteDescription({ type: 'offer', sdp: offer });
    await this.pc.setLocalDescription(await this.pc.createAnswer());
    await this.gathered();
    this.listen();
    return this.pc.localDescription!.sdp;
  }

  async accept(answer: string): Promise<void> {
    await this.pc.setRemoteDescription({ type: 'answer', sdp: answer });
    this.listen();
  }

  /** Resolves once the peer's own side of DTLS is up (it may finish a little after ours). */
  connected(): Promise<void> {
    if (this.pc.connectionState === 'connected') return Promise.resolve();
    return new Promise((resolve) => {
      this.pc.connectionStateChange.subscribe((state) => {
        if (state === 'connected') resolve();
      });
    });
  }

  /** Sends one Opus-typed packet (payload type 111) through werift's sender. */
  send(sequenceNumber: number): void {
    const header = Buffer.from([0x80, 111, sequenceNumber >> 8, sequenceNumber & 0xff, 0, 0, 0, 0, 0x0b, 0xad, 0xf0, 0x0d]);
    this.track.writeRtp(Buffer.concat([header, Buffer.from([0xf8, 0xff, 0xfe])]));
  }

  /** Stops without a DTLS alert (werift sends none): to the other side the peer just goes silent. */
  async close(): Promise<void> {
    await this.pc.close();
  }

  /** Below werift's router, which drops SSRCs nobody signalled: every decrypted packet. */
  private listen(): void {
    const [transceiver] = this.pc.getTransceivers();
    transceiver?.dtlsTransport.onRtp.subscribe((packet) => this.received.push(packet));
    transceiver?.dtlsTransport.onRtcp.subscribe((packet) => this.receivedRtcp.push(packet));
  }

  private gathered(): Promise<void> {
    if (this.pc.iceGatheringState === 'complete') return Promise.resolve();
    return new Promise((resolve) => {
      this.pc.iceGatheringStateChange.subscribe((state) => {
        if (state === 'complete') resolve();
      });
    });
  }
}
