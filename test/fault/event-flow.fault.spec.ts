import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { KafkaEventBus, TOPICS } from '@ebook/events';
import { createLogger } from '@ebook/subgraph-kit';
import { ProcessStack } from './process-stack';
import { Actors, type Customer } from './actors';
import { closeLedger, deliveredTo, kafkaBroker, producedFor, report, settledViewLedger, sql } from './ledger';

/**
 * The event flow under real faults: every service a separate process, the real
 * Kafka 3.9 broker, real PostgreSQL. Each scenario counts events produced (outbox rows),
 * delivered (inbox rows of the consumer group), duplicated effects and lost events.
 */
const VIEW = 'rental-view.projection';
const REFUNDS = 'payment.refunds';
/** The consumers' fault-harness entry: the service kills itself after handling an event, before the offset commit. */
const KILL_AFTER_HANDLING_ENTRY = 'test/fault/kill-after-handling.ts';
let stack: ProcessStack;
let actors: Actors;

beforeAll(async () => {
  stack = await ProcessStack.create({ basePort: 4300 });
  await stack.startAll();
  actors = new Actors(stack.gatewayUrl);
});

afterAll(async () => {
  await stack?.stopAll();
  await closeLedger();
});

/** Waits until the view shows `expected` for every rental; @returns ms waited. */
async function viewConverges(expected: Map<string, { c: Customer; status: string; paymentStatus: string }>, timeoutMs = 90_000): Promise<number> {
  const t0 = Date.now();
  await vi.waitFor(
    async () => {
      for (const [rentalId, e] of expected) {
        expect(await actors.viewStatus(e.c, rentalId)).toEqual({ status: e.status, paymentStatus: e.paymentStatus, __typename: 'RentalStatus' });
      }
    },
    { timeout: timeoutMs, interval: 250 },
  );
  return Date.now() - t0;
}

const ledger = settledViewLedger;

describe('event flow under faults (separate processes, real Kafka and PostgreSQL)', () => {
  it('Kafka broker stopped mid-flow: rentals are still accepted, every event is delivered after the restart', async () => {
    const bookId = await actors.book(10);
    const customers = await Promise.all(Array.from({ length: 5 }, () => actors.customer()));
    kafkaBroker.stop();
    let restarted = false;
    try {
      const rentals = await Promise.all(customers.map((c) => actors.rent(c, bookId)));
      await actors.cancel(customers[0]!, rentals[0]!);
      await actors.cancel(customers[1]!, rentals[1]!);
      const waiting = (await producedFor(rentals)).filter((e) => !e.published).length;
      expect(waiting).toBeGreaterThan(0); // the events wait in the outbox
      kafkaBroker.start();
      restarted = true;
      const expected = new Map(rentals.map((r, i) => [r, { c: customers[i]!, status: i < 2 ? 'CANCELED' : 'RENTED', paymentStatus: i < 2 ? 'REFUNDED' : 'APPROVED' }]));
      const recoveryMs = await viewConverges(expected);
      const counts = await ledger(rentals);
      report({ scenario: 'Kafka broker stopped mid-flow', ...counts, recoveryMs });
      expect(counts.lost).toBe(0);
      expect(counts.duplicatedEffects).toBe(0);
      expect(counts.produced).toBe(5 * 2 + 2 * 2); // BookRented + PaymentApproved each; RentalCanceled + PaymentRefunded for two
    } finally {
      if (!restarted) kafkaBroker.start();
    }
  });

  it('rental-view down while events are produced: on restart it catches up from its committed offsets, none twice', async () => {
    const bookId = await actors.book(10);
    const customers = await Promise.all(Array.from({ length: 4 }, () => actors.customer()));
    await stack.stop('rental-view');
    const rentals = await Promise.all(customers.map((c) => actors.rent(c, bookId)));
    await actors.cancel(customers[0]!, rentals[0]!);
    await actors.return(customers[1]!, rentals[1]!);
    await stack.start('rental-view');
    const t0 = Date.now();
    const expected = new Map(
      rentals.map((r, i) => [r, { c: customers[i]!, status: ['CANCELED', 'RETURNED', 'RENTED', 'RENTED'][i]!, paymentStatus: i === 0 ? 'REFUNDED' : 'APPROVED' }]),
    );
    await viewConverges(expected);
    const counts = await ledger(rentals);
    report({ scenario: 'rental-view down while producing', ...counts, recoveryMs: Date.now() - t0 });
    expect(counts.lost).toBe(0);
    expect(await stack.metric('rental-view', 'events_duplicates_skipped_total', { group: VIEW, type: 'BookRented' })).toBe(0);
  });

  it("payment's refund consumer down: cancellations wait, every refund happens once after its restart", async () => {
    const bookId = await actors.book(10);
    const customers = await Promise.all(Array.from({ length: 3 }, () => actors.customer()));
    const rentals = await Promise.all(customers.map((c) => actors.rent(c, bookId)));
    await stack.stop('payment');
    for (let i = 0; i < 3; i += 1) await actors.cancel(customers[i]!, rentals[i]!);
    await stack.start('payment');
    const t0 = Date.now();
    await viewConverges(new Map(rentals.map((r, i) => [r, { c: customers[i]!, status: 'CANCELED', paymentStatus: 'REFUNDED' }])));
    const produced = await producedFor(rentals);
    const canceled = produced.filter((e) => e.type === 'RentalCanceled').map((e) => e.eventId);
    const delivered = await deliveredTo('PAYMENT_DATABASE_URL', REFUNDS, canceled);
    const counts = await ledger(rentals);
    report({
      scenario: 'payment refund consumer down',
      produced: canceled.length,
      delivered,
      duplicatedEffects: counts.duplicatedEffects,
      lost: canceled.length - delivered,
      recoveryMs: Date.now() - t0,
    });
    expect(delivered).toBe(3);
    expect(counts.duplicatedEffects).toBe(0);
  });

  it('consumer killed after its handler ran but before the offset commit: the redelivered events have no second effect', async () => {
    const bookId = await actors.book(10);
    const customers = await Promise.all(Array.from({ length: 3 }, () => actors.customer()));
    const rentals = await Promise.all(customers.map((c) => actors.rent(c, bookId)));
    // Payment's refund consumer and the view crash right after handling a RentalCanceled
    // (effect committed in their database), before kafkajs commits its offset.
    await Promise.all([stack.stop('payment'), stack.stop('rental-view')]);
    const crash = (service: 'payment' | 'rental-view') => ({ entry: KILL_AFTER_HANDLING_ENTRY, env: { FAULT_SERVICE: service, FAULT_KILL_AFTER_HANDLING: 'RentalCanceled' } });
    await Promise.all([stack.start('payment', crash('payment')), stack.start('rental-view', crash('rental-view'))]);
    for (let i = 0; i < 3; i += 1) await actors.cancel(customers[i]!, rentals[i]!);
    await vi.waitFor(async () => expect(stack.isRunning('payment') || stack.isRunning('rental-view')).toBe(false), { timeout: 30_000, interval: 100 });
    const handledBeforeCrash = await sql<{ n: string }>('PAYMENT_DATABASE_URL', `SELECT count(*) AS n FROM payment WHERE status = 'REFUNDED' AND "rentalId" = ANY($1::uuid[])`, [
      rentals,
    ]);
    expect(Number(handledBeforeCrash[0]!.n)).toBeGreaterThanOrEqual(1);
    await Promise.all([stack.stop('payment'), stack.stop('rental-view')]);
    await Promise.all([stack.start('payment'), stack.start('rental-view')]);
    const t0 = Date.now();
    const expected = new Map(rentals.map((r, i) => [r, { c: customers[i]!, status: 'CANCELED', paymentStatus: 'REFUNDED' }]));
    await viewConverges(expected);
    // The event handled just before each crash was delivered again and skipped by the inboxes.
    await vi.waitFor(
      async () => {
        expect(await stack.metric('payment', 'events_duplicates_skipped_total', { group: REFUNDS, type: 'RentalCanceled' })).toBeGreaterThanOrEqual(1);
        expect(await stack.metric('rental-view', 'events_duplicates_skipped_total', { group: VIEW, type: 'RentalCanceled' })).toBeGreaterThanOrEqual(1);
      },
      { timeout: 60_000, interval: 500 },
    );
    const counts = await ledger(rentals);
    report({ scenario: 'consumer killed before offset commit', ...counts, recoveryMs: Date.now() - t0 });
    expect(counts.duplicatedEffects).toBe(0);
    expect(counts.lost).toBe(0);
  });

  it('two replicas of each consumer in one group share the partitions, every event has one effect; killing one moves its partitions to the other', async () => {
    await Promise.all([stack.start('rental-view', { replica: 2 }), stack.start('payment', { replica: 2 }), stack.start('rental', { replica: 2 })]);
    const bookId = await actors.book(30);
    const first = await Promise.all(Array.from({ length: 12 }, () => actors.customer()));
    const rentalsA = await Promise.all(first.map((c) => actors.rent(c, bookId)));
    await viewConverges(new Map(rentalsA.map((r, i) => [r, { c: first[i]!, status: 'RENTED', paymentStatus: 'APPROVED' }])));
    const byReplica1 = await stack.metric('rental-view', 'events_handled_total', { group: VIEW, type: 'BookRented' }, 1);
    const byReplica2 = await stack.metric('rental-view', 'events_handled_total', { group: VIEW, type: 'BookRented' }, 2);
    expect(byReplica2).toBeGreaterThan(0);
    expect(byReplica1 + byReplica2).toBeGreaterThanOrEqual(12);
    // Refunds with two payment replicas in the group: each cancellation refunded exactly once.
    for (let i = 0; i < 6; i += 1) await actors.cancel(first[i]!, rentalsA[i]!);
    await viewConverges(new Map(rentalsA.slice(0, 6).map((r, i) => [r, { c: first[i]!, status: 'CANCELED', paymentStatus: 'REFUNDED' }])));
    const refundedBy = [1, 2].map((replica) => stack.metric('payment', 'events_handled_total', { group: REFUNDS, type: 'RentalCanceled' }, replica));
    expect((await Promise.all(refundedBy)).reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(6);
    // A book registered now reaches rental's replica through either rental process.
    await actors.book(1);

    await stack.stop('rental-view', { replica: 2, signal: 'SIGKILL' });
    const t0 = Date.now();
    const second = await Promise.all(Array.from({ length: 6 }, () => actors.customer()));
    const rentalsB = await Promise.all(second.map((c) => actors.rent(c, bookId)));
    await viewConverges(new Map(rentalsB.map((r, i) => [r, { c: second[i]!, status: 'RENTED', paymentStatus: 'APPROVED' }])));
    const counts = await ledger([...rentalsA, ...rentalsB]);
    report({ scenario: 'two view replicas, one killed', ...counts, recoveryMs: Date.now() - t0 });
    expect(counts.lost).toBe(0);
    expect(counts.duplicatedEffects).toBe(0);
    expect(counts.delivered).toBe(counts.produced);
  });

  it('book-management down: rentals are still accepted (rental decides from its own replica)', async () => {
    const bookId = await actors.book(3);
    const c = await actors.customer();
    await stack.stop('book-management');
    try {
      const rentalId = await actors.rent(c, bookId);
      await viewConverges(new Map([[rentalId, { c, status: 'RENTED', paymentStatus: 'APPROVED' }]]));
      const counts = await ledger([rentalId]);
      report({ scenario: 'book-management down', ...counts, recoveryMs: null });
      expect(counts.lost).toBe(0);
    } finally {
      await stack.start('book-management');
    }
  });

  it('a poison event is dead-lettered (metric counts it) and the partition keeps flowing', async () => {
    const bookId = await actors.book(2);
    const c = await actors.customer();
    const logger = createLogger('fault-poison', 'silent');
    const bus = new KafkaEventBus({ brokers: process.env.KAFKA_BROKERS!.split(','), clientId: 'fault-poison', logger });
    const before = await stack.metric('rental-view', 'events_dead_lettered_total', { group: VIEW, topic: TOPICS.rental });
    try {
      // Same key as the next rental would not be known yet; any key lands on some partition of rental.events.
      for (const key of ['p0', 'p1', 'p2', 'p3', 'p4', 'p5']) await bus.publish([{ topic: TOPICS.rental, key, value: '{"type":"BookRented","version":1}' }]);
    } finally {
      await bus.close();
    }
    const rentalId = await actors.rent(c, bookId);
    await viewConverges(new Map([[rentalId, { c, status: 'RENTED', paymentStatus: 'APPROVED' }]]));
    await vi.waitFor(async () => expect(await stack.metric('rental-view', 'events_dead_lettered_total', { group: VIEW, topic: TOPICS.rental })).toBe(before + 6), {
      timeout: 30_000,
      interval: 250,
    });
  });
});
