/**
 * A system notification for an incoming call while the portal's tab is hidden. Permission is
 * asked when the user clicks "Turn on notifications", never on page load.
 */
export interface CallNotifier {
  permission(): NotificationPermission | 'unsupported';
  request(): Promise<NotificationPermission | 'unsupported'>;
  /** Shows the notification if the page is hidden and permission was given. */
  showIncoming(caller: string): void;
  close(): void;
}

export class BrowserCallNotifier implements CallNotifier {
  private current: Notification | null = null;

  permission(): NotificationPermission | 'unsupported' {
    return typeof Notification === 'undefined' ? 'unsupported' : Notification.permission;
  }

  async request(): Promise<NotificationPermission | 'unsupported'> {
    if (typeof Notification === 'undefined') return 'unsupported';
    return Notification.requestPermission();
  }

  showIncoming(caller: string): void {
    if (!document.hidden || this.permission() !== 'granted') return;
    this.close();
    const notification = new Notification('Incoming call', {
      body: `${caller} is calling. Open Switchboard to answer.`,
      tag: 'switchboard-incoming-call',
      requireInteraction: true,
    });
    notification.onclick = () => {
      window.focus();
      notification.close();
    };
    this.current = notification;
  }

  close(): void {
    this.current?.close();
    this.current = null;
  }
}
