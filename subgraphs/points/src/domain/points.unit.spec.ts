import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { BookReturned, RentalCanceled, RentalExpired } from '@ebook/events';
import { decideAward, DEFAULT_POINTS_RULE, pointsRule } from './points';
import { pointsRuleFromEnv } from '../config';

const cause = { correlationId: 'points-unit' };
const ids = () => ({ rentalId: randomUUID(), bookId: randomUUID(), customerId: randomUUID() });

describe('points rules', () => {
  it('a returned rental earns the configured points once, dated when it was returned', () => {
    const r = ids();
    const returned = BookReturned.create(r.rentalId, { ...r, returnedAt: '2026-12-01T10:00:00.000Z' }, cause);
    expect(decideAward(returned, false, pointsRule(250))).toEqual({
      customerId: r.customerId,
      rentalId: r.rentalId,
      points: 250,
      reason: 'RETURNED',
      awardedAt: new Date('2026-12-01T10:00:00.000Z'),
      eventId: returned.eventId,
    });
    expect(decideAward(returned, true, pointsRule(250))).toBeNull();
  });

  it('a loan read until its due date (expired) earns the same as a return', () => {
    const r = ids();
    const expired = RentalExpired.create(r.rentalId, { ...r, paymentId: randomUUID(), dueAt: '2026-12-14T00:00:00.000Z', expiredAt: '2026-12-14T00:00:01.000Z' }, cause);
    expect(decideAward(expired, false, DEFAULT_POINTS_RULE)).toMatchObject({ points: 100, reason: 'EXPIRED', awardedAt: new Date('2026-12-14T00:00:01.000Z') });
  });

  it('a canceled (refunded) rental earns nothing, and the rental of an award already made earns nothing more', () => {
    const r = ids();
    const canceled = RentalCanceled.create(r.rentalId, { ...r, paymentId: randomUUID(), canceledAt: '2026-12-01T10:00:00.000Z' }, cause);
    expect(decideAward(canceled, false, DEFAULT_POINTS_RULE)).toBeNull();
    const expired = RentalExpired.create(r.rentalId, { ...r, paymentId: null, dueAt: '2026-12-14T00:00:00.000Z', expiredAt: '2026-12-14T00:00:00.000Z' }, cause);
    expect(decideAward(expired, true, DEFAULT_POINTS_RULE)).toBeNull();
  });

  it('POINTS_PER_COMPLETED_RENTAL: 100 when unset, a whole number 1–10 000, anything else stops the start naming the variable', () => {
    expect(pointsRuleFromEnv({})).toEqual({ pointsPerCompletedRental: 100 });
    expect(pointsRuleFromEnv({ POINTS_PER_COMPLETED_RENTAL: '10000' })).toEqual({ pointsPerCompletedRental: 10_000 });
    for (const bad of ['0', '-5', '10001', '1.5', 'lots']) {
      expect(() => pointsRuleFromEnv({ POINTS_PER_COMPLETED_RENTAL: bad }), bad).toThrow(/POINTS_PER_COMPLETED_RENTAL/);
    }
  });
});
