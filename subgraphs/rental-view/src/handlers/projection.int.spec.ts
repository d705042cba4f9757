import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  BookRegistered,
  BookRented,
  BookReturned,
  CONTRACTS,
  DEAD_LETTER_SUFFIX,
  EmbeddedEventBus,
  KafkaEventBus,
  PaymentRefunded,
  RentalCanceled,
  RentalDueSoon,
  RentalExpired,
  RentalRenewed,
  TOPICS,
  UserRegistered,
  eventMetrics,
  joinTransaction,
  startIdempotentConsumer,
  type Envelope,
  type EventType,
  type IncomingMessage,
  type Subscription,
} from '@ebook/events';
import { createLogger, requireEnv } from '@ebook/subgraph-kit';
import { createViewDb } from '../db';
import { projectionHandlers } from './projection';

const logger = createLogger('projection-int', 'silent');
const bus = new KafkaEventBus({ brokers: requireEnv('KAFKA_BROKERS').split(','), clientId: 'projection-int', logger });
const db = createViewDb(requireEnv('RENTAL_VIEW_DATABASE_URL'));
const group = `rental-view.projection-test-${randomUUID().slice(0, 8)}`;
const subs: Subscription[] = [];
const deadLetters: IncomingMessage[] = [];
const cause = { correlationId: `corr-${randomUUID()}` };

/** Publishes envelopes exactly as the outbox relay does (topic from the contract, keyed by aggregate id). */
async function publish(...events: Envelope[]) {
  await bus.publish(events.map((e) => ({ topic: CONTRACTS[e.type as EventType].topic, key: e.aggregateId, value: JSON.stringify(e) })));
}

const eventually = <T>(check: () => Promise<T>, timeoutMs = 30_000) => vi.waitFor(check, { timeout: timeoutMs, interval: 200 });

beforeAll(async () => {
  subs.push(await startIdempotentConsumer({ bus, db, groupId: group, logger, handlers: projectionHandlers, retryBackoffMs: 50, maxAttempts: 3 }));
  subs.push(
    await bus.subscribe({
      groupId: `dlt-reader-${randomUUID().slice(0, 8)}`,
      topics: [TOPICS.rental + DEAD_LETTER_SUFFIX],
      onMessage: async (m) => {
        deadLetters.push(m);
      },
    }),
  );
});

afterAll(async () => {
  await Promise.all(subs.map((s) => s.stop()));
  await bus.close();
  await db.$disconnect();
});

describe('rental-view projection on Kafka and PostgreSQL', () => {
  it('converges to the same row whatever order the topics deliver in, and names arrive late', async () => {
    const [customerId, bookId, rentalId, paymentId] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
    const now = new Date().toISOString();
    // Payment's refund overtakes the rental's own events (different topics); names come last.
    await publish(PaymentRefunded.create(rentalId, { paymentId, rentalId, customerId, amount: 1500, refundedAt: now }, cause));
    await publish(
      BookRented.create(rentalId, { rentalId, bookId, customerId, fee: 1500, paymentId, rentedAt: now, dueAt: now }, cause),
      RentalCanceled.create(rentalId, { rentalId, bookId, customerId, paymentId, canceledAt: now }, cause),
    );
    await publish(UserRegistered.create(customerId, { userId: customerId, name: 'Late Name', role: 'CUSTOMER' }, cause));
    await publish(BookRegistered.create(bookId, { bookId, title: 'Late Title', author: 'A', publishedYear: 1900, rentalFee: 1500, licensedCopies: 1 }, cause));

    const row = await eventually(async () => {
      const r = await db.rentalStatus.findUniqueOrThrow({ where: { rentalId } });
      expect(r).toMatchObject({ status: 'CANCELED', paymentStatus: 'REFUNDED', customerName: 'Late Name', bookTitle: 'Late Title', fee: 1500 });
      return r;
    });
    expect(row.correlationId).toBe(cause.correlationId);
  });

  it('EXPIRED comes from RentalExpired only: a passed dueAt alone stays RENTED; once expired, myRentals shows EXPIRED, a redelivery or a late event changes nothing', async () => {
    const [customerId, bookId, rentalId, paymentId] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
    const rentedAt = new Date(Date.now() - 20_000).toISOString();
    const dueAt = new Date(Date.now() - 10_000).toISOString(); // already passed
    const rented = BookRented.create(rentalId, { rentalId, bookId, customerId, fee: 900, paymentId, rentedAt, dueAt }, cause);
    await publish(rented, RentalDueSoon.create(rentalId, { rentalId, bookId, customerId, dueAt, notifiedAt: rentedAt }, cause));
    await eventually(async () => expect(await db.rentalStatus.findUniqueOrThrow({ where: { rentalId } })).toMatchObject({ status: 'RENTED', paymentStatus: 'APPROVED' }));

    const expired = RentalExpired.create(rentalId, { rentalId, bookId, customerId, paymentId, dueAt, expiredAt: new Date().toISOString() }, cause);
    await publish(expired);
    await eventually(async () => expect((await db.rentalStatus.findUniqueOrThrow({ where: { rentalId } })).status).toBe('EXPIRED'));
    await publish(expired, rented); // redelivered, and an older fact arriving late
    // A late BookReturned (same rank as EXPIRED) after them: once it is handled, so are they (one partition per key, in order).
    const marker = BookReturned.create(rentalId, { rentalId, bookId, customerId, returnedAt: new Date().toISOString() }, cause);
    await publish(marker);
    await eventually(async () => expect(await db.inboxEvent.count({ where: { consumer: group, eventId: marker.eventId } })).toBe(1));
    expect(await db.inboxEvent.count({ where: { consumer: group, eventId: expired.eventId } })).toBe(1);
    // myRentals reads the customer's rows: EXPIRED, payment still APPROVED (no refund on expiry)
    const mine = await db.rentalStatus.findMany({ where: { customerId } });
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ rentalId, status: 'EXPIRED', paymentStatus: 'APPROVED', dueAt: new Date(dueAt) });
  });

  it('RentalRenewed moves dueAt and counts the renewal; payment events of a renewal charge leave the rent payment status alone', async () => {
    const [customerId, bookId, rentalId, paymentId, renewalId, renewalPaymentId] = [randomUUID(), randomUUID(), randomUUID(), randomUUID(), randomUUID(), randomUUID()];
    const dueAt = new Date(Date.now() + 14 * 86_400_000).toISOString();
    const renewedDue = new Date(Date.now() + 28 * 86_400_000).toISOString();
    await publish(
      BookRented.create(rentalId, { rentalId, bookId, customerId, fee: 900, paymentId, rentedAt: new Date().toISOString(), dueAt }, cause),
      RentalRenewed.create(
        rentalId,
        { rentalId, bookId, customerId, renewalId, renewals: 1, dueAt: renewedDue, fee: 900, paymentId: renewalPaymentId, renewedAt: new Date().toISOString() },
        cause,
      ),
    );
    // A refunded renewal charge (say, of an abandoned second renewal) is not the rent's payment.
    const marker = PaymentRefunded.create(
      rentalId,
      { paymentId: randomUUID(), rentalId, customerId, amount: 900, refundedAt: new Date().toISOString(), renewalId: randomUUID() },
      cause,
    );
    await publish(marker);
    await eventually(async () => expect(await db.inboxEvent.count({ where: { consumer: group, eventId: marker.eventId } })).toBe(1));
    await eventually(async () =>
      expect(await db.rentalStatus.findUniqueOrThrow({ where: { rentalId } })).toMatchObject({
        status: 'RENTED',
        paymentStatus: 'APPROVED',
        renewals: 1,
        dueAt: new Date(renewedDue),
      }),
    );
  });

  it('a redelivered event has no second effect (inbox)', async () => {
    const [customerId, bookId, rentalId] = [randomUUID(), randomUUID(), randomUUID()];
    const returned = BookReturned.create(rentalId, { rentalId, bookId, customerId, returnedAt: new Date().toISOString() }, cause);
    const before = (await eventMetrics.duplicates.get()).values.filter((v) => v.labels.group === group).reduce((n, v) => n + v.value, 0);
    await publish(returned);
    await publish(returned); // the same envelope again, as after a consumer crash before its offset commit
    await eventually(async () => expect((await db.rentalStatus.findUniqueOrThrow({ where: { rentalId } })).status).toBe('RETURNED'));
    await eventually(async () => {
      const after = (await eventMetrics.duplicates.get()).values.filter((v) => v.labels.group === group).reduce((n, v) => n + v.value, 0);
      expect(after - before).toBe(1);
    });
    expect(await db.inboxEvent.count({ where: { consumer: group, eventId: returned.eventId } })).toBe(1);
  });

  it('a poison message goes to the dead-letter topic and the partition keeps flowing', async () => {
    const rentalId = randomUUID();
    await bus.publish([{ topic: TOPICS.rental, key: rentalId, value: '{"not": "an envelope"' }]);
    const now = new Date().toISOString();
    await publish(BookRented.create(rentalId, { rentalId, bookId: randomUUID(), customerId: randomUUID(), fee: 900, paymentId: randomUUID(), rentedAt: now, dueAt: now }, cause));
    await eventually(async () => expect((await db.rentalStatus.findUniqueOrThrow({ where: { rentalId } })).status).toBe('RENTED'));
    const dead = await eventually(async () => {
      const m = deadLetters.find((d) => d.key === rentalId && d.headers['x-dlt-group'] === group);
      expect(m).toBeDefined();
      return m!;
    });
    expect(dead.value).toBe('{"not": "an envelope"');
    expect(dead.headers['x-dlt-reason']).toMatch(/not JSON/);
    expect(dead.headers['x-original-topic']).toBe(TOPICS.rental);
  });

  it('a handler that keeps failing is retried, then dead-lettered with its reason, writing nothing', async () => {
    const failingGroup = `always-failing-${randomUUID().slice(0, 8)}`;
    const rentalId = randomUUID();
    let attempts = 0;
    const sub = await startIdempotentConsumer({
      bus,
      db,
      groupId: failingGroup,
      logger,
      retryBackoffMs: 20,
      maxAttempts: 3,
      handlers: {
        BookReturned: async (e) => {
          if (e.aggregateId === rentalId) {
            attempts += 1;
            throw new Error('projection store rejected the row');
          }
        },
      },
    });
    try {
      const event = BookReturned.create(rentalId, { rentalId, bookId: randomUUID(), customerId: randomUUID(), returnedAt: new Date().toISOString() }, cause);
      await publish(event);
      const dead = await eventually(async () => {
        const m = deadLetters.find((d) => d.key === rentalId && d.headers['x-dlt-group'] === failingGroup);
        expect(m).toBeDefined();
        return m!;
      }, 60_000);
      expect(attempts).toBe(3);
      expect(dead.headers['x-dlt-reason']).toMatch(/failed 3 times: projection store rejected the row/);
      expect(JSON.parse(dead.value).eventId).toBe(event.eventId);
      expect(await db.inboxEvent.count({ where: { consumer: failingGroup, eventId: event.eventId } })).toBe(0);
    } finally {
      await sub.stop();
    }
  });

  it("keeps one aggregate's events in order even when a handler fails and is retried", async () => {
    const orderGroup = `ordering-${randomUUID().slice(0, 8)}`;
    const rentalId = randomUUID();
    const applied: string[] = [];
    let failedOnce = false;
    const sub = await startIdempotentConsumer({
      bus,
      db,
      groupId: orderGroup,
      logger,
      retryBackoffMs: 100,
      maxAttempts: 5,
      handlers: {
        BookReturned: async (e) => {
          if (e.aggregateId !== rentalId) return;
          if (e.data.returnedAt.startsWith('2001') && !failedOnce) {
            failedOnce = true;
            throw new Error('transient failure');
          }
          applied.push(e.data.returnedAt.slice(0, 4));
        },
      },
    });
    try {
      const base = { rentalId, bookId: randomUUID(), customerId: randomUUID() };
      const events = ['2000', '2001', '2002', '2003'].map((y) => BookReturned.create(rentalId, { ...base, returnedAt: `${y}-01-01T00:00:00.000Z` }, cause));
      for (const e of events) await publish(e);
      await eventually(async () => expect(applied).toEqual(['2000', '2001', '2002', '2003']));
      expect(failedOnce).toBe(true);
    } finally {
      await sub.stop();
    }
  });
});

describe('the idempotent consumer and the outbox relay', () => {
  it("wakes the context's relay after a handler that appended events, and only then (a projection writes none)", async () => {
    const g = `wake-test-${randomUUID().slice(0, 8)}`;
    let wakes = 0;
    const [customerId, bookId, rentalId] = [randomUUID(), randomUUID(), randomUUID()];
    const now = new Date().toISOString();
    const sub = await startIdempotentConsumer({
      bus,
      db,
      groupId: g,
      logger,
      afterCommit: () => void (wakes += 1),
      handlers: {
        RentalDueSoon: async () => undefined, // a projection-like handler: no event
        RentalExpired: (e, tx) =>
          joinTransaction(tx).run(async () => ({
            result: undefined,
            events: [
              RentalDueSoon.create(
                e.data.rentalId,
                { rentalId: e.data.rentalId, bookId: e.data.bookId, customerId: e.data.customerId, dueAt: e.data.dueAt, notifiedAt: now },
                cause,
              ),
            ],
          })),
      },
    });
    try {
      await publish(
        RentalDueSoon.create(rentalId, { rentalId, bookId, customerId, dueAt: now, notifiedAt: now }, cause),
        RentalExpired.create(rentalId, { rentalId, bookId, customerId, paymentId: null, dueAt: now, expiredAt: now }, cause),
      );
      // (a new group reads the topics from the start: earlier tests' events are handled too)
      const handled = await eventually(async () => {
        const rows = await db.inboxEvent.groupBy({ by: ['type'], where: { consumer: g }, _count: true });
        const count = Object.fromEntries(rows.map((r) => [r.type, r._count]));
        expect(count.RentalDueSoon ?? 0).toBeGreaterThanOrEqual(1);
        expect(count.RentalExpired ?? 0).toBeGreaterThanOrEqual(1);
        const mine = await db.inboxEvent.count({ where: { consumer: g, type: 'RentalExpired' } });
        expect(wakes).toBe(mine);
        return count;
      });
      expect(wakes).toBe(handled.RentalExpired);
    } finally {
      await sub.stop();
    }
  });

  it("stopping a consumer whose handler is failing ends its retries at once: stop waits for the delivery in flight, nothing is dead-lettered, the event is handled when the group runs again (pnpm dev's embedded bus)", async () => {
    const embedded = new EmbeddedEventBus();
    const g = `stop-test-${randomUUID().slice(0, 8)}`;
    const rentalId = randomUUID();
    const expired = RentalExpired.create(
      rentalId,
      { rentalId, bookId: randomUUID(), customerId: randomUUID(), paymentId: null, dueAt: new Date().toISOString(), expiredAt: new Date().toISOString() },
      cause,
    );
    let failing = true;
    let attempts = 0;
    let inFlight = 0;
    const handlers = {
      RentalExpired: async () => {
        attempts += 1;
        inFlight += 1;
        await new Promise((r) => setTimeout(r, 100));
        inFlight -= 1;
        if (failing) throw new Error('database went away');
      },
    };
    // A back-off of 60 s: only a stop that cuts retries short ends this test in time.
    const first = await startIdempotentConsumer({ bus: embedded, db, groupId: g, logger, handlers, retryBackoffMs: 60_000, maxAttempts: 5 });
    const published = embedded.publish([{ topic: CONTRACTS.RentalExpired.topic, key: rentalId, value: JSON.stringify(expired) }]);
    await eventually(async () => expect(attempts).toBe(1));
    const stopStarted = Date.now();
    await first.stop();
    expect(Date.now() - stopStarted).toBeLessThan(30_000);
    expect(inFlight).toBe(0);
    expect(attempts).toBe(1); // no retry after the stop
    await expect(published).rejects.toThrow(/stopped before handling/); // the publisher (the outbox relay) keeps its row and retries
    expect(await db.inboxEvent.count({ where: { consumer: g } })).toBe(0);

    failing = false;
    const second = await startIdempotentConsumer({ bus: embedded, db, groupId: g, logger, handlers, retryBackoffMs: 50 });
    try {
      await eventually(async () => expect(await db.inboxEvent.count({ where: { consumer: g, eventId: expired.eventId } })).toBe(1));
      expect(attempts).toBe(2);
    } finally {
      await second.stop();
      await embedded.close();
    }
  });
});
