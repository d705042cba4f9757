import { describe, expect, it } from 'vitest';
import { notificationOf } from './notification';
import { afterFailedAttempt, DEFAULT_DELIVERY_POLICY } from './delivery-policy';

const now = new Date('2030-01-10T00:00:00.000Z');
const ids = { rentalId: 'r1', bookId: 'b1', customerId: 'c1' };
const DAY = 86_400_000;

describe('notificationOf', () => {
  it('maps each status change to its message and facts', () => {
    const at = '2030-01-09T00:00:00.000Z';
    expect(
      notificationOf({ type: 'BookRented', occurredAt: at, data: { ...ids, fee: 900, paymentId: 'p', rentedAt: at, dueAt: '2030-01-23T00:00:00.000Z' } }, now, DAY * 3),
    ).toEqual({
      kind: 'RENTED',
      customerId: 'c1',
      facts: { bookId: 'b1', rentalId: 'r1', dueAt: '2030-01-23T00:00:00.000Z', amount: 900 },
    });
    expect(
      notificationOf(
        { type: 'PaymentRefunded', occurredAt: at, data: { paymentId: 'p', rentalId: 'r1', customerId: 'c1', amount: 900, refundedAt: at, renewalId: 'n' } },
        now,
        DAY,
      ),
    ).toEqual({
      kind: 'REFUNDED',
      customerId: 'c1',
      facts: { rentalId: 'r1', amount: 900, renewal: true },
    });
    expect(
      notificationOf(
        { type: 'HoldReady', occurredAt: at, data: { holdId: 'h', bookId: 'b1', customerId: 'c1', autoRent: false, readyAt: at, readyUntil: '2030-01-11T00:00:00.000Z' } },
        now,
        DAY,
      )?.facts,
    ).toEqual({
      bookId: 'b1',
      holdId: 'h',
      readyUntil: '2030-01-11T00:00:00.000Z',
      autoRent: false,
    });
  });

  it('an event older than the age limit gives no message; one exactly at it still does', () => {
    const data = { ...ids, returnedAt: '2030-01-01T00:00:00.000Z' };
    expect(notificationOf({ type: 'BookReturned', occurredAt: new Date(now.getTime() - DAY - 1).toISOString(), data }, now, DAY)).toBeNull();
    expect(notificationOf({ type: 'BookReturned', occurredAt: new Date(now.getTime() - DAY).toISOString(), data }, now, DAY)?.kind).toBe('RETURNED');
  });
});

describe('afterFailedAttempt', () => {
  const policy = { maxAttempts: 5, retryBaseMs: 1_000, retryMaxMs: 5_000 };
  it('waits base · 2^(n−1), capped, then gives up after the last attempt', () => {
    const waits = [1, 2, 3, 4].map((n) => {
      const next = afterFailedAttempt(n, policy, now);
      return next.status === 'PENDING' ? next.nextAttemptAt.getTime() - now.getTime() : -1;
    });
    expect(waits).toEqual([1_000, 2_000, 4_000, 5_000]);
    expect(afterFailedAttempt(5, policy, now)).toEqual({ status: 'DEAD' });
    expect(() => afterFailedAttempt(0, policy, now)).toThrow(RangeError);
  });

  it('by default a delivery outlives an outage of 8 minutes (511 s of waits)', () => {
    let total = 0;
    for (let n = 1; n < DEFAULT_DELIVERY_POLICY.maxAttempts; n += 1) {
      const next = afterFailedAttempt(n, DEFAULT_DELIVERY_POLICY, now);
      if (next.status === 'PENDING') total += next.nextAttemptAt.getTime() - now.getTime();
    }
    expect(total).toBe(511_000);
  });
});
