import type { ErrorRequestHandler, Response } from 'express';
import type { Logger } from '@ebook/subgraph-kit';

/**
 * `extensions.code` of the refusals the gateway answers before GraphQL runs (body parsing).
 * `BAD_REQUEST` is Apollo Server's own code for a malformed HTTP request; `PAYLOAD_TOO_LARGE`
 * is ours, for a body over `GATEWAY_BODY_LIMIT`.
 */
export const HttpErrorCode = { BAD_REQUEST: 'BAD_REQUEST', PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE', INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR' } as const;

/**
 * Answers a request the gateway refuses before Apollo runs: HTTP `status` with one GraphQL-shaped
 * error `{ errors: [{ message, extensions }] }` (`extensions.code` plus any extras, e.g.
 * `retryAfter`). `message` must be safe to show a client.
 */
export function sendJsonError(res: Response, status: number, message: string, extensions: { code: string } & Record<string, unknown>): void {
  res.status(status).json({ errors: [{ message, extensions }] });
}

/** Safe messages of body-parser's error types (`err.type`); anything else 4xx is "Bad request". */
const BODY_ERRORS: Record<string, string> = {
  'entity.too.large': 'Request body too large',
  'entity.parse.failed': 'Malformed JSON in request body',
  'encoding.unsupported': 'Unsupported content encoding',
  'charset.unsupported': 'Unsupported charset',
  'request.aborted': 'Request aborted',
  'request.size.invalid': 'Request size did not match content length',
};

/**
 * Last Express error handler of the gateway: every error that escapes a route (body-parser's
 * 413 / 400 / 415, anything unexpected) becomes a GraphQL-shaped JSON error
 * `{ errors: [{ message, extensions: { code } }] }` — never Express' HTML page with a stack
 * trace. 4xx keeps its status with a fixed, safe message (`PAYLOAD_TOO_LARGE` for 413,
 * `BAD_REQUEST` otherwise); anything else is logged and answered 500 `INTERNAL_SERVER_ERROR`.
 */
export function jsonErrorHandler(logger: Logger): ErrorRequestHandler {
  return (err: unknown, _req, res, next) => {
    if (res.headersSent) return next(err);
    const e = (err ?? {}) as { status?: unknown; statusCode?: unknown; type?: unknown };
    const raw = typeof e.status === 'number' ? e.status : typeof e.statusCode === 'number' ? e.statusCode : 500;
    const status = raw >= 400 && raw < 500 ? raw : 500;
    if (status === 500) {
      logger.error({ err }, 'unexpected HTTP error');
      sendJsonError(res, 500, 'Internal server error', { code: HttpErrorCode.INTERNAL_SERVER_ERROR });
      return;
    }
    const message = (typeof e.type === 'string' && BODY_ERRORS[e.type]) || 'Bad request';
    const code = status === 413 ? HttpErrorCode.PAYLOAD_TOO_LARGE : HttpErrorCode.BAD_REQUEST;
    sendJsonError(res, status, message, { code });
  };
}
