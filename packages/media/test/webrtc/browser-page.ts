/**
 * The page a headless Chromium runs as the far end of a WebRTC leg: one RTCPeerConnection with
 * the fake microphone (a tone file), the remote audio played in an <audio> element and
 * measured by an AnalyserNode. Signalling goes through page.evaluate(), so the functions
 * below are the whole browser side of each test.
 */
export const BROWSER_PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>webrtc leg test</title></head>
<body><audio id="remote" autoplay></audio>
<script>
let pc;
let analyser;
let audioContext;

async function gatheringDone() {
  // JsSIP sends complete SDP; so do we: wait until every candidate is in the description.
  if (pc.iceGatheringState === 'complete') return;
  await new Promise((resolve) => {
    pc.addEventListener('icegatheringstatechange', () => { if (pc.iceGatheringState === 'complete') resolve(); });
  });
}

window.startPeer = async () => {
  const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
  pc = new RTCPeerConnection({ iceServers: [] });
  for (const track of stream.getTracks()) pc.addTrack(track, stream);
  pc.addEventListener('track', (event) => {
    const remote = event.streams[0] || new MediaStream([event.track]);
    const element = document.getElementById('remote');
    element.srcObject = remote;
    void element.play();
    // Chrome feeds WebAudio from a remote WebRTC stream only while a media element plays it.
    audioContext = new AudioContext();
    analyser = audioContext.createAnalyser();
    analyser.fftSize = 8192;
    analyser.smoothingTimeConstant = 0;
    audioContext.createMediaStreamSource(remote).connect(analyser);
  });
};

window.makeOffer = async () => {
  await pc.setLocalDescription(await pc.createOffer());
  await gatheringDone();
  return pc.localDescription.sdp;
};

window.acceptAnswer = async (sdp) => {
  await pc.setRemoteDescription({ type: 'answer', sdp });
};

window.answerOffer = async (sdp) => {
  await pc.setRemoteDescription({ type: 'offer', sdp });
  await pc.setLocalDescription(await pc.createAnswer());
  await gatheringDone();
  return pc.localDescription.sdp;
};

window.connectionState = () => pc.connectionState;

/** Hold from the browser's side: the next offer carries this direction (RFC 3264 §8.4). */
window.setDirection = (direction) => { pc.getTransceivers()[0].direction = direction; };

/** The ICE ufrag and DTLS role the browser's current local description carries. */
window.localSecurity = () => {
  const sdp = pc.currentLocalDescription ? pc.currentLocalDescription.sdp : '';
  const ufrag = /a=ice-ufrag:(\\S+)/.exec(sdp);
  const setup = /a=setup:(\\S+)/.exec(sdp);
  return { ufrag: ufrag ? ufrag[1] : null, setup: setup ? setup[1] : null };
};

window.dtlsState = () => {
  const transport = pc.getSenders()[0] && pc.getSenders()[0].transport;
  return transport ? transport.state : 'none';
};

/** Average spectrum of the remote audio over ms milliseconds: the strongest bin in 100-4000 Hz. */
window.dominantFrequency = async (ms) => {
  if (!analyser) return { frequency: null, level: -Infinity };
  const bins = new Float32Array(analyser.frequencyBinCount);
  const sum = new Float32Array(analyser.frequencyBinCount);
  let snapshots = 0;
  const end = performance.now() + ms;
  while (performance.now() < end) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    analyser.getFloatFrequencyData(bins);
    for (let i = 0; i < bins.length; i++) sum[i] += Math.pow(10, bins[i] / 10);
    snapshots++;
  }
  const hzPerBin = audioContext.sampleRate / analyser.fftSize;
  let best = -1;
  let bestPower = 0;
  let total = 0;
  for (let i = Math.ceil(100 / hzPerBin); i <= Math.floor(4000 / hzPerBin); i++) {
    total += sum[i];
    if (sum[i] > bestPower) { bestPower = sum[i]; best = i; }
  }
  const level = snapshots > 0 && bestPower > 0 ? 10 * Math.log10(bestPower / snapshots) : -Infinity;
  return { frequency: best < 0 ? null : Math.round(best * hzPerBin), level, share: total > 0 ? bestPower / total : 0 };
};

window.insertDtmf = async (tones) => {
  const sender = pc.getSenders().find((s) => s.track && s.track.kind === 'audio');
  // Chromium allows DTMF only once its audio send stream is up, which can trail the connection state.
  for (let waited = 0; !sender.dtmf.canInsertDTMF && waited < 5000; waited += 50) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  sender.dtmf.insertDTMF(tones, 100, 70);
};

window.inboundStats = async () => {
  const report = await pc.getStats();
  let result = { packetsReceived: 0, codec: null, ssrc: null };
  report.forEach((entry) => {
    if (entry.type === 'inbound-rtp' && entry.kind === 'audio') {
      const codec = entry.codecId ? report.get(entry.codecId) : undefined;
      result = { packetsReceived: entry.packetsReceived, codec: codec ? codec.mimeType + '/' + codec.clockRate : null, ssrc: entry.ssrc };
    }
  });
  return result;
};

/** Whether our RTCP reached the browser: an SR about our stream, a report block about its own. */
window.rtcpSeen = async () => {
  const report = await pc.getStats();
  const seen = { remoteOutbound: false, remoteInbound: false };
  report.forEach((entry) => {
    if (entry.type === 'remote-outbound-rtp' && entry.kind === 'audio') seen.remoteOutbound = true;
    if (entry.type === 'remote-inbound-rtp' && entry.kind === 'audio') seen.remoteInbound = true;
  });
  return seen;
};

window.closePeer = () => { if (pc) pc.close(); if (audioContext) void audioContext.close(); };
</script></body></html>`;
