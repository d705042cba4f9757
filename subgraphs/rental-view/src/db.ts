import { pgAdapter, withPlainSql } from '@ebook/subgraph-kit';
import { PrismaClient } from './generated/prisma/client';

/** The rental-view context's Prisma client (`RENTAL_VIEW_DATABASE_URL`). */
export type ViewDb = PrismaClient;
/** Its interactive-transaction client. */
export type ViewTx = Parameters<Parameters<ViewDb['$transaction']>[0]>[0];

/** Connects the view's Prisma client, with its plain-`pg` side on the same pool (`plainSqlOf`: the outbox relay's statements). */
export function createViewDb(url: string, poolSize?: number): ViewDb {
  const adapter = pgAdapter(url, poolSize);
  return withPlainSql(new PrismaClient({ adapter }), adapter);
}
