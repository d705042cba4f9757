import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { BookRented, BookReturned, RentalCanceled, RentalExpired, RentalPaymentFailed, RentalRenewed } from '@ebook/events';
import { applyLicenseEvent, mayRead, statusOf, type License } from './license';

const cause = { correlationId: 'unit' };
const ids = { rentalId: randomUUID(), bookId: randomUUID(), customerId: randomUUID() };
const rented = BookRented.create(ids.rentalId, { ...ids, fee: 1000, paymentId: randomUUID(), rentedAt: '2026-12-01T10:00:00.000Z', dueAt: '2026-12-15T10:00:00.000Z' }, cause);
const renewal = (dueAt: string) =>
  RentalRenewed.create(ids.rentalId, { ...ids, renewalId: randomUUID(), renewals: 1, dueAt, fee: 1000, paymentId: randomUUID(), renewedAt: '2026-12-10T10:00:00.000Z' }, cause);
const returned = BookReturned.create(ids.rentalId, { ...ids, returnedAt: '2026-12-05T10:00:00.000Z' }, cause);
const canceled = RentalCanceled.create(ids.rentalId, { ...ids, paymentId: randomUUID(), canceledAt: '2026-12-02T10:00:00.000Z' }, cause);
const expired = RentalExpired.create(ids.rentalId, { ...ids, paymentId: null, dueAt: '2026-12-15T10:00:00.000Z', expiredAt: '2026-12-15T10:00:01.000Z' }, cause);
const failed = RentalPaymentFailed.create(ids.rentalId, { ...ids, fee: 1000, reason: 'PAYMENT_DECLINED', failedAt: '2026-12-01T10:00:00.000Z' }, cause);

const active = applyLicenseEvent(null, rented)!;

describe('reading licence (domain)', () => {
  it('a rented loan is an ACTIVE licence of its customer until the due date; readable only before it', () => {
    expect(active).toEqual({
      rentalId: ids.rentalId,
      bookId: ids.bookId,
      userId: ids.customerId,
      status: 'ACTIVE',
      dueAt: new Date('2026-12-15T10:00:00.000Z'),
      updatedAt: new Date('2026-12-01T10:00:00.000Z'),
      eventId: rented.eventId,
    });
    expect(mayRead(active, new Date('2026-12-15T09:59:59.999Z'))).toBe(true);
    expect(mayRead(active, new Date('2026-12-15T10:00:00.000Z'))).toBe(false);
    expect(mayRead(null, new Date('2026-12-02T00:00:00.000Z'))).toBe(false);
  });

  it('a renewal moves the due date later (never earlier); a renewal without an active licence changes nothing', () => {
    const renewed = applyLicenseEvent(active, renewal('2026-12-29T10:00:00.000Z'))!;
    expect(renewed.status).toBe('ACTIVE');
    expect(renewed.dueAt).toEqual(new Date('2026-12-29T10:00:00.000Z'));
    expect(mayRead(renewed, new Date('2026-12-20T00:00:00.000Z'))).toBe(true);
    expect(applyLicenseEvent(renewed, renewal('2026-12-20T10:00:00.000Z'))).toBeNull();
    expect(applyLicenseEvent(null, renewal('2026-12-29T10:00:00.000Z'))).toBeNull();
  });

  it('return, cancel (refund), payment failure and expiry end the licence for good; nothing brings it back', () => {
    const cases = [
      [returned, 'RETURNED'],
      [canceled, 'CANCELLED'],
      [expired, 'EXPIRED'],
    ] as const;
    for (const [event, status] of cases) {
      const ended = applyLicenseEvent(active, event)!;
      expect(ended.status).toBe(status);
      expect(mayRead(ended, new Date('2026-12-03T00:00:00.000Z'))).toBe(false);
      expect(applyLicenseEvent(ended, rented)).toBeNull();
      expect(applyLicenseEvent(ended, renewal('2027-01-10T10:00:00.000Z'))).toBeNull();
    }
    expect(applyLicenseEvent(null, failed)!.status).toBe('CANCELLED');
    expect(applyLicenseEvent(active, rented)).toBeNull();
  });

  it('a rental with no licence row shows READY', () => {
    expect(statusOf(null)).toBe('READY');
    expect(statusOf({ status: 'EXPIRED' } satisfies Pick<License, 'status'>)).toBe('EXPIRED');
  });
});
