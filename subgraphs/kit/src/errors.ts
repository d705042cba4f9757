import { GraphQLError } from 'graphql';

/**
 * Stable `extensions.code` values of our GraphQL errors — a public contract: clients branch on
 * them, so never rename one. Rule: "Errors carry a stable extensions.code".
 */
export const ErrorCode = {
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  NOT_FOUND: 'NOT_FOUND',
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  EMAIL_TAKEN: 'EMAIL_TAKEN',
  INVALID_CREDENTIALS: 'INVALID_CREDENTIALS',
  BOOK_NOT_AVAILABLE: 'BOOK_NOT_AVAILABLE',
  ALREADY_RENTED: 'ALREADY_RENTED',
  INVALID_RENTAL_STATE: 'INVALID_RENTAL_STATE',
  PAYMENT_DECLINED: 'PAYMENT_DECLINED',
  PAYMENT_UNAVAILABLE: 'PAYMENT_UNAVAILABLE',
  /** `cancelRental` after the cancel window (`CANCEL_WINDOW` after `rentedAt`): return the book instead; nothing changes. */
  CANCEL_WINDOW_PASSED: 'CANCEL_WINDOW_PASSED',
  /** `rentBook` while the customer holds `MAX_ACTIVE_RENTALS` active loans; nothing written. */
  LOAN_LIMIT_REACHED: 'LOAN_LIMIT_REACHED',
  /**
   * `renewRental` refused by the lending rules (renewal limit `MAX_RENEWALS` reached, loan not
   * RENTED or overdue, someone waiting for the book, a renewal in progress): `extensions.reason`
   * says which; nothing changes and nothing is charged.
   */
  RENEWAL_NOT_ALLOWED: 'RENEWAL_NOT_ALLOWED',
  /** `placeHold` while a copy of the book is available: rent it instead; nothing written. */
  COPIES_AVAILABLE: 'COPIES_AVAILABLE',
  /** `placeHold` while the customer already has an active hold (WAITING, SUSPENDED, READY) on the book. */
  ALREADY_ON_HOLD: 'ALREADY_ON_HOLD',
  /** `placeHold` while the customer holds `MAX_HOLDS` active holds (`extensions.limit`). */
  HOLD_LIMIT_REACHED: 'HOLD_LIMIT_REACHED',
  /** A hold command not allowed in the hold's status (`extensions.status`), e.g. suspending a READY hold. */
  INVALID_HOLD_STATE: 'INVALID_HOLD_STATE',
  /** Too many requests (gateway per-IP / per-user limits): HTTP 429, `extensions.retryAfter` (s) + `Retry-After`. */
  RATE_LIMITED: 'RATE_LIMITED',
  /**
   * The gateway runs only the operations of its persisted-query manifest
   * (`GATEWAY_PERSISTED_QUERIES=safelist`): anything else — other query text, an
   * unknown `extensions.persistedQuery.sha256Hash` — is refused with HTTP 400, nothing executed.
   */
  PERSISTED_QUERY_NOT_IN_SAFELIST: 'PERSISTED_QUERY_NOT_IN_SAFELIST',
  INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
} as const;

/** One of {@link ErrorCode}. */
export type ErrorCodeName = keyof typeof ErrorCode;

/**
 * A GraphQL error a client can act on: `extensions.code` is one of {@link ErrorCode};
 * `extra` adds extensions (e.g. `retryAfter` in seconds). The message is safe to show.
 */
export function appError(code: ErrorCodeName, message: string, extra: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { code, ...extra } });
}

/**
 * The request-level refusal of a bad token: `UNAUTHENTICATED` with HTTP status 401 (thrown
 * while building the context, before any field runs). Field-level checks use {@link appError}.
 */
export function invalidTokenError(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: ErrorCode.UNAUTHENTICATED, http: { status: 401 } } });
}

export { DomainError } from './domain-error';
