import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { plainSqlOf, requireEnv } from '@ebook/subgraph-kit';
import { createPaymentDb } from '../db';
import { SimulatedPaymentProcessor } from '../domain/payment-processor';
import { DbChargeLedger } from '../db-charge-ledger';
import { onRentalPaymentFailed } from '../handlers/on-rental-payment-failed';
import { approvePayment, chargeKey } from './approve-payment';
import { onRentalRenewalFailed } from '../handlers/on-rental-renewal-failed';
import { RentalCanceled, RentalPaymentFailed, RentalRenewalFailed, unitOfWork } from '@ebook/events';
import { onRentalCanceled } from '../handlers/on-rental-canceled';

const db = createPaymentDb(requireEnv('PAYMENT_DATABASE_URL'));
const approving = new SimulatedPaymentProcessor({ latencyMs: 0, declineRate: 0 });
const declining = new SimulatedPaymentProcessor({ latencyMs: 0, declineRate: 1 });
const cause = { correlationId: 'int-test' };
/** approvePayment's dependencies with `processor`, on plain pg as the service wires them. */
const payWith = (processor: SimulatedPaymentProcessor) => ({ db: plainSqlOf(db)!, uow: unitOfWork(plainSqlOf(db)!, { wake: () => {} }), processor });

const outboxTypes = async (rentalId: string) => (await db.outboxEvent.findMany({ where: { aggregateId: rentalId }, orderBy: { seq: 'asc' } })).map((e) => e.type);

afterAll(() => db.$disconnect());

describe('approvePayment on PostgreSQL', () => {
  it('charges once per rental: a retried call returns the same payment and writes no second event', async () => {
    const cmd = { rentalId: randomUUID(), customerId: randomUUID(), amount: 1500 };
    const first = await approvePayment(payWith(approving), cmd, cause);
    const again = await approvePayment(payWith(approving), cmd, cause);
    expect(first.status).toBe('APPROVED');
    expect(again.id).toBe(first.id);
    expect(await db.payment.count({ where: { rentalId: cmd.rentalId } })).toBe(1);
    expect(await outboxTypes(cmd.rentalId)).toEqual(['PaymentApproved']);
  });

  it('charges once under concurrent retries of the same rental', async () => {
    const cmd = { rentalId: randomUUID(), customerId: randomUUID(), amount: 2000 };
    const results = await Promise.all(Array.from({ length: 6 }, () => approvePayment(payWith(approving), cmd, cause)));
    expect(new Set(results.map((p) => p.id)).size).toBe(1);
    expect(await db.payment.count({ where: { rentalId: cmd.rentalId } })).toBe(1);
    expect(await outboxTypes(cmd.rentalId)).toEqual(['PaymentApproved']);
  });

  it('records a declined charge with its reason and a PaymentDeclined event', async () => {
    const cmd = { rentalId: randomUUID(), customerId: randomUUID(), amount: 1000 };
    const p = await approvePayment(payWith(declining), cmd, cause);
    expect(p).toMatchObject({ status: 'DECLINED', approvedAt: null });
    expect(p.declineReason).toMatch(/declined/);
    expect(await outboxTypes(cmd.rentalId)).toEqual(['PaymentDeclined']);
  });

  it('refuses a second, different payment for the same rental', async () => {
    const cmd = { rentalId: randomUUID(), customerId: randomUUID(), amount: 1000 };
    await approvePayment(payWith(approving), cmd, cause);
    await expect(approvePayment(payWith(approving), { ...cmd, amount: 999 }, cause)).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
  });

  it('compensation: a rental whose saga failed is voided, so a late approval cannot charge it', async () => {
    const rentalId = randomUUID();
    const customerId = randomUUID();
    const failed = RentalPaymentFailed.create(
      rentalId,
      { rentalId, bookId: randomUUID(), customerId, fee: 1000, reason: 'PAYMENT_UNAVAILABLE', failedAt: new Date().toISOString() },
      cause,
    );
    await db.$transaction((tx) => onRentalPaymentFailed(approving)(failed, tx));
    const late = await approvePayment(payWith(approving), { rentalId, customerId, amount: 1000 }, cause);
    expect(late.status).toBe('DECLINED');
    expect(late.declineReason).toMatch(/voided/);
    expect(await outboxTypes(rentalId)).toEqual(['PaymentDeclined']);
  });

  it('compensation: a payment approved after its rental failed is refunded', async () => {
    const cmd = { rentalId: randomUUID(), customerId: randomUUID(), amount: 1200 };
    await approvePayment(payWith(approving), cmd, cause);
    const failed = RentalPaymentFailed.create(
      cmd.rentalId,
      { rentalId: cmd.rentalId, bookId: randomUUID(), customerId: cmd.customerId, fee: 1200, reason: 'PAYMENT_UNAVAILABLE', failedAt: new Date().toISOString() },
      cause,
    );
    await db.$transaction((tx) => onRentalPaymentFailed(approving)(failed, tx));
    const p = await db.payment.findUniqueOrThrow({ where: chargeKey(cmd) });
    expect(p.status).toBe('REFUNDED');
    expect(p.refundedAt).not.toBeNull();
    expect(await outboxTypes(cmd.rentalId)).toEqual(['PaymentApproved', 'PaymentRefunded']);
  });

  it('a canceled rental is refunded once: a second handling (another event for it) refunds nothing more', async () => {
    const cmd = { rentalId: randomUUID(), customerId: randomUUID(), amount: 900 };
    const paid = await approvePayment(payWith(approving), cmd, cause);
    const canceled = () =>
      RentalCanceled.create(
        cmd.rentalId,
        { rentalId: cmd.rentalId, bookId: randomUUID(), customerId: cmd.customerId, paymentId: paid.id, canceledAt: new Date().toISOString() },
        cause,
      );
    await db.$transaction((tx) => onRentalCanceled(approving)(canceled(), tx));
    await db.$transaction((tx) => onRentalCanceled(approving)(canceled(), tx));
    const p = await db.payment.findUniqueOrThrow({ where: chargeKey(cmd) });
    expect(p.status).toBe('REFUNDED');
    expect(await outboxTypes(cmd.rentalId)).toEqual(['PaymentApproved', 'PaymentRefunded']);
  });
});

describe('the processor charges once per rental id (its books in processor_charge)', () => {
  const ledger = new DbChargeLedger(db);
  const processor = new SimulatedPaymentProcessor({ latencyMs: 0, declineRate: 0, ledger });
  const books = (rentalId: string) => db.processorCharge.findMany({ where: { idempotencyKey: rentalId } });

  it('payment crashed after the charge, before recording it: the retry records the same charge, charging nothing more', async () => {
    const cmd = { rentalId: randomUUID(), customerId: randomUUID(), amount: 1700 };
    await processor.charge(cmd); // the call that crashed: charged, nothing recorded
    expect(await db.payment.count({ where: { rentalId: cmd.rentalId } })).toBe(0);
    const p = await approvePayment(payWith(processor), cmd, cause);
    expect(p.status).toBe('APPROVED');
    expect(await books(cmd.rentalId)).toEqual([expect.objectContaining({ amount: 1700, approved: true, attempts: 2, refundedAt: null })]);
  });

  it('concurrent retries: one charge on the books, asked six times, and not given back (it is the recorded one)', async () => {
    const cmd = { rentalId: randomUUID(), customerId: randomUUID(), amount: 2100 };
    const results = await Promise.all(Array.from({ length: 6 }, () => approvePayment(payWith(processor), cmd, cause)));
    expect(new Set(results.map((p) => p.status))).toEqual(new Set(['APPROVED']));
    const rows = await books(cmd.rentalId);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.refundedAt).toBeNull();
    expect(rows[0]!.attempts).toBeGreaterThanOrEqual(1);
  });

  it('payment crashed after the charge and the saga failed: voiding the rental gives the charge back', async () => {
    const rentalId = randomUUID();
    const customerId = randomUUID();
    await processor.charge({ rentalId, customerId, amount: 1300 });
    const failed = RentalPaymentFailed.create(
      rentalId,
      { rentalId, bookId: randomUUID(), customerId, fee: 1300, reason: 'PAYMENT_UNAVAILABLE', failedAt: new Date().toISOString() },
      cause,
    );
    await db.$transaction((tx) => onRentalPaymentFailed(processor)(failed, tx));
    expect(await db.payment.findUniqueOrThrow({ where: chargeKey({ rentalId }) })).toMatchObject({ status: 'DECLINED' });
    expect(await books(rentalId)).toEqual([expect.objectContaining({ approved: true, attempts: 1, refundedAt: expect.any(Date) })]);
    // A late retry of the approval answers the void and charges nothing.
    expect((await approvePayment(payWith(processor), { rentalId, customerId, amount: 1300 }, cause)).status).toBe('DECLINED');
    expect(await books(rentalId)).toEqual([expect.objectContaining({ attempts: 1 })]);
  });

  it('voiding a rental that was never charged leaves the books empty', async () => {
    const rentalId = randomUUID();
    const failed = RentalPaymentFailed.create(
      rentalId,
      { rentalId, bookId: randomUUID(), customerId: randomUUID(), fee: 800, reason: 'PAYMENT_UNAVAILABLE', failedAt: new Date().toISOString() },
      cause,
    );
    await db.$transaction((tx) => onRentalPaymentFailed(processor)(failed, tx));
    expect(await books(rentalId)).toEqual([]);
  });
});

describe('renewal charges on PostgreSQL (keyed by rentalId and renewalId)', () => {
  const renewalFailed = (rentalId: string, renewalId: string, customerId: string, fee: number) =>
    RentalRenewalFailed.create(rentalId, { rentalId, renewalId, customerId, bookId: randomUUID(), fee, reason: 'NOT_APPLIED', failedAt: new Date().toISOString() }, cause);

  it('a renewal is charged apart from the rent, once per renewal id; its events carry the renewalId', async () => {
    const rent = { rentalId: randomUUID(), customerId: randomUUID(), amount: 1500 };
    const renewal = { ...rent, renewalId: randomUUID() };
    const rentCharge = await approvePayment(payWith(approving), rent, cause);
    const renewalCharge = await approvePayment(payWith(approving), renewal, cause);
    const again = await approvePayment(payWith(approving), renewal, cause);
    expect(renewalCharge.id).not.toBe(rentCharge.id);
    expect(again.id).toBe(renewalCharge.id);
    expect(await db.payment.count({ where: { rentalId: rent.rentalId } })).toBe(2);
    const events = await db.outboxEvent.findMany({ where: { aggregateId: rent.rentalId }, orderBy: { seq: 'asc' } });
    expect(events.map((e) => (e.envelope as { data: { renewalId?: string } }).data.renewalId)).toEqual([undefined, renewal.renewalId]);
  });

  it('a declined renewal does not block a later renewal (another renewal id) from being charged', async () => {
    const rentalId = randomUUID();
    const customerId = randomUUID();
    const declined = await approvePayment(payWith(declining), { rentalId, customerId, amount: 700, renewalId: randomUUID() }, cause);
    const later = await approvePayment(payWith(approving), { rentalId, customerId, amount: 700, renewalId: randomUUID() }, cause);
    expect([declined.status, later.status]).toEqual(['DECLINED', 'APPROVED']);
  });

  it('RentalRenewalFailed refunds that renewal charge only (the rent charge stays APPROVED), or voids a renewal not charged yet', async () => {
    const rent = { rentalId: randomUUID(), customerId: randomUUID(), amount: 800 };
    const renewal = { ...rent, renewalId: randomUUID() };
    await approvePayment(payWith(approving), rent, cause);
    await approvePayment(payWith(approving), renewal, cause);
    await db.$transaction((tx) => onRentalRenewalFailed(approving)(renewalFailed(rent.rentalId, renewal.renewalId, rent.customerId, 800), tx));
    expect((await db.payment.findUniqueOrThrow({ where: chargeKey(renewal) })).status).toBe('REFUNDED');
    expect((await db.payment.findUniqueOrThrow({ where: chargeKey(rent) })).status).toBe('APPROVED');

    const notYetCharged = { ...rent, renewalId: randomUUID() };
    await db.$transaction((tx) => onRentalRenewalFailed(approving)(renewalFailed(rent.rentalId, notYetCharged.renewalId, rent.customerId, 800), tx));
    const late = await approvePayment(payWith(approving), notYetCharged, cause);
    expect(late).toMatchObject({ status: 'DECLINED', approvedAt: null });
  });

  it('a canceled rental gets its rent charge and its renewal charges refunded', async () => {
    const rent = { rentalId: randomUUID(), customerId: randomUUID(), amount: 600 };
    const renewal = { ...rent, renewalId: randomUUID() };
    const paid = await approvePayment(payWith(approving), rent, cause);
    await approvePayment(payWith(approving), renewal, cause);
    const canceled = RentalCanceled.create(
      rent.rentalId,
      { rentalId: rent.rentalId, bookId: randomUUID(), customerId: rent.customerId, paymentId: paid.id, canceledAt: new Date().toISOString() },
      cause,
    );
    await db.$transaction((tx) => onRentalCanceled(approving)(canceled, tx));
    const statuses = (await db.payment.findMany({ where: { rentalId: rent.rentalId } })).map((p) => p.status);
    expect(statuses).toEqual(['REFUNDED', 'REFUNDED']);
  });
});
