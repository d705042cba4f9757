import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { unitOfWork } from '@ebook/events';
import { DomainError, plainSqlOf, requireEnv } from '@ebook/subgraph-kit';
import { createRentalDb } from '../db';
import { DEFAULT_LENDING_POLICY, type LendingPolicy } from '../domain/rental';
import type { PaymentProxy } from '../sagaparticipants/payment-proxy';
import { rentBook, type RentBookDeps } from './rent-book';
import { endRental } from './end-rental';
import { refusal } from '@ebook/subgraph-kit/testing';

// Pool of 12: the concurrent rents below really run on separate connections.
const db = createRentalDb(requireEnv('RENTAL_DATABASE_URL'), 12);
afterAll(() => db.$disconnect());
const cause = { correlationId: `lending-rules-${randomUUID()}` };
const HOUR_MS = 3_600_000;

/** Payment as the saga sees it: approves everything, never open. */
const approving: PaymentProxy = {
  approve: async () => ({ kind: 'approved', paymentId: randomUUID() }),
  openForSeconds: () => null,
  circuitState: () => 'closed',
  admit: (saga) => saga(),
};

/** A clock the test moves by hand (ms since the epoch). */
function manualClock(start: Date) {
  let nowMs = start.getTime();
  return { now: () => new Date(nowMs), advance: (ms: number) => void (nowMs += ms) };
}

function depsWith(policy: Partial<LendingPolicy>, clock?: () => Date): RentBookDeps {
  return {
    uow: unitOfWork(db, { wake: () => {} }),
    sqlUow: unitOfWork(plainSqlOf(db)!, { wake: () => {} }),
    payments: approving,
    policy: { ...DEFAULT_LENDING_POLICY, ...policy },
    ...(clock ? { clock } : {}),
  };
}

async function newBook(licensedCopies = 1): Promise<string> {
  const bookId = randomUUID();
  await db.bookReplica.create({ data: { bookId, title: `Book ${bookId}`, rentalFee: 1200, licensedCopies } });
  return bookId;
}
const activeRentals = async (bookId: string) => (await db.bookReplica.findUniqueOrThrow({ where: { bookId } })).activeRentals;
const outboxTypes = async (rentalId: string) => (await db.outboxEvent.findMany({ where: { aggregateId: rentalId }, orderBy: { seq: 'asc' } })).map((e) => e.type);

describe('cancel window on PostgreSQL (controllable clock)', () => {
  it('a cancel within CANCEL_WINDOW of rentedAt refunds (CANCELED, RentalCanceled); the same a second later than the window is refused', async () => {
    const clock = manualClock(new Date('2030-01-01T09:00:00.000Z'));
    const deps = depsWith({ cancelWindowMs: 24 * HOUR_MS }, clock.now);
    const customer = { id: randomUUID() };
    const early = await rentBook(deps, customer, await newBook(), cause);
    const late = await rentBook(deps, customer, await newBook(), cause);
    expect(early.rentedAt.toISOString()).toBe('2030-01-01T09:00:00.000Z');

    clock.advance(24 * HOUR_MS); // the last instant of the window
    expect((await endRental(deps, customer.id, early.id, 'cancel', cause)).status).toBe('CANCELED');
    expect(await outboxTypes(early.id)).toEqual(['BookRented', 'RentalCanceled']);

    clock.advance(1);
    const err = await refusal(endRental(deps, customer.id, late.id, 'cancel', cause));
    expect(err.code).toBe('CANCEL_WINDOW_PASSED');
    expect(err.message).toMatch(/return the book instead/);
    // nothing changed: still RENTED, copy held, no event
    expect(await db.rental.findUniqueOrThrow({ where: { id: late.id } })).toMatchObject({ status: 'RENTED', canceledAt: null, activeKey: late.activeKey });
    expect(await activeRentals(late.bookId)).toBe(1);
    expect(await outboxTypes(late.id)).toEqual(['BookRented']);
    // returning it still works (no refund event)
    expect((await endRental(deps, customer.id, late.id, 'return', cause)).status).toBe('RETURNED');
    expect(await outboxTypes(late.id)).toEqual(['BookRented', 'BookReturned']);
  });
});

describe('active-loan limit on PostgreSQL', () => {
  it('concurrent rents by one customer never pass MAX_ACTIVE_RENTALS: exactly the limit succeed, the rest LOAN_LIMIT_REACHED, nothing written for them', async () => {
    const deps = depsWith({ maxActiveRentals: 3 });
    const customer = { id: randomUUID() };
    const books = await Promise.all(Array.from({ length: 8 }, () => newBook()));
    const results = await Promise.allSettled(books.map((bookId) => rentBook(deps, customer, bookId, cause)));
    const ok = results.filter((r) => r.status === 'fulfilled');
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(ok).toHaveLength(3);
    expect(refused).toHaveLength(5);
    for (const r of refused) expect((r.reason as DomainError).code).toBe('LOAN_LIMIT_REACHED');
    expect(await db.rental.count({ where: { customerId: customer.id } })).toBe(3);
    expect((await Promise.all(books.map(activeRentals))).reduce((a, b) => a + b, 0)).toBe(3);
  });

  it('a loan that ends frees a place under the limit; other customers are not counted', async () => {
    const deps = depsWith({ maxActiveRentals: 1 });
    const me = { id: randomUUID() };
    const first = await rentBook(deps, me, await newBook(), cause);
    await rentBook(deps, { id: randomUUID() }, await newBook(), cause); // someone else
    const err = await refusal(rentBook(deps, me, await newBook(), cause));
    expect(err.code).toBe('LOAN_LIMIT_REACHED');
    expect(err.extensions).toEqual({ limit: 1 });
    await endRental(deps, me.id, first.id, 'return', cause);
    expect((await rentBook(deps, me, await newBook(), cause)).status).toBe('RENTED');
  });
});
