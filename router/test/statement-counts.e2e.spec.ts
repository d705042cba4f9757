import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTEXTS } from '../../contexts';
import { GatewayClient, gql } from '../../test/support/graphql-client';
import { registerRentableBook } from '../../test/support/catalog';
import { signIn, signUp, type SignedIn } from '../../test/support/customers';
import { StatementCounter, databaseOf, isEmptyRelayUnit } from '../../test/support/sql-statements';
import { eventually } from './rental-scenario';
import { startTestStack, testDatabaseUrls, TEST_MANAGER } from './test-stack';

// The relays' safety-net poll is the only time-driven relay work; pushed out of the way, every
// relay statement counted here was caused by the operation under test.
process.env.OUTBOX_POLL_MS = '600000';
const counter = StatementCounter.install();
const databases = Object.fromEntries(CONTEXTS.map((c) => [databaseOf(testDatabaseUrls()[c]), c]));

let stack: Awaited<ReturnType<typeof startTestStack>>;
let api: GatewayClient;
let manager: string;

const RENT = gql`
  mutation Rent($bookId: ID!) {
    rentBook(bookId: $bookId) {
      id
      status
    }
  }
`;
const MY_RENTALS = gql`
  query {
    myRentals {
      rentalId
      status
      paymentStatus
      bookTitle
      fee
    }
  }
`;
const BOOKS = gql`
  query Books($first: Int) {
    books(first: $first) {
      edges {
        node {
          id
          title
          availableCopies
        }
      }
    }
  }
`;

/** Waits until no counted unit has started for `quietMs` (the event chain has run out). */
async function settle(quietMs = 1_200): Promise<void> {
  const deadline = performance.now() + 30_000;
  for (;;) {
    await new Promise((r) => setTimeout(r, 100));
    const last = counter.lastActivity();
    if (last === undefined || performance.now() - last >= quietMs) return;
    if (performance.now() > deadline) throw new Error('the stack never went quiet');
  }
}

/** Runs `op` from a quiet stack until the stack is quiet again. @returns counted statements by context and the units. */
async function measure(op: () => Promise<unknown>): Promise<{ byContext: Record<string, number>; units: ReturnType<StatementCounter['counted']> }> {
  await settle();
  counter.reset();
  await op();
  await settle();
  const units = counter.counted().filter((u) => databases[u.database]);
  const byContext = counter.byLabel(databases);
  counter.reset();
  return { byContext, units };
}

/**
 * Waits until rental-view and notification have taken in the books and the customer (their
 * consumer groups joined and caught up), so no catch-up work lands in a measured window.
 */
async function consumersCaughtUp(bookIds: string[], customerId: string): Promise<void> {
  const count = async (context: 'rental-view' | 'notification', sql: string) => {
    const client = new pg.Client({ connectionString: testDatabaseUrls()[context] });
    await client.connect();
    try {
      return Number((await client.query<{ n: string }>(sql, [bookIds, customerId])).rows[0]!.n);
    } finally {
      await client.end();
    }
  };
  await eventually(async () => {
    expect(await count('rental-view', `SELECT (SELECT count(*) FROM view_book WHERE id = ANY($1::uuid[])) + (SELECT count(*) FROM view_customer WHERE id = $2::uuid) AS n`)).toBe(
      bookIds.length + 1,
    );
    expect(
      await count('notification', `SELECT (SELECT count(*) FROM notify_book WHERE id = ANY($1::uuid[])) + (SELECT count(*) FROM notify_customer WHERE id = $2::uuid) AS n`),
    ).toBe(bookIds.length + 1);
  }, 60_000);
}

const total = (m: Record<string, number>) => Object.values(m).reduce((a, b) => a + b, 0);

/**
 * Statements of one rent in the two contexts of the saga (README, "The hot paths in plain SQL"):
 * rental — the reservation (`BEGIN`, the locks, the loans and hold, the insert taking a copy,
 * `COMMIT`: 5), the confirmation (`BEGIN`, the book's lock, the update with `BookRented`,
 * `COMMIT`: 4), its relay's batch (3); payment — the approval (`BEGIN`, the payment with its
 * event, `COMMIT`: 3), its relay's batch (3). Look-ups that found nothing are not counted
 * (`test/support/sql-statements.ts`); this stack's simulated processor keeps its books in memory.
 * Before the hot paths were plain SQL: rental 17, payment 7.
 */
const SAGA_STATEMENTS = { rental: 12, payment: 6 };

describe('SQL statements per operation, counted at the pg driver (real PostgreSQL and Kafka)', () => {
  const books: string[] = [];
  let customer: SignedIn;

  beforeAll(async () => {
    stack = await startTestStack();
    api = new GatewayClient(stack.gatewayUrl);
    manager = await signIn(api, TEST_MANAGER.email, TEST_MANAGER.password);
    books.push(...(await Promise.all(Array.from({ length: 20 }, () => registerRentableBook(api, manager)))));
    customer = await signUp(api, { name: 'counted' });
    await consumersCaughtUp(books, customer.id);
  }, 120_000);
  afterAll(async () => {
    await stack?.stop();
  });

  it('a rentBook end to end (rental, payment, relays, consumers until the view row and the e-mail) sends a fixed number of statements, and no relay transaction publishes nothing', async () => {
    const perRent: Record<string, number>[] = [];
    for (const bookId of books.slice(0, 3)) {
      const { byContext, units } = await measure(async () => {
        const { rentBook } = await api.run(RENT, { bookId }, customer.token);
        expect(rentBook.status).toBe('RENTED');
      });
      perRent.push(byContext);
      const relayUnits = units.filter((u) => u.relay);
      console.log(
        `rentBook statements by context: ${JSON.stringify(byContext)} = ${total(byContext)}; relay transactions: ${relayUnits.length} (${relayUnits
          .map((u) => `${databases[u.database]}:${u.statements.length}`)
          .join(', ')})`,
      );
      // A publishing relay transaction is BEGIN, one claim statement, COMMIT.
      expect(relayUnits.filter((u) => u.statements.length > 3)).toEqual([]);
      expect(relayUnits.filter(isEmptyRelayUnit).map((u) => `${databases[u.database]}: ${u.statements.map((s) => s.text.slice(0, 60)).join(' | ')}`)).toEqual([]);
      expect({ rental: byContext['rental'], payment: byContext['payment'] }).toEqual(SAGA_STATEMENTS);
    }
    // The view row was written in the counted window.
    const mine = (await api.run(MY_RENTALS, {}, customer.token)).myRentals as { status: string }[];
    expect(mine.filter((r) => r.status === 'RENTED')).toHaveLength(3);
    // Every rent of the same shape costs the same (the count does not drift with history).
    expect(total(perRent[2]!)).toBe(total(perRent[1]!));
    // The consumers' share: rental-view BEGIN, inbox row, one upsert, COMMIT per event; notification
    // records the message and its delivery in one statement, loads it in one and finishes it in one.
    expect(perRent[2]!['rental-view']).toBeLessThanOrEqual(8);
    expect(perRent[2]!['notification']).toBeLessThanOrEqual(11);
  });

  it('myRentals costs the same statements for 1 and for 4 rentals (no N+1)', async () => {
    const one = await signUp(api, { name: 'one' });
    const four = await signUp(api, { name: 'four' });
    await api.run(RENT, { bookId: books[5] }, one.token);
    for (const bookId of books.slice(6, 10)) await api.run(RENT, { bookId }, four.token);
    await eventually(async () => expect((await api.run(MY_RENTALS, {}, four.token)).myRentals.filter((r: { status: string }) => r.status === 'RENTED')).toHaveLength(4));
    await eventually(async () => expect((await api.run(MY_RENTALS, {}, one.token)).myRentals).toHaveLength(1));
    const a = await measure(async () => expect((await api.run(MY_RENTALS, {}, one.token)).myRentals).toHaveLength(1));
    const b = await measure(async () => expect((await api.run(MY_RENTALS, {}, four.token)).myRentals).toHaveLength(4));
    console.log(`myRentals statements: 1 rental ${JSON.stringify(a.byContext)}, 4 rentals ${JSON.stringify(b.byContext)}`);
    expect(total(a.byContext)).toBeGreaterThan(0);
    expect(b.byContext).toEqual(a.byContext);
  });

  it('books(first: N) { availableCopies } through the gateway costs the same statements for 5 and for 20 books (no N+1)', async () => {
    const a = await measure(async () => expect((await api.run(BOOKS, { first: 5 })).books.edges).toHaveLength(5));
    const b = await measure(async () => expect((await api.run(BOOKS, { first: 20 })).books.edges).toHaveLength(20));
    console.log(`books { availableCopies } statements: first 5 ${JSON.stringify(a.byContext)}, first 20 ${JSON.stringify(b.byContext)}`);
    expect(a.byContext['rental']).toBeGreaterThan(0);
    expect(b.byContext).toEqual(a.byContext);
  });
});
