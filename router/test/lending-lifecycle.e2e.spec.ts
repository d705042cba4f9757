import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from './rental-scenario';
import { AVAILABILITY, PLACE, RENT, runLendingScenario } from './lending-scenario';
import { signIn, signUp } from '../../test/support/customers';
import { GatewayClient, gql } from '../../test/support/graphql-client';
import { startTestStack, TEST_MANAGER } from './test-stack';

/** Short lending durations (those of {@link runLendingScenario}), so every deadline passes within the test. */
const LENDING = { loanPeriodMs: 5_000, cancelWindowMs: 60_000, dueSoonNoticeMs: 0, holdOfferPeriodMs: 3_000, maxHolds: 10, maxRenewals: 1, maxActiveRentals: 5 };

let stack: Awaited<ReturnType<typeof startTestStack>>;
let api: GatewayClient;
let manager: string;

describe('the lending lifecycle through the gateway (PostgreSQL, Kafka, short durations)', () => {
  beforeAll(async () => {
    stack = await startTestStack({ declineRate: 0 }, undefined, { lending: LENDING });
    api = new GatewayClient(stack.gatewayUrl);
    manager = await signIn(api, TEST_MANAGER.email, TEST_MANAGER.password);
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('one copy: a loan, two holds → return → first READY → rented → expiry → next READY → offer expires → available again', async () => {
    await runLendingScenario(api, manager);
  });

  it('suspend, resume and cancel a hold; another customer cannot touch it', async () => {
    const { registerBook } = await api.run(
      gql`
        mutation B($input: RegisterBookInput!) {
          registerBook(input: $input) {
            id
          }
        }
      `,
      { input: { title: `Queue ${randomUUID().slice(0, 6)}`, author: 'Test', publishedYear: 1900, rentalFee: 1000, licensedCopies: 1 } },
      manager,
    );
    await eventually(async () => expect((await api.run(AVAILABILITY, { id: registerBook.id })).book.availableCopies).toBe(1));
    const [reader, holder, stranger] = await Promise.all([signUp(api, { name: 'reader' }), signUp(api, { name: 'holder' }), signUp(api, { name: 'stranger' })]);
    await api.run(RENT, { bookId: registerBook.id }, reader.token);
    const h = (await api.run(PLACE, { bookId: registerBook.id }, holder.token)).placeHold;
    const CHANGE = (m: string) => gql(`mutation C($id: ID!) { ${m}(holdId: $id) { id status position } }`);
    expect((await api.run(CHANGE('suspendHold'), { id: h.id }, holder.token)).suspendHold).toMatchObject({ status: 'SUSPENDED', position: 1 });
    expect(await api.errorCode(CHANGE('suspendHold'), { id: h.id }, holder.token)).toBe('INVALID_HOLD_STATE');
    expect(await api.errorCode(CHANGE('cancelHold'), { id: h.id }, stranger.token)).toBe('NOT_FOUND');
    expect((await api.run(CHANGE('resumeHold'), { id: h.id }, holder.token)).resumeHold).toMatchObject({ status: 'WAITING', position: 1 });
    expect((await api.run(CHANGE('cancelHold'), { id: h.id }, holder.token)).cancelHold).toMatchObject({ status: 'CANCELED', position: null });
  });
});
