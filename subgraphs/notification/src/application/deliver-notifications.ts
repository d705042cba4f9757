import { Prisma } from '../generated/prisma/client';
import type { Logger } from 'pino';
import type { NotificationDb } from '../db';
import type { NotificationChannel } from '../channels/channel';
import { afterFailedAttempt, type DeliveryPolicy } from '../domain/delivery-policy';
import type { Facts, NotificationKind } from '../domain/notification';
import { localeOf, renderMessage, type RenderedMessage } from '../domain/templates';
import { deliveryMetrics } from '../metrics';

/** What the delivery worker needs. */
export interface DeliveryDeps {
  db: NotificationDb;
  channels: readonly NotificationChannel[];
  policy: DeliveryPolicy;
  logger: Logger;
  /** Deliveries claimed per run (default 20). */
  batchSize?: number;
  /** How long a claimed delivery is left to its run before another run may take it again, ms (default 60 000; more than a send's timeouts). */
  leaseMs?: number;
}

/** What one run did. */
export interface DeliveryRun {
  delivered: number;
  failed: number;
  dead: number;
  skipped: number;
}

/**
 * The delivery worker's periodic job: runs {@link deliverDue} again while a run delivered
 * something (a customer's next message is free to go once the previous one went), at most
 * `maxRounds` times. @returns the sum of the runs.
 */
export async function deliverAllDue(deps: DeliveryDeps, maxRounds = 10): Promise<DeliveryRun> {
  const total: DeliveryRun = { delivered: 0, failed: 0, dead: 0, skipped: 0 };
  for (let round = 0; round < maxRounds; round += 1) {
    const run = await deliverDue(deps);
    for (const k of Object.keys(total) as (keyof DeliveryRun)[]) total[k] += run[k];
    if (run.delivered + run.skipped === 0) break;
  }
  return total;
}

/** A delivery that cannot be made yet (retried like a failed send). */
class NotYetKnown extends Error {}

/** A timestamp parameter for the `timestamp(3)` columns, which hold UTC. */
const utc = (d: Date) => Prisma.sql`${d.toISOString()}::timestamptz AT TIME ZONE 'UTC'`;

/**
 * One run of the delivery worker: claims due PENDING deliveries (up to the batch size, `FOR UPDATE
 * SKIP LOCKED`, so replicas never take the same one; the claim counts the attempt and leases the
 * row for `leaseMs`; a customer's older PENDING delivery on the channel holds back the newer ones), renders each message once in its customer's language (kept on the message),
 * and sends it on its channel. A send accepted → DELIVERED; refused or failing, or the customer or
 * book not known yet → retried with back-off ({@link afterFailedAttempt}) and DEAD after the last
 * attempt; a channel that cannot reach the customer (no e-mail address) → SKIPPED.
 * @returns counts of what happened.
 */
export async function deliverDue(deps: DeliveryDeps, now = new Date()): Promise<DeliveryRun> {
  const run: DeliveryRun = { delivered: 0, failed: 0, dead: 0, skipped: 0 };
  // A customer's messages go out on each channel in the order they were recorded: a delivery waits
  // while an older one of the same customer and channel is still PENDING (being tried, or waiting
  // for its retry), so "hold ready" never arrives before "hold placed".
  const claimed = await deps.db.$queryRaw<{ id: string; eventId: string; channel: string; notificationId: string; attempts: number }[]>`
    UPDATE delivery SET "nextAttemptAt" = ${utc(new Date(now.getTime() + (deps.leaseMs ?? 60_000)))}, attempts = attempts + 1
    WHERE id IN (
      SELECT d.id FROM delivery d JOIN notification n ON n.id = d."notificationId"
      WHERE d.status = 'PENDING' AND d."nextAttemptAt" <= ${utc(now)}
        AND NOT EXISTS (
          SELECT 1 FROM delivery d2 JOIN notification n2 ON n2.id = d2."notificationId"
          WHERE n2."customerId" = n."customerId" AND n2.seq < n.seq AND d2.channel = d.channel AND d2.status = 'PENDING')
      ORDER BY n.seq LIMIT ${deps.batchSize ?? 20} FOR UPDATE OF d SKIP LOCKED)
    RETURNING id::text AS id, "eventId"::text AS "eventId", channel, "notificationId"::text AS "notificationId", attempts`;
  for (const d of claimed) {
    const channel = deps.channels.find((c) => c.name === d.channel);
    const log = deps.logger.child({ deliveryId: d.id, eventId: d.eventId, channel: d.channel, attempt: d.attempts });
    try {
      if (!channel) throw new NotYetKnown(`channel ${d.channel} is not configured in this process`);
      const notification = await loadForDelivery(deps.db, d.notificationId);
      if (notification.customerName === null) throw new NotYetKnown(`customer ${notification.customerId} not known yet`);
      const recipient = { customerId: notification.customerId, name: notification.customerName, email: notification.email };
      if (!channel.canReach(recipient)) {
        await deps.db.delivery.update({ where: { id: d.id }, data: { status: 'SKIPPED', lastError: `${d.channel} cannot reach customer ${notification.customerId}` } });
        deliveryMetrics.skipped.inc({ channel: d.channel });
        run.skipped += 1;
        continue;
      }
      const locale = localeOf(notification.locale);
      const message = await renderedOnce(deps.db, notification, { customerName: notification.customerName, locale });
      await channel.send({ idempotencyKey: `${d.eventId}.${d.channel}`, recipient, subject: message.subject, body: message.body, locale });
      const at = utc(new Date());
      // One statement: the delivery DELIVERED and, on its first delivery, the message.
      await deps.db.$executeRaw`
        WITH delivered AS (UPDATE delivery SET status = 'DELIVERED', "deliveredAt" = ${at}, "lastError" = NULL WHERE id = ${d.id}::uuid)
        UPDATE notification SET "deliveredAt" = ${at} WHERE id = ${notification.id}::uuid AND "deliveredAt" IS NULL`;
      deliveryMetrics.delivered.inc({ channel: d.channel, kind: notification.kind });
      run.delivered += 1;
      log.debug('message delivered');
    } catch (err) {
      const reason = (err as Error).message.slice(0, 1000);
      const next = afterFailedAttempt(d.attempts, deps.policy, new Date());
      await deps.db.delivery.update({
        where: { id: d.id },
        data: next.status === 'DEAD' ? { status: 'DEAD', lastError: reason } : { nextAttemptAt: next.nextAttemptAt, lastError: reason },
      });
      deliveryMetrics.failedAttempts.inc({ channel: d.channel });
      run.failed += 1;
      if (next.status === 'DEAD') {
        deliveryMetrics.dead.inc({ channel: d.channel });
        run.dead += 1;
        log.error({ reason }, 'delivery dead after its last attempt');
      } else {
        log.warn({ reason, nextAttemptAt: next.nextAttemptAt.toISOString() }, 'delivery failed, will retry');
      }
    }
  }
  return run;
}

/** A message with what its delivery needs: its customer's contact (null fields: customer not known yet) and its book's title (null: not known yet). */
interface MessageToDeliver {
  id: string;
  kind: NotificationKind;
  facts: unknown;
  subject: string | null;
  body: string | null;
  customerId: string;
  customerName: string | null;
  email: string | null;
  locale: string | null;
  /** `facts.bookId`, else the book of `facts.rentalId` from the rentals replica. */
  bookId: string | null;
  bookTitle: string | null;
}

/**
 * Loads a message, its customer and its book in one statement. @throws Error when the message
 * does not exist (the delivery is retried like a failed send).
 */
async function loadForDelivery(db: NotificationDb, notificationId: string): Promise<MessageToDeliver> {
  const [row] = await db.$queryRaw<MessageToDeliver[]>`
    SELECT n.id::text AS id, n.kind::text AS kind, n.facts, n.subject, n.body, n."customerId"::text AS "customerId",
      c.name AS "customerName", c.email, c.locale, COALESCE(b.id, r."bookId")::text AS "bookId", b.title AS "bookTitle"
    FROM notification n
    LEFT JOIN notify_customer c ON c.id = n."customerId"
    LEFT JOIN notify_rental r ON n.facts->>'bookId' IS NULL AND r."rentalId" = (n.facts->>'rentalId')::uuid
    LEFT JOIN notify_book b ON b.id = COALESCE((n.facts->>'bookId')::uuid, r."bookId")
    WHERE n.id = ${notificationId}::uuid`;
  if (!row) throw new Error(`notification ${notificationId} not found`);
  return row;
}

/**
 * The message's subject and body: those already written on it, else rendered now from its facts,
 * the customer's name and language and the book's title, and written on it (so retries and
 * `myNotifications` show the same text). @throws NotYetKnown when the book is not known yet.
 */
async function renderedOnce(db: NotificationDb, n: MessageToDeliver, who: { customerName: string; locale: 'ko' | 'en' }): Promise<RenderedMessage> {
  if (n.subject !== null && n.body !== null) return { subject: n.subject, body: n.body };
  const facts = n.facts as Facts;
  if (n.bookTitle === null) throw new NotYetKnown(`book ${n.bookId ?? facts.bookId ?? `of rental ${facts.rentalId}`} not known yet`);
  const message = renderMessage(n.kind, facts, { ...who, bookTitle: n.bookTitle });
  await db.notification.updateMany({ where: { id: n.id, subject: null }, data: message });
  return message;
}
