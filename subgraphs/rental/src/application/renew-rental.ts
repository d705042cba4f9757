import { randomUUID } from 'node:crypto';
import type { Causation } from '@ebook/events';
import { isUuid } from '@ebook/subgraph-kit';
import type { Rental as RentalRow } from '../generated/prisma/client';
import { abandonRenewal, completeRenewal, startRenewal, type RenewalFailure, type Rental } from '../domain/rental';
import { RentalError, RentalErrors } from '../domain/errors';
import { QUEUED_HOLD_STATUSES } from '../domain/hold';
import type { RentalTx } from '../db';
import { applyRenewalStep, envelopesOf } from './rental-store';
import { systemClock, type Clock } from './clock';
import { admitPaidSaga, type RentBookDeps } from './rent-book';

/** What the renewal saga needs: the rent saga's dependencies (unit of work, payment participant, lending policy, clock). */
export type RenewRentalDeps = RentBookDeps;

/** Holds in a book's queue (WAITING or SUSPENDED): a loan is not renewed while someone holds its book. */
const holdsWaiting = (tx: RentalTx, bookId: string): Promise<number> => tx.hold.count({ where: { bookId, status: { in: [...QUEUED_HOLD_STATUSES] } } });

/**
 * `renewRental`: the customer's RENTED loan gets one more loan period, paid again — a saga of
 * named steps (rules: `assertRenewable` / `startRenewal` / `completeRenewal` /
 * `abandonRenewal` in `domain/rental.ts`), each one unit of work:
 * 1. `reserveRenewal` — load, decide `startRenewal` (owner, RENTED, not overdue, no renewal in
 *    flight, no hold waiting, `renewals` < `MAX_RENEWALS`), store `pendingRenewalId` = a new
 *    renewal id, conditionally on the row being unchanged (`pendingRenewalId IS NULL`,
 *    `renewals = n`, same status and `dueAt`). Of two concurrent renewals only one reserves;
 *    the other is refused `RENEWAL_NOT_ALLOWED` before anything is charged. A refusal writes
 *    nothing.
 * 2. `approvePayment` — the fee (the loan's `fee`, integer KRW) through the same cockatiel
 *    policy as a rent, idempotent at payment on (rentalId, renewalId).
 * 3. approved → `completeRenewal` on the loan as stored now: `dueAt` + loan period, `renewals`
 *    + 1, `dueSoonNotifiedAt` cleared, pending cleared, `RentalRenewed` in the outbox — applied
 *    only while the loan is unchanged since it was read in this step (guarded as in step 1).
 *    Declined, unavailable, or the loan ended meanwhile (canceled, returned, expired) →
 *    `abandonRenewal`: pending cleared, loan otherwise untouched (no `dueAt` change),
 *    `RentalRenewalFailed` in the outbox, on which payment refunds the approved charge of this
 *    renewal or voids it (a late approval can then never charge) — no charge stays without
 *    its renewal.
 * When payment's circuit is open the saga fails fast before step 1 and writes nothing; the
 * whole saga runs in the payment participant's bulkhead (`admit`), like a rent. When step 3
 * cannot be written at all (database down), the renewal stays pending and the pending sweeper
 * abandons it after `PENDING_PAYMENT_STALE_MS` (`sweep-pending.ts`), with the same compensation.
 * @returns the rental as stored after the renewal.
 * @throws RentalError NOT_FOUND (unknown id, not a uuid, or another customer's rental — the
 *   same answer), RENEWAL_NOT_ALLOWED (`reason`: LIMIT_REACHED + `limit`, NOT_RENTED + `status`,
 *   OVERDUE, HOLDS_WAITING, IN_PROGRESS), PAYMENT_DECLINED, PAYMENT_UNAVAILABLE (`retryAfter`, s),
 *   INVALID_RENTAL_STATE (the loan changed while the renewal was paid for; the charge is refunded).
 */
export async function renewRental(deps: RenewRentalDeps, customerId: string, rentalId: string, cause: Causation): Promise<RentalRow> {
  if (!isUuid(rentalId)) throw RentalErrors.rentalNotFound();
  return admitPaidSaga(deps.payments, () => renewSaga(deps, customerId, rentalId, cause));
}

async function renewSaga(deps: RenewRentalDeps, customerId: string, rentalId: string, cause: Causation): Promise<RentalRow> {
  const clock = deps.clock ?? systemClock;
  const renewalId = randomUUID();
  const pending = await reserveRenewal(deps, customerId, rentalId, renewalId, clock);

  const outcome = await deps.payments.approve({ rentalId, renewalId, customerId, amount: pending.fee, correlationId: cause.correlationId });

  if (outcome.kind === 'approved') {
    const settled = await deps.uow.run<{ row: RentalRow; refusal: null } | { row: null; refusal: RentalError }>(async (tx) => {
      const current = await tx.rental.findUniqueOrThrow({ where: { id: rentalId } });
      const now = clock();
      try {
        const decision = completeRenewal(current, { renewalId, paymentId: outcome.paymentId, loanPeriodMs: deps.policy.loanPeriodMs }, now);
        const row = await applyRenewalStep(tx, current, decision);
        if (!row) throw RentalErrors.changedMeanwhile();
        return { result: { row, refusal: null }, events: envelopesOf(decision, cause, now) };
      } catch (err) {
        if (!(err instanceof RentalError)) throw err;
        const abandoned = await abandon(tx, current, renewalId, 'NOT_APPLIED', cause, now);
        return { result: { row: null, refusal: err }, events: abandoned };
      }
    });
    if (settled.refusal === null) return settled.row;
    deps.logger?.warn({ rentalId, renewalId }, 'renewal paid but not applied: the loan changed meanwhile; its charge is refunded');
    throw settled.refusal;
  }

  const failure: RenewalFailure = outcome.kind === 'declined' ? 'PAYMENT_DECLINED' : 'PAYMENT_UNAVAILABLE';
  await deps.uow.run(async (tx) => {
    const current = await tx.rental.findUniqueOrThrow({ where: { id: rentalId } });
    return { result: null, events: await abandon(tx, current, renewalId, failure, cause, clock()) };
  });
  if (outcome.kind === 'declined') throw RentalErrors.paymentDeclined(outcome.reason);
  throw RentalErrors.paymentUnavailable(outcome.retryAfterSeconds);
}

/**
 * Step 1: `startRenewal` on the stored loan, written conditionally (see {@link applyRenewalStep}).
 * @throws RentalError NOT_FOUND, RENEWAL_NOT_ALLOWED (IN_PROGRESS also when a concurrent renewal reserved first).
 */
async function reserveRenewal(deps: RenewRentalDeps, customerId: string, rentalId: string, renewalId: string, clock: Clock): Promise<Rental> {
  return deps.uow.run(async (tx) => {
    const rental = await tx.rental.findUnique({ where: { id: rentalId } });
    if (!rental) throw RentalErrors.rentalNotFound();
    const now = clock();
    const cmd = { customerId, maxRenewals: deps.policy.maxRenewals, holdsWaiting: await holdsWaiting(tx, rental.bookId), renewalId };
    const decision = startRenewal(rental, cmd, now);
    const row = await applyRenewalStep(tx, rental, decision);
    if (!row) throw RentalErrors.renewalNotAllowed('IN_PROGRESS', 'This loan changed or is being renewed right now; reload it and try again');
    return { result: row, events: [] };
  });
}

/** `abandonRenewal` written (pending cleared when it is `renewalId`); @returns its `RentalRenewalFailed` envelope(s). */
async function abandon(tx: RentalTx, current: Rental, renewalId: string, reason: RenewalFailure, cause: Causation, now: Date) {
  const decision = abandonRenewal(current, renewalId, reason, now);
  if (current.pendingRenewalId === renewalId) await applyRenewalStep(tx, current, decision, 'pending');
  return envelopesOf(decision, cause, now);
}
