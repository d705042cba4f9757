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
 * Several replicas may run it at once: rows are claimed with `FOR UPDATE SKIP LOCKED` (a row
 * another run holds is skipped, not waited for), and every write is conditional on the state it
 * was decided on (`status = RENTED`, and `dueSoonNotifiedAt IS NULL` for the notice), so no loan
 * ever expires twice or gets two notices. The rental service runs it every
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
function utc(now: Date): Prisma.Sql {
  return Prisma.sql`${now.toISOString()}::timestamptz AT TIME ZONE 'UTC'`;
}

/**
 * Claims up to `limit` rows matching `where` (SQL over table `rental`) with `FOR UPDATE SKIP
 * LOCKED`, earliest `dueAt` first, and loads them.
 */
async function claim(tx: RentalTx, where: Prisma.Sql, limit: number): Promise<RentalRow[]> {
  const ids = await tx.$queryRaw<{ id: string }[]>`
    SELECT id::text AS id FROM rental WHERE ${where} ORDER BY "dueAt" LIMIT ${limit} FOR UPDATE SKIP LOCKED`;
  if (ids.length === 0) return [];
  return tx.rental.findMany({ where: { id: { in: ids.map((r) => r.id) } }, orderBy: { dueAt: 'asc' } });
}

/** The cause of a scheduled decision: the rental's own correlation id (the request that started it). */
function causeOf(rental: RentalRow): Causation {
  return { correlationId: rental.correlationId ?? `lending-schedule-${rental.id}` };
}

/**
 * Claims loans, decides each at `now` and applies the decisions conditionally, all in one unit
 * of work (the events go to the outbox with the writes).
 * @returns how many decisions were applied.
 */
async function decideClaimed(
  deps: LendingScheduleDeps,
  where: Prisma.Sql,
  limit: number,
  now: Date,
  eligible: (r: RentalRow) => boolean,
  decide: (r: RentalRow) => RentalDecision,
  alsoWhere: Prisma.RentalWhereInput,
): Promise<number> {
  return deps.uow.run(async (tx) => {
    let count = 0;
    const events = [];
    for (const rental of await claim(tx, where, limit)) {
      if (!eligible(rental)) continue; // re-checked by the domain on the locked row
      const applied = await applyDecision(tx, rental, decide(rental), { now, cause: causeOf(rental), holdOfferPeriodMs: deps.policy.holdOfferPeriodMs }, alsoWhere);
      if (applied) (count++, events.push(...applied.events));
    }
    return { result: count, events };
  });
}

/**
 * Expires every RENTED loan due at or before `now` (up to the batch size): EXPIRED, copy freed,
 * `RentalExpired`. @returns how many expired.
 */
export function expireOverdueLoans(deps: LendingScheduleDeps, now: Date): Promise<number> {
  return decideClaimed(
    deps,
    Prisma.sql`status = 'RENTED' AND "dueAt" <= ${utc(now)}`,
    deps.batchSize ?? LENDING_SCHEDULE_BATCH,
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
  return decideClaimed(
    deps,
    Prisma.sql`status = 'RENTED' AND "dueSoonNotifiedAt" IS NULL AND "dueAt" > ${utc(now)} AND "dueAt" <= ${utc(dueSoonHorizon(now, notice))}`,
    deps.batchSize ?? LENDING_SCHEDULE_BATCH,
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
