import { pgAdapter } from '@ebook/subgraph-kit';
import { PrismaClient } from './generated/prisma/client';

/** The rental-view context's Prisma client (`RENTAL_VIEW_DATABASE_URL`). */
export type ViewDb = PrismaClient;
/** Its interactive-transaction client. */
export type ViewTx = Parameters<Parameters<ViewDb['$transaction']>[0]>[0];

/** Connects the view's Prisma client. */
export function createViewDb(url: string, poolSize?: number): ViewDb {
  return new PrismaClient({ adapter: pgAdapter(url, poolSize) });
}
