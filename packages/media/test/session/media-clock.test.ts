import { MediaClock, type ClockTask } from '../../src/session/media-clock.js';

function busy(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // a tick that costs more than a period, as on a preempted core
  }
}

describe('MediaClock', () => {
  it('ticks every period and stops when its last task leaves', async () => {
    const clock = new MediaClock(10);
    let ticks = 0;
    const task: ClockTask = { tick: () => void ticks++, failed: () => undefined };
    clock.add(task);
    await new Promise((r) => setTimeout(r, 200));
    clock.delete(task);
    expect(ticks).toBeGreaterThan(3);
    const after = ticks;
    await new Promise((r) => setTimeout(r, 100));
    expect(ticks).toBe(after);
  });

  it('returns to the event loop when every tick takes longer than a period', async () => {
    const clock = new MediaClock(20);
    let ticks = 0;
    clock.add({ tick: () => (ticks++, busy(30)), failed: () => undefined });
    try {
      // An unbounded catch-up loop never yields: these timers would never fire.
      for (let turn = 0; turn < 5; turn++) await new Promise((r) => setTimeout(r, 0));
      const before = ticks;
      await new Promise((r) => setImmediate(r));
      await new Promise((r) => setTimeout(r, 100));
      expect(ticks).toBeGreaterThan(before);
    } finally {
      clock.stop();
    }
  });

  it('a task that throws is removed and reported; the others keep ticking', async () => {
    const clock = new MediaClock(10);
    const failures: unknown[] = [];
    let good = 0;
    clock.add({ tick: () => { throw new Error('bad task'); }, failed: (e) => failures.push(e) });
    clock.add({ tick: () => void good++, failed: () => undefined });
    try {
      await new Promise((r) => setTimeout(r, 100));
      expect(failures).toHaveLength(1);
      expect(clock.size).toBe(1);
      expect(good).toBeGreaterThan(2);
    } finally {
      clock.stop();
    }
  });
});
