import type { Envelope } from '@ebook/events';
import type { NotificationTx } from '../db';
import type { NotificationDecision } from '../domain/notification';

/**
 * Records a message for `event` and one PENDING delivery per channel, due at once, inside the
 * inbox transaction of the event. Idempotent on top of the inbox: the message is unique per
 * event and a delivery per (event, channel), so a second call writes nothing.
 */
export async function recordNotification(
  tx: NotificationTx,
  event: Pick<Envelope, 'eventId' | 'occurredAt'>,
  decision: NotificationDecision,
  channels: readonly string[],
): Promise<void> {
  const { count } = await tx.notification.createMany({
    data: [{ eventId: event.eventId, customerId: decision.customerId, kind: decision.kind, facts: { ...decision.facts }, createdAt: new Date(event.occurredAt) }],
    skipDuplicates: true,
  });
  if (count === 0) return;
  const { id } = await tx.notification.findUniqueOrThrow({ where: { eventId: event.eventId }, select: { id: true } });
  await tx.delivery.createMany({ data: channels.map((channel) => ({ eventId: event.eventId, channel, notificationId: id })), skipDuplicates: true });
}
