import type { MediaEngine } from '@switchboard/media';
import type { InviteServerTransaction, SipRequest, SipStack } from '@switchboard/sip';
import type { FeatureCode } from '../dialplan/dialplan.js';
import type { CallObserver } from '../presence/call-observer.js';
import type { DeviceAccount } from '../store/records.js';
import type { PbxLogger } from '../util/logger.js';
import { runMailboxMenu } from '../voicemail/mailbox-menu.js';
import type { VoicemailService } from '../voicemail/voicemail-service.js';
import { AnsweredCall, type AnsweredCalls } from './answered-call.js';
import type { FeatureHandler } from './call-handoff.js';
import type { DndService } from './dnd-service.js';

export interface FeatureCodesOptions {
  stack: SipStack;
  media: MediaEngine;
  logger: PbxLogger;
  calls: AnsweredCalls;
  dnd: DndService;
  voicemail: VoicemailService | null;
  observer?: CallObserver | undefined;
}

/**
 * Feature codes the server answers itself: `*78` / `*79` (DND on / off: a short spoken
 * confirmation, then we hang up) and `*97` (the mailbox menu). Others are left to the call engine.
 */
export class FeatureCodes implements FeatureHandler {
  constructor(private readonly o: FeatureCodesOptions) {}

  async handle(feature: FeatureCode, _argument: string | null, request: SipRequest, tx: InviteServerTransaction, caller: DeviceAccount): Promise<boolean> {
    if (feature !== 'dnd-on' && feature !== 'dnd-off' && feature !== 'voicemail') return false;
    const self = { tenantId: caller.tenant.id, userId: caller.user.id, number: caller.extension ?? '', name: caller.user.name };
    if (feature === 'voicemail' && !this.o.voicemail) {
      tx.respond(503, 'Voicemail is not available on this server');
      return true;
    }
    const code = feature === 'voicemail' ? '*97' : feature === 'dnd-on' ? '*78' : '*79';
    const call = await AnsweredCall.answer(
      { stack: this.o.stack, media: this.o.media, logger: this.o.logger, observer: this.o.observer },
      this.o.calls,
      { request, tx, caller: self, service: { tenantId: self.tenantId, userId: null, number: code, name: null } },
    );
    if (!call) return true;
    const work = async () => {
      if (feature === 'voicemail') {
        await runMailboxMenu(call, this.o.voicemail!.mailbox, this.o.voicemail!.prompts, self.tenantId, self.userId);
        return;
      }
      const on = feature === 'dnd-on';
      await this.o.dnd.set(self.tenantId, self.userId, on);
      await call.play({ file: on ? 'prompts/dnd-on.wav' : 'prompts/dnd-off.wav' });
      await call.hangUp(on ? 'DND on' : 'DND off');
    };
    void work().catch(async (error: unknown) => {
      this.o.logger('error', 'feature code failed', { feature, error: String(error) });
      await call.hangUp('feature failed');
    });
    return true;
  }
}
