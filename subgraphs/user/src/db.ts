import { PrismaClient } from './generated/prisma/client';
import { pgAdapter, withPlainSql } from '@ebook/subgraph-kit';

/** The user context's Prisma client (database `USER_DATABASE_URL`). */
export type UserDb = PrismaClient;
/** Its interactive-transaction client. */
export type UserTx = Parameters<Parameters<UserDb['$transaction']>[0]>[0];

/** Connects the user context's Prisma client, with its plain-`pg` side on the same pool (`plainSqlOf`: the outbox relay's statements). */
export function createUserDb(url: string, poolSize?: number): UserDb {
  const adapter = pgAdapter(url, poolSize);
  return withPlainSql(new PrismaClient({ adapter }), adapter);
}
