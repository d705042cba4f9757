import { z } from 'zod';
import { defineEvent, TOPICS, type EventContract } from './define';
import type { Causation } from '../envelope';

export { TOPICS, defineEvent, type Topic, type EventContract } from './define';

const uuid = z.uuid();
const isoDate = z.iso.datetime({ offset: true });
/** Money: integer KRW, never negative. */
const krw = z.number().int().nonnegative();

/** Languages of customer messages: Korean (the default) or English. */
const locale = z.enum(['ko', 'en']);

/**
 * A customer or manager registered (user context). Consumed by rental-view (customer names) and
 * notification (name, `email` — lower-cased —, `locale` of the customer's messages). `email` and
 * `locale` were added later: an event without them is a user registered before (no address known;
 * `locale` then means `ko`).
 */
export const UserRegistered = defineEvent({
  type: 'UserRegistered',
  version: 1,
  topic: TOPICS.user,
  data: z.object({ userId: uuid, name: z.string(), role: z.enum(['CUSTOMER', 'MANAGER']), email: z.string().optional(), locale: locale.optional() }),
});

/** A book entered the catalog with its licensed copies (book-management). Consumed by rental (replica) and rental-view (titles). */
export const BookRegistered = defineEvent({
  type: 'BookRegistered',
  version: 1,
  topic: TOPICS.catalog,
  data: z.object({
    bookId: uuid,
    title: z.string(),
    author: z.string(),
    publishedYear: z.number().int(),
    rentalFee: krw,
    licensedCopies: z.number().int().nonnegative(),
  }),
});

/** A rental became RENTED after its payment was approved (rental). Consumed by rental-view. */
export const BookRented = defineEvent({
  type: 'BookRented',
  version: 1,
  topic: TOPICS.rental,
  data: z.object({
    rentalId: uuid,
    bookId: uuid,
    customerId: uuid,
    fee: krw,
    paymentId: uuid,
    rentedAt: isoDate,
    dueAt: isoDate,
  }),
});

/** A RENTED rental was canceled by its customer (rental). Consumed by payment (refund) and rental-view. */
export const RentalCanceled = defineEvent({
  type: 'RentalCanceled',
  version: 1,
  topic: TOPICS.rental,
  data: z.object({
    rentalId: uuid,
    bookId: uuid,
    customerId: uuid,
    paymentId: uuid.nullable(),
    canceledAt: isoDate,
  }),
});

/** A RENTED rental was returned (rental). Consumed by rental-view. */
export const BookReturned = defineEvent({
  type: 'BookReturned',
  version: 1,
  topic: TOPICS.rental,
  data: z.object({ rentalId: uuid, bookId: uuid, customerId: uuid, returnedAt: isoDate }),
});

/** A rental could not be paid: declined or payment unavailable (rental). Consumed by rental-view. */
export const RentalPaymentFailed = defineEvent({
  type: 'RentalPaymentFailed',
  version: 1,
  topic: TOPICS.rental,
  data: z.object({
    rentalId: uuid,
    bookId: uuid,
    customerId: uuid,
    fee: krw,
    reason: z.enum(['PAYMENT_DECLINED', 'PAYMENT_UNAVAILABLE']),
    failedAt: isoDate,
  }),
});

/**
 * A RENTED loan reached its due date and expired by itself (rental's lending schedule): the copy
 * is freed, nothing is refunded. Consumed by rental-view. Payment does not act on it.
 */
export const RentalExpired = defineEvent({
  type: 'RentalExpired',
  version: 1,
  topic: TOPICS.rental,
  data: z.object({
    rentalId: uuid,
    bookId: uuid,
    customerId: uuid,
    paymentId: uuid.nullable(),
    dueAt: isoDate,
    expiredAt: isoDate,
  }),
});

/**
 * A RENTED loan is due soon: announced once per loan, `DUE_SOON_NOTICE` before `dueAt`
 * (rental's lending schedule). No consumer yet (customer notifications will read it).
 */
export const RentalDueSoon = defineEvent({
  type: 'RentalDueSoon',
  version: 1,
  topic: TOPICS.rental,
  data: z.object({ rentalId: uuid, bookId: uuid, customerId: uuid, dueAt: isoDate, notifiedAt: isoDate }),
});

/**
 * A RENTED loan was renewed by its customer and the fee paid again (rental): `dueAt` is the new
 * due date (old + one loan period), `renewals` the count so far (1 for the first), `fee` the
 * charged amount (integer KRW), `paymentId` the renewal's payment. Consumed by rental-view.
 * Payment does not act on it (it is not a refund).
 */
export const RentalRenewed = defineEvent({
  type: 'RentalRenewed',
  version: 1,
  topic: TOPICS.rental,
  data: z.object({
    rentalId: uuid,
    customerId: uuid,
    bookId: uuid,
    renewalId: uuid,
    renewals: z.number().int().positive(),
    dueAt: isoDate,
    fee: krw,
    paymentId: uuid,
    renewedAt: isoDate,
  }),
});

/**
 * A renewal was abandoned after its charge was asked for (rental): payment declined or could not
 * be reached, or the loan ended before the renewal could be applied. The loan is unchanged.
 * Consumed by payment (`payment.refunds`): refunds the approved charge of `renewalId`, or voids
 * it so a late approval can never charge it.
 */
export const RentalRenewalFailed = defineEvent({
  type: 'RentalRenewalFailed',
  version: 1,
  topic: TOPICS.rental,
  data: z.object({
    rentalId: uuid,
    customerId: uuid,
    bookId: uuid,
    renewalId: uuid,
    fee: krw,
    reason: z.enum(['PAYMENT_DECLINED', 'PAYMENT_UNAVAILABLE', 'NOT_APPLIED']),
    failedAt: isoDate,
  }),
});

/** The hold aggregate's identity on each of its events: the hold, its book and its customer (uuids). */
const holdOf = { holdId: uuid, bookId: uuid, customerId: uuid };

/**
 * A customer placed a hold on a book none of whose copies was available (rental). `position` is
 * the hold's 1-based place in the book's queue when placed, `queueLength` the queue's length
 * with it (WAITING and SUSPENDED holds); `autoRent`: rent and pay by itself when a copy is
 * offered. Consumed by notification.
 */
export const HoldPlaced = defineEvent({
  type: 'HoldPlaced',
  version: 1,
  topic: TOPICS.rental,
  data: z.object({ ...holdOf, autoRent: z.boolean(), position: z.number().int().positive(), queueLength: z.number().int().positive(), placedAt: isoDate }),
});

/** A WAITING hold was suspended by its customer: it keeps its place but is skipped when a copy frees (rental). */
export const HoldSuspended = defineEvent({
  type: 'HoldSuspended',
  version: 1,
  topic: TOPICS.rental,
  data: z.object({ ...holdOf, suspendedAt: isoDate }),
});

/** A SUSPENDED hold was resumed by its customer: WAITING again, at its old place (rental). */
export const HoldResumed = defineEvent({
  type: 'HoldResumed',
  version: 1,
  topic: TOPICS.rental,
  data: z.object({ ...holdOf, resumedAt: isoDate }),
});

/** A hold was canceled by its customer; a copy reserved for it goes to the next in line (rental). */
export const HoldCanceled = defineEvent({
  type: 'HoldCanceled',
  version: 1,
  topic: TOPICS.rental,
  data: z.object({ ...holdOf, canceledAt: isoDate }),
});

/**
 * A copy freed and was reserved for this hold, first WAITING in line (rental): the customer may
 * rent it until `readyUntil` (= `readyAt` + `HOLD_OFFER_PERIOD`). With `autoRent` the rental
 * service rents it for them at once. Consumed by notification ("hold ready").
 */
export const HoldReady = defineEvent({
  type: 'HoldReady',
  version: 1,
  topic: TOPICS.rental,
  data: z.object({ ...holdOf, autoRent: z.boolean(), readyAt: isoDate, readyUntil: isoDate }),
});

/** The customer rented the copy reserved for their READY hold; `rentalId` is the paid loan (rental). */
export const HoldFulfilled = defineEvent({
  type: 'HoldFulfilled',
  version: 1,
  topic: TOPICS.rental,
  data: z.object({ ...holdOf, rentalId: uuid, fulfilledAt: isoDate }),
});

/** A READY hold's offer was not taken by `readyUntil`: EXPIRED, the copy goes to the next in line (rental). */
export const HoldExpired = defineEvent({
  type: 'HoldExpired',
  version: 1,
  topic: TOPICS.rental,
  data: z.object({ ...holdOf, readyUntil: isoDate, expiredAt: isoDate }),
});

/** Optional on payment events: the renewal a charge pays for (absent for the rent's own charge). */
const renewalOf = { renewalId: uuid.optional() };

/** A payment was approved for a rental (payment). Consumed by rental-view. */
export const PaymentApproved = defineEvent({
  type: 'PaymentApproved',
  version: 1,
  topic: TOPICS.payment,
  data: z.object({ paymentId: uuid, rentalId: uuid, customerId: uuid, amount: krw, approvedAt: isoDate, ...renewalOf }),
});

/** A payment was declined by the processor (payment). Consumed by rental-view. */
export const PaymentDeclined = defineEvent({
  type: 'PaymentDeclined',
  version: 1,
  topic: TOPICS.payment,
  data: z.object({ paymentId: uuid, rentalId: uuid, customerId: uuid, amount: krw, reason: z.string(), ...renewalOf }),
});

/** An approved payment was refunded (payment, on RentalCanceled). Consumed by rental-view. */
export const PaymentRefunded = defineEvent({
  type: 'PaymentRefunded',
  version: 1,
  topic: TOPICS.payment,
  data: z.object({ paymentId: uuid, rentalId: uuid, customerId: uuid, amount: krw, refundedAt: isoDate, ...renewalOf }),
});

/** Every contract, by type name. */
export const CONTRACTS = {
  UserRegistered,
  BookRegistered,
  BookRented,
  RentalCanceled,
  BookReturned,
  RentalPaymentFailed,
  RentalExpired,
  RentalDueSoon,
  RentalRenewed,
  RentalRenewalFailed,
  HoldPlaced,
  HoldSuspended,
  HoldResumed,
  HoldCanceled,
  HoldReady,
  HoldFulfilled,
  HoldExpired,
  PaymentApproved,
  PaymentDeclined,
  PaymentRefunded,
} as const;

/** Name of a known event type. */
export type EventType = keyof typeof CONTRACTS;

/** The validated envelope of event type `T`. */
export type EventOf<T extends EventType> = ReturnType<(typeof CONTRACTS)[T]['create']>;

/** The `data` of an event of type `T` as its producer writes it (the contract's input shape). */
export type EventData<T extends EventType> = z.input<(typeof CONTRACTS)[T]['data']>;

/**
 * A domain event as an aggregate's decision returns it: its type and data, not yet wrapped in
 * an envelope (no id, correlation or topic — the application adds those with
 * {@link toEnvelope}). Domain code imports this type only (`import type`), never the runtime.
 */
export type DomainEvent<T extends EventType = EventType> = { [K in T]: { type: K; data: EventData<K> } }[T];

/**
 * Wraps a domain event in its envelope: a new `eventId`, `aggregateId` (also the Kafka key),
 * `cause`, `occurredAt` (default now). Validates `data` against the contract.
 * @throws ZodError when `data` does not satisfy the contract.
 */
export function toEnvelope(aggregateId: string, event: DomainEvent, cause: Causation, occurredAt?: Date): EventOf<EventType> {
  const contract = CONTRACTS[event.type] as EventContract<EventType, z.ZodType>;
  return contract.create(aggregateId, event.data, cause, occurredAt) as EventOf<EventType>;
}
