import { describe, expect, it } from 'vitest';
import { abandonRenewal, completeRenewal, confirmPayment, noticeDueSoon, startRenewal, startRental, type Rental, type RentalStatus } from './rental';
import { RentalError } from './errors';

const DAY_MS = 86_400_000;
const LOAN = 14 * DAY_MS;
const alice = '11111111-1111-4111-8111-111111111111';
const mallory = '22222222-2222-4222-8222-222222222222';
const bookId = '33333333-3333-4333-8333-333333333333';
const rentalId = '44444444-4444-4444-8444-444444444444';
const paymentId = '55555555-5555-4555-8555-555555555555';
const renewalId = '66666666-6666-4666-8666-666666666666';
const renewalPaymentId = '77777777-7777-4777-8777-777777777777';
const t0 = new Date('2025-03-01T10:00:00.000Z');
const t1 = new Date('2025-03-01T10:00:02.500Z');
/** Ten days into a 14-day loan: renewable. */
const t10 = new Date(t1.getTime() + 10 * DAY_MS);

const start = { rentalId, customerId: alice, book: { bookId, rentalFee: 1500 }, correlationId: 'corr-1', activeLoans: 0, maxActiveRentals: 5 };
const rented = (): Rental => confirmPayment(startRental(start, t0).rental, { paymentId, loanPeriodMs: LOAN }, t1).rental;
const renew = { customerId: alice, maxRenewals: 1, holdsWaiting: 0, renewalId };

/** Renews `rental` end to end (start, then payment approved) at `now`. */
function renewed(rental: Rental, now = t10, id = renewalId) {
  const pending = startRenewal(rental, { ...renew, renewalId: id }, now).rental;
  return completeRenewal(pending, { renewalId: id, paymentId: renewalPaymentId, loanPeriodMs: LOAN }, now);
}

function refusal(fn: () => unknown): RentalError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(RentalError);
    return err as RentalError;
  }
  return expect.fail('expected a refusal');
}

describe('renewal rules', () => {
  it('a RENTED loan renews: dueAt + loan period, renewals 1, RentalRenewed', () => {
    const loan = rented();
    const { rental, events } = renewed(loan);
    expect(rental.dueAt!.getTime()).toBe(loan.dueAt!.getTime() + LOAN);
    expect(rental).toMatchObject({ status: 'RENTED', renewals: 1, pendingRenewalId: null, paymentId });
    expect(events).toEqual([
      {
        type: 'RentalRenewed',
        data: {
          rentalId,
          customerId: alice,
          bookId,
          renewalId,
          renewals: 1,
          dueAt: rental.dueAt!.toISOString(),
          fee: 1500,
          paymentId: renewalPaymentId,
          renewedAt: t10.toISOString(),
        },
      },
    ]);
  });

  it('starting a renewal changes nothing but marks it pending (no dueAt change, no event until paid)', () => {
    const loan = rented();
    const { rental, events } = startRenewal(loan, renew, t10);
    expect(rental).toEqual({ ...loan, pendingRenewalId: renewalId });
    expect(events).toEqual([]);
  });

  it('a renewal clears the due-soon notice, so the notice comes again before the new due date', () => {
    const notified = noticeDueSoon(rented(), new Date(rented().dueAt!.getTime() - DAY_MS / 2), DAY_MS).rental;
    expect(notified.dueSoonNotifiedAt).not.toBeNull();
    const { rental } = renewed(notified);
    expect(rental.dueSoonNotifiedAt).toBeNull();
    const beforeNewDue = new Date(rental.dueAt!.getTime() - DAY_MS / 2);
    expect(noticeDueSoon(rental, beforeNewDue, DAY_MS).events.map((e) => e.type)).toEqual(['RentalDueSoon']);
  });

  it('the second renewal with MAX_RENEWALS 1 is refused RENEWAL_NOT_ALLOWED, unchanged', () => {
    const once = renewed(rented()).rental;
    const snapshot = structuredClone(once);
    const err = refusal(() => startRenewal(once, renew, t10));
    expect(err.code).toBe('RENEWAL_NOT_ALLOWED');
    expect(err.message).toMatch(/renewal limit/);
    expect(err.extensions).toMatchObject({ reason: 'LIMIT_REACHED', limit: 1 });
    expect(once).toEqual(snapshot);
  });

  it('MAX_RENEWALS 2 allows a second renewal (dueAt + two loan periods); MAX_RENEWALS 0 allows none', () => {
    const loan = rented();
    const once = renewed(loan).rental;
    const pending = startRenewal(once, { ...renew, maxRenewals: 2 }, t10).rental;
    const twice = completeRenewal(pending, { renewalId, paymentId: renewalPaymentId, loanPeriodMs: LOAN }, t10).rental;
    expect(twice.renewals).toBe(2);
    expect(twice.dueAt!.getTime()).toBe(loan.dueAt!.getTime() + 2 * LOAN);
    expect(refusal(() => startRenewal(loan, { ...renew, maxRenewals: 0 }, t10)).extensions).toMatchObject({ reason: 'LIMIT_REACHED', limit: 0 });
  });

  it('a waiting hold refuses the renewal: RENEWAL_NOT_ALLOWED', () => {
    const err = refusal(() => startRenewal(rented(), { ...renew, holdsWaiting: 1 }, t10));
    expect(err.code).toBe('RENEWAL_NOT_ALLOWED');
    expect(err.extensions).toMatchObject({ reason: 'HOLDS_WAITING' });
    expect(err.message).toMatch(/waiting/);
  });

  it.each<RentalStatus>(['PENDING_PAYMENT', 'CANCELED', 'RETURNED', 'EXPIRED', 'PAYMENT_DECLINED', 'PAYMENT_FAILED'])(
    'a %s rental is refused RENEWAL_NOT_ALLOWED saying it is not rented (extensions.status)',
    (status) => {
      const err = refusal(() => startRenewal({ ...rented(), status }, renew, t10));
      expect(err.code).toBe('RENEWAL_NOT_ALLOWED');
      expect(err.message).toContain(status);
      expect(err.extensions).toMatchObject({ reason: 'NOT_RENTED', status });
    },
  );

  it("another customer's rental is refused NOT_FOUND, the answer to an unknown id (nothing about its state leaks)", () => {
    expect(refusal(() => startRenewal(rented(), { ...renew, customerId: mallory }, t10)).code).toBe('NOT_FOUND');
    expect(refusal(() => startRenewal({ ...rented(), status: 'RETURNED' }, { ...renew, customerId: mallory }, t10)).code).toBe('NOT_FOUND');
  });

  it('an overdue loan (dueAt passed, about to expire) is refused RENEWAL_NOT_ALLOWED', () => {
    const loan = rented();
    expect(refusal(() => startRenewal(loan, renew, loan.dueAt!)).extensions).toMatchObject({ reason: 'OVERDUE' });
  });

  it('one renewal at a time: while one is being paid for, another is refused RENEWAL_NOT_ALLOWED', () => {
    const pending = startRenewal(rented(), renew, t10).rental;
    const other = { ...renew, renewalId: '88888888-8888-4888-8888-888888888888', maxRenewals: 5 };
    expect(refusal(() => startRenewal(pending, other, t10)).extensions).toMatchObject({ reason: 'IN_PROGRESS' });
  });

  it('a renewal paid after the loan ended is not applied: RENEWAL_NOT_ALLOWED (NOT_RENTED)', () => {
    const pending = startRenewal(rented(), renew, t10).rental;
    const err = refusal(() => completeRenewal({ ...pending, status: 'RETURNED' }, { renewalId, paymentId: renewalPaymentId, loanPeriodMs: LOAN }, t10));
    expect(err.extensions).toMatchObject({ reason: 'NOT_RENTED', status: 'RETURNED' });
  });

  it('a payment for a renewal that is not the pending one is not applied (INVALID_RENTAL_STATE)', () => {
    const pending = startRenewal(rented(), renew, t10).rental;
    const err = refusal(() => completeRenewal(pending, { renewalId: '99999999-9999-4999-8999-999999999999', paymentId: renewalPaymentId, loanPeriodMs: LOAN }, t10));
    expect(err.code).toBe('INVALID_RENTAL_STATE');
  });

  it('an abandoned renewal leaves the loan as it was and asks payment to give the charge back (RentalRenewalFailed)', () => {
    const loan = rented();
    const pending = startRenewal(loan, renew, t10).rental;
    const { rental, events } = abandonRenewal(pending, renewalId, 'PAYMENT_DECLINED', t10);
    expect(rental).toEqual(loan);
    expect(events).toEqual([
      {
        type: 'RentalRenewalFailed',
        data: { rentalId, customerId: alice, bookId, renewalId, fee: 1500, reason: 'PAYMENT_DECLINED', failedAt: t10.toISOString() },
      },
    ]);
    // Another renewal's pending mark is left alone.
    const other = '88888888-8888-4888-8888-888888888888';
    expect(abandonRenewal(pending, other, 'NOT_APPLIED', t10).rental.pendingRenewalId).toBe(renewalId);
  });
});
