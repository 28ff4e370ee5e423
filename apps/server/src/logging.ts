import { pino } from 'pino';
import type { Logger } from 'pino';
import type { LogLevel } from './config/index.js';

export type { Logger };

/**
 * Structured logs: one JSON object per line on stdout, with an ISO time. Security-relevant lines
 * carry `security: true` and an `event` name so they can be filtered.
 */
export function createLogger(level: LogLevel, destination?: NodeJS.WritableStream): Logger {
  const options = {
    level,
    base: { service: 'switchboard' },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: ['req.headers.cookie', 'res.headers["set-cookie"]', 'password', '*.password'], censor: '[redacted]' },
  };
  return destination ? pino(options, destination) : pino(options);
}
