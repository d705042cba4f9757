import { isUuid, ownedOrManaged, pageSize, requireAuth, type BaseContext } from '@ebook/subgraph-kit';
import type { NotificationDb } from './db';
import type { Resolvers } from './__generated__/resolvers-types';

/** Request context of the notification subgraph. */
export interface NotificationContext extends BaseContext {
  db: NotificationDb;
}

/** Only messages already written (rendered) are shown. */
const written = { subject: { not: null }, body: { not: null } } as const;

export const resolvers: Resolvers<NotificationContext> = {
  Query: {
    myNotifications: (_, { first }, ctx) => {
      const me = requireAuth(ctx);
      return ctx.db.notification.findMany({ where: { customerId: me.id, ...written }, orderBy: [{ createdAt: 'desc' }, { seq: 'desc' }], take: pageSize(first) });
    },
  },
  Notification: {
    // Its customer's and managers' only (null for anyone else, as for an unknown id).
    __resolveReference: async (ref, ctx) =>
      ownedOrManaged(ctx.auth, isUuid(ref.id) ? await ctx.db.notification.findFirst({ where: { id: ref.id, ...written } }) : null, (n) => n.customerId),
    subject: (n) => n.subject ?? '',
    body: (n) => n.body ?? '',
    createdAt: (n) => n.createdAt.toISOString(),
    deliveredAt: (n) => (n.deliveredAt ? n.deliveredAt.toISOString() : null),
  },
};
