import { Decoder, Encoder } from '@evan/opus';
import type { Pcm } from '@switchboard/testkit';
import { MediaStreamTrack, RTCPeerConnection, RTCRtpCodecParameters } from 'werift';

/**
 * A browser stand-in in this process (werift's RTCPeerConnection, full ICE + DTLS-SRTP):
 * sends an Opus tone every 20 ms and decodes what it receives (@evan/opus native), for the
 * engine's WebRTC ↔ plain RTP bridge test.
 */
export class WebRtcPeer {
  private readonly pc: RTCPeerConnection;
  private readonly track = new MediaStreamTrack({ kind: 'audio' });
  private readonly encoder = new Encoder({ channels: 1, sample_rate: 48000, application: 'voip' });
  private readonly decoder = new Decoder({ channels: 1, sample_rate: 48000 });
  private heard: number[] = [];
  private timer: NodeJS.Timeout | null = null;
  private frame = 0;
  private seq = 1;

  constructor(private readonly toneHz: number) {
    this.pc = new RTCPeerConnection({
      iceServers: [],
      iceUseIpv6: false,
      iceInterfaceAddresses: { udp4: '127.0.0.1' },
      iceAdditionalHostAddresses: ['127.0.0.1'],
      codecs: { audio: [new RTCRtpCodecParameters({ mimeType: 'audio/opus', clockRate: 48000, channels: 2 })], video: [] },
    });
    this.pc.addTransceiver(this.track, { direction: 'sendrecv' });
  }

  async offer(): Promise<string> {
    await this.pc.setLocalDescription(await this.pc.createOffer());
    if (this.pc.iceGatheringState !== 'complete') {
      await new Promise<void>((resolve) => this.pc.iceGatheringStateChange.subscribe((s) => s === 'complete' && resolve()));
    }
    return this.pc.localDescription!.sdp;
  }

  async accept(answer: string): Promise<void> {
    await this.pc.setRemoteDescription({ type: 'answer', sdp: answer });
    const [transceiver] = this.pc.getTransceivers();
    const opusPt = Number(/a=rtpmap:(\d+) opus\/48000/i.exec(answer)?.[1] ?? 111);
    transceiver?.dtlsTransport.onRtp.subscribe((packet) => {
      if (packet.header.payloadType !== opusPt) return;
      const out = this.decoder.decode(packet.payload);
      const samples = new Int16Array(out.buffer, out.byteOffset, out.byteLength / 2);
      for (const s of samples) this.heard.push(s);
    });
    if (this.pc.connectionState !== 'connected') {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`werift peer did not connect (state ${this.pc.connectionState})`)), 15000);
        this.pc.connectionStateChange.subscribe((s) => {
          if (s === 'connected') {
            clearTimeout(timer);
            resolve();
          }
        });
      });
    }
    const started = performance.now();
    let sent = 0;
    this.timer = setInterval(() => {
      const due = Math.floor((performance.now() - started) / 20) + 1;
      for (let i = 0; i < 10 && sent < due; i++, sent++) this.sendFrame();
      if (sent < due) sent = due;
    }, 20);
  }

  private sendFrame(): void {
    const pcm = Int16Array.from({ length: 960 }, (_, i) => Math.round(12000 * Math.sin((2 * Math.PI * this.toneHz * (this.frame * 960 + i)) / 48000)));
    this.frame++;
    const payload = Buffer.from(this.encoder.encode(pcm));
    const header = Buffer.alloc(12);
    header[0] = 0x80;
    header[1] = 111;
    header.writeUInt16BE(this.seq++ & 0xffff, 2);
    header.writeUInt32BE((this.frame * 960) >>> 0, 4);
    header.writeUInt32BE(0x0badf00d, 8);
    this.track.writeRtp(Buffer.concat([header, payload]));
  }

  async hear(seconds: number, timeoutMs = 8000): Promise<Pcm> {
    const from = this.heard.length;
    const deadline = Date.now() + timeoutMs;
    while (this.heard.length - from < seconds * 48000 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    return { sampleRate: 48000, samples: Float32Array.from(this.heard.slice(from), (s) => s / 32768) };
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.pc.close();
  }
}
