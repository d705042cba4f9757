import { describe, expect, it } from 'vitest';
import { forward, PAYMENT_STATUS_RANK, RENTAL_STATUS_RANK } from './projection-rules';

/** All orderings of `items`. */
function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((item, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]));
}

/** Applies facts one by one to an empty row, as the projection does. */
function project(ranks: Record<string, number>, facts: readonly string[], start: string | null = null): string | null {
  return facts.reduce<string | null>((current, incoming) => forward(ranks, current, incoming), start);
}

describe('forward (rental status)', () => {
  it('moves a status forward', () => {
    expect(forward(RENTAL_STATUS_RANK, 'PENDING_PAYMENT', 'RENTED')).toBe('RENTED');
    expect(forward(RENTAL_STATUS_RANK, 'RENTED', 'CANCELED')).toBe('CANCELED');
    expect(forward(RENTAL_STATUS_RANK, 'RENTED', 'RETURNED')).toBe('RETURNED');
    expect(forward(RENTAL_STATUS_RANK, 'PENDING_PAYMENT', 'PAYMENT_DECLINED')).toBe('PAYMENT_DECLINED');
  });

  it('never moves a status backward (a late, older fact is ignored)', () => {
    expect(forward(RENTAL_STATUS_RANK, 'CANCELED', 'RENTED')).toBe('CANCELED');
    expect(forward(RENTAL_STATUS_RANK, 'RETURNED', 'RENTED')).toBe('RETURNED');
    expect(forward(RENTAL_STATUS_RANK, 'RENTED', 'PENDING_PAYMENT')).toBe('RENTED');
  });

  it('keeps the current status when the same fact is applied again', () => {
    expect(forward(RENTAL_STATUS_RANK, 'RENTED', 'RENTED')).toBe('RENTED');
  });

  it('takes the first fact on an empty row and keeps the row when there is no fact', () => {
    expect(forward(RENTAL_STATUS_RANK, null, 'CANCELED')).toBe('CANCELED');
    expect(forward(RENTAL_STATUS_RANK, undefined, 'RENTED')).toBe('RENTED');
    expect(forward(RENTAL_STATUS_RANK, 'RENTED', undefined)).toBe('RENTED');
    expect(forward(RENTAL_STATUS_RANK, null, undefined)).toBeNull();
  });

  it('does not let an unknown status overwrite a known one', () => {
    expect(forward(RENTAL_STATUS_RANK, 'RENTED', 'SOMETHING_NEW')).toBe('RENTED');
  });

  it.each(permutations(['PENDING_PAYMENT', 'RENTED', 'CANCELED']))('converges to CANCELED for order %j', (...facts) => {
    expect(project(RENTAL_STATUS_RANK, facts)).toBe('CANCELED');
  });

  it.each(permutations(['RENTED', 'RETURNED']))('converges to RETURNED for order %j', (...facts) => {
    expect(project(RENTAL_STATUS_RANK, facts)).toBe('RETURNED');
  });
});

describe('forward (payment status)', () => {
  it('moves APPROVED to REFUNDED but never back', () => {
    expect(forward(PAYMENT_STATUS_RANK, 'APPROVED', 'REFUNDED')).toBe('REFUNDED');
    expect(forward(PAYMENT_STATUS_RANK, 'REFUNDED', 'APPROVED')).toBe('REFUNDED');
  });

  it.each(permutations(['APPROVED', 'REFUNDED']))('converges to REFUNDED for order %j', (...facts) => {
    expect(project(PAYMENT_STATUS_RANK, facts)).toBe('REFUNDED');
  });

  it('converges with duplicated deliveries in any order', () => {
    for (const facts of permutations(['APPROVED', 'REFUNDED', 'APPROVED', 'REFUNDED'])) {
      expect(project(PAYMENT_STATUS_RANK, facts)).toBe('REFUNDED');
    }
  });
});
