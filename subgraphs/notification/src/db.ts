import { pgAdapter } from '@ebook/subgraph-kit';
import { PrismaClient } from './generated/prisma/client';

/** The notification context's Prisma client (`NOTIFICATION_DATABASE_URL`). */
export type NotificationDb = PrismaClient;
/** Its interactive-transaction client. */
export type NotificationTx = Parameters<Parameters<NotificationDb['$transaction']>[0]>[0];

/** Connects the notification context's Prisma client. */
export function createNotificationDb(url: string, poolSize?: number): NotificationDb {
  return new PrismaClient({ adapter: pgAdapter(url, poolSize) });
}
