import { appError, batchByKey, ownedOrManaged, type BaseContext, isUuid } from '@ebook/subgraph-kit';
import type { User } from './generated/prisma/client';
import type { UnitOfWork } from '@ebook/events';
import type { UserDb, UserTx } from './db';
import type { JwtIssuer } from './auth/jwt-issuer';
import type { LoginThrottle } from './auth/login-throttle';
import { registerUser } from './application/register-customer';
import { login } from './application/login';
import type { UserResolvers, Resolvers } from './__generated__/resolvers-types';

/** Request context of the user subgraph. */
export interface UserContext extends BaseContext {
  db: UserDb;
  issuer: JwtIssuer;
  /** Failed-login counters per account and per client IP (one per process). */
  loginThrottle: LoginThrottle;
  uow: UnitOfWork<UserTx>;
  userById: ReturnType<typeof userLoader>;
  /** Ids of users this request just registered or logged in: they may see their own contact fields. */
  ownUserIds: Set<string>;
}

/** Batches `User` lookups (reference resolver, `me`): one query per request. */
export function userLoader(db: UserDb) {
  return batchByKey<string, User>(
    (ids) => db.user.findMany({ where: { id: { in: [...ids] } } }),
    (u) => u.id,
  );
}

/**
 * Contact fields are for the user themself and managers only (and for the caller who just
 * registered or logged in as that user). Anyone else gets `NOT_FOUND` — the field is non-null,
 * so that is its answer for what does not exist; anonymous callers `UNAUTHENTICATED`.
 */
function privateField(field: 'email' | 'phone'): NonNullable<UserResolvers<UserContext>['email' | 'phone']> {
  return (user, _args, ctx) => {
    if (ctx.ownUserIds.has(user.id)) return user[field];
    const visible = ownedOrManaged(ctx.auth, user, (u) => u.id);
    if (!visible) throw appError('NOT_FOUND', `No ${field} to show`);
    return visible[field];
  };
}

export const resolvers: Resolvers<UserContext> = {
  Query: {
    // A service client (client credentials) is no user: `me` is null for it, as for anonymous callers.
    me: (_, __, ctx) => (ctx.auth && ctx.auth.role !== 'SERVICE' ? ctx.userById.load(ctx.auth.id) : null),
  },
  Mutation: {
    registerCustomer: async (_, { input }, ctx) => {
      // The input's shape is GraphQL's; registerUser validates its values (zod) again.
      const user = await registerUser(ctx.uow, input, { correlationId: ctx.correlationId });
      ctx.ownUserIds.add(user.id);
      ctx.logger.info({ userId: user.id }, 'customer registered');
      return user;
    },
    login: async (_, args, ctx) => {
      const result = await login(ctx.db, ctx.issuer, args.email, args.password, { throttle: ctx.loginThrottle, clientIp: ctx.clientIp });
      ctx.ownUserIds.add(result.user.id);
      return result;
    },
  },
  User: {
    __resolveReference: (ref, ctx) => (isUuid(ref.id) ? ctx.userById.load(ref.id) : null),
    email: privateField('email'),
    phone: privateField('phone'),
  },
};
