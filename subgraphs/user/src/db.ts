import { PrismaClient } from './generated/prisma/client';
import { pgAdapter } from '@ebook/subgraph-kit';

/** The user context's Prisma client (database `USER_DATABASE_URL`). */
export type UserDb = PrismaClient;
/** Its interactive-transaction client. */
export type UserTx = Parameters<Parameters<UserDb['$transaction']>[0]>[0];

/** Connects the user context's Prisma client. */
export function createUserDb(url: string, poolSize?: number): UserDb {
  return new PrismaClient({ adapter: pgAdapter(url, poolSize) });
}
