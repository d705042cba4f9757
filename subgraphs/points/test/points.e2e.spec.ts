import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayClient, gql } from '../../../test/support/graphql-client';
import { signIn, signUp } from '../../../test/support/customers';
import { registerRentableBook } from '../../../test/support/catalog';
import { eventually } from '../../../router/test/rental-scenario';
import { startTestStack, TEST_MANAGER } from '../../../router/test/test-stack';

// The points context through the gateway, in the whole stack on PostgreSQL and Kafka (the stack
// starts every context of the registry; points with its default rule, 100 per completed rental).
let stack: Awaited<ReturnType<typeof startTestStack>>;
let api: GatewayClient;
let manager: string;

const POINTS = gql`
  query P($first: Int) {
    me {
      id
      points
    }
    pointsHistory(first: $first) {
      id
      rentalId
      points
      reason
      awardedAt
    }
  }
`;
const RENT = gql`
  mutation Rent($bookId: ID!) {
    rentBook(bookId: $bookId) {
      id
      status
    }
  }
`;

describe('points through the gateway: rent → return earns points, a cancel earns none', () => {
  beforeAll(async () => {
    stack = await startTestStack();
    api = new GatewayClient(stack.gatewayUrl);
    manager = await signIn(api, TEST_MANAGER.email, TEST_MANAGER.password);
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('a canceled rental earns nothing; a returned one earns 100 points, once, shown by me { points } and pointsHistory to the customer and managers only', async () => {
    const ann = await signUp(api, { name: 'Ann Points' });
    const other = await signUp(api, { name: 'Bob Points' });
    const bookId = await registerRentableBook(api, manager);

    const canceled = (await api.run(RENT, { bookId }, ann.token)).rentBook;
    await api.run(
      gql`
        mutation C($id: ID!) {
          cancelRental(rentalId: $id) {
            status
          }
        }
      `,
      { id: canceled.id },
      ann.token,
    );
    const { rentBook } = await api.run(RENT, { bookId }, ann.token);
    const { returnBook } = await api.run(
      gql`
        mutation Ret($id: ID!) {
          returnBook(rentalId: $id) {
            id
            status
            returnedAt
          }
        }
      `,
      { id: rentBook.id },
      ann.token,
    );
    expect(returnBook.status).toBe('RETURNED');

    const mine = await eventually(async () => {
      const r = await api.run(POINTS, {}, ann.token);
      // Both, as the gateway may read the history just before the award and the balance just after.
      expect([r.me.points, r.pointsHistory.length]).toEqual([100, 1]);
      return r;
    });
    expect(mine.pointsHistory).toMatchObject([{ id: expect.any(String), rentalId: rentBook.id, points: 100, reason: 'RETURNED', awardedAt: returnBook.returnedAt }]);
    // A moment later still one award: the cancel earned nothing, nothing was awarded twice.
    await new Promise((r) => setTimeout(r, 1_000));
    expect(await api.run(POINTS, {}, ann.token)).toEqual(mine);

    // A manager sees the customer's balance through the rental's user; another customer has none of it.
    const seen = await api.run(
      gql`
        query R($id: ID!) {
          rental(id: $id) {
            user {
              id
              points
            }
          }
        }
      `,
      { id: rentBook.id },
      manager,
    );
    expect(seen.rental.user).toMatchObject({ id: ann.id, points: 100 });
    const others = await api.run(POINTS, {}, other.token);
    expect(others.me).toMatchObject({ id: other.id, points: 0 });
    expect(others.pointsHistory).toEqual([]);
    await expect(api.run(POINTS, { first: 0 }, ann.token)).rejects.toThrow(/BAD_USER_INPUT/);
    await expect(
      api.run(gql`
        query {
          pointsHistory {
            id
          }
        }
      `),
    ).rejects.toThrow(/UNAUTHENTICATED/);
  });
});
