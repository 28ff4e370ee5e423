/**
 * PROTOS c07-sip over real UDP against a running SipStack with a minimal UAS: the stack stays
 * up, answers or drops every case, keeps its memory bounded, and answers a valid OPTIONS after
 * every batch. Time runs on a fake clock so each batch's transactions can be expired at once.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { join } from 'node:path';
import { FakeClock, SipStack, UdpTransport } from '../../src/index.js';
import { replayProtos } from '@switchboard/testkit';
import { MISSING_TESTDATA, TESTDATA_DIR, hasTestdata } from '../helpers/testdata.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function heapMb(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed / 2 ** 20;
}

describe.skipIf(!hasTestdata)(`PROTOS c07-sip replay${hasTestdata ? '' : ` (${MISSING_TESTDATA})`}`, () => {
  it('survives all 4,527 cases, answers every probe, and returns to its starting memory', { timeout: 120_000 }, async () => {
    const clock = new FakeClock();
    const transport = await UdpTransport.listen({ address: '127.0.0.1', receiveBufferSize: 8 << 20 });
    const errors: string[] = [];
    const stack = new SipStack({
      transports: [transport],
      clock,
      logger: (level, message, context) => {
        if (level === 'error') errors.push(`${message} ${JSON.stringify(context)}`.slice(0, 400));
      },
    });
    stack.onRequest((req, tx) => {
      if (req.method === 'OPTIONS') tx.respond(200);
      else if (req.method === 'INVITE') tx.respond(486);
      else if (req.method === 'BYE') tx.respond(481);
      else tx.respond(405);
    });

    const before = heapMb();
    let peak = before;
    const result = await replayProtos({
      host: '127.0.0.1',
      port: transport.local.port,
      casesDir: join(TESTDATA_DIR, 'protos-c07'),
      batchSize: 100,
      onBatch: (done, total) => {
        // Let every transaction of the batch run out (Timer H/J are 64*T1 = 32 s).
        clock.advance(40_000);
        if (done % 1000 < 100 || done === total) peak = Math.max(peak, heapMb());
      },
    });
    clock.advance(40_000);
    const after = heapMb();
    console.log(
      `PROTOS c07: ${result.cases} cases, ${result.datagramsSent} datagrams (${result.truncated} cut to 64 KiB), ` +
        `${result.answeredCases} cases answered, responses ${JSON.stringify(result.responses)}, ` +
        `probes ${result.probesAnswered}/${result.probesSent}, heap ${before.toFixed(1)} -> peak ${peak.toFixed(1)} -> ${after.toFixed(1)} MB, ${result.durationMs} ms`,
    );

    expect(result.cases).toBe(4527);
    expect(result.probesAnswered).toBe(result.probesSent);
    expect(new Set(result.probeStatuses)).toEqual(new Set([200]));
    expect(errors.slice(0, 5)).toEqual([]);
    expect(stack.transactionCounts).toEqual({ clients: 0, servers: 0 });
    // Nothing accumulates: memory comes back to where it started (allowing for GC noise).
    expect(after - before).toBeLessThan(20);
    // Every answer the suite provoked is a real SIP status; the valid reference case got its 486.
    expect(Object.keys(result.responses).every((s) => Number(s) >= 100 && Number(s) < 700)).toBe(true);
    expect(result.responses[486]).toBeGreaterThan(0);
    expect(result.responses[400]).toBeGreaterThan(1000);
    await stack.close();
  });
});
