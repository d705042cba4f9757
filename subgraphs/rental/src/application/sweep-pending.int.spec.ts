import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { unitOfWork } from '@ebook/events';
import { createLogger, requireEnv } from '@ebook/subgraph-kit';
import { createRentalDb } from '../db';
import { activeKeyOf, DEFAULT_LENDING_POLICY } from '../domain/rental';
import { sweepStalePending, sweepStaleRenewals } from './sweep-pending';

const db = createRentalDb(requireEnv('RENTAL_DATABASE_URL'));
const logger = createLogger('sweeper-int', 'silent');
afterAll(() => db.$disconnect());
let wakes = 0;
/** The sweeper's dependencies; counts relay wake-ups. */
const sweeper = { db, uow: unitOfWork(db, { wake: () => void (wakes += 1) }), policy: DEFAULT_LENDING_POLICY };

/** A rental whose saga died after reserving the copy: PENDING_PAYMENT, holding one of 1 copies. */
async function abandonedRental(ageMs: number) {
  const bookId = randomUUID();
  const customerId = randomUUID();
  await db.bookReplica.create({ data: { bookId, title: 'Sweeper', rentalFee: 700, licensedCopies: 1, activeRentals: 1 } });
  const rental = await db.rental.create({
    data: { bookId, customerId, status: 'PENDING_PAYMENT', fee: 700, activeKey: activeKeyOf(customerId, bookId), correlationId: `corr-${randomUUID()}` },
  });
  await db.$executeRawUnsafe(`UPDATE rental SET "updatedAt" = now() - ($1 || ' milliseconds')::interval WHERE id = $2::uuid`, String(ageMs), rental.id);
  return rental;
}

describe('pending-payment sweeper on PostgreSQL', () => {
  it('fails a stale pending rental, frees its copy and asks payment to compensate', async () => {
    const rental = await abandonedRental(120_000);
    const wakesBefore = wakes;
    expect(await sweepStalePending(sweeper, 60_000, logger)).toBeGreaterThanOrEqual(1);
    expect(wakes).toBeGreaterThan(wakesBefore);
    const after = await db.rental.findUniqueOrThrow({ where: { id: rental.id } });
    expect(after).toMatchObject({ status: 'PAYMENT_FAILED', activeKey: null });
    expect((await db.bookReplica.findUniqueOrThrow({ where: { bookId: rental.bookId } })).activeRentals).toBe(0);
    const events = await db.outboxEvent.findMany({ where: { aggregateId: rental.id } });
    expect(events.map((e) => e.type)).toEqual(['RentalPaymentFailed']);
    expect((events[0]!.envelope as { correlationId: string }).correlationId).toBe(rental.correlationId);
    // A second sweep finds nothing more to do for it.
    await sweepStalePending(sweeper, 60_000, logger);
    expect(await db.outboxEvent.count({ where: { aggregateId: rental.id } })).toBe(1);
  });

  it('leaves a rental whose saga may still be running alone', async () => {
    const rental = await abandonedRental(1_000);
    await sweepStalePending(sweeper, 60_000, logger);
    expect((await db.rental.findUniqueOrThrow({ where: { id: rental.id } })).status).toBe('PENDING_PAYMENT');
    expect(await db.outboxEvent.count({ where: { aggregateId: rental.id } })).toBe(0);
  });

  it('abandons a stale pending renewal (its saga died): the loan unchanged but free to renew again, RentalRenewalFailed for payment', async () => {
    const bookId = randomUUID();
    const customerId = randomUUID();
    const renewalId = randomUUID();
    const dueAt = new Date(Date.now() + 86_400_000);
    const rental = await db.rental.create({
      data: {
        bookId,
        customerId,
        status: 'RENTED',
        fee: 700,
        activeKey: activeKeyOf(customerId, bookId),
        dueAt,
        pendingRenewalId: renewalId,
        correlationId: `corr-${randomUUID()}`,
      },
    });
    await db.$executeRawUnsafe(`UPDATE rental SET "updatedAt" = now() - interval '2 minutes' WHERE id = $1::uuid`, rental.id);
    expect(await sweepStaleRenewals(sweeper, 60_000, logger)).toBeGreaterThanOrEqual(1);
    expect(await db.rental.findUniqueOrThrow({ where: { id: rental.id } })).toMatchObject({ status: 'RENTED', pendingRenewalId: null, renewals: 0, dueAt });
    const events = await db.outboxEvent.findMany({ where: { aggregateId: rental.id } });
    expect(events.map((e) => e.type)).toEqual(['RentalRenewalFailed']);
    expect((events[0]!.envelope as { data: { renewalId: string; reason: string } }).data).toMatchObject({ renewalId, reason: 'NOT_APPLIED' });
    await sweepStaleRenewals(sweeper, 60_000, logger);
    expect(await db.outboxEvent.count({ where: { aggregateId: rental.id } })).toBe(1);
  });
});
