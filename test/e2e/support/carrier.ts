import { join } from 'node:path';
import { SIPP_SCENARIOS, farEndMedia, freePortBlock, runSipp, sippAvailable } from '@switchboard/testkit';
import type { RtpPeer, SippResult } from '@switchboard/testkit';
import type { SwitchboardServer } from './server.js';

export const sippMissing = sippAvailable() ? null : 'sipp is not installed (apt-get install sip-tester): the trunk tests are skipped';

export interface Carrier {
  peer: RtpPeer;
  done: Promise<SippResult>;
  /** Stops SIPp and the media, and takes the trunk (and the DID) out of the server again. */
  close(): Promise<void>;
}

/**
 * A carrier (SIPp) that answers one outside call, with the server's trunk pointed at it:
 * `switchboard trunk set --host 127.0.0.1 --port <its port>`, as an administrator would.
 */
export async function carrierAnswering(server: SwitchboardServer, toneHz: number): Promise<Carrier> {
  const media = await farEndMedia(toneHz);
  const port = await freePortBlock(1);
  await server.cli(['trunk', 'set', '--host', '127.0.0.1', '--port', String(port), '--caller-id', '+15550100100', '--caller-name', 'Demo Company']);
  const sipp = await runSipp({ scenario: join(SIPP_SCENARIOS, 'trunk-uas.xml'), localPort: port, keys: { peer_media_port: media.peer.port }, timeoutSeconds: 60 });
  return {
    peer: media.peer,
    done: sipp.done,
    close: async () => {
      sipp.kill();
      media.close();
      await server.cli(['trunk', 'remove']);
    },
  };
}

/**
 * A carrier (SIPp) delivering one call from `caller` to the DID `did` (added, ringing
 * `extension`), then hanging up after `holdMs`. The trunk is set to 127.0.0.1 so the server
 * trusts it as the carrier.
 */
export async function carrierCalling(server: SwitchboardServer, options: { did: string; extension: string; caller: string; toneHz: number; holdMs: number }): Promise<Carrier> {
  const media = await farEndMedia(options.toneHz);
  await server.cli(['trunk', 'set', '--host', '127.0.0.1', '--port', String(await freePortBlock(1))]);
  await server.cli(['did', 'add', options.did, '--extension', options.extension]);
  const sipp = await runSipp({
    scenario: join(SIPP_SCENARIOS, 'trunk-uac.xml'),
    target: `127.0.0.1:${server.sipPort}`,
    service: options.did,
    keys: { peer_media_port: media.peer.port, caller: options.caller },
    durationMs: options.holdMs,
    timeoutSeconds: 60,
  });
  return {
    peer: media.peer,
    done: sipp.done,
    close: async () => {
      sipp.kill();
      media.close();
      await server.cli(['did', 'remove', options.did]);
      await server.cli(['trunk', 'remove']);
    },
  };
}
