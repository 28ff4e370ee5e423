import { FakeClock } from '../../src/index.js';
import { Deadlines } from '../../src/transaction/deadlines.js';

describe('Deadlines (the transactions timers, one queue per length)', () => {
  it('fires each deadline at its own time, in order, with one clock timer per length', () => {
    const clock = new FakeClock();
    const deadlines = new Deadlines(clock);
    const fired: string[] = [];
    deadlines.set(500, () => fired.push('a@500'));
    clock.advance(100);
    deadlines.set(500, () => fired.push('b@600'));
    deadlines.set(32_000, () => fired.push('j@32100'));
    deadlines.set(500, () => fired.push('c@600'));
    expect(clock.pendingTimers).toBe(2);
    expect(deadlines.pending).toBe(4);
    clock.advance(399);
    expect(fired).toEqual([]);
    clock.advance(1);
    expect(fired).toEqual(['a@500']);
    clock.advance(99);
    expect(fired).toEqual(['a@500']);
    clock.advance(1);
    expect(fired).toEqual(['a@500', 'b@600', 'c@600']);
    clock.advance(31_499);
    expect(fired).toHaveLength(3);
    clock.advance(1);
    expect(fired).toEqual(['a@500', 'b@600', 'c@600', 'j@32100']);
    expect(deadlines.pending).toBe(0);
    expect(clock.pendingTimers).toBe(0);
  });

  it('never fires a cancelled deadline; one set from a firing one runs at its own time', () => {
    const clock = new FakeClock();
    const deadlines = new Deadlines(clock);
    const fired: number[] = [];
    const first = deadlines.set(1000, () => fired.push(1));
    deadlines.set(1000, () => {
      fired.push(2);
      deadlines.set(1000, () => fired.push(3));
    });
    deadlines.cancel(first);
    clock.advance(1000);
    expect(fired).toEqual([2]);
    clock.advance(999);
    expect(fired).toEqual([2]);
    clock.advance(1);
    expect(fired).toEqual([2, 3]);
  });

  it('fires every deadline of a long run, holding only those not yet due', () => {
    const clock = new FakeClock();
    const deadlines = new Deadlines(clock);
    let fired = 0;
    for (let i = 0; i < 5000; i++) {
      deadlines.set(32_000, () => fired++);
      clock.advance(10);
    }
    expect(deadlines.pending).toBeLessThanOrEqual(3200);
    clock.advance(32_000);
    expect(fired).toBe(5000);
    expect(deadlines.pending).toBe(0);
  });

  it('forgets everything when cleared', () => {
    const clock = new FakeClock();
    const deadlines = new Deadlines(clock);
    let fired = false;
    deadlines.set(100, () => (fired = true));
    deadlines.clear();
    clock.advance(1000);
    expect(fired).toBe(false);
    expect(clock.pendingTimers).toBe(0);
  });
});
