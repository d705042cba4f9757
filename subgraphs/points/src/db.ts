import { pgAdapter, withPlainSql } from '@ebook/subgraph-kit';
import { PrismaClient } from './generated/prisma/client';

/** The points context's Prisma client (`POINTS_DATABASE_URL`). */
export type PointsDb = PrismaClient;
/** Its interactive-transaction client. */
export type PointsTx = Parameters<Parameters<PointsDb['$transaction']>[0]>[0];

/** Connects the points context's Prisma client, with its plain-`pg` side on the same pool (`plainSqlOf`: the outbox relay's statements). */
export function createPointsDb(url: string, poolSize?: number): PointsDb {
  const adapter = pgAdapter(url, poolSize);
  return withPlainSql(new PrismaClient({ adapter }), adapter);
}
