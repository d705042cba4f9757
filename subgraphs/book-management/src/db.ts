import { pgAdapter } from '@ebook/subgraph-kit';
import { PrismaClient } from './generated/prisma/client';

/** The book-management context's Prisma client (`BOOK_MANAGEMENT_DATABASE_URL`). */
export type BookManagementDb = PrismaClient;
/** Its interactive-transaction client. */
export type BookManagementTx = Parameters<Parameters<BookManagementDb['$transaction']>[0]>[0];

/** Connects the catalog's Prisma client. */
export function createBookManagementDb(url: string, poolSize?: number): BookManagementDb {
  return new PrismaClient({ adapter: pgAdapter(url, poolSize) });
}
