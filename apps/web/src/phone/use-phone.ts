import { createContext, useContext, useSyncExternalStore } from 'react';
import type { AudioDevicesSnapshot } from './audio-devices.js';
import type { Phone, PhoneSnapshot } from './phone.js';

/** The one softphone of the page, provided by the app shell. */
export const PhoneContext = createContext<Phone | null>(null);

export function usePhoneEngine(): Phone {
  const phone = useContext(PhoneContext);
  if (!phone) throw new Error('usePhoneEngine() needs a <PhoneContext.Provider>');
  return phone;
}

/** The phone's state; re-renders when it changes. */
export function usePhone(): [PhoneSnapshot, Phone] {
  const phone = usePhoneEngine();
  const snapshot = useSyncExternalStore(phone.subscribe, phone.getSnapshot);
  return [snapshot, phone];
}

export function useAudioDevices(): [AudioDevicesSnapshot, Phone] {
  const phone = usePhoneEngine();
  const snapshot = useSyncExternalStore(phone.devices.subscribe, phone.devices.getSnapshot);
  return [snapshot, phone];
}
