import { LoginThrottle } from '../src/http/login-throttle.js';

test('the window slides: five failures lock for five minutes from the oldest, then attempts are allowed again', () => {
  let now = 1_000_000;
  const throttle = new LoginThrottle({ now: () => now });
  for (let i = 0; i < 4; i++) {
    expect(throttle.recordFailure('192.0.2.1', 'pat@example.test')).toBe(false);
    now += 10_000;
  }
  expect(throttle.retryAfter('192.0.2.1', 'pat@example.test')).toBe(0);
  expect(throttle.recordFailure('192.0.2.1', 'pat@example.test')).toBe(true);
  // The oldest failure was 40 s ago: 260 s remain.
  expect(throttle.retryAfter('192.0.2.1', 'PAT@example.test')).toBe(260);
  expect(throttle.retryAfter('192.0.2.2', 'someone@example.test')).toBe(0);
  now += 260_000;
  expect(throttle.retryAfter('192.0.2.1', 'pat@example.test')).toBe(0);
});

test('a success clears the account, not the address; memory stays bounded', () => {
  const throttle = new LoginThrottle({ maxKeys: 100 });
  for (let i = 0; i < 5; i++) throttle.recordFailure('192.0.2.1', 'pat@example.test');
  throttle.recordSuccess('pat@example.test');
  expect(throttle.retryAfter('192.0.2.9', 'pat@example.test')).toBe(0);
  expect(throttle.retryAfter('192.0.2.1', 'kim@example.test')).toBeGreaterThan(0);

  // Flooding with distinct keys evicts the oldest instead of growing without bound.
  for (let i = 0; i < 1000; i++) throttle.recordFailure(`10.0.${i >> 8}.${i & 255}`, `user${i}@example.test`);
  expect(throttle.retryAfter('192.0.2.1', 'kim@example.test')).toBe(0);
});
