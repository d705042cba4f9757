import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { CONTRACTS, unitOfWork, type EventOf } from '@ebook/events';
import { DomainError, requireEnv } from '@ebook/subgraph-kit';
// The payment context's own approval path and compensation handler, in-process on its test
// database (the HTTP hop and its cockatiel policy are covered by rent-book.int.spec.ts).
import { approvePayment, createPaymentDb, onRentalRenewalFailed, RENT_CHARGE, SimulatedPaymentProcessor } from '@ebook/payment/testing';
import { createRentalDb } from '../db';
import type { ApprovePaymentRequest, PaymentProxy, PaymentOutcome } from '../sagaparticipants/payment-proxy';
import { cancel, DEFAULT_LENDING_POLICY, type LendingPolicy } from '../domain/rental';
import { applyDecision } from './rental-store';
import { rentBook } from './rent-book';
import { endRental } from './end-rental';
import { renewRental } from './renew-rental';
import { refusal } from '@ebook/subgraph-kit/testing';

const db = createRentalDb(requireEnv('RENTAL_DATABASE_URL'), 10);
const payDb = createPaymentDb(requireEnv('PAYMENT_DATABASE_URL'));
const cause = { correlationId: `int-${randomUUID()}` };
const DAY_MS = 86_400_000;
const approving = new SimulatedPaymentProcessor({ latencyMs: 0, declineRate: 0 });
const declining = new SimulatedPaymentProcessor({ latencyMs: 0, declineRate: 1 });

/** Payment as the renewal saga sees it, answered by payment's real `approvePayment` on its database. */
class InProcessPayments implements PaymentProxy {
  calls = 0;
  constructor(
    private readonly processor: SimulatedPaymentProcessor,
    private readonly delayMs = 0,
  ) {}
  async approve(req: ApprovePaymentRequest): Promise<PaymentOutcome> {
    this.calls += 1;
    if (this.delayMs) await new Promise((r) => setTimeout(r, this.delayMs));
    const p = await approvePayment({ db: payDb, uow: unitOfWork(payDb, { wake: () => {} }), processor: this.processor }, req, cause);
    return p.status === 'APPROVED' ? { kind: 'approved', paymentId: p.id } : { kind: 'declined', paymentId: p.id, reason: p.declineReason ?? p.status };
  }
  openForSeconds() {
    return null;
  }
  circuitState() {
    return 'closed';
  }
  admit<T>(saga: () => Promise<T>): Promise<T> {
    return saga();
  }
}

const policy = (over: Partial<LendingPolicy> = {}): LendingPolicy => ({ ...DEFAULT_LENDING_POLICY, loanPeriodMs: 14 * DAY_MS, maxRenewals: 1, ...over });
const deps = (payments: PaymentProxy, over: Partial<LendingPolicy> = {}) => ({ uow: unitOfWork(db, { wake: () => {} }), payments, policy: policy(over) });

/** A RENTED loan of a new customer (fee 1200 KRW), its rent paid through payment's real path. */
async function loan() {
  const bookId = randomUUID();
  await db.bookReplica.create({ data: { bookId, title: `Book ${bookId}`, rentalFee: 1200, licensedCopies: 2 } });
  const customerId = randomUUID();
  const rental = await rentBook(deps(new InProcessPayments(approving)), { id: customerId }, bookId, cause);
  return { rental, customerId };
}

const stored = (id: string) => db.rental.findUniqueOrThrow({ where: { id } });
const outboxTypes = async (id: string) => (await db.outboxEvent.findMany({ where: { aggregateId: id }, orderBy: { seq: 'asc' } })).map((e) => e.type);
const renewalCharges = (rentalId: string) => payDb.payment.findMany({ where: { rentalId, NOT: { renewalId: RENT_CHARGE } } });

afterAll(async () => {
  await db.$disconnect();
  await payDb.$disconnect();
});

describe('renewRental on PostgreSQL (payment approval on its own database)', () => {
  it('renews: dueAt + loan period, renewals 1, due-soon notice cleared, RentalRenewed, the fee charged once more under the renewal id', async () => {
    const { rental, customerId } = await loan();
    await db.rental.update({ where: { id: rental.id }, data: { dueSoonNotifiedAt: new Date() } });

    const renewed = await renewRental(deps(new InProcessPayments(approving)), customerId, rental.id, cause);

    expect(renewed).toEqual(await stored(rental.id));
    expect(renewed).toMatchObject({ status: 'RENTED', renewals: 1, pendingRenewalId: null, dueSoonNotifiedAt: null, paymentId: rental.paymentId });
    expect(renewed.dueAt!.getTime()).toBe(rental.dueAt!.getTime() + 14 * DAY_MS);
    expect(await outboxTypes(rental.id)).toEqual(['BookRented', 'RentalRenewed']);
    const event = (await db.outboxEvent.findFirstOrThrow({ where: { aggregateId: rental.id, type: 'RentalRenewed' } })).envelope as unknown as EventOf<'RentalRenewed'>;
    const charges = await renewalCharges(rental.id);
    expect(charges).toHaveLength(1);
    expect(charges[0]).toMatchObject({ status: 'APPROVED', amount: 1200, customerId });
    expect(event.data).toMatchObject({ renewals: 1, fee: 1200, dueAt: renewed.dueAt!.toISOString(), paymentId: charges[0]!.id, renewalId: charges[0]!.renewalId });
  });

  it('a cancel decided on a read taken before a renewal committed does not put the old dueAt back', async () => {
    const { rental, customerId } = await loan();
    const renewed = await renewRental(deps(new InProcessPayments(approving)), customerId, rental.id, cause);
    // The cancel read the loan before the renewal (`rental`), and writes after it.
    const decision = cancel(rental, { customerId, cancelWindowMs: DAY_MS }, new Date(rental.rentedAt.getTime() + 1000));
    const at = { now: new Date(), cause, holdOfferPeriodMs: DAY_MS };
    const written = await db.$transaction((tx) => applyDecision(tx, rental, decision, at));
    expect(written?.row).toMatchObject({ status: 'CANCELED', renewals: 1 });
    expect(written!.row.dueAt!.getTime()).toBe(renewed.dueAt!.getTime());
  });

  it('the second renewal with MAX_RENEWALS 1 is refused RENEWAL_NOT_ALLOWED: nothing changes, nothing charged', async () => {
    const { rental, customerId } = await loan();
    const payments = new InProcessPayments(approving);
    const once = await renewRental(deps(payments), customerId, rental.id, cause);

    const err = await refusal(renewRental(deps(payments), customerId, rental.id, cause));
    expect(err.code).toBe('RENEWAL_NOT_ALLOWED');
    expect(err.message).toMatch(/renewal limit/);
    expect(await stored(rental.id)).toEqual(once);
    expect(payments.calls).toBe(1);
    expect(await renewalCharges(rental.id)).toHaveLength(1);
    expect(await outboxTypes(rental.id)).toEqual(['BookRented', 'RentalRenewed']);
  });

  it('declined: PAYMENT_DECLINED, the loan unchanged (dueAt, renewals, nothing pending); a later renewal can still be paid', async () => {
    const { rental, customerId } = await loan();
    const before = await stored(rental.id);

    const err = await refusal(renewRental(deps(new InProcessPayments(declining)), customerId, rental.id, cause));
    expect(err.code).toBe('PAYMENT_DECLINED');
    const after = await stored(rental.id);
    expect({ ...after, updatedAt: null }).toEqual({ ...before, updatedAt: null });
    expect((await renewalCharges(rental.id)).map((p) => p.status)).toEqual(['DECLINED']);
    expect(await outboxTypes(rental.id)).toEqual(['BookRented', 'RentalRenewalFailed']);

    const renewed = await renewRental(deps(new InProcessPayments(approving)), customerId, rental.id, cause);
    expect(renewed.renewals).toBe(1);
  });

  it('two concurrent renewals of one loan (MAX_RENEWALS 2): exactly one succeeds, one charge', async () => {
    const { rental, customerId } = await loan();
    const payments = new InProcessPayments(approving, 150);
    const results = await Promise.allSettled([
      renewRental(deps(payments, { maxRenewals: 2 }), customerId, rental.id, cause),
      renewRental(deps(payments, { maxRenewals: 2 }), customerId, rental.id, cause),
    ]);
    const ok = results.filter((r) => r.status === 'fulfilled');
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(ok).toHaveLength(1);
    expect(refused.map((r) => (r.reason as DomainError).code)).toEqual(['RENEWAL_NOT_ALLOWED']);
    expect(payments.calls).toBe(1);
    expect(await renewalCharges(rental.id)).toHaveLength(1);
    const after = await stored(rental.id);
    expect(after.renewals).toBe(1);
    expect(after.dueAt!.getTime()).toBe(rental.dueAt!.getTime() + 14 * DAY_MS);
  });

  it('a loan returned while its renewal is paid for: the renewal is not applied and its charge is refunded by payment', async () => {
    const { rental, customerId } = await loan();
    const returning: PaymentProxy = new (class extends InProcessPayments {
      override async approve(req: ApprovePaymentRequest) {
        const outcome = await super.approve(req);
        await endRental({ uow: unitOfWork(db, { wake: () => {} }), policy: DEFAULT_LENDING_POLICY }, customerId, rental.id, 'return', cause);
        return outcome;
      }
    })(approving);

    const err = await refusal(renewRental(deps(returning), customerId, rental.id, cause));
    expect(err.code).toBe('RENEWAL_NOT_ALLOWED');
    const after = await stored(rental.id);
    expect(after).toMatchObject({ status: 'RETURNED', renewals: 0, pendingRenewalId: null, dueAt: rental.dueAt });
    expect(await outboxTypes(rental.id)).toEqual(['BookRented', 'BookReturned', 'RentalRenewalFailed']);

    // Payment consumes RentalRenewalFailed: the renewal's charge is given back, the rent's stays.
    const outboxed = (await db.outboxEvent.findFirstOrThrow({ where: { aggregateId: rental.id, type: 'RentalRenewalFailed' } }))
      .envelope as unknown as EventOf<'RentalRenewalFailed'>;
    const event = { ...outboxed, data: CONTRACTS.RentalRenewalFailed.data.parse(outboxed.data) };
    await payDb.$transaction((tx) => onRentalRenewalFailed(approving)(event, tx));
    expect((await renewalCharges(rental.id)).map((p) => p.status)).toEqual(['REFUNDED']);
    expect((await payDb.payment.findUniqueOrThrow({ where: { rentalId_renewalId: { rentalId: rental.id, renewalId: RENT_CHARGE } } })).status).toBe('APPROVED');
  });

  it("another customer's loan or an unknown id: NOT_FOUND, nothing charged", async () => {
    const { rental } = await loan();
    const payments = new InProcessPayments(approving);
    expect((await refusal(renewRental(deps(payments), randomUUID(), rental.id, cause))).code).toBe('NOT_FOUND');
    expect((await refusal(renewRental(deps(payments), randomUUID(), randomUUID(), cause))).code).toBe('NOT_FOUND');
    expect((await refusal(renewRental(deps(payments), randomUUID(), 'not-a-uuid', cause))).code).toBe('NOT_FOUND');
    expect(payments.calls).toBe(0);
  });
});
