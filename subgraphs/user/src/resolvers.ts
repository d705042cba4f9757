import { appError, batchByKey, requireAuth, type BaseContext, isUuid } from '@ebook/subgraph-kit';
import type { GraphQLResolverMap } from '@apollo/subgraph';
import type { User } from './generated/prisma/client';
import type { UnitOfWork } from '@ebook/events';
import type { UserDb, UserTx } from './db';
import type { JwtIssuer } from './auth/jwt-issuer';
import type { LoginThrottle } from './auth/login-throttle';
import { registerUser } from './application/register-customer';
import { login } from './application/login';

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
  return batchByKey<string, User>((ids) => db.user.findMany({ where: { id: { in: [...ids] } } }), (u) => u.id);
}


/** Contact fields are for the user themself and managers only. */
function privateField(field: 'email' | 'phone') {
  return (user: User, _args: unknown, ctx: UserContext) => {
    if (ctx.ownUserIds.has(user.id)) return user[field];
    const caller = requireAuth(ctx);
    if (caller.id !== user.id && caller.role !== 'MANAGER') throw appError('FORBIDDEN', `Only the user and managers can see ${field}`);
    return user[field];
  };
}

export const resolvers: GraphQLResolverMap<UserContext> = {
  Query: {
    // A service client (client credentials) is no user: `me` is null for it, as for anonymous callers.
    me: (_: unknown, __: unknown, ctx: UserContext) => (ctx.auth && ctx.auth.role !== 'SERVICE' ? ctx.userById.load(ctx.auth.id) : null),
  },
  Mutation: {
    registerCustomer: async (_: unknown, { input }: { input: unknown }, ctx: UserContext) => {
      const user = await registerUser(ctx.uow, input, { correlationId: ctx.correlationId });
      ctx.ownUserIds.add(user.id);
      ctx.logger.info({ userId: user.id }, 'customer registered');
      return user;
    },
    login: async (_: unknown, args: { email: string; password: string }, ctx: UserContext) => {
      const result = await login(ctx.db, ctx.issuer, args.email, args.password, { throttle: ctx.loginThrottle, clientIp: ctx.clientIp });
      ctx.ownUserIds.add(result.user.id);
      return result;
    },
  },
  User: {
    __resolveReference: (ref: { id: string }, ctx: UserContext) => (isUuid(ref.id) ? ctx.userById.load(ref.id) : null),
    email: privateField('email'),
    phone: privateField('phone'),
  },
};
