import { pgAdapter, withPlainSql } from '@ebook/subgraph-kit';
import { PrismaClient } from './generated/prisma/client';

/** The book-management context's Prisma client (`BOOK_MANAGEMENT_DATABASE_URL`). */
export type BookManagementDb = PrismaClient;
/** Its interactive-transaction client. */
export type BookManagementTx = Parameters<Parameters<BookManagementDb['$transaction']>[0]>[0];

/** Connects the catalog's Prisma client, with its plain-`pg` side on the same pool (`plainSqlOf`: the outbox relay's statements). */
export function createBookManagementDb(url: string, poolSize?: number): BookManagementDb {
  const adapter = pgAdapter(url, poolSize);
  return withPlainSql(new PrismaClient({ adapter }), adapter);
}
