import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import { eventually } from './rental-scenario';
import { GatewayClient, gql } from '../../test/support/graphql-client';
import { signUp, type SignedIn } from '../../test/support/customers';

/**
 * The lending lifecycle as customers live it, through a gateway whose rental context runs with
 * short durations — a loan period of at most ~5 s and an offer period of at most ~3 s (e.g.
 * `LOAN_PERIOD=PT5S`, `HOLD_OFFER_PERIOD=PT3S`, no due-soon notice): one book with one copy, a
 * loan, two holds, return → first hold READY → rented (FULFILLED) → the loan expires by itself →
 * next hold READY → its offer expires → the copy is available again; the read model follows, and
 * every customer gets one delivered notification per change of theirs (`myNotifications`).
 * Run against the e2e stack and against `pnpm dev`.
 */

export const AVAILABILITY = gql`
  query A($id: ID!) {
    book(id: $id) {
      availableCopies
      availability {
        totalCopies
        availableCopies
        holdsWaiting
        estimatedWaitDays
      }
    }
  }
`;
export const RENT = gql`
  mutation Rent($bookId: ID!) {
    rentBook(bookId: $bookId) {
      id
      status
      dueAt
    }
  }
`;
export const PLACE = gql`
  mutation P($bookId: ID!, $auto: Boolean) {
    placeHold(bookId: $bookId, autoRent: $auto) {
      id
      status
      position
      queueLength
      estimatedWaitDays
      book {
        id
        title
      }
    }
  }
`;
const MY_HOLDS = gql`
  query {
    myHolds {
      id
      status
      position
      queueLength
      readyUntil
      book {
        id
      }
    }
  }
`;
const MY_NOTIFICATIONS = gql`
  query {
    myNotifications(first: 50) {
      kind
      deliveredAt
    }
  }
`;

/**
 * Runs the lifecycle above with a new book registered by `manager` (an access token).
 * @throws an assertion error at the first step that does not hold.
 */
export async function runLendingScenario(api: GatewayClient, manager: string): Promise<void> {
  const holdOf = async (token: string, holdId: string) =>
    ((await api.run(MY_HOLDS, {}, token)).myHolds as { id: string; status: string; position: number | null; readyUntil: string | null }[]).find((h) => h.id === holdId);
  const { registerBook } = await api.run(
    gql`
      mutation B($input: RegisterBookInput!) {
        registerBook(input: $input) {
          id
        }
      }
    `,
    { input: { title: `Held ${randomUUID().slice(0, 6)}`, author: 'Test', publishedYear: 1900, rentalFee: 1000, licensedCopies: 1 } },
    manager,
  );
  const bookId: string = registerBook.id;
  await eventually(async () =>
    expect((await api.run(AVAILABILITY, { id: bookId })).book.availability).toMatchObject({ totalCopies: 1, availableCopies: 1, holdsWaiting: 0, estimatedWaitDays: 0 }),
  );
  const [reader, first, second, walkIn] = (await Promise.all(['reader', 'first', 'second', 'walkin'].map((name) => signUp(api, { name })))) as [
    SignedIn,
    SignedIn,
    SignedIn,
    SignedIn,
  ];

  expect(await api.errorCode(PLACE, { bookId }, first.token)).toBe('COPIES_AVAILABLE');
  const loan = (await api.run(RENT, { bookId }, reader.token)).rentBook;
  const h1 = (await api.run(PLACE, { bookId }, first.token)).placeHold;
  const h2 = (await api.run(PLACE, { bookId }, second.token)).placeHold;
  expect(h1).toMatchObject({ status: 'WAITING', position: 1, queueLength: 1, book: { id: bookId } });
  expect(h1.book.title).toMatch(/^Held /); // the Hold's book resolved from book-management through the supergraph
  expect(h2).toMatchObject({ status: 'WAITING', position: 2, queueLength: 2 });
  expect(h2.estimatedWaitDays).toBeGreaterThanOrEqual(0);
  expect((await api.run(AVAILABILITY, { id: bookId })).book.availability).toMatchObject({ totalCopies: 1, availableCopies: 0, holdsWaiting: 2 });
  expect(await api.errorCode(PLACE, { bookId }, first.token)).toBe('ALREADY_ON_HOLD');
  expect(
    await api.errorCode(
      gql`
        mutation N($id: ID!) {
          renewRental(rentalId: $id) {
            id
          }
        }
      `,
      { id: loan.id },
      reader.token,
    ),
  ).toBe('RENEWAL_NOT_ALLOWED');

  await api.run(
    gql`
      mutation Ret($id: ID!) {
        returnBook(rentalId: $id) {
          status
        }
      }
    `,
    { id: loan.id },
    reader.token,
  );
  const offered = await holdOf(first.token, h1.id);
  expect(offered).toMatchObject({ status: 'READY', position: null });
  expect(Date.parse(offered!.readyUntil!)).toBeGreaterThan(Date.now());
  expect(await holdOf(second.token, h2.id)).toMatchObject({ status: 'WAITING', position: 1, queueLength: 1 });
  expect(await api.errorCode(RENT, { bookId }, walkIn.token)).toBe('BOOK_NOT_AVAILABLE');

  const taken = (await api.run(RENT, { bookId }, first.token)).rentBook;
  expect(taken.status).toBe('RENTED');
  expect(await holdOf(first.token, h1.id)).toMatchObject({ status: 'FULFILLED' });

  // the loan expires by itself at its due date; the copy goes to the next in line
  await eventually(async () => expect(await holdOf(second.token, h2.id)).toMatchObject({ status: 'READY' }), 12_000);
  expect(
    (
      await api.run(
        gql`
          query R($id: ID!) {
            rental(id: $id) {
              status
            }
          }
        `,
        { id: taken.id },
        first.token,
      )
    ).rental.status,
  ).toBe('EXPIRED');
  // nobody takes the offer: it expires, and the copy is available again
  await eventually(async () => expect(await holdOf(second.token, h2.id)).toMatchObject({ status: 'EXPIRED', readyUntil: null }), 10_000);
  expect((await api.run(AVAILABILITY, { id: bookId })).book.availability).toMatchObject({ totalCopies: 1, availableCopies: 1, holdsWaiting: 0, estimatedWaitDays: 0 });
  expect((await api.run(RENT, { bookId }, walkIn.token)).rentBook.status).toBe('RENTED');
  // the read model follows from events only
  await eventually(async () =>
    expect(
      (
        await api.run(
          gql`
            query S($id: ID!) {
              rentalStatus(rentalId: $id) {
                status
              }
            }
          `,
          { id: taken.id },
          first.token,
        )
      ).rentalStatus.status,
    ).toBe('EXPIRED'),
  );
  // every customer was told of every change of theirs, once each, and it was delivered (SMTP)
  const told: [{ token: string }, string[]][] = [
    [reader, ['RENTED', 'RETURNED']],
    [first, ['HOLD_PLACED', 'HOLD_READY', 'RENTED', 'EXPIRED']],
    [second, ['HOLD_PLACED', 'HOLD_READY', 'HOLD_EXPIRED']],
    [walkIn, ['RENTED']],
  ];
  await eventually(async () => {
    for (const [c, kinds] of told) {
      const mine = (await api.run(MY_NOTIFICATIONS, {}, c.token)).myNotifications as { kind: string; deliveredAt: string | null }[];
      expect(mine.map((n) => n.kind).sort()).toEqual([...kinds].sort());
      expect(mine.every((n) => n.deliveredAt !== null)).toBe(true);
    }
  }, 20_000);
}
