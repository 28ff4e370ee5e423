/**
 * PROTOS c07-sip against the whole running server (registrar, call engine and all): it stays up,
 * answers or drops every case, keeps its memory bounded, and answers a valid OPTIONS after every
 * batch — the Foundation issue's robustness requirement, with real UDP and the real clock.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { replayProtos } from '@switchboard/testkit';
import { startTestServer } from './support/server.js';

const casesDir = resolve(import.meta.dirname, '../../../../shared/testdata/sip/protos-c07');
const available = existsSync(casesDir);

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
function heapMb(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed / 2 ** 20;
}

describe.skipIf(!available)(`PROTOS c07 against the running server${available ? '' : ` (skipped: ${casesDir} not found — a clone outside the Switchboard workplace)`}`, () => {
  it('survives all 4,527 cases and answers the OPTIONS probe after every batch', { timeout: 240_000 }, async () => {
    const { server, stop } = await startTestServer({ SWITCHBOARD_DEMO: '1' });
    try {
      const before = heapMb();
      let peak = before;
      const result = await replayProtos({
        host: '127.0.0.1',
        port: server.sip.udpPort,
        casesDir,
        batchSize: 100,
        onBatch: (done) => {
          if (done % 1000 < 100) peak = Math.max(peak, heapMb());
        },
      });
      console.log(
        `PROTOS c07 vs server: ${result.cases} cases, ${result.answeredCases} answered, responses ${JSON.stringify(result.responses)}, ` +
          `probes ${result.probesAnswered}/${result.probesSent}, heap ${before.toFixed(1)} -> peak ${peak.toFixed(1)} MB, ${result.durationMs} ms`,
      );
      expect(result.cases).toBe(4527);
      expect(result.probesAnswered).toBe(result.probesSent);
      expect(result.probeStatuses.every((s) => s === 200)).toBe(true);
      // Bounded: transactions of every case live for at most 64*T1; the heap must not run away.
      expect(peak - before).toBeLessThan(150);
      // Still a working phone system afterwards: the health check and a fresh OPTIONS.
      const health = await fetch(`http://127.0.0.1:${server.http.port}/api/health`);
      expect(health.status).toBe(200);
    } finally {
      await stop();
    }
  });
});
