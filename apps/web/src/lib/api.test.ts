import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiFailure, api, onSessionEnded } from './api.js';

const realFetch = globalThis.fetch;
afterEach(() => {
  globalThis.fetch = realFetch;
});

function answer(status: number, body: unknown) {
  const fetch = vi.fn(() => Promise.resolve(body === undefined ? new Response(null, { status }) : Response.json(body, { status })));
  globalThis.fetch = fetch;
  return fetch;
}

async function failure(promise: Promise<unknown>): Promise<ApiFailure> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ApiFailure) return error;
    throw error;
  }
  throw new Error('expected the request to fail');
}

describe('api client', () => {
  it('posts JSON, even with no body (the server refuses other content types)', async () => {
    const fetch = answer(204, undefined);
    await api.logout();
    expect(fetch).toHaveBeenCalledWith('/api/auth/logout', expect.objectContaining({ method: 'POST', body: '{}', headers: expect.objectContaining({ 'content-type': 'application/json' }) as unknown }));
  });

  it('turns API errors into typed failures with a sentence for the user', async () => {
    answer(401, { error: { code: 'invalid_credentials', message: 'Invalid email or password.' } });
    const wrong = await failure(api.login({ email: 'a@b.test', password: 'x' }));
    expect(wrong).toMatchObject({ code: 'invalid_credentials', status: 401, message: 'Wrong email or password. Check them and try again.' });

    answer(429, { error: { code: 'rate_limited', message: 'Too many failed sign-in attempts. Try again in 5 minute(s).' } });
    expect((await failure(api.login({ email: 'a@b.test', password: 'x' }))).message).toBe('Too many failed sign-in attempts. Try again in 5 minute(s).');
    globalThis.fetch = (() => Promise.resolve(new Response('slow down', { status: 429 })));
    expect((await failure(api.login({ email: 'a@b.test', password: 'x' }))).message).toBe('Too many sign-in attempts. Wait a minute, then try again.');

    answer(404, { error: { code: 'not_found', message: 'Nothing at GET /api/x.' } });
    expect((await failure(api.me())).message).toBe('Nothing at GET /api/x.');
  });

  it('says the server cannot be reached when the request never arrives', async () => {
    globalThis.fetch = vi.fn(() => Promise.reject(new TypeError('Failed to fetch')));
    const down = await failure(api.me());
    expect(down).toMatchObject({ code: 'network', message: 'Cannot reach the Switchboard server. Check your network connection and try again.' });
  });

  it('maps a bare 502 from a proxy to "not available"', async () => {
    globalThis.fetch = vi.fn(() => Promise.resolve(new Response('Bad Gateway', { status: 502 })));
    expect((await failure(api.directory())).code).toBe('unavailable');
  });

  it('tells the app when the session is gone, but not for a wrong password', async () => {
    let ended = 0;
    const stop = onSessionEnded(() => (ended += 1));
    answer(401, { error: { code: 'invalid_credentials', message: 'Invalid email or password.' } });
    await failure(api.login({ email: 'a@b.test', password: 'x' }));
    expect(ended).toBe(0);
    answer(401, { error: { code: 'unauthorized', message: 'Sign in first.' } });
    await failure(api.directory());
    expect(ended).toBe(1);
    stop();
  });
});
