import { pgAdapter, withPlainSql } from '@ebook/subgraph-kit';
import { PrismaClient } from './generated/prisma/client';

/** The notification context's Prisma client (`NOTIFICATION_DATABASE_URL`). */
export type NotificationDb = PrismaClient;
/** Its interactive-transaction client. */
export type NotificationTx = Parameters<Parameters<NotificationDb['$transaction']>[0]>[0];

/** Connects the notification context's Prisma client, with its plain-`pg` side on the same pool (`plainSqlOf`: the outbox relay's statements). */
export function createNotificationDb(url: string, poolSize?: number): NotificationDb {
  const adapter = pgAdapter(url, poolSize);
  return withPlainSql(new PrismaClient({ adapter }), adapter);
}
