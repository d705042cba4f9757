import { randomUUID } from 'node:crypto';
import type { Causation, Envelope, UnitOfWork } from '@ebook/events';
import { isUniqueViolation, isUuid, type Logger } from '@ebook/subgraph-kit';
import type { Hold as HoldRow } from '../generated/prisma/client';
import {
  cancelHold,
  expireOffer,
  isOfferExpired,
  placeHold,
  releasesCopy,
  resumeHold,
  suspendHold,
  holdKeyOf,
  ACTIVE_HOLD_STATUSES,
  type HoldDecision,
  type Hold,
} from '../domain/hold';
import { activeKeyOf, type LendingPolicy } from '../domain/rental';
import { RentalErrors } from '../domain/errors';
import type { RentalTx } from '../db';
import { applyHoldDecision, freeCopies, giveUpReservedCopy, holdCause, holdEnvelopes, lockBook, offerFreeCopies, type CopyMoveContext } from './copies';
import { systemClock, type Clock } from './clock';

/** What the hold commands need. */
export interface HoldDeps {
  /** The rental context's unit of work (writes, outbox, relay wake-up). */
  uow: UnitOfWork<RentalTx>;
  /** The lending rules: `maxHolds`, `holdOfferPeriodMs`. */
  policy: Pick<LendingPolicy, 'maxHolds' | 'holdOfferPeriodMs'>;
  /** The time of each decision (default: the system clock). */
  clock?: Clock;
}

/** Lock namespace (first key of `pg_advisory_xact_lock(int, int)`) of the per-customer hold lock. */
const CUSTOMER_HOLDS_LOCK = 0x484f4c44; // "HOLD"

/**
 * `placeHold`: under the book's lock (`copies.ts`) and a per-customer lock (so concurrent holds
 * of one customer cannot pass `MAX_HOLDS` together), gathers what the aggregate's `placeHold`
 * decides on — free copies, the customer's rental and holds of the book, their active holds,
 * the queue's length — and stores the WAITING hold with `HoldPlaced`. A refusal writes nothing.
 * @returns the stored hold.
 * @throws RentalError NOT_FOUND (book not in the replica, or not a uuid), ALREADY_RENTED,
 *   ALREADY_ON_HOLD, COPIES_AVAILABLE, HOLD_LIMIT_REACHED.
 */
export async function placeHoldFor(deps: HoldDeps, customerId: string, bookId: string, autoRent: boolean, cause: Causation): Promise<HoldRow> {
  if (!isUuid(bookId)) throw RentalErrors.bookNotFound();
  try {
    return await deps.uow.run(async (tx) => {
      const book = await lockBook(tx, bookId);
      if (!book) throw RentalErrors.bookNotFound();
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(${CUSTOMER_HOLDS_LOCK}::int, hashtext(${customerId}))`;
      const [rentsBook, holdsBook, activeHolds, queueLength] = await Promise.all([
        tx.rental.count({ where: { activeKey: activeKeyOf(customerId, bookId) } }),
        tx.hold.count({ where: { activeKey: holdKeyOf(customerId, bookId) } }),
        tx.hold.count({ where: { customerId, status: { in: [...ACTIVE_HOLD_STATUSES] } } }),
        tx.hold.count({ where: { bookId, status: { in: ['WAITING', 'SUSPENDED'] } } }),
      ]);
      const now = (deps.clock ?? systemClock)();
      const decision = placeHold(
        {
          holdId: randomUUID(),
          customerId,
          bookId,
          autoRent,
          correlationId: cause.correlationId,
          freeCopies: freeCopies(book),
          rentsBook: rentsBook > 0,
          holdsBook: holdsBook > 0,
          activeHolds,
          maxHolds: deps.policy.maxHolds,
          queueLength,
        },
        now,
      );
      const hold = await tx.hold.create({ data: decision.hold });
      return { result: hold, events: holdEnvelopes(decision, cause, now) };
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw RentalErrors.alreadyOnHold();
    throw err;
  }
}

/** A customer's command on their hold. */
export type HoldCommand = 'cancel' | 'suspend' | 'resume';

const holdDecision: Record<HoldCommand, (hold: Hold, customerId: string, now: Date) => HoldDecision> = {
  cancel: cancelHold,
  suspend: suspendHold,
  resume: resumeHold,
};

/**
 * `cancelHold` / `suspendHold` / `resumeHold`: under the book's lock, the aggregate decides on
 * the stored hold and the decision is written conditionally on the hold being unchanged. A
 * READY hold canceled gives its reserved copy to the next WAITING hold; a hold resumed while a
 * copy is free is offered it at once. A refusal writes nothing.
 * @returns the hold as stored after the command.
 * @throws RentalError NOT_FOUND (unknown id, not a uuid, or another customer's hold — the same
 *   answer), INVALID_HOLD_STATE (`status`).
 */
export async function changeHold(deps: HoldDeps, customerId: string, holdId: string, command: HoldCommand, cause: Causation): Promise<HoldRow> {
  if (!isUuid(holdId)) throw RentalErrors.holdNotFound();
  return deps.uow.run(async (tx) => {
    const found = await tx.hold.findUnique({ where: { id: holdId } });
    if (!found || found.customerId !== customerId) throw RentalErrors.holdNotFound();
    const book = await lockBook(tx, found.bookId);
    const hold = await tx.hold.findUniqueOrThrow({ where: { id: holdId } }); // as it is under the lock
    const now = (deps.clock ?? systemClock)();
    const decision = holdDecision[command](hold, customerId, now);
    if (!(await applyHoldDecision(tx, hold, decision))) throw RentalErrors.holdChangedMeanwhile();
    const events = holdEnvelopes(decision, cause, now);
    const at: CopyMoveContext = { now, cause, holdOfferPeriodMs: deps.policy.holdOfferPeriodMs };
    if (book && releasesCopy(hold, decision.hold)) events.push(...(await giveUpReservedCopy(tx, book, at)).events);
    if (book && command === 'resume') events.push(...(await offerFreeCopies(tx, book, at)));
    return { result: await tx.hold.findUniqueOrThrow({ where: { id: holdId } }), events };
  });
}

/** What the hold schedule needs. */
export interface HoldScheduleDeps {
  uow: UnitOfWork<RentalTx>;
  policy: Pick<LendingPolicy, 'holdOfferPeriodMs'>;
  /** Most books per run and kind (default 100; the next run takes the rest). */
  batchSize?: number;
}

/**
 * Expires the READY offers not taken by their deadline (`readyUntil` ≤ `now`, nobody renting
 * them): per book, under the book's lock, each such hold becomes EXPIRED (`HoldExpired`) and its
 * copy goes to the next WAITING hold (`HoldReady`) or back to the shelf. Several replicas may
 * run it at once: books are locked one at a time and each hold write is conditional on the
 * state it was decided on, so an offer expires once. @returns how many offers expired.
 */
export async function expireOffers(deps: HoldScheduleDeps, now: Date): Promise<number> {
  const due = await deps.uow.run(async (tx) => ({
    result: await tx.hold.findMany({
      where: { status: 'READY', rentalId: null, readyUntil: { lte: now } },
      select: { bookId: true },
      distinct: ['bookId'],
      take: deps.batchSize ?? 100,
    }),
    events: [],
  }));
  let expired = 0;
  for (const { bookId } of due) {
    expired += await deps.uow.run(async (tx) => {
      const book = await lockBook(tx, bookId);
      if (!book) return { result: 0, events: [] };
      const offers = await tx.hold.findMany({ where: { bookId, status: 'READY', rentalId: null, readyUntil: { lte: now } }, orderBy: { seq: 'asc' } });
      const events: Envelope[] = [];
      let count = 0;
      let current = book;
      for (const hold of offers) {
        if (!isOfferExpired(hold, now)) continue;
        const decision = expireOffer(hold, now);
        if (!(await applyHoldDecision(tx, hold, decision))) continue;
        count += 1;
        events.push(...holdEnvelopes(decision, holdCause(hold), now));
        const given = await giveUpReservedCopy(tx, current, { now, cause: holdCause(hold), holdOfferPeriodMs: deps.policy.holdOfferPeriodMs });
        events.push(...given.events);
        current = given.book;
      }
      return { result: count, events };
    });
  }
  return expired;
}

/**
 * Claims, once per offer, the READY holds with `autoRent` that no attempt was made for yet, in
 * one conditional UPDATE (`autoRentTriedAt` set where still null), so two replicas never both
 * try one. At most the batch size per run.
 * @returns the claimed holds (their customers' rentals are then made by the rent saga).
 */
export async function claimAutoRents(deps: HoldScheduleDeps, now: Date): Promise<HoldRow[]> {
  return deps.uow.run(async (tx) => ({
    result: await tx.hold.updateManyAndReturn({
      where: { status: 'READY', autoRent: true, autoRentTriedAt: null, rentalId: null },
      data: { autoRentTriedAt: now },
      limit: deps.batchSize ?? 100,
    }),
    events: [],
  }));
}

/** One run of the hold schedule: what it did. */
export interface HoldScheduleRun {
  expired: number;
  autoRented: number;
}

/**
 * One run of the hold schedule at `now`: expired offers first (their copies go to the next in
 * line), then the automatic rentals of READY `autoRent` holds through
 * `rent` (the rent saga with its payment; a failure leaves an ordinary READY offer and is
 * logged). Logs what it did.
 */
export async function runHoldSchedule(deps: HoldScheduleDeps, rent: (hold: HoldRow) => Promise<unknown>, logger?: Logger, now: Date = new Date()): Promise<HoldScheduleRun> {
  const expired = await expireOffers(deps, now);
  let autoRented = 0;
  for (const hold of await claimAutoRents(deps, now)) {
    try {
      await rent(hold);
      autoRented += 1;
    } catch (err) {
      logger?.warn({ err, holdId: hold.id }, 'automatic rental of a ready hold failed; the offer stands');
    }
  }
  if (expired + autoRented > 0) logger?.info({ expired, autoRented }, 'hold schedule acted on holds');
  return { expired, autoRented };
}
