import { DomainError } from '@ebook/subgraph-kit';

/** Default loan period, days (issue #3: "default 14 days"; env `LOAN_PERIOD_DAYS`). */
export const DEFAULT_LOAN_DAYS = 14;

const DAY_MS = 24 * 60 * 60 * 1000;

/** States of the rental aggregate (mirrors `RentalState` in prisma/rental/schema.prisma). */
export type RentalStatus = 'PENDING_PAYMENT' | 'RENTED' | 'CANCELED' | 'RETURNED' | 'PAYMENT_DECLINED' | 'PAYMENT_FAILED';

/** Due date: rent time + `loanDays` whole days (UTC, millisecond exact). */
export function dueAtFor(rentedAt: Date, loanDays: number): Date {
  if (!Number.isInteger(loanDays) || loanDays < 1) throw new RangeError('loanDays must be a positive integer');
  return new Date(rentedAt.getTime() + loanDays * DAY_MS);
}

/**
 * Key that makes "one active rental per customer per book" a unique constraint
 * (`rental.activeKey`, NULL once the rental ends).
 */
export function activeKeyOf(customerId: string, bookId: string): string {
  return `${customerId}:${bookId}`;
}

/** The end of a rental a customer may ask for. */
export type RentalEnding = 'cancel' | 'return';

/**
 * Checks that `customerId` may end `rental` by `ending`: only its own rental, only while RENTED.
 * @throws DomainError `FORBIDDEN` (another customer's rental), `INVALID_RENTAL_STATE` (not RENTED).
 */
export function assertCanEnd(rental: { customerId: string; status: RentalStatus }, customerId: string, ending: RentalEnding): void {
  if (rental.customerId !== customerId) throw new DomainError('FORBIDDEN', 'This rental belongs to another customer');
  if (rental.status !== 'RENTED') {
    throw new DomainError('INVALID_RENTAL_STATE', `Cannot ${ending} a rental that is ${rental.status}`, { status: rental.status });
  }
}

/** Available copies of a book: licensed minus held, never negative. */
export function availableCopies(licensedCopies: number, activeRentals: number): number {
  return Math.max(0, licensedCopies - activeRentals);
}
