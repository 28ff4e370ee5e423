/** Told when a user's DND or voicemail changed, so the portal can update live (events). */
export interface FeatureNotifier {
  dndChanged?(tenantId: string, userId: string, enabled: boolean): void;
  /** `unread`: the new-message count after the change. */
  voicemailChanged?(tenantId: string, userId: string, unread: number): void;
}
