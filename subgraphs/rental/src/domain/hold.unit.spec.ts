import { describe, expect, it } from 'vitest';
import {
  cancelHold,
  claimOffer,
  estimatedWaitDays,
  expireOffer,
  fulfill,
  isOfferExpired,
  offerCopy,
  placeHold,
  releaseClaim,
  releasesCopy,
  resumeHold,
  suspendHold,
  type Hold,
  type PlaceHold,
} from './hold';
import { RentalError } from './errors';
import { DAY_MS } from './rental';

const t0 = new Date('2026-11-01T09:00:00.000Z');
const at = (ms: number) => new Date(t0.getTime() + ms);
const HOUR = 3_600_000;
const alice = '00000000-0000-4000-8000-00000000000a';
const bob = '00000000-0000-4000-8000-00000000000b';
const book = '00000000-0000-4000-8000-0000000000b0';

const place = (over: Partial<PlaceHold> = {}): PlaceHold => ({
  holdId: '00000000-0000-4000-8000-0000000000c1',
  customerId: alice,
  bookId: book,
  autoRent: false,
  correlationId: 'req-1',
  freeCopies: 0,
  rentsBook: false,
  holdsBook: false,
  activeHolds: 0,
  maxHolds: 10,
  queueLength: 0,
  ...over,
});

const waiting = (): Hold => placeHold(place(), t0).hold;
const ready = (): Hold => offerCopy(waiting(), at(HOUR), 3 * DAY_MS).hold;

/** The code of the RentalError `fn` throws. */
function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(RentalError);
    return (err as RentalError).code;
  }
  throw new Error('expected a refusal');
}

describe('placing a hold', () => {
  it('puts the customer at the end of the queue: WAITING, position = queue length + 1, HoldPlaced', () => {
    const { hold, events } = placeHold(place({ queueLength: 2, autoRent: true }), t0);
    expect(hold).toMatchObject({ status: 'WAITING', autoRent: true, placedAt: t0, activeKey: `${alice}:${book}`, readyUntil: null });
    expect(events).toEqual([
      { type: 'HoldPlaced', data: { holdId: hold.id, bookId: book, customerId: alice, autoRent: true, position: 3, queueLength: 3, placedAt: t0.toISOString() } },
    ]);
  });

  it('is refused while a copy can be rented: COPIES_AVAILABLE', () => {
    expect(codeOf(() => placeHold(place({ freeCopies: 1 }), t0))).toBe('COPIES_AVAILABLE');
  });

  it('is refused to a customer renting the book (ALREADY_RENTED) or holding it already (ALREADY_ON_HOLD)', () => {
    expect(codeOf(() => placeHold(place({ rentsBook: true }), t0))).toBe('ALREADY_RENTED');
    expect(codeOf(() => placeHold(place({ holdsBook: true }), t0))).toBe('ALREADY_ON_HOLD');
  });

  it('is refused at MAX_HOLDS active holds: HOLD_LIMIT_REACHED with the limit', () => {
    let err: unknown;
    try {
      placeHold(place({ activeHolds: 2, maxHolds: 2 }), t0);
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: 'HOLD_LIMIT_REACHED', extensions: { limit: 2 } });
    expect(placeHold(place({ activeHolds: 1, maxHolds: 2 }), t0).hold.status).toBe('WAITING');
  });
});

describe('suspending and resuming', () => {
  it('a WAITING hold is suspended (keeps its place) and resumed', () => {
    const suspended = suspendHold(waiting(), alice, at(1));
    expect(suspended.hold.status).toBe('SUSPENDED');
    expect(suspended.events[0]!.type).toBe('HoldSuspended');
    const resumed = resumeHold(suspended.hold, alice, at(2));
    expect(resumed.hold).toMatchObject({ status: 'WAITING', placedAt: t0 });
    expect(resumed.events[0]!.type).toBe('HoldResumed');
  });

  it('only WAITING can be suspended, only SUSPENDED resumed; another customer gets NOT_FOUND', () => {
    expect(codeOf(() => suspendHold(ready(), alice, at(1)))).toBe('INVALID_HOLD_STATE');
    expect(codeOf(() => resumeHold(waiting(), alice, at(1)))).toBe('INVALID_HOLD_STATE');
    expect(codeOf(() => suspendHold(waiting(), bob, at(1)))).toBe('NOT_FOUND');
  });
});

describe('canceling', () => {
  it('WAITING, SUSPENDED and READY holds can be canceled; a READY one gives its copy up', () => {
    for (const hold of [waiting(), suspendHold(waiting(), alice, at(1)).hold, ready()]) {
      const { hold: canceled, events } = cancelHold(hold, alice, at(2 * HOUR));
      expect(canceled).toMatchObject({ status: 'CANCELED', endedAt: at(2 * HOUR), activeKey: null });
      expect(events[0]!.type).toBe('HoldCanceled');
      expect(releasesCopy(hold, canceled)).toBe(hold.status === 'READY');
    }
  });

  it('an ended hold, or one whose copy is being rented right now, cannot be canceled', () => {
    const canceled = cancelHold(waiting(), alice, at(1)).hold;
    expect(codeOf(() => cancelHold(canceled, alice, at(2)))).toBe('INVALID_HOLD_STATE');
    const claimed = claimOffer(ready(), 'rental-1').hold;
    expect(codeOf(() => cancelHold(claimed, alice, at(2)))).toBe('INVALID_HOLD_STATE');
    expect(codeOf(() => cancelHold(waiting(), bob, at(1)))).toBe('NOT_FOUND');
  });
});

describe('offers', () => {
  it('a freed copy makes the WAITING hold READY until now + HOLD_OFFER_PERIOD; HoldReady carries the deadline', () => {
    const { hold, events } = offerCopy(waiting(), at(HOUR), 3 * DAY_MS);
    expect(hold).toMatchObject({ status: 'READY', readyAt: at(HOUR), readyUntil: at(HOUR + 3 * DAY_MS) });
    expect(events).toEqual([
      {
        type: 'HoldReady',
        data: { holdId: hold.id, bookId: book, customerId: alice, autoRent: false, readyAt: at(HOUR).toISOString(), readyUntil: at(HOUR + 3 * DAY_MS).toISOString() },
      },
    ]);
  });

  it('a suspended hold is never offered a copy', () => {
    expect(codeOf(() => offerCopy(suspendHold(waiting(), alice, at(1)).hold, at(2), DAY_MS))).toBe('INVALID_HOLD_STATE');
  });

  it('renting the reserved copy claims the offer; payment approved → FULFILLED with the loan', () => {
    const claimed = claimOffer(ready(), 'rental-1').hold;
    expect(claimed).toMatchObject({ status: 'READY', rentalId: 'rental-1' });
    expect(codeOf(() => claimOffer(claimed, 'rental-2'))).toBe('INVALID_HOLD_STATE');
    const { hold, events } = fulfill(claimed, 'rental-1', at(2 * HOUR));
    expect(hold).toMatchObject({ status: 'FULFILLED', endedAt: at(2 * HOUR), activeKey: null });
    expect(events[0]).toMatchObject({ type: 'HoldFulfilled', data: { rentalId: 'rental-1' } });
  });

  it('renting a free copy while WAITING or SUSPENDED fulfills the hold too; an ended hold is not fulfilled', () => {
    expect(fulfill(waiting(), 'rental-1', at(1)).hold).toMatchObject({ status: 'FULFILLED', rentalId: 'rental-1' });
    expect(fulfill(suspendHold(waiting(), alice, at(1)).hold, 'rental-1', at(2)).hold.status).toBe('FULFILLED');
    expect(codeOf(() => fulfill(ready(), 'rental-1', at(2)))).toBe('INVALID_HOLD_STATE');
    expect(codeOf(() => fulfill(cancelHold(waiting(), alice, at(1)).hold, 'rental-1', at(2)))).toBe('INVALID_HOLD_STATE');
  });

  it('payment not approved → the offer stands (READY, same deadline, unclaimed)', () => {
    const offer = ready();
    const back = releaseClaim(claimOffer(offer, 'rental-1').hold, 'rental-1');
    expect(back.hold).toEqual(offer);
    expect(back.events).toEqual([]);
  });

  it('an offer not taken by readyUntil expires and gives its copy up; not before, and not while being rented', () => {
    const offer = ready();
    const deadline = offer.readyUntil!;
    expect(isOfferExpired(offer, new Date(deadline.getTime() - 1))).toBe(false);
    expect(codeOf(() => expireOffer(offer, new Date(deadline.getTime() - 1)))).toBe('INVALID_RENTAL_STATE');
    const { hold, events } = expireOffer(offer, deadline);
    expect(hold).toMatchObject({ status: 'EXPIRED', endedAt: deadline, activeKey: null });
    expect(events[0]).toMatchObject({ type: 'HoldExpired', data: { readyUntil: deadline.toISOString(), expiredAt: deadline.toISOString() } });
    expect(releasesCopy(offer, hold)).toBe(true);
    expect(isOfferExpired(claimOffer(offer, 'r').hold, deadline)).toBe(false);
  });
});

describe('estimated wait', () => {
  const base = { licensedCopies: 2, freeCopies: 0, loanPeriodMs: 14 * DAY_MS };

  it('is 0 when a copy is free and null when nothing is known', () => {
    expect(estimatedWaitDays({ ...base, position: 1, freeCopies: 1, busyUntil: [] }, t0)).toBe(0);
    expect(estimatedWaitDays({ ...base, position: 1, licensedCopies: 0, busyUntil: [] }, t0)).toBeNull();
    expect(estimatedWaitDays({ ...base, position: 1, busyUntil: [] }, t0)).toBeNull();
  });

  it('first in line waits for the earliest due date; later positions for the next copies, then one loan period per round', () => {
    const busyUntil = [at(5 * DAY_MS), at(2 * DAY_MS - HOUR)];
    expect(estimatedWaitDays({ ...base, position: 1, busyUntil }, t0)).toBe(2);
    expect(estimatedWaitDays({ ...base, position: 2, busyUntil }, t0)).toBe(5);
    expect(estimatedWaitDays({ ...base, position: 3, busyUntil }, t0)).toBe(16);
    expect(estimatedWaitDays({ ...base, position: 4, busyUntil }, t0)).toBe(19);
  });

  it('an overdue loan counts as coming back now', () => {
    expect(estimatedWaitDays({ ...base, position: 1, busyUntil: [at(-DAY_MS)] }, t0)).toBe(0);
  });
});
