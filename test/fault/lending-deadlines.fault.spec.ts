import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { gql } from '../support/graphql-client';
import { ProcessStack } from './process-stack';
import { Actors, type Customer } from './actors';
import { closeLedger, sql } from './ledger';

/**
 * The rental service (two replicas, both running the lending and hold schedules) killed with
 * SIGKILL while loans and hold offers come due: after the restart each deadline is acted on
 * exactly once — one `RentalExpired` per loan, one `HoldReady` per next-in-line hold, one
 * `HoldExpired` per untaken offer — and every copy ends up available again. Every service is its
 * own process on real PostgreSQL and Kafka; the outbox of the rental database is the record.
 *
 * Ports 4740–4755 (rental's second replica on 4753).
 */
const SHORT = { LOAN_PERIOD: 'PT4S', HOLD_OFFER_PERIOD: 'PT3S', DUE_SOON_NOTICE: 'PT0S', CANCEL_WINDOW: 'PT1M' };
let stack: ProcessStack;
let actors: Actors;

beforeAll(async () => {
  stack = await ProcessStack.create({ basePort: 4740, env: { rental: SHORT } });
  await stack.startAll();
  await stack.start('rental', { replica: 2 });
  actors = new Actors(stack.gatewayUrl);
});

afterAll(async () => {
  await stack?.stopAll();
  await closeLedger();
});

/** Kills both rental replicas at once (no graceful shutdown). */
async function killRental(): Promise<void> {
  await Promise.all([stack.stop('rental', { signal: 'SIGKILL' }), stack.stop('rental', { replica: 2, signal: 'SIGKILL' })]);
}

async function startRental(): Promise<void> {
  await Promise.all([stack.start('rental'), stack.start('rental', { replica: 2 })]);
}

/** How many events of `type` the rental outbox holds for each aggregate. */
async function outboxCount(type: string, aggregateIds: string[]): Promise<number[]> {
  const rows = await sql<{ aggregateId: string; n: string }>(
    'RENTAL_DATABASE_URL',
    'SELECT "aggregateId", count(*) AS n FROM outbox_event WHERE type = $1 AND "aggregateId" = ANY($2) GROUP BY "aggregateId"',
    [type, aggregateIds],
  );
  const by = new Map(rows.map((r) => [r.aggregateId, Number(r.n)]));
  return aggregateIds.map((id) => by.get(id) ?? 0);
}

const PLACE = gql`
  mutation P($bookId: ID!) {
    placeHold(bookId: $bookId) {
      id
    }
  }
`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('lending deadlines while the rental service is down', () => {
  it('loans and offers that came due while every replica was killed are each acted on exactly once after the restart', async () => {
    const books = await Promise.all([actors.book(1), actors.book(1), actors.book(1)]);
    const readers: Customer[] = await Promise.all(books.map(() => actors.customer()));
    const holders: Customer[] = await Promise.all(books.map(() => actors.customer()));
    const loans = await Promise.all(books.map((bookId, i) => actors.rent(readers[i]!, bookId)));
    const holds = await Promise.all(books.map(async (bookId, i) => (await actors.api.run(PLACE, { bookId }, holders[i]!.token)).placeHold.id as string));

    await killRental();
    await sleep(5_000); // every loan is now past its due date, nobody running the schedule
    expect(await outboxCount('RentalExpired', loans)).toEqual([0, 0, 0]);
    await startRental();
    await vi.waitFor(async () => expect(await outboxCount('HoldReady', holds)).toEqual([1, 1, 1]), { timeout: 20_000, interval: 250 });
    expect(await outboxCount('RentalExpired', loans)).toEqual([1, 1, 1]);

    await killRental();
    await sleep(4_000); // every offer is now past its deadline
    await startRental();
    await vi.waitFor(async () => expect(await outboxCount('HoldExpired', holds)).toEqual([1, 1, 1]), { timeout: 20_000, interval: 250 });
    await sleep(1_500); // a few more schedule runs on both replicas: still once each
    expect(await outboxCount('RentalExpired', loans)).toEqual([1, 1, 1]);
    expect(await outboxCount('HoldReady', holds)).toEqual([1, 1, 1]);
    expect(await outboxCount('HoldExpired', holds)).toEqual([1, 1, 1]);
    const copies = await sql<{ free: number }>(
      'RENTAL_DATABASE_URL',
      'SELECT "licensedCopies" - "activeRentals" - "reservedCopies" AS free FROM book_replica WHERE "bookId" = ANY($1::uuid[]) ORDER BY "bookId"',
      [books],
    );
    expect(copies.map((c) => c.free)).toEqual([1, 1, 1]);
  });
});
