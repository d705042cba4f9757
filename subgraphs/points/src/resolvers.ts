import { appError, batchByKey, isUuid, ownedOrManaged, pageSize, requireAuth, type BaseContext } from '@ebook/subgraph-kit';
import type { PointsDb } from './db';
import type { Resolvers } from './__generated__/resolvers-types';

/** Request-scoped batch loaders: one query for the balances of every user of a response. */
export function loaders(db: PointsDb) {
  return {
    /** Each customer's balance (sum of their awards; a customer with none is absent, read as 0). */
    balanceByCustomer: batchByKey<string, { customerId: string; points: number }>(
      async (ids) =>
        (await db.pointsEntry.groupBy({ by: ['customerId'], where: { customerId: { in: [...ids] } }, _sum: { points: true } })).map((g) => ({
          customerId: g.customerId,
          points: g._sum.points ?? 0,
        })),
      (b) => b.customerId,
    ),
  };
}

/** Request context of the points subgraph. */
export interface PointsContext extends BaseContext, ReturnType<typeof loaders> {
  db: PointsDb;
}

export const resolvers: Resolvers<PointsContext> = {
  Query: {
    pointsHistory: (_, { first }, ctx) => {
      const me = requireAuth(ctx);
      return ctx.db.pointsEntry.findMany({ where: { customerId: me.id }, orderBy: [{ awardedAt: 'desc' }, { id: 'desc' }], take: pageSize(first) });
    },
  },
  User: {
    // Any user id is a user to this subgraph (the user subgraph owns who exists): its balance is 0 until its first award.
    __resolveReference: (ref) => ({ id: ref.id }),
    // The user's own balance and managers'; anyone else gets what a missing one answers (non-null: NOT_FOUND).
    points: async (user, _, ctx) => {
      const visible = ownedOrManaged(ctx.auth, user, (u) => u.id);
      if (!visible) throw appError('NOT_FOUND', 'No points to show');
      return isUuid(visible.id) ? ((await ctx.balanceByCustomer.load(visible.id))?.points ?? 0) : 0;
    },
  },
  PointsEntry: {
    awardedAt: (e) => e.awardedAt.toISOString(),
  },
};
