import { pgAdapter } from '@ebook/subgraph-kit';
import { PrismaClient } from './generated/prisma/client';

/** The points context's Prisma client (`POINTS_DATABASE_URL`). */
export type PointsDb = PrismaClient;
/** Its interactive-transaction client. */
export type PointsTx = Parameters<Parameters<PointsDb['$transaction']>[0]>[0];

/** Connects the points context's Prisma client. */
export function createPointsDb(url: string, poolSize?: number): PointsDb {
  return new PrismaClient({ adapter: pgAdapter(url, poolSize) });
}
