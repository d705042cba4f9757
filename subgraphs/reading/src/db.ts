import { pgAdapter, withPlainSql } from '@ebook/subgraph-kit';
import { PrismaClient } from './generated/prisma/client';

/** The reading context's Prisma client (`READING_DATABASE_URL`). */
export type ReadingDb = PrismaClient;
/** Its interactive-transaction client. */
export type ReadingTx = Parameters<Parameters<ReadingDb['$transaction']>[0]>[0];

/** Connects the reading context's Prisma client, with its plain-`pg` side on the same pool (`plainSqlOf`: the outbox relay's statements). */
export function createReadingDb(url: string, poolSize?: number): ReadingDb {
  const adapter = pgAdapter(url, poolSize);
  return withPlainSql(new PrismaClient({ adapter }), adapter);
}
