import { DomainError } from '@ebook/subgraph-kit/domain-error';
import type { RentalStatus } from './rental';
import type { HoldStatus } from './hold';

/** Every error code the rental context raises (a public contract: each is in the kit's `ErrorCode`). */
export const RENTAL_ERROR_CODES = [
  'NOT_FOUND',
  'FORBIDDEN',
  'BOOK_NOT_AVAILABLE',
  'ALREADY_RENTED',
  'INVALID_RENTAL_STATE',
  'PAYMENT_DECLINED',
  'PAYMENT_UNAVAILABLE',
  'CANCEL_WINDOW_PASSED',
  'LOAN_LIMIT_REACHED',
  'RENEWAL_NOT_ALLOWED',
  'COPIES_AVAILABLE',
  'ALREADY_ON_HOLD',
  'HOLD_LIMIT_REACHED',
  'INVALID_HOLD_STATE',
] as const;

/** One of {@link RENTAL_ERROR_CODES}. */
export type RentalErrorCode = (typeof RENTAL_ERROR_CODES)[number];

/** Why a renewal is refused (`extensions.reason` of `RENEWAL_NOT_ALLOWED`). */
export type RenewalRefusal = 'LIMIT_REACHED' | 'NOT_RENTED' | 'OVERDUE' | 'HOLDS_WAITING' | 'IN_PROGRESS';

/** A refusal of the rental context; clients get `extensions.code` = `code`. */
export class RentalError extends DomainError<RentalErrorCode> {}

/**
 * The rental context's refusals, with the messages clients see. Each returns the error; the
 * caller throws it.
 */
export const RentalErrors = {
  /** `NOT_FOUND`: the rental id is unknown (or not a uuid). */
  rentalNotFound: () => new RentalError('NOT_FOUND', 'No such rental'),
  /** `NOT_FOUND`: the book is not in rental's replica of the catalog (or the id is not a uuid). */
  bookNotFound: () => new RentalError('NOT_FOUND', 'No such book'),
  /**
   * `NOT_FOUND`: a customer acted on another customer's rental — the very answer to an unknown id,
   * so rental ids cannot be probed (the rule of the kit's `ownedOrManaged`).
   */
  notYourRental: () => RentalErrors.rentalNotFound(),
  /** `INVALID_RENTAL_STATE` (`extensions.status`): the command is not allowed in the rental's status. */
  invalidState: (action: string, status: RentalStatus) => new RentalError('INVALID_RENTAL_STATE', `Cannot ${action} a rental that is ${status}`, { status }),
  /** `INVALID_RENTAL_STATE`: the rental changed between reading and writing it (a concurrent command won). */
  changedMeanwhile: () => new RentalError('INVALID_RENTAL_STATE', 'The rental changed meanwhile; reload it'),
  /** `INVALID_RENTAL_STATE`: a scheduled decision (expiry, due-soon notice) asked before its time. */
  notDueYet: (action: string) => new RentalError('INVALID_RENTAL_STATE', `Cannot ${action} a rental that is not due yet`),
  /** `INVALID_RENTAL_STATE`: the due-soon notice of this loan was already given. */
  alreadyNotified: () => new RentalError('INVALID_RENTAL_STATE', 'The due-soon notice of this rental was already given'),
  /**
   * `CANCEL_WINDOW_PASSED` (`extensions.cancelableUntil`, ISO-8601): the cancel window
   * (`CANCEL_WINDOW` after `rentedAt`) is over; the book can still be returned, without refund.
   */
  cancelWindowPassed: (cancelableUntil: Date) =>
    new RentalError('CANCEL_WINDOW_PASSED', 'The cancellation window of this rental has passed; return the book instead', {
      cancelableUntil: cancelableUntil.toISOString(),
    }),
  /** `LOAN_LIMIT_REACHED` (`extensions.limit`): the customer already holds `MAX_ACTIVE_RENTALS` active loans. */
  loanLimitReached: (limit: number) => new RentalError('LOAN_LIMIT_REACHED', `You already have ${limit} active rentals, the most allowed; return one first`, { limit }),
  /**
   * `RENEWAL_NOT_ALLOWED` (`extensions.reason`, and `limit` / `status` where they apply): the loan
   * cannot be renewed now; `message` says why (limit reached, not RENTED, overdue, someone
   * waiting for the book, a renewal already in progress).
   */
  renewalNotAllowed: (reason: RenewalRefusal, message: string, extensions: Record<string, unknown> = {}) =>
    new RentalError('RENEWAL_NOT_ALLOWED', message, { reason, ...extensions }),
  /** `BOOK_NOT_AVAILABLE`: every licensed copy is held by an active rental or reserved for a READY hold. */
  bookNotAvailable: () => new RentalError('BOOK_NOT_AVAILABLE', 'All licensed copies of this book are rented or reserved; place a hold to be next in line'),
  /** `NOT_FOUND`: the hold id is unknown (or not a uuid), or the hold is another customer's (the same answer). */
  holdNotFound: () => new RentalError('NOT_FOUND', 'No such hold'),
  /** `COPIES_AVAILABLE` (`extensions.availableCopies`): a copy can be rented right now, so no hold is placed. */
  copiesAvailable: (available: number) =>
    new RentalError('COPIES_AVAILABLE', 'A copy of this book is available right now; rent it instead of placing a hold', { availableCopies: available }),
  /** `ALREADY_ON_HOLD`: the customer already has an active hold on this book. */
  alreadyOnHold: () => new RentalError('ALREADY_ON_HOLD', 'You already have a hold on this book'),
  /** `ALREADY_RENTED` on `placeHold`: the customer is renting the book already. */
  alreadyRentingHeldBook: () => new RentalError('ALREADY_RENTED', 'You are renting this book already; no hold is needed'),
  /** `HOLD_LIMIT_REACHED` (`extensions.limit`): the customer already has `MAX_HOLDS` active holds. */
  holdLimitReached: (limit: number) => new RentalError('HOLD_LIMIT_REACHED', `You already have ${limit} holds, the most allowed; cancel one first`, { limit }),
  /** `INVALID_HOLD_STATE` (`extensions.status`): the command is not allowed in the hold's status. */
  invalidHoldState: (action: string, status: HoldStatus) => new RentalError('INVALID_HOLD_STATE', `Cannot ${action} a hold that is ${status}`, { status }),
  /** `INVALID_HOLD_STATE`: the reserved copy of this READY hold is being rented and paid for right now. */
  holdBeingRented: () => new RentalError('INVALID_HOLD_STATE', 'The copy reserved for this hold is being rented right now', { status: 'READY' }),
  /** `INVALID_HOLD_STATE`: the hold changed between reading and writing it (a concurrent command won). */
  holdChangedMeanwhile: () => new RentalError('INVALID_HOLD_STATE', 'The hold changed meanwhile; reload it'),
  /** `ALREADY_RENTED`: the customer already has an active rental of this book. */
  alreadyRented: () => new RentalError('ALREADY_RENTED', 'You already have an active rental of this book'),
  /** `PAYMENT_DECLINED`: the payment processor declined the charge (`reason` from payment). */
  paymentDeclined: (reason: string) => new RentalError('PAYMENT_DECLINED', `Payment was declined: ${reason}`),
  /**
   * `PAYMENT_UNAVAILABLE`: payment could not be reached or is shedding load; `retryAfter`
   * (seconds) is added to `extensions` when known.
   */
  paymentUnavailable: (retryAfter?: number) =>
    new RentalError('PAYMENT_UNAVAILABLE', 'Payments are unavailable right now; please try again later', retryAfter !== undefined ? { retryAfter } : {}),
  /** `PAYMENT_UNAVAILABLE` (`retryAfter` 1 s): the rent saga's bulkhead is full. */
  tooManyPayments: () => new RentalError('PAYMENT_UNAVAILABLE', 'Too many rentals are being paid right now; please try again in a moment', { retryAfter: 1 }),
  /** `PAYMENT_UNAVAILABLE` (`retryAfter` 1 s): approved, but the rental could not be confirmed; the charge is refunded. */
  paymentNotCompleted: () => new RentalError('PAYMENT_UNAVAILABLE', 'Payment could not be completed; any charge is refunded. Please try again', { retryAfter: 1 }),
} as const;
