/**
 * Which status changes a customer is told about, and with which facts (pure: no I/O).
 *
 * One event → at most one message. HoldCanceled and HoldFulfilled get none: the customer canceled
 * the hold themself, and a fulfilled hold is a rent, told by its own BookRented message.
 * HoldSuspended / HoldResumed (the customer's own acts) and RentalRenewalFailed (the customer saw
 * the refusal at once; its refund comes as PaymentRefunded) get none either.
 */
import type { EventOf, EventType } from '@ebook/events';

/** What a message says (the GraphQL enum `NotificationKind`). */
export type NotificationKind =
  'RENTED' | 'RENEWED' | 'CANCELED' | 'REFUNDED' | 'RETURNED' | 'DUE_SOON' | 'EXPIRED' | 'PAYMENT_FAILED' | 'HOLD_PLACED' | 'HOLD_READY' | 'HOLD_EXPIRED';

/**
 * The event's facts a message needs. Dates are ISO-8601 strings, amounts integer KRW; `bookId`
 * is absent only for a refund (its book is found through `rentalId`).
 */
export interface Facts {
  bookId?: string;
  rentalId?: string;
  holdId?: string;
  /** Due date of a loan (rented, renewed, due soon, expired). */
  dueAt?: string;
  /** Amount charged or refunded, KRW. */
  amount?: number;
  /** Last moment a ready hold's copy may be rented. */
  readyUntil?: string;
  /** A placed hold's 1-based place in its book's queue. */
  position?: number;
  /** The rental service rents a ready hold by itself. */
  autoRent?: boolean;
  /** Why a payment failed: `PAYMENT_DECLINED` | `PAYMENT_UNAVAILABLE`. */
  reason?: string;
  /** A refund of a renewal's charge (not of the rent's). */
  renewal?: boolean;
}

/** A message to send: its kind, whom it is for, and the facts its templates read. */
export interface NotificationDecision {
  kind: NotificationKind;
  customerId: string;
  facts: Facts;
}

/** Event types that give a message (the notification consumer handles these, plus the replica's). */
export const NOTIFYING_EVENTS = [
  'BookRented',
  'RentalRenewed',
  'RentalCanceled',
  'PaymentRefunded',
  'BookReturned',
  'RentalDueSoon',
  'RentalExpired',
  'RentalPaymentFailed',
  'HoldPlaced',
  'HoldReady',
  'HoldExpired',
] as const satisfies readonly EventType[];

/** One of {@link NOTIFYING_EVENTS}. */
export type NotifyingEvent = (typeof NOTIFYING_EVENTS)[number];

/** Per event type: the message it gives. */
const DECIDE: { [T in NotifyingEvent]: (data: EventOf<T>['data']) => NotificationDecision } = {
  BookRented: (d) => ({ kind: 'RENTED', customerId: d.customerId, facts: { bookId: d.bookId, rentalId: d.rentalId, dueAt: d.dueAt, amount: d.fee } }),
  RentalRenewed: (d) => ({ kind: 'RENEWED', customerId: d.customerId, facts: { bookId: d.bookId, rentalId: d.rentalId, dueAt: d.dueAt, amount: d.fee } }),
  RentalCanceled: (d) => ({ kind: 'CANCELED', customerId: d.customerId, facts: { bookId: d.bookId, rentalId: d.rentalId } }),
  PaymentRefunded: (d) => ({ kind: 'REFUNDED', customerId: d.customerId, facts: { rentalId: d.rentalId, amount: d.amount, renewal: d.renewalId !== undefined } }),
  BookReturned: (d) => ({ kind: 'RETURNED', customerId: d.customerId, facts: { bookId: d.bookId, rentalId: d.rentalId } }),
  RentalDueSoon: (d) => ({ kind: 'DUE_SOON', customerId: d.customerId, facts: { bookId: d.bookId, rentalId: d.rentalId, dueAt: d.dueAt } }),
  RentalExpired: (d) => ({ kind: 'EXPIRED', customerId: d.customerId, facts: { bookId: d.bookId, rentalId: d.rentalId, dueAt: d.dueAt } }),
  RentalPaymentFailed: (d) => ({ kind: 'PAYMENT_FAILED', customerId: d.customerId, facts: { bookId: d.bookId, rentalId: d.rentalId, amount: d.fee, reason: d.reason } }),
  HoldPlaced: (d) => ({ kind: 'HOLD_PLACED', customerId: d.customerId, facts: { bookId: d.bookId, holdId: d.holdId, position: d.position, autoRent: d.autoRent } }),
  HoldReady: (d) => ({ kind: 'HOLD_READY', customerId: d.customerId, facts: { bookId: d.bookId, holdId: d.holdId, readyUntil: d.readyUntil, autoRent: d.autoRent } }),
  HoldExpired: (d) => ({ kind: 'HOLD_EXPIRED', customerId: d.customerId, facts: { bookId: d.bookId, holdId: d.holdId, readyUntil: d.readyUntil } }),
};

/**
 * The message an event gives, or null when it is too old to tell: an event that occurred more
 * than `maxAgeMs` before `now` (history replayed when the context first reads a topic, or a
 * consumer far behind) is news no longer — a "due soon" about a loan long returned would mislead.
 * @param event a validated envelope of a notifying event type.
 * @param now the time of handling.
 * @param maxAgeMs the oldest event still told, ms.
 */
export function notificationOf<T extends NotifyingEvent>(event: Pick<EventOf<T>, 'type' | 'data' | 'occurredAt'>, now: Date, maxAgeMs: number): NotificationDecision | null {
  if (now.getTime() - new Date(event.occurredAt).getTime() > maxAgeMs) return null;
  return DECIDE[event.type as T](event.data);
}
