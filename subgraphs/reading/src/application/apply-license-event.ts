import type { EventOf } from '@ebook/events';
import type { ReadingTx } from '../db';
import { applyLicenseEvent, type LicenseEvent } from '../domain/license';

/**
 * Applies a rental event to the rental's licence in the consumer's inbox transaction `tx` (the
 * licence row and the event's inbox row commit together; a redelivered event id is skipped).
 * @returns whether the licence changed.
 */
export async function recordLicenseEvent(tx: ReadingTx, event: EventOf<LicenseEvent>): Promise<boolean> {
  const current = await tx.license.findUnique({ where: { rentalId: event.data.rentalId } });
  const next = applyLicenseEvent(current, event);
  if (!next) return false;
  await tx.license.upsert({ where: { rentalId: next.rentalId }, create: next, update: next });
  return true;
}
