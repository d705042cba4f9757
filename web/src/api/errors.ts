import { ApolloError } from '@apollo/client';

/**
 * What the app needs from a failed operation: the stable `extensions.code` and its details —
 * `retryAfter` (seconds: 429 RATE_LIMITED from the gateway, PAYMENT_UNAVAILABLE), `limit`,
 * `cancelableUntil` (ISO-8601), `reason`. Read from a GraphQL error, or from the body of an
 * HTTP error (the gateway's 4xx answers carry `errors[0].extensions` too).
 */
export interface ApiError {
  code: string;
  retryAfter?: number;
  limit?: number;
  cancelableUntil?: string;
  reason?: string;
}

/** The {@link ApiError} of `err`; code `NETWORK` when the gateway could not be reached, `UNKNOWN` for anything else. */
export function apiErrorOf(err: unknown): ApiError {
  if (!(err instanceof ApolloError)) return { code: 'UNKNOWN' };
  const net = err.networkError as { result?: { errors?: { extensions?: Record<string, unknown> }[] } } | null;
  const ext = err.graphQLErrors[0]?.extensions ?? net?.result?.errors?.[0]?.extensions;
  if (!ext) return { code: err.networkError ? 'NETWORK' : 'UNKNOWN' };
  const num = (v: unknown) => (typeof v === 'number' ? v : undefined);
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  return { code: str(ext.code) ?? 'UNKNOWN', retryAfter: num(ext.retryAfter), limit: num(ext.limit), cancelableUntil: str(ext.cancelableUntil), reason: str(ext.reason) };
}
