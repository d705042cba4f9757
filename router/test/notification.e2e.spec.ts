import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from './rental-scenario';
import { GatewayClient, gql } from '../../test/support/graphql-client';
import { signIn, signUp } from '../../test/support/customers';
import { registerRentableBook } from '../../test/support/catalog';
import { startTestStack, TEST_MANAGER } from './test-stack';

let stack: Awaited<ReturnType<typeof startTestStack>>;
let api: GatewayClient;
let manager: string;

const REGISTER = gql`
  mutation R($input: RegisterCustomerInput!) {
    registerCustomer(input: $input) {
      id
    }
  }
`;
const MINE = gql`
  query N($first: Int) {
    myNotifications(first: $first) {
      id
      kind
      subject
      body
      createdAt
      deliveredAt
    }
  }
`;

/** Registers a customer (with `locale` when given) and signs them in. */
const customer = (locale?: string) => signUp(api, { name: 'Ann Reader', ...(locale ? { locale } : {}) });

const book = (title: string) => registerRentableBook(api, manager, { title });

describe('notifications through the gateway: rent → one e-mail on a real SMTP server → myNotifications', () => {
  beforeAll(async () => {
    stack = await startTestStack();
    api = new GatewayClient(stack.gatewayUrl);
    manager = await signIn(api, TEST_MANAGER.email, TEST_MANAGER.password);
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('a rent produces exactly one delivered e-mail, in the language chosen at sign-up, and myNotifications shows it', async () => {
    const ann = await customer('en');
    const title = `Persuasion ${randomUUID().slice(0, 6)}`;
    const bookId = await book(title);
    const { rentBook } = await api.run(
      gql`
        mutation Rent($bookId: ID!) {
          rentBook(bookId: $bookId) {
            id
            status
          }
        }
      `,
      { bookId },
      ann.token,
    );
    expect(rentBook.status).toBe('RENTED');

    const [mail] = await eventually(async () => {
      expect(stack.mailbox.to(ann.email)).toHaveLength(1);
      return stack.mailbox.to(ann.email);
    });
    expect(mail!.subject).toBe(`You rented "${title}"`);
    const mine = await eventually(async () => {
      const { myNotifications } = await api.run(MINE, {}, ann.token);
      expect(myNotifications).toHaveLength(1);
      expect(myNotifications[0].deliveredAt).not.toBeNull();
      return myNotifications;
    });
    expect(mine[0]).toMatchObject({ kind: 'RENTED', subject: mail!.subject, body: mail!.text.trimEnd() });
    expect(Date.parse(mine[0].deliveredAt)).toBeGreaterThanOrEqual(Date.parse(mine[0].createdAt));
    // Still one e-mail a moment later: nothing is sent twice.
    await new Promise((r) => setTimeout(r, 1_000));
    expect(stack.mailbox.to(ann.email)).toHaveLength(1);
  });

  it('Korean by default; a return is told too, newest first; each customer sees only their own; a bad locale is refused and nothing is written', async () => {
    const kim = await customer();
    const other = await customer();
    const bookId = await book(`메밀꽃 ${randomUUID().slice(0, 6)}`);
    const { rentBook } = await api.run(
      gql`
        mutation Rent($bookId: ID!) {
          rentBook(bookId: $bookId) {
            id
          }
        }
      `,
      { bookId },
      kim.token,
    );
    await api.run(
      gql`
        mutation Ret($id: ID!) {
          returnBook(rentalId: $id) {
            id
          }
        }
      `,
      { id: rentBook.id },
      kim.token,
    );
    await eventually(async () => expect(stack.mailbox.to(kim.email)).toHaveLength(2));
    expect(stack.mailbox.to(kim.email).map((m) => m.language)).toEqual(['ko', 'ko']);
    const { myNotifications } = await eventually(async () => {
      const r = await api.run(MINE, { first: 5 }, kim.token);
      expect(r.myNotifications.map((n: { kind: string }) => n.kind)).toEqual(['RETURNED', 'RENTED']);
      return r;
    });
    expect(myNotifications[0].subject).toMatch(/이\(가\) 반납되었습니다$/);
    expect((await api.run(MINE, {}, other.token)).myNotifications).toEqual([]);
    await expect(api.run(MINE, { first: 0 }, kim.token)).rejects.toThrow(/BAD_USER_INPUT/);

    const email = `bad-locale.${randomUUID().slice(0, 8)}@example.com`;
    await expect(api.run(REGISTER, { input: { name: 'Bad', email, phone: '010-5555-0000', password: 'a-long-password', locale: 'fr' } })).rejects.toThrow(/BAD_USER_INPUT/);
    await expect(signIn(api, email, 'a-long-password')).rejects.toThrow(/INVALID_CREDENTIALS/);
  });
});
