import { pgAdapter } from '@ebook/subgraph-kit';
import { PrismaClient } from './generated/prisma/client';

/** The book-management context's Prisma client (`BOOK_MANAGEMENT_DATABASE_URL`). */
export type CatalogDb = PrismaClient;
/** Its interactive-transaction client. */
export type CatalogTx = Parameters<Parameters<CatalogDb['$transaction']>[0]>[0];

/** Connects the catalog's Prisma client. */
export function createCatalogDb(url: string, poolSize?: number): CatalogDb {
  return new PrismaClient({ adapter: pgAdapter(url, poolSize) });
}
