import { api } from '../lib/api.js';
import { AudioDevices } from './audio-devices.js';
import { ElementAudioOutput } from './audio-output.js';
import { browserMicrophone } from './microphone.js';
import { BrowserCallNotifier } from './notifications.js';
import { Phone } from './phone.js';
import { WebAudioRingtone } from './ringtone.js';

/** The softphone wired to the real browser: JsSIP (loaded on demand), getUserMedia, WebAudio. */
export function createBrowserPhone(): Phone {
  const ringerOutput = new ElementAudioOutput('ringtone');
  // Fetched now, while the microphone is checked, not after it (the phone needs it right then);
  // a failed fetch is tried again when the phone asks for the stack.
  const prefetched = import('./jssip-stack.js').catch(() => null);
  const phone = new Phone({
    loadSipStack: async (credentials) => ((await prefetched) ?? (await import('./jssip-stack.js'))).createJsSipUserAgent(credentials),
    fetchMe: () => api.me(),
    microphone: browserMicrophone,
    devices: new AudioDevices(),
    speaker: new ElementAudioOutput('remote-audio'),
    ringerOutput,
    ringtone: new WebAudioRingtone(ringerOutput),
    notifier: new BrowserCallNotifier(),
    storage: typeof localStorage === 'undefined' ? null : localStorage,
    now: () => Date.now(),
    timers: {
      setTimeout: (callback, ms) => window.setTimeout(callback, ms),
      clearTimeout: (handle) => window.clearTimeout(handle as number | undefined),
    },
    wsUrl: (path) => `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}${path}`,
  });
  // The first click or key press anywhere lifts the browser's block on sound.
  const unlock = () => {
    if (phone.getSnapshot().soundBlocked) void phone.enableSound();
  };
  window.addEventListener('pointerdown', unlock, { capture: true });
  window.addEventListener('keydown', unlock, { capture: true });
  phone.onStop(() => {
    window.removeEventListener('pointerdown', unlock, { capture: true });
    window.removeEventListener('keydown', unlock, { capture: true });
  });
  return phone;
}
