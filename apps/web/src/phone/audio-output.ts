/**
 * Sound this page plays: the far side's voice and the ringtone. Each goes through its own
 * <audio> element so that it can be sent to its own device (`setSinkId`, where supported).
 * `play()` resolves false when the browser blocks sound until the user interacts with the page.
 */
export interface AudioOutput {
  play(stream: MediaStream): Promise<boolean>;
  setDevice(deviceId: string | null): Promise<void>;
  stop(): void;
}

type SinkCapable = HTMLAudioElement & { setSinkId?: (id: string) => Promise<void> };

export class ElementAudioOutput implements AudioOutput {
  private element: SinkCapable | null = null;
  private deviceId: string | null = null;

  /** `role` names the element (`data-role`), so tests can find the remote audio in the page. */
  constructor(private readonly role: string) {}

  private get audio(): SinkCapable {
    if (!this.element) {
      const element: SinkCapable = document.createElement('audio');
      element.dataset.role = this.role;
      element.autoplay = true;
      element.hidden = true;
      document.body.append(element);
      this.element = element;
    }
    return this.element;
  }

  async play(stream: MediaStream): Promise<boolean> {
    const audio = this.audio;
    audio.srcObject = stream;
    await this.applyDevice();
    try {
      await audio.play();
      return true;
    } catch (error) {
      if (error instanceof DOMException && error.name === 'NotAllowedError') return false;
      // AbortError: a newer play() or stop() replaced this one; nothing to report.
      return true;
    }
  }

  async setDevice(deviceId: string | null): Promise<void> {
    this.deviceId = deviceId;
    if (this.element) await this.applyDevice();
  }

  stop(): void {
    if (!this.element) return;
    this.element.pause();
    this.element.srcObject = null;
  }

  private async applyDevice(): Promise<void> {
    const audio = this.audio;
    if (typeof audio.setSinkId !== 'function') return;
    try {
      await audio.setSinkId(this.deviceId ?? '');
    } catch {
      // The device went away: stay on the current output rather than fall silent.
    }
  }
}
