import { appError, ownedOrManaged, requireAuth, type BaseContext, isUuid } from '@ebook/subgraph-kit';
import { DueWindowError, dueWindow } from './domain/due-loans';
import type { ViewDb } from './db';
import type { Resolvers } from './__generated__/resolvers-types';

/** Request context of the rental-view subgraph. */
export interface ViewContext extends BaseContext {
  db: ViewDb;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);
const newestFirst = [{ rentedAt: { sort: 'desc', nulls: 'last' } }, { updatedAt: 'desc' }] as const;

export const resolvers: Resolvers<ViewContext> = {
  Query: {
    myRentals: (_, __, ctx) => {
      const me = requireAuth(ctx);
      return ctx.db.rentalStatus.findMany({ where: { customerId: me.id }, orderBy: [...newestFirst] });
    },
    // Its customer's and managers' only; null for anyone else, as for a rental the view has not seen.
    rentalStatus: async (_, { rentalId }, ctx) =>
      ownedOrManaged(ctx.auth, isUuid(rentalId) ? await ctx.db.rentalStatus.findUnique({ where: { rentalId } }) : null, (r) => r.customerId),
    bookRentals: (_, { bookId }, ctx) => {
      if (!isUuid(bookId)) return [];
      return ctx.db.rentalStatus.findMany({ where: { bookId }, orderBy: [...newestFirst] });
    },
    // One select across the catalog, soonest due first.
    dueRentals: (_, { withinHours, first }, ctx) => {
      let window;
      try {
        window = dueWindow(new Date(), withinHours ?? undefined, first ?? undefined);
      } catch (err) {
        if (err instanceof DueWindowError) throw appError('BAD_USER_INPUT', err.message);
        throw err;
      }
      return ctx.db.rentalStatus.findMany({
        where: { status: 'RENTED', dueAt: { lt: window.dueBefore } },
        orderBy: [{ dueAt: 'asc' }, { rentalId: 'asc' }],
        take: window.take,
      });
    },
  },
  RentalStatus: {
    rentedAt: (r) => iso(r.rentedAt),
    dueAt: (r) => iso(r.dueAt),
    returnedAt: (r) => iso(r.returnedAt),
    canceledAt: (r) => iso(r.canceledAt),
    updatedAt: (r) => r.updatedAt.toISOString(),
  },
};
