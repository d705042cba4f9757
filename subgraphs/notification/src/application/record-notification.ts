import { randomUUID } from 'node:crypto';
import type { Envelope } from '@ebook/events';
import type { NotificationTx } from '../db';
import type { NotificationDecision } from '../domain/notification';

/**
 * Records a message for `event` and one PENDING delivery per channel, due at once, inside the
 * inbox transaction of the event, in one statement (the deliveries are inserted from the
 * message's `INSERT ... RETURNING`). Idempotent on top of the inbox: the message is unique per
 * event and a delivery per (event, channel), so a second call writes nothing.
 */
export async function recordNotification(
  tx: NotificationTx,
  event: Pick<Envelope, 'eventId' | 'occurredAt'>,
  decision: NotificationDecision,
  channels: readonly string[],
): Promise<void> {
  await tx.$executeRawUnsafe(
    `WITH message AS (
       INSERT INTO notification (id, "eventId", "customerId", kind, facts, "createdAt")
       VALUES ($1::uuid, $2::uuid, $3::uuid, $4::"NotificationKind", $5::jsonb, $6::timestamptz AT TIME ZONE 'UTC')
       ON CONFLICT DO NOTHING RETURNING id)
     INSERT INTO delivery (id, "eventId", channel, "notificationId")
     SELECT d.id, $2::uuid, d.channel, message.id FROM message, unnest($7::uuid[], $8::text[]) AS d(id, channel)
     ON CONFLICT DO NOTHING`,
    randomUUID(),
    event.eventId,
    decision.customerId,
    decision.kind,
    JSON.stringify(decision.facts),
    new Date(event.occurredAt).toISOString(),
    channels.map(() => randomUUID()),
    [...channels],
  );
}
