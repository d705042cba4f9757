import { appError, requireAuth, type BaseContext, isUuid } from '@ebook/subgraph-kit';
import type { GraphQLResolverMap } from '@apollo/subgraph';
import type { RentalStatus } from './generated/prisma/client';
import type { ViewDb } from './db';

/** Request context of the rental-view subgraph. */
export interface ViewContext extends BaseContext {
  db: ViewDb;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);
const newestFirst = [{ rentedAt: { sort: 'desc', nulls: 'last' } }, { updatedAt: 'desc' }] as const;

export const resolvers: GraphQLResolverMap<ViewContext> = {
  Query: {
    myRentals: (_: unknown, __: unknown, ctx: ViewContext) => {
      const me = requireAuth(ctx);
      return ctx.db.rentalStatus.findMany({ where: { customerId: me.id }, orderBy: [...newestFirst] });
    },
    rentalStatus: async (_: unknown, { rentalId }: { rentalId: string }, ctx: ViewContext) => {
      const me = requireAuth(ctx);
      if (!isUuid(rentalId)) return null;
      const row = await ctx.db.rentalStatus.findUnique({ where: { rentalId } });
      if (row && me.role !== 'MANAGER' && row.customerId !== me.id) throw appError('FORBIDDEN', 'This rental belongs to another customer');
      return row;
    },
    bookRentals: (_: unknown, { bookId }: { bookId: string }, ctx: ViewContext) => {
      if (!isUuid(bookId)) return [];
      return ctx.db.rentalStatus.findMany({ where: { bookId }, orderBy: [...newestFirst] });
    },
  },
  RentalStatus: {
    rentedAt: (r: RentalStatus) => iso(r.rentedAt),
    dueAt: (r: RentalStatus) => iso(r.dueAt),
    returnedAt: (r: RentalStatus) => iso(r.returnedAt),
    canceledAt: (r: RentalStatus) => iso(r.canceledAt),
    updatedAt: (r: RentalStatus) => r.updatedAt.toISOString(),
  },
};
