import { AudioDeviceSelector } from '../features/audio-devices/index.js';
import { Softphone } from '../features/phone/index.js';

export function PhonePage() {
  return (
    <div className="page page-phone">
      <h1 className="visually-hidden">Phone</h1>
      <Softphone footer={<AudioDeviceSelector />} />
    </div>
  );
}
