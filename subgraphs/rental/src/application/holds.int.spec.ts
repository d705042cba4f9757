import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { BookRegistered, unitOfWork } from '@ebook/events';
import { plainSqlOf, requireEnv } from '@ebook/subgraph-kit';
import { refusal } from '@ebook/subgraph-kit/testing';
import { createRentalDb } from '../db';
import { DEFAULT_LENDING_POLICY, type LendingPolicy } from '../domain/rental';
import type { PaymentProxy } from '../sagaparticipants/payment-proxy';
import { rentBook, type RentBookDeps } from './rent-book';
import { endRental } from './end-rental';
import { renewRental } from './renew-rental';
import { changeHold, placeHoldFor, runHoldSchedule, type HoldScheduleDeps } from './holds';
import { runLendingSchedule } from './lending-schedule';
import { holdCause } from './copies';
import { onBookRegistered } from '../handlers/on-book-registered';

// Pool of 12: the concurrent commands below really run on separate connections.
const db = createRentalDb(requireEnv('RENTAL_DATABASE_URL'), 12);
afterAll(() => db.$disconnect());
const cause = { correlationId: `holds-${randomUUID()}` };
const S = 1000;
const DAY = 24 * 3600 * S;

/** Payment as the saga sees it: `approve` decides each charge; never open. */
function payments(decide: () => 'approved' | 'declined' = () => 'approved'): PaymentProxy {
  return {
    approve: async () => (decide() === 'approved' ? { kind: 'approved', paymentId: randomUUID() } : { kind: 'declined', paymentId: randomUUID(), reason: 'card declined' }),
    openForSeconds: () => null,
    circuitState: () => 'closed',
    admit: (saga) => saga(),
  };
}

/** A clock the test moves by hand. */
function manualClock(start = new Date('2031-03-01T09:00:00.000Z')) {
  let nowMs = start.getTime();
  return { now: () => new Date(nowMs), advance: (ms: number) => void (nowMs += ms) };
}

const policy: LendingPolicy = { ...DEFAULT_LENDING_POLICY, loanPeriodMs: 14 * DAY, holdOfferPeriodMs: 3 * DAY, maxHolds: 3 };

function depsWith(clock: () => Date, pay: PaymentProxy = payments(), over: Partial<LendingPolicy> = {}): RentBookDeps {
  return { uow: unitOfWork(db, { wake: () => {} }), sqlUow: unitOfWork(plainSqlOf(db)!, { wake: () => {} }), payments: pay, policy: { ...policy, ...over }, clock };
}

async function newBook(licensedCopies = 1): Promise<string> {
  const bookId = randomUUID();
  await db.bookReplica.create({ data: { bookId, title: `Held ${bookId}`, rentalFee: 1500, licensedCopies } });
  return bookId;
}

const customer = () => ({ id: randomUUID() });
const copies = async (bookId: string) => db.bookReplica.findUniqueOrThrow({ where: { bookId }, select: { activeRentals: true, reservedCopies: true, licensedCopies: true } });
const hold = (id: string) => db.hold.findUniqueOrThrow({ where: { id } });
const holdEvents = async (holdId: string) => (await db.outboxEvent.findMany({ where: { aggregateId: holdId }, orderBy: { seq: 'asc' } })).map((e) => e.type);

/** Runs the hold schedule at the clock's time, renting through `deps` for autoRent holds. */
function holdSchedule(deps: RentBookDeps) {
  const scheduleDeps: HoldScheduleDeps = { uow: deps.uow, policy: deps.policy };
  return runHoldSchedule(scheduleDeps, (h) => rentBook(deps, { id: h.customerId }, h.bookId, holdCause(h)), undefined, deps.clock!());
}

describe('holds on PostgreSQL (controllable clock)', () => {
  it('one copy, a loan, two holds: return → first READY → rented; expiry → next READY → offer expires → copy available again', async () => {
    const clock = manualClock();
    const deps = depsWith(clock.now);
    const bookId = await newBook(1);
    const [reader, first, second, walkIn] = [customer(), customer(), customer(), customer()];

    expect((await refusal(placeHoldFor(deps, first.id, bookId, false, cause))).code).toBe('COPIES_AVAILABLE');
    const loan = await rentBook(deps, reader, bookId, cause);
    const h1 = await placeHoldFor(deps, first.id, bookId, false, cause);
    const h2 = await placeHoldFor(deps, second.id, bookId, false, cause);
    expect([h1.status, h2.status]).toEqual(['WAITING', 'WAITING']);
    expect(await holdEvents(h1.id)).toEqual(['HoldPlaced']);
    const placed = await db.outboxEvent.findFirstOrThrow({ where: { aggregateId: h2.id } });
    expect(placed.envelope).toMatchObject({ data: { position: 2, queueLength: 2 } });

    clock.advance(DAY);
    await endRental(deps, reader.id, loan.id, 'return', cause);
    expect(await hold(h1.id)).toMatchObject({ status: 'READY', readyAt: clock.now(), readyUntil: new Date(clock.now().getTime() + 3 * DAY) });
    expect(await hold(h2.id)).toMatchObject({ status: 'WAITING' });
    expect(await copies(bookId)).toEqual({ activeRentals: 0, reservedCopies: 1, licensedCopies: 1 });
    // the reserved copy is nobody else's
    expect((await refusal(rentBook(deps, walkIn, bookId, cause))).code).toBe('BOOK_NOT_AVAILABLE');
    expect((await refusal(rentBook(deps, second, bookId, cause))).code).toBe('BOOK_NOT_AVAILABLE');

    const taken = await rentBook(deps, first, bookId, cause);
    expect(taken.status).toBe('RENTED');
    expect(await hold(h1.id)).toMatchObject({ status: 'FULFILLED', rentalId: taken.id, activeKey: null });
    expect(await holdEvents(h1.id)).toEqual(['HoldPlaced', 'HoldReady', 'HoldFulfilled']);
    expect(await copies(bookId)).toEqual({ activeRentals: 1, reservedCopies: 0, licensedCopies: 1 });

    clock.advance(14 * DAY); // the loan's due date
    expect((await runLendingSchedule({ uow: deps.uow, policy: deps.policy }, undefined, clock.now())).expired).toBeGreaterThanOrEqual(1);
    expect(await db.rental.findUniqueOrThrow({ where: { id: taken.id } })).toMatchObject({ status: 'EXPIRED' });
    expect(await hold(h2.id)).toMatchObject({ status: 'READY' });

    clock.advance(3 * DAY - 1);
    await holdSchedule(deps);
    expect((await hold(h2.id)).status).toBe('READY'); // not before its deadline
    clock.advance(1);
    expect((await holdSchedule(deps)).expired).toBeGreaterThanOrEqual(1);
    expect(await hold(h2.id)).toMatchObject({ status: 'EXPIRED', activeKey: null });
    expect(await holdEvents(h2.id)).toEqual(['HoldPlaced', 'HoldReady', 'HoldExpired']);
    expect(await copies(bookId)).toEqual({ activeRentals: 0, reservedCopies: 0, licensedCopies: 1 });
    expect((await rentBook(deps, walkIn, bookId, cause)).status).toBe('RENTED');
  });

  it('a suspended hold keeps its place but is skipped; resumed while a copy is free it is offered at once', async () => {
    const clock = manualClock();
    const deps = depsWith(clock.now);
    const bookId = await newBook(2);
    const [a, b, away, next] = [customer(), customer(), customer(), customer()];
    const loanA = await rentBook(deps, a, bookId, cause);
    const loanB = await rentBook(deps, b, bookId, cause);
    const hAway = await placeHoldFor(deps, away.id, bookId, false, cause);
    const hNext = await placeHoldFor(deps, next.id, bookId, false, cause);
    expect((await changeHold(deps, away.id, hAway.id, 'suspend', cause)).status).toBe('SUSPENDED');

    await endRental(deps, a.id, loanA.id, 'return', cause);
    expect((await hold(hNext.id)).status).toBe('READY');
    expect((await hold(hAway.id)).status).toBe('SUSPENDED');
    // a copy freed with nobody WAITING goes back to the shelf
    await endRental(deps, b.id, loanB.id, 'return', cause);
    expect(await copies(bookId)).toMatchObject({ activeRentals: 0, reservedCopies: 1 });
    const resumed = await changeHold(deps, away.id, hAway.id, 'resume', cause);
    expect(resumed.status).toBe('READY');
    expect(await copies(bookId)).toMatchObject({ activeRentals: 0, reservedCopies: 2 });
  });

  it('canceling a READY hold gives the copy to the next in line; ended holds cannot change; others get NOT_FOUND', async () => {
    const clock = manualClock();
    const deps = depsWith(clock.now);
    const bookId = await newBook(1);
    const [reader, first, second] = [customer(), customer(), customer()];
    const loan = await rentBook(deps, reader, bookId, cause);
    const h1 = await placeHoldFor(deps, first.id, bookId, false, cause);
    const h2 = await placeHoldFor(deps, second.id, bookId, false, cause);
    await endRental(deps, reader.id, loan.id, 'return', cause);
    expect((await refusal(changeHold(deps, second.id, h1.id, 'cancel', cause))).code).toBe('NOT_FOUND');
    expect((await changeHold(deps, first.id, h1.id, 'cancel', cause)).status).toBe('CANCELED');
    expect((await hold(h2.id)).status).toBe('READY');
    expect(await copies(bookId)).toMatchObject({ activeRentals: 0, reservedCopies: 1 });
    const err = await refusal(changeHold(deps, first.id, h1.id, 'resume', cause));
    expect(err).toMatchObject({ code: 'INVALID_HOLD_STATE', extensions: { status: 'CANCELED' } });
    expect(await holdEvents(h1.id)).toEqual(['HoldPlaced', 'HoldReady', 'HoldCanceled']);
  });

  it('a declined payment for the reserved copy leaves the offer standing (READY, same deadline, copy still reserved)', async () => {
    const clock = manualClock();
    let answer: 'approved' | 'declined' = 'approved';
    const deps = depsWith(
      clock.now,
      payments(() => answer),
    );
    const bookId = await newBook(1);
    const [reader, first] = [customer(), customer()];
    const loan = await rentBook(deps, reader, bookId, cause);
    const h1 = await placeHoldFor(deps, first.id, bookId, false, cause);
    await endRental(deps, reader.id, loan.id, 'return', cause);
    const offered = await hold(h1.id);
    answer = 'declined';
    expect((await refusal(rentBook(deps, first, bookId, cause))).code).toBe('PAYMENT_DECLINED');
    expect(await hold(h1.id)).toMatchObject({ status: 'READY', rentalId: null, readyUntil: offered.readyUntil });
    expect(await copies(bookId)).toEqual({ activeRentals: 0, reservedCopies: 1, licensedCopies: 1 });
    answer = 'approved';
    expect((await rentBook(deps, first, bookId, cause)).status).toBe('RENTED');
    expect((await hold(h1.id)).status).toBe('FULFILLED');
  });

  it('autoRent: the schedule rents and pays the offered copy by itself; a failed payment leaves an ordinary offer, tried once', async () => {
    const clock = manualClock();
    let answer: 'approved' | 'declined' = 'approved';
    const deps = depsWith(
      clock.now,
      payments(() => answer),
    );
    for (const outcome of ['approved', 'declined'] as const) {
      answer = outcome;
      const bookId = await newBook(1);
      const [reader, eager] = [customer(), customer()];
      const loan = await rentBook({ ...deps, payments: payments() }, reader, bookId, cause);
      const h = await placeHoldFor(deps, eager.id, bookId, true, cause);
      await endRental(deps, reader.id, loan.id, 'return', cause);
      expect((await hold(h.id)).status).toBe('READY');
      await holdSchedule(deps);
      await holdSchedule(deps); // a second run never tries again
      const rentals = await db.rental.findMany({ where: { customerId: eager.id } });
      if (outcome === 'approved') {
        expect(rentals.map((r) => r.status)).toEqual(['RENTED']);
        expect(await hold(h.id)).toMatchObject({ status: 'FULFILLED', rentalId: rentals[0]!.id });
      } else {
        expect(rentals.map((r) => r.status)).toEqual(['PAYMENT_DECLINED']);
        expect(await hold(h.id)).toMatchObject({ status: 'READY', rentalId: null });
        expect((await hold(h.id)).autoRentTriedAt).not.toBeNull();
      }
    }
  });

  it('refusals: ALREADY_RENTED, ALREADY_ON_HOLD, HOLD_LIMIT_REACHED (MAX_HOLDS), unknown book NOT_FOUND — nothing written', async () => {
    const clock = manualClock();
    const deps = depsWith(clock.now);
    const [reader, holder] = [customer(), customer()];
    const books = await Promise.all([newBook(1), newBook(1), newBook(1), newBook(1)]);
    for (const bookId of books) await rentBook(deps, reader, bookId, cause);
    expect((await refusal(placeHoldFor(deps, reader.id, books[0], false, cause))).code).toBe('ALREADY_RENTED');
    for (const bookId of books.slice(0, 3)) await placeHoldFor(deps, holder.id, bookId, false, cause);
    expect((await refusal(placeHoldFor(deps, holder.id, books[0], false, cause))).code).toBe('ALREADY_ON_HOLD');
    const limit = await refusal(placeHoldFor(deps, holder.id, books[3], false, cause));
    expect(limit).toMatchObject({ code: 'HOLD_LIMIT_REACHED', extensions: { limit: 3 } });
    expect((await refusal(placeHoldFor(deps, holder.id, randomUUID(), false, cause))).code).toBe('NOT_FOUND');
    expect(await db.hold.count({ where: { customerId: holder.id } })).toBe(3);
  });

  it('concurrent holds of one customer never pass MAX_HOLDS', async () => {
    const clock = manualClock();
    const deps = depsWith(clock.now);
    const holder = customer();
    const books = await Promise.all(Array.from({ length: 6 }, () => newBook(1)));
    for (const bookId of books) await rentBook(deps, customer(), bookId, cause);
    const results = await Promise.allSettled(books.map((bookId) => placeHoldFor(deps, holder.id, bookId, false, cause)));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(3);
    expect(await db.hold.count({ where: { customerId: holder.id } })).toBe(3);
  });

  it('more licensed copies registered for a book with a queue: the new copy is offered to the first in line at once', async () => {
    const clock = manualClock();
    const deps = depsWith(clock.now);
    const bookId = await newBook(1);
    const [reader, holder] = [customer(), customer()];
    await rentBook(deps, reader, bookId, cause);
    const h = await placeHoldFor(deps, holder.id, bookId, false, cause);
    const more = BookRegistered.create(bookId, { bookId, title: `Held ${bookId}`, author: 'A', publishedYear: 1900, rentalFee: 1500, licensedCopies: 2 }, cause);
    await db.$transaction((tx) => onBookRegistered(policy)(more, tx));
    expect(await hold(h.id)).toMatchObject({ status: 'READY' });
    expect(await holdEvents(h.id)).toEqual(['HoldPlaced', 'HoldReady']);
    expect(await copies(bookId)).toEqual({ activeRentals: 1, reservedCopies: 1, licensedCopies: 2 });
  });

  it('a loan is not renewed while someone holds its book: RENEWAL_NOT_ALLOWED (HOLDS_WAITING)', async () => {
    const clock = manualClock();
    const deps = depsWith(clock.now);
    const bookId = await newBook(1);
    const [reader, holder] = [customer(), customer()];
    const loan = await rentBook(deps, reader, bookId, cause);
    await placeHoldFor(deps, holder.id, bookId, false, cause);
    const err = await refusal(renewRental(deps, reader.id, loan.id, cause));
    expect(err).toMatchObject({ code: 'RENEWAL_NOT_ALLOWED', extensions: { reason: 'HOLDS_WAITING' } });
  });
});

describe('holds under concurrency on PostgreSQL', () => {
  it('returns, rents, a cancel and the offer expiry racing on the last reserved copy: it is taken at most once and never lost', async () => {
    for (let round = 0; round < 5; round++) {
      const clock = manualClock();
      const deps = depsWith(clock.now);
      const bookId = await newBook(1);
      const [reader, first, second, walkIn] = [customer(), customer(), customer(), customer()];
      const loan = await rentBook(deps, reader, bookId, cause);
      const h1 = await placeHoldFor(deps, first.id, bookId, false, cause);
      await placeHoldFor(deps, second.id, bookId, false, cause);
      await endRental(deps, reader.id, loan.id, 'return', cause);
      clock.advance(3 * DAY); // h1's offer is due to expire right now
      await Promise.allSettled([
        rentBook(deps, first, bookId, cause),
        rentBook(deps, first, bookId, cause),
        rentBook(deps, second, bookId, cause),
        rentBook(deps, walkIn, bookId, cause),
        holdSchedule(deps),
        round % 2 === 0 ? changeHold(deps, first.id, h1.id, 'cancel', cause) : Promise.resolve(),
        endRental(deps, reader.id, loan.id, 'return', cause),
      ]);
      await holdSchedule(deps); // whatever is left to expire / offer
      const rentals = await db.rental.count({ where: { bookId, status: { in: ['PENDING_PAYMENT', 'RENTED'] } } });
      // READY and not being rented: a reservation (a READY hold whose copy a pending rental took counts as that rental)
      const ready = await db.hold.count({ where: { bookId, status: 'READY', rentalId: null } });
      expect(await db.rental.count({ where: { bookId, status: 'PENDING_PAYMENT' } })).toBe(0); // every saga settled
      const c = await copies(bookId);
      expect(rentals + ready).toBe(1); // the one copy is either rented or reserved, never both, never lost
      expect(c).toEqual({ activeRentals: rentals, reservedCopies: ready, licensedCopies: 1 });
      expect(await db.rental.count({ where: { bookId, customerId: walkIn.id, status: 'RENTED' } })).toBe(0);
    }
  });

  it('two copies returned at once with two holds waiting: each hold is offered exactly one copy', async () => {
    const clock = manualClock();
    const deps = depsWith(clock.now);
    const bookId = await newBook(2);
    const [a, b, h1c, h2c] = [customer(), customer(), customer(), customer()];
    const loanA = await rentBook(deps, a, bookId, cause);
    const loanB = await rentBook(deps, b, bookId, cause);
    const h1 = await placeHoldFor(deps, h1c.id, bookId, false, cause);
    const h2 = await placeHoldFor(deps, h2c.id, bookId, false, cause);
    await Promise.all([endRental(deps, a.id, loanA.id, 'return', cause), endRental(deps, b.id, loanB.id, 'return', cause)]);
    expect([(await hold(h1.id)).status, (await hold(h2.id)).status]).toEqual(['READY', 'READY']);
    expect(await holdEvents(h1.id)).toEqual(['HoldPlaced', 'HoldReady']);
    expect(await holdEvents(h2.id)).toEqual(['HoldPlaced', 'HoldReady']);
    expect(await copies(bookId)).toEqual({ activeRentals: 0, reservedCopies: 2, licensedCopies: 2 });
  });
});
