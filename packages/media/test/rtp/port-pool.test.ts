import { freePortBlock } from '@switchboard/testkit';
import { bindUdp, PortsExhaustedError, RtpPortPool } from '../../src/rtp/port-pool.js';

describe('RTP port pool', () => {
  it('hands out even/odd pairs from its range, skips a port someone else holds, and takes pairs back', async () => {
    const base = await freePortBlock(8);
    const even = base + (base % 2);
    const pool = new RtpPortPool({ min: even, max: even + 5 });
    // Another program holds one port of the range.
    const squatter = await bindUdp(even + 2, '127.0.0.1');
    try {
      const pairs = [await pool.bindPair('127.0.0.1'), await pool.bindPair('127.0.0.1')];
      const ports = pairs.map((p) => p.port).sort();
      expect(ports).toEqual([even, even + 4]);
      for (const p of pairs) expect(p.rtcp.address().port).toBe(p.port + 1);
      await expect(pool.bindPair('127.0.0.1')).rejects.toThrow(PortsExhaustedError);
      expect(pool.inUse).toBe(2);
      pairs[0]!.release();
      pairs[0]!.release();
      expect(pool.inUse).toBe(1);
      const again = await pool.bindPair('127.0.0.1');
      expect(again.port).toBe(pairs[0]!.port);
      again.release();
      pairs[1]!.release();
      expect(pool.inUse).toBe(0);
    } finally {
      squatter.close();
    }
  });

  it('lets the system pick when it has no range (tests)', async () => {
    const pool = new RtpPortPool(null);
    const pair = await pool.bindPair('127.0.0.1');
    expect(pair.port % 2).toBe(0);
    expect(pair.rtcp.address().port).toBe(pair.port + 1);
    pair.release();
    expect(pool.inUse).toBe(0);
  });
});
