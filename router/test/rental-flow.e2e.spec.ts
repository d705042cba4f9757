import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, runRentalScenario } from './rental-scenario';
import { GatewayClient, gql } from '../../test/support/graphql-client';
import { signIn, signUp } from '../../test/support/customers';
import { startTestStack, TEST_MANAGER, type PaymentKnobs } from './test-stack';

const knobs: PaymentKnobs = { declineRate: 0 };
let stack: Awaited<ReturnType<typeof startTestStack>>;
let api: GatewayClient;
let manager: string;

const customer = (name: string) => signUp(api, { name });

async function bookWithCopies(copies: number): Promise<string> {
  const { registerBook } = await api.run(
    gql`
      mutation B($input: RegisterBookInput!) {
        registerBook(input: $input) {
          id
        }
      }
    `,
    { input: { title: `Race ${randomUUID().slice(0, 6)}`, author: 'Test', publishedYear: 1900, rentalFee: 1000, licensedCopies: copies } },
    manager,
  );
  await eventually(async () =>
    expect(
      (
        await api.run(
          gql`
            query A($id: ID!) {
              book(id: $id) {
                availableCopies
              }
            }
          `,
          { id: registerBook.id },
        )
      ).book.availableCopies,
    ).toBe(copies),
  );
  return registerBook.id;
}

const RENT = gql`
  mutation Rent($bookId: ID!) {
    rentBook(bookId: $bookId) {
      id
      status
    }
  }
`;

describe('the rental business through the gateway, on PostgreSQL and Kafka', () => {
  beforeAll(async () => {
    stack = await startTestStack(knobs);
    api = new GatewayClient(stack.gatewayUrl);
    manager = await signIn(api, TEST_MANAGER.email, TEST_MANAGER.password);
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('runs the acceptance scenario: rent, not available, cancel + refund, rent again, return, refusals', async () => {
    await runRentalScenario(stack.gatewayUrl, { managerEmail: TEST_MANAGER.email, managerPassword: TEST_MANAGER.password });
  });

  it('never lets two customers take the last copy together (8 concurrent rents, 2 copies)', async () => {
    const bookId = await bookWithCopies(2);
    const racers = await Promise.all(Array.from({ length: 8 }, (_, i) => customer(`racer${i}`)));
    const outcomes = await Promise.all(
      racers.map((c) =>
        api.run(RENT, { bookId }, c.token).then(
          () => 'RENTED',
          (err: Error) => (/BOOK_NOT_AVAILABLE/.test(err.message) ? 'BOOK_NOT_AVAILABLE' : err.message),
        ),
      ),
    );
    expect(outcomes.filter((o) => o === 'RENTED')).toHaveLength(2);
    expect(outcomes.filter((o) => o === 'BOOK_NOT_AVAILABLE')).toHaveLength(6);
    expect(
      (
        await api.run(
          gql`
            query A($id: ID!) {
              book(id: $id) {
                availableCopies
              }
            }
          `,
          { id: bookId },
        )
      ).book.availableCopies,
    ).toBe(0);
  });

  it('a declined payment gives PAYMENT_DECLINED, no rental holds the copy, and the view shows it', async () => {
    const bookId = await bookWithCopies(1);
    const c = await customer('declined');
    knobs.declineRate = 1;
    try {
      expect(await api.errorCode(RENT, { bookId }, c.token)).toBe('PAYMENT_DECLINED');
    } finally {
      knobs.declineRate = 0;
    }
    expect(
      (
        await api.run(
          gql`
            query A($id: ID!) {
              book(id: $id) {
                availableCopies
              }
            }
          `,
          { id: bookId },
        )
      ).book.availableCopies,
    ).toBe(1);
    const me = await api.run(
      gql`
        query {
          me {
            rentals {
              id
              status
              payment {
                status
              }
            }
          }
        }
      `,
      {},
      c.token,
    );
    expect(me.me.rentals).toEqual([expect.objectContaining({ status: 'PAYMENT_DECLINED', payment: { status: 'DECLINED', __typename: 'Payment' } })]);
    await eventually(async () =>
      expect(
        (
          await api.run(
            gql`
              query {
                myRentals {
                  status
                  paymentStatus
                }
              }
            `,
            {},
            c.token,
          )
        ).myRentals,
      ).toEqual([expect.objectContaining({ status: 'PAYMENT_DECLINED', paymentStatus: 'DECLINED' })]),
    );
    // The copy is free: the same customer can rent once payment works again.
    expect((await api.run(RENT, { bookId }, c.token)).rentBook.status).toBe('RENTED');
  });

  it("one correlation id follows the chain: the cancel request, payment's refund and the view", async () => {
    const bookId = await bookWithCopies(1);
    const c = await customer('correlated');
    const { rentBook } = await api.run(RENT, { bookId }, c.token);
    const correlationId = `cancel-${randomUUID()}`;
    const res = await fetch(`${stack.gatewayUrl}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${c.token}`, 'x-correlation-id': correlationId },
      body: JSON.stringify({ query: 'mutation($id: ID!) { cancelRental(rentalId: $id) { status } }', variables: { id: rentBook.id } }),
    });
    expect(((await res.json()) as { data: { cancelRental: { status: string } } }).data.cancelRental.status).toBe('CANCELED');
    // The refund is caused by RentalCanceled and carries its correlation id; the view's last update is the refund.
    await eventually(async () =>
      expect(
        (
          await api.run(
            gql`
              query S($id: ID!) {
                rentalStatus(rentalId: $id) {
                  status
                  paymentStatus
                  correlationId
                }
              }
            `,
            { id: rentBook.id },
            c.token,
          )
        ).rentalStatus,
      ).toMatchObject({
        status: 'CANCELED',
        paymentStatus: 'REFUNDED',
        correlationId,
      }),
    );
  });

  it('renews a loan through the gateway (payment over HTTP): dueAt + the loan period, renewals 1, the view follows; a second renewal and a stranger are refused', async () => {
    const bookId = await bookWithCopies(1);
    const c = await customer('renewing');
    const { rentBook } = await api.run(
      gql`
        mutation Rent($bookId: ID!) {
          rentBook(bookId: $bookId) {
            id
            dueAt
          }
        }
      `,
      { bookId },
      c.token,
    );
    const RENEW = gql`
      mutation Renew($id: ID!) {
        renewRental(rentalId: $id) {
          id
          status
          dueAt
          renewals
          payment {
            status
          }
        }
      }
    `;
    const { renewRental } = await api.run(RENEW, { id: rentBook.id }, c.token);
    expect(renewRental).toMatchObject({ status: 'RENTED', renewals: 1, payment: { status: 'APPROVED' } });
    expect(Date.parse(renewRental.dueAt) - Date.parse(rentBook.dueAt)).toBe(14 * 86_400_000);
    expect(await api.errorCode(RENEW, { id: rentBook.id }, c.token)).toBe('RENEWAL_NOT_ALLOWED');
    const stranger = await customer('stranger');
    expect(await api.errorCode(RENEW, { id: rentBook.id }, stranger.token)).toBe('NOT_FOUND');
    await eventually(async () =>
      expect(
        (
          await api.run(
            gql`
              query S($id: ID!) {
                rentalStatus(rentalId: $id) {
                  status
                  dueAt
                  renewals
                  paymentStatus
                }
              }
            `,
            { id: rentBook.id },
            c.token,
          )
        ).rentalStatus,
      ).toMatchObject({
        status: 'RENTED',
        dueAt: renewRental.dueAt,
        renewals: 1,
        paymentStatus: 'APPROVED',
      }),
    );
  });
});
