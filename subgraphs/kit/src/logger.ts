import { pino, type Logger } from 'pino';
import { traceIdsForLog } from './tracing';

/**
 * Creates the structured JSON logger (pino) of a service. `LOG_LEVEL` sets the level
 * (default `info`; `silent` in tests unless set). Secrets never reach the log: the
 * Authorization header, cookies, passwords and tokens are redacted wherever they appear.
 * Inside a traced request or event handling every line carries the active span's `trace_id`
 * and `span_id` (next to the `correlationId` of the request's child logger).
 */
export function createLogger(service: string, level = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({
    name: service,
    level,
    base: { service },
    mixin: traceIdsForLog,
    redact: {
      paths: ['req.headers.authorization', 'req.headers.cookie', 'headers.authorization', '*.password', 'password', '*.accessToken', 'accessToken', '*.token', 'token'],
      censor: '[redacted]',
    },
  });
}

export type { Logger };
