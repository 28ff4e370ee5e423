import type { ApiError, ErrorCode } from '@switchboard/api';
import { StoreError } from '@switchboard/pbx';
import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import type { Logger } from '../logging.js';

/** The HTTP status of each API error code: the one registry every route answers from. */
export const statusOf: Readonly<Record<ErrorCode, number>> = {
  invalid_credentials: 401,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  validation_failed: 400,
  conflict: 409,
  rate_limited: 429,
  unavailable: 503,
  internal: 500,
};

/** A failure the API reports to the client: code, status and a sentence a user can read. */
export class ApiProblem extends Error {
  override readonly name = 'ApiProblem';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly status: number = statusOf[code],
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
  }
}

/** The named failures of the API, so the same situation always reads the same. */
export const problems = {
  invalidCredentials: () => new ApiProblem('invalid_credentials', 'The email or password is incorrect.'),
  rateLimited: (retryAfterSeconds: number) =>
    new ApiProblem(
      'rate_limited',
      `Too many failed sign-in attempts. Try again in ${Math.ceil(retryAfterSeconds / 60)} minute(s).`,
      429,
      { 'retry-after': String(retryAfterSeconds) },
    ),
  unauthorized: () => new ApiProblem('unauthorized', 'You are not signed in, or your session has ended. Sign in again.'),
  forbidden: (message = 'You are not allowed to do that.') => new ApiProblem('forbidden', message),
  notFound: (what = 'That page or resource') => new ApiProblem('not_found', `${what} does not exist.`),
  jsonRequired: () =>
    new ApiProblem('validation_failed', 'Send this request as JSON (Content-Type: application/json).', 415),
  invalid: (message: string) => new ApiProblem('validation_failed', message),
  unavailable: (message: string) => new ApiProblem('unavailable', message),
  internal: () => new ApiProblem('internal', 'Something went wrong on the server. Try again; if it persists, tell your administrator.'),
};

export function sendProblem(reply: FastifyReply, problem: ApiProblem): FastifyReply {
  const body: ApiError = { error: { code: problem.code, message: problem.message } };
  return reply.code(problem.status).headers(problem.headers).type('application/json; charset=utf-8').send(body);
}

/** Maps the store's typed errors (a bad cursor, a taken number) onto API problems. */
function storeProblem(error: StoreError): ApiProblem {
  const code = error.code === 'invalid' ? 'validation_failed' : error.code;
  return new ApiProblem(code, `${error.message.charAt(0).toUpperCase()}${error.message.slice(1)}.`);
}

function isFastifyError(error: unknown): error is FastifyError {
  return error instanceof Error && 'code' in error;
}

/** Every error leaves as an ApiError body; unexpected ones are logged and reported as internal. */
export function installErrorHandler(app: FastifyInstance, logger: Logger): void {
  app.setErrorHandler((error: unknown, request, reply) => {
    if (error instanceof ApiProblem) return sendProblem(reply, error);
    if (error instanceof StoreError) return sendProblem(reply, storeProblem(error));
    if (isFastifyError(error)) {
      if (error.validation) {
        return sendProblem(reply, problems.invalid(`The request is not valid: ${error.message}.`));
      }
      const status = error.statusCode ?? 500;
      if (status >= 400 && status < 500) {
        return sendProblem(reply, new ApiProblem('validation_failed', error.message, status));
      }
    }
    logger.error({ err: error, method: request.method, url: request.url }, 'request failed');
    return sendProblem(reply, problems.internal());
  });
}
