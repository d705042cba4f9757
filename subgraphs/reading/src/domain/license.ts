/**
 * The reading licence of a rental (pure: no I/O): its state transitions on rental's events and
 * the one rule for whether its content may be read. Source: the product decision "a rental is a
 * licence to read", written down in README.md ("Reading access"), with the state names of the
 * Readium LCP status document (`ready`, `active`, `returned`, `cancelled`, `expired`; `revoked`
 * is not used: no one revokes a paid loan).
 *
 * - `BookRented` (payment approved, loan RENTED) → ACTIVE until its `dueAt`.
 * - `RentalRenewed` → still ACTIVE, `dueAt` moved to the renewal's (never earlier).
 * - `BookReturned` → RETURNED; `RentalCanceled` (refunded) and `RentalPaymentFailed` (never paid)
 *   → CANCELLED; `RentalExpired` → EXPIRED. These are final: a later event changes nothing.
 * - A rental reading has no licence row for is READY (not paid / not RENTED yet).
 * - Content may be read only while ACTIVE and strictly before `dueAt` (the clock decides even
 *   before `RentalExpired` arrives).
 */
import type { EventOf } from '@ebook/events';

/** Licence states (the GraphQL enum `LicenseStatus`, the Prisma enum). */
export type LicenseStatus = 'READY' | 'ACTIVE' | 'RETURNED' | 'CANCELLED' | 'EXPIRED';

/** The states after which nothing changes. */
export const FINAL_STATUSES: ReadonlySet<LicenseStatus> = new Set(['RETURNED', 'CANCELLED', 'EXPIRED']);

/** The rental events the licence projection consumes. */
export const LICENSE_EVENTS = ['BookRented', 'RentalRenewed', 'BookReturned', 'RentalCanceled', 'RentalPaymentFailed', 'RentalExpired'] as const;
/** One of {@link LICENSE_EVENTS}. */
export type LicenseEvent = (typeof LICENSE_EVENTS)[number];

/** A licence as stored (one per rental). */
export interface License {
  rentalId: string;
  bookId: string;
  /** The customer who may read (the rental's customer). */
  userId: string;
  status: LicenseStatus;
  /** End of the loan; null for a licence that was never active. */
  dueAt: Date | null;
  /** Time of the last event applied (its own timestamp, not when it was handled). */
  updatedAt: Date;
  /** Id of the last event applied. */
  eventId: string;
}

/** The status an event leads to (ACTIVE for a rent or a renewal). */
const STATUS_OF: Record<LicenseEvent, LicenseStatus> = {
  BookRented: 'ACTIVE',
  RentalRenewed: 'ACTIVE',
  BookReturned: 'RETURNED',
  RentalCanceled: 'CANCELLED',
  RentalPaymentFailed: 'CANCELLED',
  RentalExpired: 'EXPIRED',
};

/** The event's own time and due date (ISO-8601 in the contracts). */
function timesOf(event: EventOf<LicenseEvent>): { at: string; dueAt: string | null } {
  switch (event.type) {
    case 'BookRented':
      return { at: event.data.rentedAt, dueAt: event.data.dueAt };
    case 'RentalRenewed':
      return { at: event.data.renewedAt, dueAt: event.data.dueAt };
    case 'BookReturned':
      return { at: event.data.returnedAt, dueAt: null };
    case 'RentalCanceled':
      return { at: event.data.canceledAt, dueAt: null };
    case 'RentalPaymentFailed':
      return { at: event.data.failedAt, dueAt: null };
    case 'RentalExpired':
      return { at: event.data.expiredAt, dueAt: event.data.dueAt };
  }
}

/**
 * The licence after `event`.
 * @param current the rental's licence, or null when reading has none yet.
 * @returns the new licence, or null when the event changes nothing (the licence is final; a
 *   renewal of a licence reading never saw active, or one that would move `dueAt` back).
 */
export function applyLicenseEvent(current: License | null, event: EventOf<LicenseEvent>): License | null {
  if (current && FINAL_STATUSES.has(current.status)) return null;
  const { at, dueAt } = timesOf(event);
  const status = STATUS_OF[event.type];
  if (event.type === 'RentalRenewed') {
    if (!current || current.status !== 'ACTIVE') return null;
    const renewedDue = new Date(dueAt!);
    if (current.dueAt && renewedDue <= current.dueAt) return null;
    return { ...current, dueAt: renewedDue, updatedAt: new Date(at), eventId: event.eventId };
  }
  if (event.type === 'BookRented' && current?.status === 'ACTIVE') return null;
  return {
    rentalId: event.data.rentalId,
    bookId: event.data.bookId,
    userId: event.data.customerId,
    status,
    dueAt: dueAt ? new Date(dueAt) : (current?.dueAt ?? null),
    updatedAt: new Date(at),
    eventId: event.eventId,
  };
}

/** The status a rental's licence shows: its row's, or READY without one. */
export function statusOf(license: Pick<License, 'status'> | null): LicenseStatus {
  return license?.status ?? 'READY';
}

/** Whether the licence lets its holder read at `now`: ACTIVE and `now` strictly before `dueAt`. */
export function mayRead(license: Pick<License, 'status' | 'dueAt'> | null, now: Date): boolean {
  return !!license && license.status === 'ACTIVE' && !!license.dueAt && now.getTime() < license.dueAt.getTime();
}
