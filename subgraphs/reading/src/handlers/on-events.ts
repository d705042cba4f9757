import { SEED_CORRELATION_ID, type EventHandlers, type EventOf } from '@ebook/events';
import type { ReadingTx } from '../db';
import { LICENSE_EVENTS, type LicenseEvent } from '../domain/license';
import { recordLicenseEvent } from '../application/apply-license-event';

/**
 * The handlers of the reading consumer (group `reading.licences`): rental's loan events go to the
 * licence projection; `BookRegistered` records the book (title and author for generated seed
 * content, and the books an upload may be asked for).
 */
export function readingHandlers(): EventHandlers<ReadingTx> {
  const license = (async (event: EventOf<LicenseEvent>, tx: ReadingTx) => {
    await recordLicenseEvent(tx, event);
  }) as NonNullable<EventHandlers<ReadingTx>[LicenseEvent]>;
  return {
    ...Object.fromEntries(LICENSE_EVENTS.map((type) => [type, license])),
    BookRegistered: async (event, tx) => {
      const { bookId, title, author, publishedYear } = event.data;
      await tx.book.upsert({
        where: { id: bookId },
        create: { id: bookId, title, author, publishedYear, seeded: event.correlationId === SEED_CORRELATION_ID },
        update: { title, author, publishedYear },
      });
    },
  };
}
