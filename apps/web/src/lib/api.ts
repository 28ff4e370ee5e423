import type {
  ApiError,
  BlfKey,
  BlfKeysResponse,
  ConferenceResponse,
  DirectoryResponse,
  DndState,
  ErrorCode,
  LoginRequest,
  Me,
  PresenceResponse,
  RecentCallsResponse,
  VoicemailListResponse,
  VoicemailMessage,
  VoicemailSettings,
} from '@switchboard/api';

/** Why a request failed: a code from the API, or `network` when the server could not be reached. */
export type FailureCode = ErrorCode | 'network';

/** A failed API request. `message` is always a sentence the portal can show as it is. */
export class ApiFailure extends Error {
  constructor(
    readonly code: FailureCode,
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'ApiFailure';
  }
}

/** What the portal says for each failure; the server's own sentence is used when we have none. */
const messages: Partial<Record<FailureCode, string>> = {
  network: 'Cannot reach the Switchboard server. Check your network connection and try again.',
  invalid_credentials: 'Wrong email or password. Check them and try again.',
  rate_limited: 'Too many sign-in attempts. Wait a minute, then try again.',
  unauthorized: 'Your session has ended. Please sign in again.',
  unavailable: 'The Switchboard server is not available right now. Try again in a moment.',
  internal: 'Something went wrong on the Switchboard server. Try again in a moment.',
};

function isApiError(body: unknown): body is ApiError {
  if (typeof body !== 'object' || body === null || !('error' in body)) return false;
  const error: unknown = body.error;
  return typeof error === 'object' && error !== null && 'code' in error && 'message' in error;
}

const sessionEndedListeners = new Set<() => void>();

/**
 * Tells the app when a request finds the session gone (401 outside sign-in), so that it can show
 * the sign-in page instead of a list that failed to load.
 */
export function onSessionEnded(listener: () => void): () => void {
  sessionEndedListeners.add(listener);
  return () => sessionEndedListeners.delete(listener);
}

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** A request body that is not JSON (an uploaded recording), with its content type. */
export interface RawBody {
  raw: Blob;
  type: string;
}

function isRaw(body: unknown): body is RawBody {
  return typeof body === 'object' && body !== null && 'raw' in body && body.raw instanceof Blob;
}

async function request<T>(method: Method, path: string, body?: unknown): Promise<T> {
  let response: Response;
  const bodyless = method === 'GET' || method === 'DELETE';
  const raw = isRaw(body) ? body : null;
  try {
    // Every other body is JSON, even with nothing to say: the server refuses other content
    // types (a guard against cross-site form posts) except on the upload routes.
    response = await fetch(path, {
      method,
      credentials: 'same-origin',
      headers: bodyless ? { accept: 'application/json' } : { accept: 'application/json', 'content-type': raw ? raw.type : 'application/json' },
      body: bodyless ? null : raw ? raw.raw : JSON.stringify(body ?? {}),
    });
  } catch {
    throw new ApiFailure('network', 0, messages.network!);
  }
  if (response.status === 204) return undefined as T;
  let parsed: unknown = null;
  try {
    parsed = await response.json();
  } catch {
    parsed = null;
  }
  if (response.ok) return parsed as T;
  if (response.status === 401 && path !== '/api/auth/login') {
    for (const listener of [...sessionEndedListeners]) listener();
  }
  if (isApiError(parsed)) {
    const { code, message } = parsed.error;
    // For a rate limit the server's sentence is better: it knows how long to wait.
    const text = code === 'rate_limited' && message ? message : (messages[code] ?? message);
    throw new ApiFailure(code, response.status, text);
  }
  // No API error body: a proxy or a server that is starting or stopping answered.
  const code: FailureCode = response.status === 401 ? 'unauthorized' : response.status === 429 ? 'rate_limited' : response.status >= 500 ? 'unavailable' : 'internal';
  throw new ApiFailure(code, response.status, messages[code]!);
}

/** The portal API (routes are listed in @switchboard/api). */
export const api = {
  login: (credentials: LoginRequest) => request<Me>('POST', '/api/auth/login', credentials),
  logout: () => request<undefined>('POST', '/api/auth/logout'),
  me: () => request<Me>('GET', '/api/me'),
  directory: () => request<DirectoryResponse>('GET', '/api/directory'),
  recentCalls: () => request<RecentCallsResponse>('GET', '/api/calls/recent'),
  presence: () => request<PresenceResponse>('GET', '/api/presence'),
  blfKeys: () => request<BlfKeysResponse>('GET', '/api/me/blf-keys'),
  saveBlfKeys: (keys: BlfKey[]) => request<BlfKeysResponse>('PUT', '/api/me/blf-keys', { keys } satisfies BlfKeysResponse),
  dnd: () => request<DndState>('GET', '/api/me/dnd'),
  setDnd: (enabled: boolean) => request<DndState>('PUT', '/api/me/dnd', { enabled } satisfies DndState),
  voicemail: () => request<VoicemailListResponse>('GET', '/api/voicemail'),
  markVoicemail: (id: string, heard: boolean) => request<VoicemailMessage>('PATCH', `/api/voicemail/${encodeURIComponent(id)}`, { heard }),
  deleteVoicemail: (id: string) => request<undefined>('DELETE', `/api/voicemail/${encodeURIComponent(id)}`),
  uploadGreeting: (wav: Blob) => request<undefined>('PUT', '/api/voicemail/greeting', { raw: wav, type: 'audio/wav' } satisfies RawBody),
  resetGreeting: () => request<undefined>('DELETE', '/api/voicemail/greeting'),
  voicemailSettings: () => request<VoicemailSettings>('GET', '/api/voicemail/settings'),
  setVoicemailWhenBusy: (whenBusy: boolean) => request<VoicemailSettings>('PATCH', '/api/voicemail/settings', { whenBusy }),
  conference: () => request<ConferenceResponse>('GET', '/api/conference'),
};

/** Where a voicemail message's audio is played from, or downloaded with `download`. */
export function voicemailAudioUrl(id: string, download = false): string {
  return `/api/voicemail/${encodeURIComponent(id)}/audio${download ? '?download=1' : ''}`;
}

export type Api = typeof api;
