import type { Causation, UnitOfWork } from '@ebook/events';
import type { Logger } from '@ebook/subgraph-kit';
import { Prisma, type Rental as RentalRow } from '../generated/prisma/client';
import { dueSoonHorizon, expire, isDueSoon, isOverdue, noticeDueSoon, type LendingPolicy, type RentalDecision } from '../domain/rental';
import type { RentalTx } from '../db';
import { applyDecision } from './rental-store';

/**
 * The lending schedule: the rental context's durable timer for loans. The schedule IS the
 * `rental` table (`status`, `dueAt`, `dueSoonNotifiedAt`); nothing is kept in memory, so a
 * restart loses nothing and a deadline that passed while every replica was down is acted on
 * by the first run after start. Each run, in one transaction per kind:
 * - expiry: RENTED loans with `dueAt` ≤ now → the aggregate's `expire` (EXPIRED, copy released
 *   — offered to the next WAITING hold —, `RentalExpired`, no refund);
 * - notice: RENTED loans not yet notified with now < `dueAt` ≤ now + `dueSoonNoticeMs` →
 *   `noticeDueSoon` (`dueSoonNotifiedAt` set, `RentalDueSoon`).
 * Several replicas may run it at once: each loan is decided in its own transaction under its
 * book's lock (`copies.ts`), and every write is conditional on the state it was decided on
 * (`status = RENTED`, and `dueSoonNotifiedAt IS NULL` for the notice), so no loan ever expires
 * twice or gets two notices — a loan another replica acted on first is skipped. The rental service runs it every
 * {@link LENDING_SCHEDULE_EVERY_MS} through the kit's periodic jobs.
 */

/** How often the rental service runs the schedule, ms: a deadline is acted on within ~this + one run. */
export const LENDING_SCHEDULE_EVERY_MS = 500;

/** Most loans one run handles per kind (the next run takes the rest). */
export const LENDING_SCHEDULE_BATCH = 100;

/** What the schedule needs. */
export interface LendingScheduleDeps {
  /** The rental context's unit of work (writes, outbox, relay wake-up). */
  uow: UnitOfWork<RentalTx>;
  /** `dueSoonNoticeMs` of the lending policy; `holdOfferPeriodMs` for the hold an expired loan's copy is offered to. */
  policy: Pick<LendingPolicy, 'dueSoonNoticeMs' | 'holdOfferPeriodMs'>;
  /** Most loans per kind per run (default {@link LENDING_SCHEDULE_BATCH}). */
  batchSize?: number;
}

/** What one run did: loans expired and due-soon notices given. */
export interface LendingScheduleRun {
  expired: number;
  noticed: number;
}

/** `now` as a `timestamp(3)` parameter in UTC (Prisma stores DateTime as UTC without time zone). */
export function utc(now: Date): Prisma.Sql {
  return Prisma.sql`${now.toISOString()}::timestamptz AT TIME ZONE 'UTC'`;
}

/** Ids of up to `limit` rows matching `where` (SQL over table `rental`), earliest `dueAt` first. */
async function candidates(uow: UnitOfWork<RentalTx>, where: Prisma.Sql, limit: number): Promise<string[]> {
  return uow.run(async (tx) => {
    const rows = await tx.$queryRaw<{ id: string }[]>`SELECT id::text AS id FROM rental WHERE ${where} ORDER BY "dueAt" LIMIT ${limit}`;
    return { result: rows.map((r) => r.id), events: [] };
  });
}

/** The cause of a scheduled decision: the rental's own correlation id (the request that started it). */
function causeOf(rental: RentalRow): Causation {
  return { correlationId: rental.correlationId ?? `lending-schedule-${rental.id}` };
}

/**
 * Decides each candidate loan at `now` and applies the decision conditionally, one unit of work
 * per loan (the book's lock first, then the loan: see `copies.ts`), its events in the outbox
 * with it. A loan another replica changed meanwhile is skipped.
 * @returns how many decisions were applied.
 */
async function decideEach(
  deps: LendingScheduleDeps,
  where: Prisma.Sql,
  now: Date,
  eligible: (r: RentalRow) => boolean,
  decide: (r: RentalRow) => RentalDecision,
  alsoWhere: Prisma.RentalWhereInput,
): Promise<number> {
  let count = 0;
  for (const id of await candidates(deps.uow, where, deps.batchSize ?? LENDING_SCHEDULE_BATCH)) {
    const applied = await deps.uow.run(async (tx) => {
      const rental = await tx.rental.findUnique({ where: { id } });
      if (!rental || !eligible(rental)) return { result: false, events: [] }; // re-checked by the domain on the stored row
      const done = await applyDecision(tx, rental, decide(rental), { now, cause: causeOf(rental), holdOfferPeriodMs: deps.policy.holdOfferPeriodMs }, alsoWhere);
      return done ? { result: true, events: done.events } : { result: false, events: [] };
    });
    if (applied) count += 1;
  }
  return count;
}

/**
 * Expires every RENTED loan due at or before `now` (up to the batch size): EXPIRED, copy freed,
 * `RentalExpired`. @returns how many expired.
 */
export function expireOverdueLoans(deps: LendingScheduleDeps, now: Date): Promise<number> {
  return decideEach(
    deps,
    Prisma.sql`status = 'RENTED' AND "dueAt" <= ${utc(now)}`,
    now,
    (r) => isOverdue(r, now),
    (r) => expire(r, now),
    {},
  );
}

/**
 * Announces `RentalDueSoon` for every RENTED loan not yet notified whose due date is within
 * `dueSoonNoticeMs` after `now` (up to the batch size). @returns how many were notified.
 */
export function noticeLoansDueSoon(deps: LendingScheduleDeps, now: Date): Promise<number> {
  const notice = deps.policy.dueSoonNoticeMs;
  if (notice <= 0) return Promise.resolve(0);
  return decideEach(
    deps,
    Prisma.sql`status = 'RENTED' AND "dueSoonNotifiedAt" IS NULL AND "dueAt" > ${utc(now)} AND "dueAt" <= ${utc(dueSoonHorizon(now, notice))}`,
    now,
    (r) => isDueSoon(r, now, notice),
    (r) => noticeDueSoon(r, now, notice),
    { dueSoonNotifiedAt: null },
  );
}

/**
 * One run of the lending schedule at `now` (default: the system clock): expiries first (an
 * overdue loan never gets a late "due soon" notice), then notices. Logs what it did.
 */
export async function runLendingSchedule(deps: LendingScheduleDeps, logger?: Logger, now: Date = new Date()): Promise<LendingScheduleRun> {
  const expired = await expireOverdueLoans(deps, now);
  const noticed = await noticeLoansDueSoon(deps, now);
  if (expired + noticed > 0) logger?.info({ expired, noticed }, 'lending schedule acted on loans');
  return { expired, noticed };
}
