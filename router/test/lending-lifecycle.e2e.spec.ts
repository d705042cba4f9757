import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from './rental-scenario';
import { GatewayClient, gql } from './graphql-client';
import { startTestStack, TEST_MANAGER } from './test-stack';

/** Short lending durations, so every deadline of the lifecycle passes within the test (each acted on within 2 s). */
const LENDING = { loanPeriodMs: 5_000, cancelWindowMs: 60_000, dueSoonNoticeMs: 0, holdOfferPeriodMs: 3_000, maxHolds: 10, maxRenewals: 1, maxActiveRentals: 5 };

let stack: Awaited<ReturnType<typeof startTestStack>>;
let api: GatewayClient;
let manager: string;

async function customer(name: string): Promise<{ id: string; token: string }> {
  const email = `${name}.${randomUUID().slice(0, 8)}@example.com`;
  const reg = await api.run(gql`mutation R($input: RegisterCustomerInput!) { registerCustomer(input: $input) { id } }`, {
    input: { name, email, phone: '010-5555-0000', password: 'a-long-password' },
  });
  const { login } = await api.run(gql`mutation L($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken } }`, { e: email, p: 'a-long-password' });
  return { id: reg.registerCustomer.id, token: login.accessToken };
}

const AVAILABILITY = gql`query A($id: ID!) { book(id: $id) { availableCopies availability { totalCopies availableCopies holdsWaiting estimatedWaitDays } } }`;
const RENT = gql`mutation Rent($bookId: ID!) { rentBook(bookId: $bookId) { id status dueAt } }`;
const PLACE = gql`mutation P($bookId: ID!, $auto: Boolean) { placeHold(bookId: $bookId, autoRent: $auto) { id status position queueLength estimatedWaitDays book { id title } } }`;
const MY_HOLDS = gql`query { myHolds { id status position queueLength readyUntil book { id } } }`;

const holdOf = async (token: string, holdId: string) => ((await api.run(MY_HOLDS, {}, token)).myHolds as { id: string; status: string; position: number | null; readyUntil: string | null }[]).find((h) => h.id === holdId);

describe('the lending lifecycle through the gateway (PostgreSQL, Kafka, short durations)', () => {
  beforeAll(async () => {
    stack = await startTestStack({ declineRate: 0 }, undefined, { lending: LENDING });
    api = new GatewayClient(stack.gatewayUrl);
    manager = (await api.run(gql`mutation L($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken } }`, { e: TEST_MANAGER.email, p: TEST_MANAGER.password })).login.accessToken;
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('one copy: a loan, two holds → return → first READY → rented → expiry → next READY → offer expires → available again', async () => {
    const { registerBook } = await api.run(
      gql`mutation B($input: RegisterBookInput!) { registerBook(input: $input) { id } }`,
      { input: { title: `Held ${randomUUID().slice(0, 6)}`, author: 'Test', publishedYear: 1900, rentalFee: 1000, licensedCopies: 1 } },
      manager,
    );
    const bookId: string = registerBook.id;
    await eventually(async () => expect((await api.run(AVAILABILITY, { id: bookId })).book.availability).toMatchObject({ totalCopies: 1, availableCopies: 1, holdsWaiting: 0, estimatedWaitDays: 0 }));
    const [reader, first, second, walkIn] = await Promise.all([customer('reader'), customer('first'), customer('second'), customer('walkin')]);

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
    expect(await api.errorCode(gql`mutation N($id: ID!) { renewRental(rentalId: $id) { id } }`, { id: loan.id }, reader.token)).toBe('RENEWAL_NOT_ALLOWED');

    await api.run(gql`mutation Ret($id: ID!) { returnBook(rentalId: $id) { status } }`, { id: loan.id }, reader.token);
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
    expect((await api.run(gql`query R($id: ID!) { rental(id: $id) { status } }`, { id: taken.id }, first.token)).rental.status).toBe('EXPIRED');
    // nobody takes the offer: it expires, and the copy is available again
    await eventually(async () => expect(await holdOf(second.token, h2.id)).toMatchObject({ status: 'EXPIRED', readyUntil: null }), 10_000);
    expect((await api.run(AVAILABILITY, { id: bookId })).book.availability).toMatchObject({ totalCopies: 1, availableCopies: 1, holdsWaiting: 0, estimatedWaitDays: 0 });
    expect((await api.run(RENT, { bookId }, walkIn.token)).rentBook.status).toBe('RENTED');
    // the read model follows from events only
    await eventually(async () =>
      expect((await api.run(gql`query S($id: ID!) { rentalStatus(rentalId: $id) { status } }`, { id: taken.id }, first.token)).rentalStatus.status).toBe('EXPIRED'),
    );
  });

  it('suspend, resume and cancel a hold; another customer cannot touch it', async () => {
    const { registerBook } = await api.run(
      gql`mutation B($input: RegisterBookInput!) { registerBook(input: $input) { id } }`,
      { input: { title: `Queue ${randomUUID().slice(0, 6)}`, author: 'Test', publishedYear: 1900, rentalFee: 1000, licensedCopies: 1 } },
      manager,
    );
    await eventually(async () => expect((await api.run(AVAILABILITY, { id: registerBook.id })).book.availableCopies).toBe(1));
    const [reader, holder, stranger] = await Promise.all([customer('reader'), customer('holder'), customer('stranger')]);
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
