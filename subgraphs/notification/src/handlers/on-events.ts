import type { EventHandlers, EventOf } from '@ebook/events';
import type { NotificationTx } from '../db';
import { NOTIFYING_EVENTS, notificationOf, type NotifyingEvent } from '../domain/notification';
import { recordNotification } from '../application/record-notification';

/** What the handlers need besides the transaction. */
export interface HandlerSettings {
  /** Names of the channels each message is delivered on (`email`). */
  channels: readonly string[];
  /** Events older than this (ms) give no message (see `notificationOf`). */
  maxEventAgeMs: number;
  /** The clock (tests pass their own). */
  now?: () => Date;
}

/**
 * The handlers of the notification consumer (group `notification.messages`):
 * - the replica: UserRegistered → customer (name, e-mail, locale), BookRegistered → title;
 *   every rental event → the rental's book (a refund names only its rental);
 * - every notifying event → one message and its deliveries (`recordNotification`).
 */
export function notificationHandlers(settings: HandlerSettings): EventHandlers<NotificationTx> {
  const now = settings.now ?? (() => new Date());
  const notify = <T extends NotifyingEvent>(_type: T) =>
    (async (event: EventOf<T>, tx: NotificationTx) => {
      const data = event.data as { rentalId?: string; bookId?: string };
      if (data.rentalId && data.bookId) {
        await tx.$executeRawUnsafe(`INSERT INTO notify_rental ("rentalId", "bookId") VALUES ($1::uuid, $2::uuid) ON CONFLICT DO NOTHING`, data.rentalId, data.bookId);
      }
      const decision = notificationOf<T>(event, now(), settings.maxEventAgeMs);
      if (decision) await recordNotification(tx, event, decision, settings.channels);
    }) as NonNullable<EventHandlers<NotificationTx>[T]>;
  return {
    UserRegistered: async (e, tx) => {
      const { userId, name, email, locale } = e.data;
      const contact = { name, ...(email !== undefined ? { email } : {}), ...(locale !== undefined ? { locale } : {}) };
      await tx.notifyCustomer.upsert({ where: { id: userId }, create: { id: userId, ...contact }, update: contact });
    },
    BookRegistered: async (e, tx) => {
      const { bookId, title } = e.data;
      await tx.notifyBook.upsert({ where: { id: bookId }, create: { id: bookId, title }, update: { title } });
    },
    ...Object.fromEntries(NOTIFYING_EVENTS.map((type) => [type, notify(type)])),
  };
}
