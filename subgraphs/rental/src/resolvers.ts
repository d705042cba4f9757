import { batchByKey, batchGroupByKey, ownedOrManaged, requireAuth, type BaseContext, isUuid } from '@ebook/subgraph-kit';
import type { BookReplica, Hold, Rental } from './generated/prisma/client';
import type { MutationResolvers, Resolvers } from './__generated__/resolvers-types';
import type { RentalDb } from './db';
import type { RentalEnding } from './domain/rental';
import { ACTIVE_HOLD_STATUSES, estimatedWaitDays, QUEUED_HOLD_STATUSES } from './domain/hold';
import { rentBook, type RentBookDeps } from './application/rent-book';
import { endRental } from './application/end-rental';
import { renewRental } from './application/renew-rental';
import { changeHold, placeHoldFor, type HoldCommand } from './application/holds';
import { freeCopies } from './application/copies';
import { systemClock } from './application/clock';

/** Request context of the rental subgraph. */
export interface RentalContext extends BaseContext {
  deps: RentBookDeps;
  rentalById: ReturnType<typeof loaders>['rentalById'];
  rentalsByCustomer: ReturnType<typeof loaders>['rentalsByCustomer'];
  replicaByBook: ReturnType<typeof loaders>['replicaByBook'];
  holdById: ReturnType<typeof loaders>['holdById'];
  holdsByCustomer: ReturnType<typeof loaders>['holdsByCustomer'];
  activeHoldsByBook: ReturnType<typeof loaders>['activeHoldsByBook'];
  queueByBook: ReturnType<typeof loaders>['queueByBook'];
  busyUntilByBook: ReturnType<typeof loaders>['busyUntilByBook'];
}

/** Order of `myHolds`: active holds first (READY, WAITING, SUSPENDED), then ended ones; newest first within each. */
const HOLD_LIST_ORDER: Record<Hold['status'], number> = { READY: 0, WAITING: 1, SUSPENDED: 2, FULFILLED: 3, CANCELED: 3, EXPIRED: 3 };

/** Request-scoped batch loaders: one query per entity list. */
export function loaders(db: RentalDb) {
  /** The active holds of each book (READY, WAITING, SUSPENDED) in the order they were placed (queue order). */
  const activeHoldsByBook = batchGroupByKey<string, Hold>(
    (ids) => db.hold.findMany({ where: { bookId: { in: [...ids] }, status: { in: [...ACTIVE_HOLD_STATUSES] } }, orderBy: { seq: 'asc' } }),
    (h) => h.bookId,
  );
  return {
    rentalById: batchByKey<string, Rental>(
      (ids) => db.rental.findMany({ where: { id: { in: [...ids] } } }),
      (r) => r.id,
    ),
    rentalsByCustomer: batchGroupByKey<string, Rental>(
      (ids) => db.rental.findMany({ where: { customerId: { in: [...ids] } }, orderBy: { rentedAt: 'desc' } }),
      (r) => r.customerId,
    ),
    replicaByBook: batchByKey<string, BookReplica>(
      (ids) => db.bookReplica.findMany({ where: { bookId: { in: [...ids] } } }),
      (b) => b.bookId,
    ),
    holdById: batchByKey<string, Hold>(
      (ids) => db.hold.findMany({ where: { id: { in: [...ids] } } }),
      (h) => h.id,
    ),
    holdsByCustomer: batchGroupByKey<string, Hold>(
      (ids) => db.hold.findMany({ where: { customerId: { in: [...ids] } }, orderBy: { seq: 'desc' } }),
      (h) => h.customerId,
    ),
    activeHoldsByBook,
    /** The queue of each book (WAITING and SUSPENDED holds) in queue order, from the same statement as `activeHoldsByBook`. */
    queueByBook: { load: async (bookId: string) => (await activeHoldsByBook.load(bookId)).filter((h) => QUEUED_HOLD_STATUSES.includes(h.status)) },
    /** When each copy in use of each book is expected back: due dates of RENTED loans, deadlines of READY offers. */
    busyUntilByBook: batchGroupByKey<string, { bookId: string; until: Date }>(
      async (ids) => {
        const [loans, offers] = await Promise.all([
          db.rental.findMany({ where: { bookId: { in: [...ids] }, status: 'RENTED' }, select: { bookId: true, dueAt: true } }),
          db.hold.findMany({ where: { bookId: { in: [...ids] }, status: 'READY' }, select: { bookId: true, readyUntil: true } }),
        ]);
        return [
          ...loans.flatMap((l) => (l.dueAt ? [{ bookId: l.bookId, until: l.dueAt }] : [])),
          ...offers.flatMap((o) => (o.readyUntil ? [{ bookId: o.bookId, until: o.readyUntil }] : [])),
        ];
      },
      (b) => b.bookId,
    ),
  };
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/** A rental by id as the caller may see it: its customer's and managers' (else null, as for an unknown id). @throws `UNAUTHENTICATED`. */
async function visibleRental(id: string, ctx: RentalContext): Promise<Rental | null> {
  return ownedOrManaged(ctx.auth, isUuid(id) ? await ctx.rentalById.load(id) : null, (r) => r.customerId);
}

/** `cancelRental` / `returnBook`: the customer's own RENTED rental only (rules in application/end-rental.ts). */
function endRentalResolver(ending: RentalEnding): NonNullable<MutationResolvers<RentalContext>['cancelRental' | 'returnBook']> {
  return async (_, { rentalId }, ctx) => {
    const customer = requireAuth(ctx); // role: @requiresScopes in schema.graphql
    const rental = await endRental(ctx.deps, customer.id, rentalId, ending, { correlationId: ctx.correlationId });
    ctx.logger.info({ rentalId, ending }, ending === 'cancel' ? 'rental canceled' : 'book returned');
    return rental;
  };
}

/** A hold by id as the caller may see it: its customer's and managers' (else null, as for an unknown id). @throws `UNAUTHENTICATED`. */
async function visibleHold(id: string, ctx: RentalContext): Promise<Hold | null> {
  return ownedOrManaged(ctx.auth, isUuid(id) ? await ctx.holdById.load(id) : null, (h) => h.customerId);
}

/** `cancelHold` / `suspendHold` / `resumeHold`: the customer's own hold only (rules in application/holds.ts). */
function holdCommandResolver(command: HoldCommand): NonNullable<MutationResolvers<RentalContext>['cancelHold' | 'suspendHold' | 'resumeHold']> {
  return async (_, { holdId }, ctx) => {
    const customer = requireAuth(ctx); // role: @requiresScopes in schema.graphql
    const hold = await changeHold(ctx.deps, customer.id, holdId, command, { correlationId: ctx.correlationId });
    ctx.logger.info({ holdId, command, status: hold.status }, 'hold changed');
    return hold;
  };
}

/**
 * Estimated wait of the hold at `position` among the book's WAITING holds (a newcomer: their
 * count + 1), from the replica and the copies' return times (see `estimatedWaitDays`).
 */
async function waitDays(ctx: RentalContext, replica: BookReplica, position: number): Promise<number | null> {
  const free = freeCopies(replica);
  const busy = free > 0 ? [] : await ctx.busyUntilByBook.load(replica.bookId);
  const now = (ctx.deps.clock ?? systemClock)();
  return estimatedWaitDays(
    { position, licensedCopies: replica.licensedCopies, freeCopies: free, busyUntil: busy.map((b) => b.until), loanPeriodMs: ctx.deps.policy.loanPeriodMs },
    now,
  );
}

export const resolvers: Resolvers<RentalContext> = {
  Query: {
    rental: (_, { id }, ctx) => visibleRental(id, ctx),
    myHolds: async (_, __, ctx) => {
      const me = requireAuth(ctx);
      const holds = await ctx.holdsByCustomer.load(me.id);
      return [...holds].sort((a, b) => HOLD_LIST_ORDER[a.status] - HOLD_LIST_ORDER[b.status]);
    },
  },
  Mutation: {
    rentBook: async (_, { bookId }, ctx) => {
      const customer = requireAuth(ctx); // role: @requiresScopes in schema.graphql
      const rental = await rentBook(ctx.deps, { id: customer.id }, bookId, { correlationId: ctx.correlationId });
      ctx.logger.info({ rentalId: rental.id, bookId }, 'book rented');
      return rental;
    },
    cancelRental: endRentalResolver('cancel'),
    returnBook: endRentalResolver('return'),
    placeHold: async (_, { bookId, autoRent }, ctx) => {
      const customer = requireAuth(ctx); // role: @requiresScopes in schema.graphql
      const hold = await placeHoldFor(ctx.deps, customer.id, bookId, autoRent ?? false, { correlationId: ctx.correlationId });
      ctx.logger.info({ holdId: hold.id, bookId, autoRent: hold.autoRent }, 'hold placed');
      return hold;
    },
    cancelHold: holdCommandResolver('cancel'),
    suspendHold: holdCommandResolver('suspend'),
    resumeHold: holdCommandResolver('resume'),
    renewRental: async (_, { rentalId }, ctx) => {
      const customer = requireAuth(ctx); // role: @requiresScopes in schema.graphql
      const rental = await renewRental(ctx.deps, customer.id, rentalId, { correlationId: ctx.correlationId });
      ctx.logger.info({ rentalId, renewals: rental.renewals }, 'rental renewed');
      return rental;
    },
  },
  Rental: {
    __resolveReference: (ref, ctx) => visibleRental(ref.id, ctx),
    book: (r) => ({ __typename: 'Book', id: r.bookId }),
    user: (r) => ({ __typename: 'User', id: r.customerId }),
    rentedAt: (r) => r.rentedAt.toISOString(),
    dueAt: (r) => iso(r.dueAt),
    returnedAt: (r) => iso(r.returnedAt),
    canceledAt: (r) => iso(r.canceledAt),
  },
  Hold: {
    __resolveReference: (ref, ctx) => visibleHold(ref.id, ctx),
    book: (h) => ({ __typename: 'Book', id: h.bookId }),
    user: (h) => ({ __typename: 'User', id: h.customerId }),
    position: async (h, _, ctx) => {
      const index = (await ctx.queueByBook.load(h.bookId)).findIndex((q) => q.id === h.id);
      return index < 0 ? null : index + 1;
    },
    queueLength: async (h, _, ctx) => (await ctx.queueByBook.load(h.bookId)).length,
    placedAt: (h) => h.placedAt.toISOString(),
    readyUntil: (h) => (h.status === 'READY' ? iso(h.readyUntil) : null),
    estimatedWaitDays: async (h, _, ctx) => {
      if (h.status !== 'WAITING' && h.status !== 'SUSPENDED') return null;
      const [queue, replica] = await Promise.all([ctx.queueByBook.load(h.bookId), ctx.replicaByBook.load(h.bookId)]);
      const mine = queue.findIndex((q) => q.id === h.id);
      if (!replica || mine < 0) return null;
      // Suspended holds are skipped by offers: the place that counts is among the WAITING ones.
      const waitingAhead = queue.slice(0, mine).filter((q) => q.status === 'WAITING').length;
      return waitDays(ctx, replica, waitingAhead + 1);
    },
  },
  Book: {
    availableCopies: async (book, _, ctx) => {
      const replica = isUuid(book.id) ? await ctx.replicaByBook.load(book.id) : null;
      return replica ? freeCopies(replica) : 0;
    },
    availability: async (book, _, ctx) => {
      const replica = isUuid(book.id) ? await ctx.replicaByBook.load(book.id) : null;
      if (!replica) return { totalCopies: 0, availableCopies: 0, holdsWaiting: 0, estimatedWaitDays: null };
      const queue = await ctx.queueByBook.load(replica.bookId);
      const waiting = queue.filter((q) => q.status === 'WAITING').length;
      return {
        totalCopies: replica.licensedCopies,
        availableCopies: freeCopies(replica),
        holdsWaiting: queue.length,
        estimatedWaitDays: await waitDays(ctx, replica, waiting + 1),
      };
    },
    // role: @requiresScope(manager) in schema.graphql. READY offers first; the sort is stable, so the rest keeps queue order.
    holds: async (book, _, ctx) => {
      if (!isUuid(book.id)) return [];
      const active = await ctx.activeHoldsByBook.load(book.id);
      return [...active].sort((a, b) => Number(b.status === 'READY') - Number(a.status === 'READY'));
    },
  },
  User: {
    // Someone else's rentals are an empty list, as for a user who has none.
    rentals: (user, _, ctx) => (ownedOrManaged(ctx.auth, user, (u) => u.id) && isUuid(user.id) ? ctx.rentalsByCustomer.load(user.id) : []),
  },
};
