/**
 * The hold aggregate: a customer's place in the queue for a book none of whose copies is free.
 * Pure decisions as in `rental.ts`: state + command + time (`now`, passed in) → new state +
 * domain events, or a thrown {@link RentalError}. Which hold is first in line, the copy
 * counters and the locks that make offers atomic live in `application/holds.ts`.
 *
 * Life cycle:
 * ```
 * placeHold ─▶ WAITING ◀─ resume ── SUSPENDED      (suspended: keeps its place, skipped by offers)
 *                 │   └── suspend ──▶   ▲
 *                 ├─ offerCopy (a copy freed; first WAITING in line) ─▶ READY (copy reserved until readyUntil)
 *                 │                                                       ├─ fulfill (its customer rented it) ─▶ FULFILLED
 *                 │                                                       ├─ expireOffer (readyUntil passed) ─▶ EXPIRED (copy to the next in line)
 *                 │                                                       └─ cancel ─▶ CANCELED (copy to the next in line)
 *                 └─ cancel ─▶ CANCELED                  (WAITING or SUSPENDED too)
 * ```
 * While a READY hold's customer rents the reserved copy, the pending rental is recorded on the
 * hold (`rentalId`): the offer then neither expires nor can be canceled until the payment is
 * decided — approved → {@link fulfill}, not approved → {@link releaseClaim} (READY again, same
 * deadline).
 *
 * The vocabulary follows OPDS 2.0 availability (copies total/available, holds total/position)
 * and the hold queues of library systems (Koha, Libby): position, "ready until", suspension.
 */
import type { DomainEvent } from '@ebook/events';
import { RentalErrors } from './errors';
import { DAY_MS } from './rental';

/** States of the hold aggregate (mirrors `HoldState` in prisma/rental/schema.prisma). */
export type HoldStatus = 'WAITING' | 'SUSPENDED' | 'READY' | 'FULFILLED' | 'CANCELED' | 'EXPIRED';

/** The statuses of a hold still in play (it counts toward `MAX_HOLDS` and blocks a second hold on the book). */
export const ACTIVE_HOLD_STATUSES: readonly HoldStatus[] = ['WAITING', 'SUSPENDED', 'READY'];

/** The statuses of a hold in the queue (it has a position). */
export const QUEUED_HOLD_STATUSES: readonly HoldStatus[] = ['WAITING', 'SUSPENDED'];

/** The hold aggregate's state (the columns of table `hold` that rules read or write). */
export interface Hold {
  /** uuid, also the aggregate id of its events. */
  id: string;
  bookId: string;
  customerId: string;
  status: HoldStatus;
  /** Rent and pay by itself when a copy is offered (once per offer; a failed payment leaves an ordinary offer). */
  autoRent: boolean;
  /** When it was placed: its place in the queue (ties broken by the store's insertion order). */
  placedAt: Date;
  /** When a copy was reserved for it (READY); null before. */
  readyAt: Date | null;
  /** Deadline of the offer: `readyAt` + the offer period; null unless offered. */
  readyUntil: Date | null;
  /** When it ended (FULFILLED, CANCELED, EXPIRED); null while active. */
  endedAt: Date | null;
  /** The rental taking the reserved copy (pending payment), then the loan that fulfilled it; null otherwise. */
  rentalId: string | null;
  /** `customerId:bookId` while active, null once ended: a unique column, so one active hold per customer per book. */
  activeKey: string | null;
  /** The request that placed it (carried by the events the schedule records later). */
  correlationId: string | null;
}

/** The domain events of the hold aggregate (payload types: `events/src/contracts/`). */
export type HoldEvent = DomainEvent<'HoldPlaced' | 'HoldSuspended' | 'HoldResumed' | 'HoldCanceled' | 'HoldReady' | 'HoldFulfilled' | 'HoldExpired'>;

/** What a hold decision returns: the hold's new state and its events (in order). */
export interface HoldDecision {
  hold: Hold;
  events: HoldEvent[];
}

/** `customerId:bookId`: the unique `hold.activeKey` of an active hold. */
export function holdKeyOf(customerId: string, bookId: string): string {
  return `${customerId}:${bookId}`;
}

/** Command: a customer places a hold on a book. */
export interface PlaceHold {
  /** uuid chosen by the caller. */
  holdId: string;
  customerId: string;
  bookId: string;
  autoRent: boolean;
  correlationId: string;
  /** Copies a newcomer could rent right now (licensed − held by loans − reserved for offers). */
  freeCopies: number;
  /** True when the customer has an active rental (pending or rented) of the book. */
  rentsBook: boolean;
  /** True when the customer already has an active hold on the book. */
  holdsBook: boolean;
  /** The customer's active holds (WAITING, SUSPENDED, READY), counted under the store's lock. */
  activeHolds: number;
  /** `MAX_HOLDS`: most active holds per customer (≥ 1). */
  maxHolds: number;
  /** Holds in the book's queue (WAITING, SUSPENDED) before this one. */
  queueLength: number;
}

/**
 * Places a hold: WAITING at the end of the book's queue; event `HoldPlaced` with its position
 * (`queueLength + 1`). A hold is for when every copy is out, so the rules are checked in this
 * order: ALREADY_RENTED (the customer is renting it), ALREADY_ON_HOLD, COPIES_AVAILABLE (a copy
 * can be rented now), HOLD_LIMIT_REACHED (`maxHolds` active holds already).
 * @throws RentalError `ALREADY_RENTED`, `ALREADY_ON_HOLD`, `COPIES_AVAILABLE` (`availableCopies`),
 *   `HOLD_LIMIT_REACHED` (`limit`).
 */
export function placeHold(cmd: PlaceHold, now: Date): HoldDecision {
  if (cmd.rentsBook) throw RentalErrors.alreadyRentingHeldBook();
  if (cmd.holdsBook) throw RentalErrors.alreadyOnHold();
  if (cmd.freeCopies > 0) throw RentalErrors.copiesAvailable(cmd.freeCopies);
  if (cmd.activeHolds >= cmd.maxHolds) throw RentalErrors.holdLimitReached(cmd.maxHolds);
  const position = cmd.queueLength + 1;
  return {
    hold: {
      id: cmd.holdId,
      bookId: cmd.bookId,
      customerId: cmd.customerId,
      status: 'WAITING',
      autoRent: cmd.autoRent,
      placedAt: now,
      readyAt: null,
      readyUntil: null,
      endedAt: null,
      rentalId: null,
      activeKey: holdKeyOf(cmd.customerId, cmd.bookId),
      correlationId: cmd.correlationId,
    },
    events: [
      {
        type: 'HoldPlaced',
        data: {
          ...identity({ id: cmd.holdId, bookId: cmd.bookId, customerId: cmd.customerId }),
          autoRent: cmd.autoRent,
          position,
          queueLength: position,
          placedAt: now.toISOString(),
        },
      },
    ],
  };
}

/** The identity every hold event carries. */
function identity(hold: Pick<Hold, 'id' | 'bookId' | 'customerId'>) {
  return { holdId: hold.id, bookId: hold.bookId, customerId: hold.customerId };
}

/** Ownership before status, so another customer learns nothing about the hold. @throws RentalError `NOT_FOUND`. */
function assertOwnHold(hold: Hold, customerId: string): void {
  if (hold.customerId !== customerId) throw RentalErrors.holdNotFound();
}

/**
 * The customer suspends their WAITING hold (away, not now): SUSPENDED, keeping its place;
 * copies that free meanwhile go to the next WAITING hold. Event `HoldSuspended`.
 * @throws RentalError `NOT_FOUND` (another customer's hold), `INVALID_HOLD_STATE` unless WAITING.
 */
export function suspendHold(hold: Hold, customerId: string, now: Date): HoldDecision {
  assertOwnHold(hold, customerId);
  if (hold.status !== 'WAITING') throw RentalErrors.invalidHoldState('suspend', hold.status);
  return { hold: { ...hold, status: 'SUSPENDED' }, events: [{ type: 'HoldSuspended', data: { ...identity(hold), suspendedAt: now.toISOString() } }] };
}

/**
 * The customer resumes their SUSPENDED hold: WAITING again at its old place. Event
 * `HoldResumed`. (If a copy is free at that moment, the application offers it at once.)
 * @throws RentalError `NOT_FOUND` (another customer's hold), `INVALID_HOLD_STATE` unless SUSPENDED.
 */
export function resumeHold(hold: Hold, customerId: string, now: Date): HoldDecision {
  assertOwnHold(hold, customerId);
  if (hold.status !== 'SUSPENDED') throw RentalErrors.invalidHoldState('resume', hold.status);
  return { hold: { ...hold, status: 'WAITING' }, events: [{ type: 'HoldResumed', data: { ...identity(hold), resumedAt: now.toISOString() } }] };
}

/**
 * The customer cancels their hold (WAITING, SUSPENDED or READY): CANCELED, ended at `now`.
 * Event `HoldCanceled`. A READY hold's reserved copy goes to the next in line (the
 * application does that: {@link releasesCopy}).
 * @throws RentalError `NOT_FOUND` (another customer's hold), `INVALID_HOLD_STATE` when already
 *   ended, or while its reserved copy is being rented (`rentalId` set).
 */
export function cancelHold(hold: Hold, customerId: string, now: Date): HoldDecision {
  assertOwnHold(hold, customerId);
  if (!ACTIVE_HOLD_STATUSES.includes(hold.status)) throw RentalErrors.invalidHoldState('cancel', hold.status);
  if (hold.status === 'READY' && hold.rentalId !== null) throw RentalErrors.holdBeingRented();
  return {
    hold: { ...hold, status: 'CANCELED', endedAt: now, activeKey: null },
    events: [{ type: 'HoldCanceled', data: { ...identity(hold), canceledAt: now.toISOString() } }],
  };
}

/** True when going from `before` to `after` gives up a reserved copy (a READY hold ended without being rented). */
export function releasesCopy(before: Pick<Hold, 'status'>, after: Pick<Hold, 'status'>): boolean {
  return before.status === 'READY' && (after.status === 'CANCELED' || after.status === 'EXPIRED');
}

/**
 * A freed copy is offered to this hold, the first WAITING one in its book's queue: READY at
 * `now`, reserved until `now + offerPeriodMs`. Event `HoldReady` (the customer is told the
 * deadline).
 * @throws RentalError `INVALID_HOLD_STATE` unless WAITING. @throws RangeError unless `offerPeriodMs` is a positive integer.
 */
export function offerCopy(hold: Hold, now: Date, offerPeriodMs: number): HoldDecision {
  if (!Number.isInteger(offerPeriodMs) || offerPeriodMs < 1) throw new RangeError('offerPeriodMs must be a positive integer (ms)');
  if (hold.status !== 'WAITING') throw RentalErrors.invalidHoldState('offer a copy to', hold.status);
  const readyUntil = new Date(now.getTime() + offerPeriodMs);
  return {
    hold: { ...hold, status: 'READY', readyAt: now, readyUntil },
    events: [{ type: 'HoldReady', data: { ...identity(hold), autoRent: hold.autoRent, readyAt: now.toISOString(), readyUntil: readyUntil.toISOString() } }],
  };
}

/**
 * The hold's customer starts renting the reserved copy: the pending rental `rentalId` is
 * recorded on the READY hold (no event). Until its payment is decided the offer neither expires
 * nor can be canceled.
 * @throws RentalError `INVALID_HOLD_STATE` unless READY and not being rented already.
 */
export function claimOffer(hold: Hold, rentalId: string): HoldDecision {
  if (hold.status !== 'READY') throw RentalErrors.invalidHoldState('rent the copy of', hold.status);
  if (hold.rentalId !== null) throw RentalErrors.holdBeingRented();
  return { hold: { ...hold, rentalId }, events: [] };
}

/**
 * The customer's rental of the book was paid: the hold is FULFILLED at `now` with the loan
 * `rentalId` — a READY hold whose reserved copy that rental took, or a WAITING / SUSPENDED hold
 * made moot because the customer rented a free copy. Event `HoldFulfilled`.
 * @throws RentalError `INVALID_HOLD_STATE` for an ended hold, or a READY hold not claimed by `rentalId`.
 */
export function fulfill(hold: Hold, rentalId: string, now: Date): HoldDecision {
  const tookTheOffer = hold.status === 'READY' && hold.rentalId === rentalId;
  if (!tookTheOffer && !QUEUED_HOLD_STATUSES.includes(hold.status)) throw RentalErrors.holdChangedMeanwhile();
  return {
    hold: { ...hold, status: 'FULFILLED', rentalId, endedAt: now, activeKey: null },
    events: [{ type: 'HoldFulfilled', data: { ...identity(hold), rentalId, fulfilledAt: now.toISOString() } }],
  };
}

/**
 * The rental of the reserved copy was not paid (declined, unavailable): the hold is READY again
 * with the same deadline, its copy still reserved (no event: the offer simply stands).
 * @throws RentalError `INVALID_HOLD_STATE` unless READY and claimed by `rentalId`.
 */
export function releaseClaim(hold: Hold, rentalId: string): HoldDecision {
  if (hold.status !== 'READY' || hold.rentalId !== rentalId) throw RentalErrors.holdChangedMeanwhile();
  return { hold: { ...hold, rentalId: null }, events: [] };
}

/** True when a READY offer is past its deadline at `now` and nobody is renting it (the schedule expires it). */
export function isOfferExpired(hold: Pick<Hold, 'status' | 'readyUntil' | 'rentalId'>, now: Date): boolean {
  return hold.status === 'READY' && hold.rentalId === null && hold.readyUntil !== null && hold.readyUntil.getTime() <= now.getTime();
}

/**
 * A READY offer not taken by `readyUntil` expires: EXPIRED at `now`, the copy goes to the next
 * in line (the application). Event `HoldExpired`.
 * @throws RentalError `INVALID_HOLD_STATE` unless READY, past its deadline and not being rented.
 */
export function expireOffer(hold: Hold, now: Date): HoldDecision {
  if (hold.status !== 'READY') throw RentalErrors.invalidHoldState('expire the offer of', hold.status);
  if (!isOfferExpired(hold, now)) throw RentalErrors.notDueYet('expire the offer of');
  return {
    hold: { ...hold, status: 'EXPIRED', endedAt: now, activeKey: null },
    events: [{ type: 'HoldExpired', data: { ...identity(hold), readyUntil: hold.readyUntil!.toISOString(), expiredAt: now.toISOString() } }],
  };
}

/** What {@link estimatedWaitDays} knows about a book. */
export interface WaitEstimate {
  /** 1-based place in the queue of the hold asked about (a newcomer: queue length + 1). */
  position: number;
  /** Licensed copies of the book. */
  licensedCopies: number;
  /** Copies a newcomer can rent right now. */
  freeCopies: number;
  /**
   * When each copy in use is expected back: the due date of each RENTED loan, the deadline of
   * each READY offer; a copy whose return time is not known (a loan still being paid for) is
   * left out.
   */
  busyUntil: Date[];
  /** Loan period, ms: how long each later borrower keeps a copy. */
  loanPeriodMs: number;
}

/**
 * Estimated days until the hold at `position` is offered a copy, from what is known: every
 * borrower keeps the copy until its due date (an upper bound: returns come earlier), and each
 * copy then serves the queue in turn for one loan period per borrower. With `n` copies in use
 * sorted by the time they come back, position `p` gets the copy of index `(p − 1) mod n`, after
 * `⌊(p − 1) / n⌋` further loan periods. Rounded up to whole days (0 = now).
 * @returns days (≥ 0), 0 when a copy is free for a newcomer at position 1, or null when nothing is known (no licensed copy,
 *   or no copy in use has a known return time).
 */
export function estimatedWaitDays(e: WaitEstimate, now: Date): number | null {
  if (e.licensedCopies <= 0) return null;
  if (e.freeCopies > 0 && e.position <= e.freeCopies) return 0;
  const back = e.busyUntil.map((d) => Math.max(0, d.getTime() - now.getTime())).sort((a, b) => a - b);
  if (back.length === 0) return null;
  const index = (e.position - 1) % back.length;
  const rounds = Math.floor((e.position - 1) / back.length);
  const waitMs = back[index]! + rounds * e.loanPeriodMs;
  return Math.ceil(waitMs / DAY_MS);
}
