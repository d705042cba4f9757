import { randomUUID } from 'node:crypto';
import { expect, vi } from 'vitest';
import { GatewayClient, gql } from '../../test/support/graphql-client';

/**
 * Retries `check` every `intervalMs` until it stops throwing (eventual consistency of events), up
 * to `timeoutMs` (vitest's `vi.waitFor`).
 */
export function eventually<T>(check: () => Promise<T>, timeoutMs = 20_000, intervalMs = 200): Promise<T> {
  return vi.waitFor(check, { timeout: timeoutMs, interval: intervalMs });
}

const LOGIN = gql`
  mutation Login($email: String!, $password: String!) {
    login(email: $email, password: $password) {
      accessToken
      expiresAt
      user {
        id
        role
        name
      }
    }
  }
`;
const REGISTER_CUSTOMER = gql`
  mutation Register($input: RegisterCustomerInput!) {
    registerCustomer(input: $input) {
      id
      name
      email
      role
    }
  }
`;
const REGISTER_BOOK = gql`
  mutation RegisterBook($input: RegisterBookInput!) {
    registerBook(input: $input) {
      id
      title
      author
      publishedYear
      rentalFee
      licensedCopies
    }
  }
`;
const BOOK = gql`
  query Book($id: ID!) {
    book(id: $id) {
      id
      title
      rentalFee
      licensedCopies
      availableCopies
    }
  }
`;
const SEARCH = gql`
  query Search($search: String) {
    books(search: $search, first: 5) {
      edges {
        node {
          id
          title
        }
      }
    }
  }
`;
const RENT = gql`
  mutation Rent($bookId: ID!) {
    rentBook(bookId: $bookId) {
      id
      status
      fee
      rentedAt
      dueAt
      book {
        id
        title
        availableCopies
      }
      user {
        id
        name
      }
    }
  }
`;
const CANCEL = gql`
  mutation Cancel($rentalId: ID!) {
    cancelRental(rentalId: $rentalId) {
      id
      status
      canceledAt
    }
  }
`;
const RETURN = gql`
  mutation Return($rentalId: ID!) {
    returnBook(rentalId: $rentalId) {
      id
      status
      returnedAt
    }
  }
`;
const STATUS = gql`
  query Status($rentalId: ID!) {
    rentalStatus(rentalId: $rentalId) {
      rentalId
      status
      paymentStatus
      bookId
      bookTitle
      customerId
      customerName
      fee
      rentedAt
      dueAt
      updatedAt
      correlationId
    }
  }
`;
const MY_RENTALS = gql`
  query Mine {
    myRentals {
      rentalId
      status
      paymentStatus
      bookTitle
    }
  }
`;
const BOOK_RENTALS = gql`
  query BookRentals($bookId: ID!) {
    bookRentals(bookId: $bookId) {
      rentalId
      status
      paymentStatus
      customerName
    }
  }
`;
const ME_WITH_RENTALS = gql`
  query Me {
    me {
      id
      name
      role
      rentals {
        id
        status
        fee
        payment {
          status
          amount
          refundedAt
        }
      }
    }
  }
`;

/** Manager credentials the stack under test was seeded with. */
export interface ScenarioOptions {
  managerEmail: string;
  managerPassword: string;
}

/**
 * The walking-skeleton acceptance scenario, through the gateway with a real
 * GraphQL client: a book with 2 licensed copies, three customers, rent / not available /
 * cancel (refund) / rent again / return, the view and `availableCopies` following; then
 * the refusals, each writing nothing.
 */
export async function runRentalScenario(gatewayUrl: string, opts: ScenarioOptions): Promise<void> {
  const api = new GatewayClient(gatewayUrl);
  const run = `${Date.now().toString(36)}${randomUUID().slice(0, 4)}`;

  // Manager logs in and registers a book with 2 licensed copies.
  const managerLogin = await api.run(LOGIN, { email: opts.managerEmail, password: opts.managerPassword });
  expect(managerLogin.login.user.role).toBe('MANAGER');
  const manager = managerLogin.login.accessToken as string;
  const title = `The Federated Library ${run}`;
  const { registerBook: book } = await api.run(REGISTER_BOOK, { input: { title, author: 'Ada Test', publishedYear: 1920, rentalFee: 1500, licensedCopies: 2 } }, manager);
  expect(book).toMatchObject({ title, rentalFee: 1500, licensedCopies: 2 });
  // rental learns of the book from BookRegistered (eventually).
  await eventually(async () => expect((await api.run(BOOK, { id: book.id })).book.availableCopies).toBe(2));
  // Searching the catalog by a word of its title finds it (and only books that match).
  const found = (await api.run(SEARCH, { search: run })).books.edges as { node: { id: string; title: string } }[];
  expect(found.map((e) => ({ id: e.node.id, title: e.node.title }))).toEqual([{ id: book.id, title }]);

  // Three customers register and log in.
  const customers = [];
  for (const name of ['Ann', 'Ben', 'Cho']) {
    const email = `${name.toLowerCase()}.${run}@example.com`;
    const { registerCustomer } = await api.run(REGISTER_CUSTOMER, {
      input: { name: `${name} ${run}`, email, phone: '010-1234-5678', password: `${name}-secret-pw` },
    });
    expect(registerCustomer.role).toBe('CUSTOMER');
    const { login } = await api.run(LOGIN, { email, password: `${name}-secret-pw` });
    customers.push({ id: registerCustomer.id as string, name: registerCustomer.name as string, email, token: login.accessToken as string });
  }
  const [ann, ben, cho] = customers as [(typeof customers)[0], (typeof customers)[0], (typeof customers)[0]];

  // Two rent it; the third finds no copy left.
  const { rentBook: annRental } = await api.run(RENT, { bookId: book.id }, ann.token);
  expect(annRental).toMatchObject({ status: 'RENTED', fee: 1500, book: { id: book.id, title, availableCopies: 1 }, user: { id: ann.id } });
  const loanMs = Date.parse(annRental.dueAt) - Date.parse(annRental.rentedAt);
  expect(loanMs).toBe(14 * 24 * 3600 * 1000);
  const { rentBook: benRental } = await api.run(RENT, { bookId: book.id }, ben.token);
  expect(benRental.status).toBe('RENTED');
  expect((await api.run(BOOK, { id: book.id })).book.availableCopies).toBe(0);
  expect(await api.errorCode(RENT, { bookId: book.id }, cho.token)).toBe('BOOK_NOT_AVAILABLE');
  expect(await api.errorCode(RENT, { bookId: book.id }, ann.token)).toBe('ALREADY_RENTED');

  // The view catches up: RENTED / APPROVED with names from events.
  await eventually(async () =>
    expect((await api.run(STATUS, { rentalId: annRental.id }, ann.token)).rentalStatus).toMatchObject({
      status: 'RENTED',
      paymentStatus: 'APPROVED',
      bookTitle: title,
      customerName: ann.name,
      fee: 1500,
    }),
  );

  // Ann cancels: refunded, the view shows CANCELED / REFUNDED, a copy is free again.
  const { cancelRental } = await api.run(CANCEL, { rentalId: annRental.id }, ann.token);
  expect(cancelRental.status).toBe('CANCELED');
  expect((await api.run(BOOK, { id: book.id })).book.availableCopies).toBe(1);
  expect(await api.errorCode(CANCEL, { rentalId: annRental.id }, ann.token)).toBe('INVALID_RENTAL_STATE');
  await eventually(async () =>
    expect((await api.run(STATUS, { rentalId: annRental.id }, ann.token)).rentalStatus).toMatchObject({
      status: 'CANCELED',
      paymentStatus: 'REFUNDED',
    }),
  );
  const annMe = await api.run(ME_WITH_RENTALS, {}, ann.token);
  expect(annMe.me.rentals).toEqual([expect.objectContaining({ id: annRental.id, status: 'CANCELED', payment: expect.objectContaining({ status: 'REFUNDED', amount: 1500 }) })]);

  // Cho can rent now.
  const { rentBook: choRental } = await api.run(RENT, { bookId: book.id }, cho.token);
  expect(choRental.status).toBe('RENTED');
  expect((await api.run(BOOK, { id: book.id })).book.availableCopies).toBe(0);

  // Ben returns: the view shows RETURNED, a copy is free.
  const { returnBook } = await api.run(RETURN, { rentalId: benRental.id }, ben.token);
  expect(returnBook.status).toBe('RETURNED');
  expect((await api.run(BOOK, { id: book.id })).book.availableCopies).toBe(1);
  await eventually(async () =>
    expect((await api.run(STATUS, { rentalId: benRental.id }, ben.token)).rentalStatus).toMatchObject({ status: 'RETURNED', paymentStatus: 'APPROVED' }),
  );
  await eventually(async () => {
    const mine = (await api.run(MY_RENTALS, {}, cho.token)).myRentals;
    expect(mine).toEqual([expect.objectContaining({ rentalId: choRental.id, status: 'RENTED', bookTitle: title })]);
  });
  await eventually(async () => {
    const all = (await api.run(BOOK_RENTALS, { bookId: book.id }, manager)).bookRentals as { status: string }[];
    expect(all.map((r) => r.status).sort()).toEqual(['CANCELED', 'RENTED', 'RETURNED']);
  });

  // Refusals — each with its code, and nothing written.
  expect(await api.errorCode(RENT, { bookId: book.id })).toBe('UNAUTHENTICATED');
  expect(await api.errorCode(RENT, { bookId: book.id }, 'not-a-jwt')).toBe('UNAUTHENTICATED');
  const forbiddenTitle = `Customer Book ${run}`;
  expect(await api.errorCode(REGISTER_BOOK, { input: { title: forbiddenTitle, author: 'X', publishedYear: 2000, rentalFee: 1, licensedCopies: 1 } }, cho.token)).toBe('FORBIDDEN');
  expect((await api.run(SEARCH, { search: forbiddenTitle })).books.edges).toEqual([]);
  // Someone else's rental is refused as an unknown one would be, so ids cannot be probed.
  expect(await api.errorCode(CANCEL, { rentalId: choRental.id }, ben.token)).toBe('NOT_FOUND');
  expect(await api.errorCode(BOOK_RENTALS, { bookId: book.id }, cho.token)).toBe('FORBIDDEN');
  // Someone else's rental reads as one that does not exist: null, no error.
  expect((await api.run(STATUS, { rentalId: choRental.id }, ben.token)).rentalStatus).toBeNull();
  expect(await api.errorCode(RENT, { bookId: randomUUID() }, ben.token)).toBe('NOT_FOUND');
  expect(await api.errorCode(REGISTER_CUSTOMER, { input: { name: 'Dup', email: ann.email.toUpperCase(), phone: '010-0000-0000', password: 'another-pw-1' } })).toBe('EMAIL_TAKEN');
  expect((await api.run(LOGIN, { email: ann.email, password: 'Ann-secret-pw' })).login.user.name).toBe(ann.name);
  expect(await api.errorCode(REGISTER_CUSTOMER, { input: { name: '', email: 'not-an-email', phone: 'x', password: 'short' } })).toBe('BAD_USER_INPUT');
  expect(await api.errorCode(LOGIN, { email: ann.email, password: 'wrong-password' })).toBe('INVALID_CREDENTIALS');
  // Cho's rental is untouched by Ben's refused cancel.
  await eventually(async () => expect((await api.run(STATUS, { rentalId: choRental.id }, cho.token)).rentalStatus).toMatchObject({ status: 'RENTED', paymentStatus: 'APPROVED' }));
}
