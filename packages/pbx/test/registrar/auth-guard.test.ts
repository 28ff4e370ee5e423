import { AuthGuard } from '../../src/registrar/auth-guard.js';

describe('AuthGuard', () => {
  it('slows an address after repeated failures, then blocks it for a while, and logs both', () => {
    let now = 0;
    const logs: Array<{ message: string; fields?: Record<string, unknown> }> = [];
    const guard = new AuthGuard({ slowAfter: 3, blockAfter: 6, windowMs: 60_000, blockMs: 300_000, delayStepMs: 100, now: () => now, logger: (_l, message, fields) => logs.push({ message, ...(fields ? { fields } : {}) }) });
    for (let i = 0; i < 3; i++) guard.fail('198.51.100.7');
    expect(guard.check('198.51.100.7')).toEqual({ action: 'allow', delayMs: 0 });
    guard.fail('198.51.100.7');
    expect(guard.check('198.51.100.7')).toEqual({ action: 'allow', delayMs: 100 });
    guard.fail('198.51.100.7');
    guard.fail('198.51.100.7');
    expect(guard.check('198.51.100.7')).toEqual({ action: 'block', untilMs: 300_000 });
    expect(guard.check('198.51.100.8')).toEqual({ action: 'allow', delayMs: 0 });
    expect(logs.filter((l) => l.fields?.event === 'auth_block')).toHaveLength(1);
    expect(logs.at(-1)?.fields?.address).toBe('198.51.100.7');
    now = 300_001;
    expect(guard.check('198.51.100.7').action).toBe('allow');
  });

  it('forgets failures outside the window and after a success', () => {
    let now = 0;
    const guard = new AuthGuard({ slowAfter: 1, now: () => now, logger: () => undefined });
    guard.fail('a');
    guard.fail('a');
    expect(guard.check('a').action === 'allow' && guard.check('a')).toMatchObject({ delayMs: 250 });
    now = 61_000;
    expect(guard.check('a')).toEqual({ action: 'allow', delayMs: 0 });
    guard.fail('a');
    guard.fail('a');
    guard.succeed('a');
    expect(guard.check('a')).toEqual({ action: 'allow', delayMs: 0 });
  });
});
