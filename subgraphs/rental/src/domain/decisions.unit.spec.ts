import { describe, expect, it } from 'vitest';
import { DomainError } from '@ebook/subgraph-kit/domain-error';
import { ErrorCode } from '@ebook/subgraph-kit';
import {
  activeKeyOf,
  cancel,
  confirmPayment,
  endingDecision,
  expire,
  expirePending,
  failPayment,
  isDueSoon,
  noticeDueSoon,
  pendingStaleBefore,
  returnBook,
  startRental,
  type Rental,
  type RentalStatus,
} from './rental';
import { RENTAL_ERROR_CODES, RentalError } from './errors';

const DAY_MS = 86_400_000;
const alice = '11111111-1111-4111-8111-111111111111';
const mallory = '22222222-2222-4222-8222-222222222222';
const bookId = '33333333-3333-4333-8333-333333333333';
const rentalId = '44444444-4444-4444-8444-444444444444';
const paymentId = '55555555-5555-4555-8555-555555555555';
const t0 = new Date('2025-03-01T10:00:00.000Z');
const t1 = new Date('2025-03-01T10:00:02.500Z');
const t2 = new Date('2025-03-05T08:30:00.000Z');

const ALL: RentalStatus[] = ['PENDING_PAYMENT', 'RENTED', 'CANCELED', 'RETURNED', 'EXPIRED', 'PAYMENT_DECLINED', 'PAYMENT_FAILED'];
const except = (...keep: RentalStatus[]) => ALL.filter((s) => !keep.includes(s));

const HOUR_MS = 3_600_000;
const start = { rentalId, customerId: alice, book: { bookId, rentalFee: 1500 }, correlationId: 'corr-1', activeLoans: 0, maxActiveRentals: 5 };
const pending = (): Rental => startRental(start, t0).rental;
const rented = (): Rental => confirmPayment(pending(), { paymentId, loanPeriodMs: 14 * DAY_MS }, t1).rental;
/** A rental of alice in `status` (for refusals). */
const inStatus = (status: RentalStatus): Rental => ({ ...rented(), status });

/** Runs `fn` and returns the RentalError it throws (fails when it throws nothing or something else). */
function refusal(fn: () => unknown): RentalError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(RentalError);
    expect(err).toBeInstanceOf(DomainError);
    return err as RentalError;
  }
  throw new Error('expected a RentalError, nothing was thrown');
}

describe('starting a rental', () => {
  it('a new rental is PENDING_PAYMENT at the book fee, holds a copy (activeKey), and announces nothing yet', () => {
    const { rental, events } = startRental(start, t0);
    expect(rental).toEqual({
      id: rentalId,
      bookId,
      customerId: alice,
      status: 'PENDING_PAYMENT',
      fee: 1500,
      activeKey: activeKeyOf(alice, bookId),
      paymentId: null,
      rentedAt: t0,
      dueAt: null,
      returnedAt: null,
      canceledAt: null,
      expiredAt: null,
      dueSoonNotifiedAt: null,
      correlationId: 'corr-1',
      renewals: 0,
      pendingRenewalId: null,
    });
    expect(events).toEqual([]);
  });

  it('a customer with fewer active loans than the limit may rent', () => {
    expect(startRental({ ...start, activeLoans: 4, maxActiveRentals: 5 }, t0).rental.status).toBe('PENDING_PAYMENT');
  });

  it('a customer already holding MAX_ACTIVE_RENTALS active loans: LOAN_LIMIT_REACHED with the limit, no rental', () => {
    const err = refusal(() => startRental({ ...start, activeLoans: 5, maxActiveRentals: 5 }, t0));
    expect(err.code).toBe('LOAN_LIMIT_REACHED');
    expect(err.extensions).toEqual({ limit: 5 });
    expect(refusal(() => startRental({ ...start, activeLoans: 2, maxActiveRentals: 1 }, t0)).code).toBe('LOAN_LIMIT_REACHED');
  });
});

describe('payment approved', () => {
  it('a PENDING_PAYMENT rental becomes RENTED at the payment time, due 14 days later, with a BookRented event', () => {
    const { rental, events } = confirmPayment(pending(), { paymentId, loanPeriodMs: 14 * DAY_MS }, t1);
    expect(rental).toMatchObject({ status: 'RENTED', paymentId, rentedAt: t1, activeKey: activeKeyOf(alice, bookId) });
    expect(rental.dueAt!.getTime() - t1.getTime()).toBe(14 * DAY_MS);
    expect(events).toEqual([
      {
        type: 'BookRented',
        data: { rentalId, bookId, customerId: alice, fee: 1500, paymentId, rentedAt: t1.toISOString(), dueAt: '2025-03-15T10:00:02.500Z' },
      },
    ]);
  });

  it('the due date follows the configured loan period', () => {
    expect(confirmPayment(pending(), { paymentId, loanPeriodMs: 7 * DAY_MS }, t1).rental.dueAt!.toISOString()).toBe('2025-03-08T10:00:02.500Z');
  });

  it.each(except('PENDING_PAYMENT'))('a %s rental cannot be confirmed: INVALID_RENTAL_STATE', (status) => {
    expect(refusal(() => confirmPayment(inStatus(status), { paymentId, loanPeriodMs: 14 * DAY_MS }, t1)).code).toBe('INVALID_RENTAL_STATE');
  });

  it('does not change the rental it was given', () => {
    const before = pending();
    const copy = structuredClone(before);
    confirmPayment(before, { paymentId, loanPeriodMs: 14 * DAY_MS }, t1);
    expect(before).toEqual(copy);
  });
});

describe('payment not approved', () => {
  it('declined: the rental ends PAYMENT_DECLINED, releases its copy, RentalPaymentFailed with reason PAYMENT_DECLINED', () => {
    const { rental, events } = failPayment(pending(), 'PAYMENT_DECLINED', t1);
    expect(rental).toMatchObject({ status: 'PAYMENT_DECLINED', activeKey: null, paymentId: null, dueAt: null });
    expect(events).toEqual([{ type: 'RentalPaymentFailed', data: { rentalId, bookId, customerId: alice, fee: 1500, reason: 'PAYMENT_DECLINED', failedAt: t1.toISOString() } }]);
  });

  it('payment unreachable: the rental ends PAYMENT_FAILED, RentalPaymentFailed with reason PAYMENT_UNAVAILABLE', () => {
    const { rental, events } = failPayment(pending(), 'PAYMENT_FAILED', t1);
    expect(rental).toMatchObject({ status: 'PAYMENT_FAILED', activeKey: null });
    expect(events.map((e) => e.data)).toEqual([expect.objectContaining({ reason: 'PAYMENT_UNAVAILABLE' })]);
  });

  it.each(except('PENDING_PAYMENT'))('a %s rental cannot fail its payment: INVALID_RENTAL_STATE', (status) => {
    expect(refusal(() => failPayment(inStatus(status), 'PAYMENT_DECLINED', t1)).code).toBe('INVALID_RENTAL_STATE');
  });
});

describe('stale pending rental (sweeper)', () => {
  it('a pending rental left by a dead saga ends PAYMENT_FAILED with RentalPaymentFailed (PAYMENT_UNAVAILABLE)', () => {
    const { rental, events } = expirePending(pending(), t2);
    expect(rental).toMatchObject({ status: 'PAYMENT_FAILED', activeKey: null });
    expect(events).toEqual([{ type: 'RentalPaymentFailed', data: { rentalId, bookId, customerId: alice, fee: 1500, reason: 'PAYMENT_UNAVAILABLE', failedAt: t2.toISOString() } }]);
  });

  it.each(except('PENDING_PAYMENT'))('a %s rental is not expired: INVALID_RENTAL_STATE', (status) => {
    expect(refusal(() => expirePending(inStatus(status), t2)).code).toBe('INVALID_RENTAL_STATE');
  });

  it('is stale when its last change is older than now − staleAfterMs', () => {
    expect(pendingStaleBefore(t2, 60_000).toISOString()).toBe('2025-03-05T08:29:00.000Z');
  });
});

/** Alice asks to cancel, with the default 24 h cancel window. */
const aliceCancels = { customerId: alice, cancelWindowMs: 24 * HOUR_MS };
/** One hour after payment: within the cancel window. */
const tWithin = new Date(t1.getTime() + HOUR_MS);

describe('cancel', () => {
  it('a RENTED rental can be canceled by its customer within the window: status CANCELED, copy released, RentalCanceled with the payment id', () => {
    const { rental, events } = cancel(rented(), aliceCancels, tWithin);
    expect(rental).toMatchObject({ status: 'CANCELED', canceledAt: tWithin, activeKey: null, returnedAt: null, paymentId });
    expect(events).toEqual([{ type: 'RentalCanceled', data: { rentalId, bookId, customerId: alice, paymentId, canceledAt: tWithin.toISOString() } }]);
  });

  it('the last instant of the window still cancels (rentedAt + CANCEL_WINDOW, inclusive)', () => {
    expect(cancel(rented(), aliceCancels, new Date(t1.getTime() + 24 * HOUR_MS)).rental.status).toBe('CANCELED');
  });

  it('a loan canceled after the window: CANCEL_WINDOW_PASSED (return it instead), unchanged, no event', () => {
    const before = rented();
    const copy = structuredClone(before);
    const err = refusal(() => cancel(before, aliceCancels, new Date(t1.getTime() + 24 * HOUR_MS + 1)));
    expect(err.code).toBe('CANCEL_WINDOW_PASSED');
    expect(err.message).toMatch(/return the book instead/);
    expect(err.extensions).toEqual({ cancelableUntil: '2025-03-02T10:00:02.500Z' });
    expect(before).toEqual(copy);
    // the same loan can still be returned, without refund
    expect(returnBook(before, { customerId: alice }, t2).events.map((e) => e.type)).toEqual(['BookReturned']);
  });

  it('ownership and state are checked before the window', () => {
    expect(refusal(() => cancel(rented(), { ...aliceCancels, customerId: mallory }, t2)).code).toBe('NOT_FOUND');
    expect(refusal(() => cancel(inStatus('RETURNED'), aliceCancels, t2)).code).toBe('INVALID_RENTAL_STATE');
  });

  it("another customer's rental cannot be canceled: NOT_FOUND, the answer to an unknown id", () => {
    const err = refusal(() => cancel(rented(), { ...aliceCancels, customerId: mallory }, t2));
    expect(err.code).toBe('NOT_FOUND');
    expect(err.message).toBe('No such rental');
  });

  it("ownership is checked before state: another customer learns nothing of a canceled rental's status", () => {
    expect(refusal(() => cancel(inStatus('RETURNED'), { ...aliceCancels, customerId: mallory }, t2)).code).toBe('NOT_FOUND');
  });

  it.each(except('RENTED'))('a %s rental cannot be canceled: INVALID_RENTAL_STATE with its status', (status) => {
    const err = refusal(() => cancel(inStatus(status), aliceCancels, t2));
    expect(err.code).toBe('INVALID_RENTAL_STATE');
    expect(err.message).toBe(`Cannot cancel a rental that is ${status}`);
    expect(err.extensions).toEqual({ status });
  });
});

describe('return', () => {
  it('a RENTED rental can be returned by its customer: status RETURNED, copy released, BookReturned', () => {
    const { rental, events } = returnBook(rented(), { customerId: alice }, t2);
    expect(rental).toMatchObject({ status: 'RETURNED', returnedAt: t2, activeKey: null, canceledAt: null });
    expect(events).toEqual([{ type: 'BookReturned', data: { rentalId, bookId, customerId: alice, returnedAt: t2.toISOString() } }]);
  });

  it("another customer's rental cannot be returned: NOT_FOUND, the answer to an unknown id", () => {
    expect(refusal(() => returnBook(rented(), { customerId: mallory }, t2)).code).toBe('NOT_FOUND');
  });

  it('a canceled rental cannot be returned: INVALID_RENTAL_STATE', () => {
    const canceled = cancel(rented(), aliceCancels, tWithin).rental;
    const err = refusal(() => returnBook(canceled, { customerId: alice }, t2));
    expect(err.code).toBe('INVALID_RENTAL_STATE');
    expect(err.message).toBe('Cannot return a rental that is CANCELED');
  });

  it.each(except('RENTED'))('a %s rental cannot be returned: INVALID_RENTAL_STATE with its status', (status) => {
    const err = refusal(() => returnBook(inStatus(status), { customerId: alice }, t2));
    expect(err.code).toBe('INVALID_RENTAL_STATE');
    expect(err.message).toBe(`Cannot return a rental that is ${status}`);
    expect(err.extensions).toEqual({ status });
  });
});

describe('expiry', () => {
  const due = new Date(t1.getTime() + 14 * DAY_MS);

  it('a RENTED loan past its due date expires: EXPIRED, RentalExpired, copy freed, no refund asked', () => {
    const later = new Date(due.getTime() + 500);
    const { rental, events } = expire(rented(), later);
    expect(rental).toMatchObject({ status: 'EXPIRED', expiredAt: later, activeKey: null, canceledAt: null, returnedAt: null });
    expect(events).toEqual([{ type: 'RentalExpired', data: { rentalId, bookId, customerId: alice, paymentId, dueAt: due.toISOString(), expiredAt: later.toISOString() } }]);
    expect(events.map((e) => e.type)).not.toContain('RentalCanceled');
  });

  it('expires at the due instant itself', () => {
    expect(expire(rented(), due).rental.status).toBe('EXPIRED');
  });

  it('a loan not yet due does not expire: INVALID_RENTAL_STATE', () => {
    expect(refusal(() => expire(rented(), new Date(due.getTime() - 1))).code).toBe('INVALID_RENTAL_STATE');
  });

  it.each(except('RENTED'))('a %s rental does not expire: INVALID_RENTAL_STATE', (status) => {
    expect(refusal(() => expire({ ...inStatus(status), dueAt: t1 }, t2)).code).toBe('INVALID_RENTAL_STATE');
  });

  it('an expired loan can be neither canceled nor returned', () => {
    const expired = expire(rented(), due).rental;
    expect(refusal(() => cancel(expired, aliceCancels, due)).code).toBe('INVALID_RENTAL_STATE');
    expect(refusal(() => returnBook(expired, { customerId: alice }, due)).code).toBe('INVALID_RENTAL_STATE');
  });
});

describe('due-soon notice', () => {
  const due = new Date(t1.getTime() + 14 * DAY_MS);
  const notice = DAY_MS;
  const inNotice = new Date(due.getTime() - notice + 1000);

  it('a RENTED loan within DUE_SOON_NOTICE of its due date is announced: RentalDueSoon, stays RENTED, dueSoonNotifiedAt set', () => {
    const { rental, events } = noticeDueSoon(rented(), inNotice, notice);
    expect(rental).toMatchObject({ status: 'RENTED', dueSoonNotifiedAt: inNotice, activeKey: activeKeyOf(alice, bookId) });
    expect(events).toEqual([{ type: 'RentalDueSoon', data: { rentalId, bookId, customerId: alice, dueAt: due.toISOString(), notifiedAt: inNotice.toISOString() } }]);
  });

  it('due-soon notice once: a notified loan is not announced again', () => {
    const notified = noticeDueSoon(rented(), inNotice, notice).rental;
    expect(isDueSoon(notified, inNotice, notice)).toBe(false);
    expect(refusal(() => noticeDueSoon(notified, new Date(inNotice.getTime() + 1000), notice)).code).toBe('INVALID_RENTAL_STATE');
  });

  it('not before the notice period, not once overdue (it expires instead), never with a notice of 0', () => {
    expect(isDueSoon(rented(), new Date(due.getTime() - notice - 1), notice)).toBe(false);
    expect(isDueSoon(rented(), new Date(due.getTime() - notice), notice)).toBe(true);
    expect(isDueSoon(rented(), due, notice)).toBe(false);
    expect(isDueSoon(rented(), inNotice, 0)).toBe(false);
    expect(refusal(() => noticeDueSoon(rented(), due, notice)).code).toBe('INVALID_RENTAL_STATE');
  });

  it.each(except('RENTED'))('a %s rental gets no notice: INVALID_RENTAL_STATE', (status) => {
    expect(refusal(() => noticeDueSoon(inStatus(status), inNotice, notice)).code).toBe('INVALID_RENTAL_STATE');
  });
});

describe('endingDecision', () => {
  it('maps the customer-facing ending to its decision', () => {
    expect(endingDecision.cancel).toBe(cancel);
    expect(endingDecision.return).toBe(returnBook);
  });
});

describe('rental error codes', () => {
  it('are all public codes of the kit (clients see the same codes as before)', () => {
    for (const code of RENTAL_ERROR_CODES) expect(ErrorCode).toHaveProperty(code, code);
  });
});
