import { describe, expect, it } from 'vitest';
import { activeKeyOf, availableCopies, dueAtFor, holdsCopy } from './rental';

const DAY_MS = 86_400_000;

describe('dueAtFor', () => {
  it('is exactly the loan period (14 days of 24 h, in ms) after the rent time', () => {
    const rentedAt = new Date('2025-03-01T10:15:30.123Z');
    expect(dueAtFor(rentedAt, 14 * DAY_MS).getTime() - rentedAt.getTime()).toBe(14 * DAY_MS);
    expect(dueAtFor(rentedAt, 14 * DAY_MS).toISOString()).toBe('2025-03-15T10:15:30.123Z');
  });

  it('counts days as 24 h, across a DST change and a leap day', () => {
    expect(dueAtFor(new Date('2024-02-28T23:00:00.000Z'), DAY_MS).toISOString()).toBe('2024-02-29T23:00:00.000Z');
    expect(dueAtFor(new Date('2025-03-29T12:00:00.000Z'), 2 * DAY_MS).toISOString()).toBe('2025-03-31T12:00:00.000Z');
  });

  it('does not mutate the rent time', () => {
    const rentedAt = new Date('2025-01-01T00:00:00.000Z');
    dueAtFor(rentedAt, 14 * DAY_MS);
    expect(rentedAt.toISOString()).toBe('2025-01-01T00:00:00.000Z');
  });

  it('short periods (seconds) work the same', () => {
    expect(dueAtFor(new Date('2025-01-01T00:00:00.000Z'), 6_000).toISOString()).toBe('2025-01-01T00:00:06.000Z');
  });

  it.each([0, -1, -14, 1.5, Number.NaN, Number.POSITIVE_INFINITY])('rejects loanPeriodMs = %s', (loanPeriodMs) => {
    expect(() => dueAtFor(new Date(), loanPeriodMs)).toThrow(RangeError);
  });
});

describe('activeKeyOf', () => {
  it('is the same for the same customer and book, different otherwise', () => {
    expect(activeKeyOf('c1', 'b1')).toBe(activeKeyOf('c1', 'b1'));
    expect(activeKeyOf('c1', 'b1')).not.toBe(activeKeyOf('c1', 'b2'));
    expect(activeKeyOf('c1', 'b1')).not.toBe(activeKeyOf('c2', 'b1'));
    expect(activeKeyOf('c1', 'b1')).not.toBe(activeKeyOf('b1', 'c1'));
  });
});

describe('availableCopies', () => {
  it('is licensed minus held copies', () => {
    expect(availableCopies(5, 0)).toBe(5);
    expect(availableCopies(5, 2)).toBe(3);
    expect(availableCopies(5, 5)).toBe(0);
  });

  it('is never negative, even when more copies are held than licensed', () => {
    expect(availableCopies(2, 3)).toBe(0);
    expect(availableCopies(0, 10)).toBe(0);
    expect(availableCopies(5, 2, 2)).toBe(1);
    expect(availableCopies(3, 1, 2)).toBe(0);
  });
});

describe('holdsCopy', () => {
  it('is true while pending payment or rented, false once the rental ended', () => {
    expect(holdsCopy('PENDING_PAYMENT')).toBe(true);
    expect(holdsCopy('RENTED')).toBe(true);
    for (const ended of ['CANCELED', 'RETURNED', 'PAYMENT_DECLINED', 'PAYMENT_FAILED'] as const) expect(holdsCopy(ended)).toBe(false);
  });
});
