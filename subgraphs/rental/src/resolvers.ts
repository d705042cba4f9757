import { batchByKey, batchGroupByKey, ownedOrManaged, requireAuth, type BaseContext, isUuid } from '@ebook/subgraph-kit';
import type { BookReplica, Rental } from './generated/prisma/client';
import type { MutationResolvers, Resolvers } from './__generated__/resolvers-types';
import type { RentalDb } from './db';
import { availableCopies, type RentalEnding } from './domain/rental';
import { rentBook, type RentBookDeps } from './application/rent-book';
import { endRental } from './application/end-rental';
import { renewRental } from './application/renew-rental';

/** Request context of the rental subgraph. */
export interface RentalContext extends BaseContext {
  deps: RentBookDeps;
  rentalById: ReturnType<typeof loaders>['rentalById'];
  rentalsByCustomer: ReturnType<typeof loaders>['rentalsByCustomer'];
  replicaByBook: ReturnType<typeof loaders>['replicaByBook'];
}

/** Request-scoped batch loaders: one query per entity list. */
export function loaders(db: RentalDb) {
  return {
    rentalById: batchByKey<string, Rental>((ids) => db.rental.findMany({ where: { id: { in: [...ids] } } }), (r) => r.id),
    rentalsByCustomer: batchGroupByKey<string, Rental>(
      (ids) => db.rental.findMany({ where: { customerId: { in: [...ids] } }, orderBy: { rentedAt: 'desc' } }),
      (r) => r.customerId,
    ),
    replicaByBook: batchByKey<string, BookReplica>((ids) => db.bookReplica.findMany({ where: { bookId: { in: [...ids] } } }), (b) => b.bookId),
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

export const resolvers: Resolvers<RentalContext> = {
  Query: {
    rental: (_, { id }, ctx) => visibleRental(id, ctx),
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
  Book: {
    availableCopies: async (book, _, ctx) => {
      const replica = isUuid(book.id) ? await ctx.replicaByBook.load(book.id) : null;
      return replica ? availableCopies(replica.licensedCopies, replica.activeRentals) : 0;
    },
  },
  User: {
    // Someone else's rentals are an empty list, as for a user who has none.
    rentals: (user, _, ctx) => (ownedOrManaged(ctx.auth, user, (u) => u.id) && isUuid(user.id) ? ctx.rentalsByCustomer.load(user.id) : []),
  },
};
