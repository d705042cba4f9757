import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { unitOfWork, type OutboxRelay } from '@ebook/events';
import { createLogger, requireEnv, startPeriodicJobs } from '@ebook/subgraph-kit';
import { createRentalDb, type RentalDb } from '../db';
import { activeKeyOf, DEFAULT_LENDING_POLICY } from '../domain/rental';
import { runLendingSchedule, type LendingScheduleDeps } from './lending-schedule';

// Two clients = two schedulers on separate connections (as two replicas are).
const dbA = createRentalDb(requireEnv('RENTAL_DATABASE_URL'), 4);
const dbB = createRentalDb(requireEnv('RENTAL_DATABASE_URL'), 4);
afterAll(() => Promise.all([dbA.$disconnect(), dbB.$disconnect()]));
const logger = createLogger('lending-schedule-int', 'silent');
const S = 1000;
const H = 3600 * S;
const D = 24 * H;

const scheduler = (db: RentalDb, dueSoonNoticeMs = D, batchSize?: number): LendingScheduleDeps => ({
  uow: unitOfWork(db, { wake: () => {} }),
  policy: { dueSoonNoticeMs, holdOfferPeriodMs: DEFAULT_LENDING_POLICY.holdOfferPeriodMs },
  ...(batchSize ? { batchSize } : {}),
});

/** A book with `copies` licensed copies, all held by the loans the test creates. */
async function book(copies: number): Promise<string> {
  const bookId = randomUUID();
  await dbA.bookReplica.create({ data: { bookId, title: 'Schedule', rentalFee: 900, licensedCopies: copies, activeRentals: copies } });
  return bookId;
}

/** A RENTED loan of `bookId` due at `dueAt` (a BookRented already recorded, as after confirmPayment). */
async function loan(bookId: string, dueAt: Date) {
  const customerId = randomUUID();
  return dbA.rental.create({
    data: {
      bookId,
      customerId,
      status: 'RENTED',
      fee: 900,
      activeKey: activeKeyOf(customerId, bookId),
      paymentId: randomUUID(),
      rentedAt: new Date(dueAt.getTime() - 14 * D),
      dueAt,
      correlationId: `corr-${randomUUID()}`,
    },
  });
}

const eventsOf = (ids: string[], type: string) => dbA.outboxEvent.findMany({ where: { aggregateId: { in: ids }, type } });
const held = async (bookId: string) => (await dbA.bookReplica.findUniqueOrThrow({ where: { bookId } })).activeRentals;

describe('lending schedule on PostgreSQL', () => {
  it('a loan due while the service was down is expired on the first run: EXPIRED, copy freed, one RentalExpired, no notice', async () => {
    const now = new Date();
    const bookId = await book(1);
    const overdue = await loan(bookId, new Date(now.getTime() - 6 * H)); // passed hours ago, nobody running
    const run = await runLendingSchedule(scheduler(dbA), logger, now);
    expect(run.expired).toBeGreaterThanOrEqual(1);
    expect(await dbA.rental.findUniqueOrThrow({ where: { id: overdue.id } })).toMatchObject({ status: 'EXPIRED', activeKey: null, expiredAt: now });
    expect(await held(bookId)).toBe(0);
    const expired = await eventsOf([overdue.id], 'RentalExpired');
    expect(expired).toHaveLength(1);
    expect(expired[0]!.envelope).toMatchObject({
      correlationId: overdue.correlationId,
      data: { rentalId: overdue.id, bookId, customerId: overdue.customerId, paymentId: overdue.paymentId, dueAt: overdue.dueAt!.toISOString(), expiredAt: now.toISOString() },
    });
    expect(await eventsOf([overdue.id], 'RentalDueSoon')).toHaveLength(0);
    await runLendingSchedule(scheduler(dbA), logger, new Date(now.getTime() + S));
    expect(await eventsOf([overdue.id], 'RentalExpired')).toHaveLength(1);
  });

  it('two schedulers racing on the same loans: exactly one expiry per overdue loan, one notice per loan due soon, copies freed once', async () => {
    const now = new Date();
    const bookId = await book(30);
    const overdue = await Promise.all(Array.from({ length: 15 }, (_, i) => loan(bookId, new Date(now.getTime() - (i + 1) * S))));
    const dueSoon = await Promise.all(Array.from({ length: 15 }, (_, i) => loan(bookId, new Date(now.getTime() + H + i * S))));
    // Small batches so the two really interleave; several rounds, the clock still inside the notice period.
    for (let round = 0; round < 4; round += 1) {
      const t = new Date(now.getTime() + round * 10);
      await Promise.all([runLendingSchedule(scheduler(dbA, D, 4), logger, t), runLendingSchedule(scheduler(dbB, D, 4), logger, t)]);
    }
    const overdueIds = overdue.map((r) => r.id);
    const dueSoonIds = dueSoon.map((r) => r.id);
    const expiredEvents = await eventsOf(overdueIds, 'RentalExpired');
    expect(expiredEvents).toHaveLength(15);
    expect(new Set(expiredEvents.map((e) => e.aggregateId)).size).toBe(15);
    const notices = await eventsOf(dueSoonIds, 'RentalDueSoon');
    expect(notices).toHaveLength(15);
    expect(new Set(notices.map((e) => e.aggregateId)).size).toBe(15);
    expect(await eventsOf(dueSoonIds, 'RentalExpired')).toHaveLength(0);
    expect(await eventsOf(overdueIds, 'RentalDueSoon')).toHaveLength(0);
    expect(await dbA.rental.count({ where: { id: { in: overdueIds }, status: 'EXPIRED' } })).toBe(15);
    expect(await dbA.rental.count({ where: { id: { in: dueSoonIds }, status: 'RENTED', dueSoonNotifiedAt: { not: null } } })).toBe(15);
    expect(await held(bookId)).toBe(15);
  });

  it('due-soon notice once, then expiry at the due date (notice-period loans are not expired early)', async () => {
    const now = new Date();
    const bookId = await book(1);
    const r = await loan(bookId, new Date(now.getTime() + 2 * H));
    await runLendingSchedule(scheduler(dbA, 3 * H), logger, now);
    await runLendingSchedule(scheduler(dbB, 3 * H), logger, new Date(now.getTime() + H));
    expect((await dbA.rental.findUniqueOrThrow({ where: { id: r.id } })).status).toBe('RENTED');
    expect(await eventsOf([r.id], 'RentalDueSoon')).toHaveLength(1);
    await runLendingSchedule(scheduler(dbA, 3 * H), logger, new Date(now.getTime() + 2 * H));
    expect((await dbA.rental.findUniqueOrThrow({ where: { id: r.id } })).status).toBe('EXPIRED');
    expect((await dbA.outboxEvent.findMany({ where: { aggregateId: r.id }, orderBy: { seq: 'asc' } })).map((e) => e.type)).toEqual(['RentalDueSoon', 'RentalExpired']);
  });

  it('with short durations a loan is expired within 2 s of its deadline by the periodic job (every 500 ms, real clock)', async () => {
    const bookId = await book(1);
    const due = new Date(Date.now() + 1_000);
    const r = await loan(bookId, due);
    const relay = { wake: () => {} } as unknown as OutboxRelay;
    const jobs = startPeriodicJobs([{ name: 'lending schedule', everyMs: 500, run: () => runLendingSchedule(scheduler(dbA, 0), logger) }], relay, logger);
    try {
      await expect.poll(async () => (await dbA.rental.findUniqueOrThrow({ where: { id: r.id } })).status, { timeout: 5_000, interval: 50 }).toBe('EXPIRED');
    } finally {
      await jobs.stop();
    }
    const expiredAt = (await dbA.rental.findUniqueOrThrow({ where: { id: r.id } })).expiredAt!;
    expect(expiredAt.getTime() - due.getTime()).toBeGreaterThanOrEqual(0);
    expect(expiredAt.getTime() - due.getTime()).toBeLessThan(2_000);
  });
});
