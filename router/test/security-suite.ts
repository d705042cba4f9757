import { createPublicKey, randomUUID } from 'node:crypto';
import { decodeJwt, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { eventually } from './rental-scenario';
import { SECURITY_THROTTLE, type ContextName, type SecurityTarget } from './security-target';

/**
 * Security suite, table-driven, defined ONCE and run against every target that calls
 * {@link securitySuite}: the whole stack on PostgreSQL + Kafka (security.e2e.spec.ts) and a real
 * `pnpm dev` (dev-mode.e2e.spec.ts). Forged tokens, role escalation, IDOR, the internal payment
 * route, injection strings in every input, password brute force. Every case asserts the code a
 * client sees AND, in the databases themselves, that nothing was written. Attacks go through the
 * gateway and, where a subgraph port could be reached, directly to the subgraph (subgraphs trust
 * no one).
 *
 * The target signs with a key the test owns (so it can mint tokens with bad claims but a valid
 * signature) and throttles logins tightly ({@link SECURITY_THROTTLE}). Its trusting gateway
 * honours `X-Forwarded-For` so each case can be a distinct client IP.
 */

const THROTTLE = SECURITY_THROTTLE;

// ---------------------------------------------------------------------------------------------
// Raw HTTP: what an attacker sends, no client library in between.

interface GqlError {
  message: string;
  extensions?: { code?: string; retryAfter?: number };
}
interface Reply {
  status: number;
  data: any;
  errors: GqlError[] | undefined;
  text: string;
}
interface Caller {
  token?: string;
  /** Client IP claimed via X-Forwarded-For (honoured by the trusting gateway only). */
  ip?: string;
}

async function post(base: string, query: string, variables: Record<string, unknown> = {}, caller: Caller = {}): Promise<Reply> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (caller.token !== undefined) headers.authorization = `Bearer ${caller.token}`;
  if (caller.ip) headers['x-forwarded-for'] = caller.ip;
  const res = await fetch(`${base}/graphql`, { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
  const text = await res.text();
  const json = JSON.parse(text) as { data?: unknown; errors?: GqlError[] };
  return { status: res.status, data: json.data, errors: json.errors, text };
}

const codeOf = (r: Reply) => r.errors?.[0]?.extensions?.code;

let ipSeq = 0;
/** A fresh client IP (TEST-NET-2), so per-IP login counters of one case never touch another's. */
const freshIp = () => `198.51.100.${(ipSeq++ % 250) + 1}`;

// ---------------------------------------------------------------------------------------------
// Actors and fixtures.

const REGISTER = 'mutation R($input: RegisterCustomerInput!) { registerCustomer(input: $input) { id name } }';
const LOGIN = 'mutation L($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken user { id } } }';
const REGISTER_BOOK = 'mutation B($input: RegisterBookInput!) { registerBook(input: $input) { id title author } }';
const RENT = 'mutation Rent($b: ID!) { rentBook(bookId: $b) { id status } }';
const CANCEL = 'mutation C($id: ID!) { cancelRental(rentalId: $id) { id status } }';
const RETURN = 'mutation Ret($id: ID!) { returnBook(rentalId: $id) { id status } }';
const RENTAL = 'query Q($id: ID!) { rental(id: $id) { id status } }';
const RENTAL_STATUS = 'query S($id: ID!) { rentalStatus(rentalId: $id) { rentalId status } }';
const ENTITIES_USER_RENTALS = 'query E($r: [_Any!]!) { _entities(representations: $r) { ... on User { rentals { id } } } }';
const ENTITIES_RENTAL_PAYMENT = 'query E($r: [_Any!]!) { _entities(representations: $r) { ... on Rental { payment { id amount status } } } }';
const ENTITIES_USER_EMAIL = 'query E($r: [_Any!]!) { _entities(representations: $r) { ... on User { name email } } }';
const PASSWORD = 'a-long-password';

interface Actor {
  id: string;
  email: string;
  token: string;
}

const freshEmail = (tag: string) => `${tag}.${randomUUID().slice(0, 8)}@example.com`;
const customerInput = (email: string, extra: Record<string, unknown> = {}) => ({
  name: `Reader ${randomUUID().slice(0, 8)}`,
  email,
  phone: '010-5555-0000',
  password: PASSWORD,
  ...extra,
});

// ---------------------------------------------------------------------------------------------
// Token forgery.

const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
const decode = decodeJwt;
const now = () => Math.floor(Date.now() / 1000);

interface Claims {
  sub: string;
  /** Users' tokens only; client-credentials tokens carry `client_id` + `scope` instead. */
  role?: string;
  client_id?: string;
  scope?: string;
  iss: string;
  aud: string;
  iat: number;
  exp: number;
  nbf?: number;
  name?: string;
}

async function otherEs256Key(): Promise<CryptoKey> {
  return (await generateKeyPair('ES256')).privateKey;
}

// ---------------------------------------------------------------------------------------------
// Injection strings in every input.

const LONG = 'x'.repeat(5_000);
const INJECTIONS: [label: string, value: string][] = [
  ['SQL tautology', "' OR 1=1 --"],
  ['SQL stacked query', '"; DROP TABLE book; --'],
  ['HTML/JS', '<script>alert(1)</script>'],
  ['NoSQL operator', '{"$gt": ""}'],
  ['5,000 characters', LONG],
  ['NUL byte', 'nul\u0000byte-injection'],
];
/** Legal as plain text (stored and returned verbatim) where the field's rules allow free text. */
const PLAIN_TEXT = new Set(["' OR 1=1 --", '"; DROP TABLE book; --', '<script>alert(1)</script>', '{"$gt": ""}']);

/** Counts rows (`SELECT count(*) AS n …`) in a context's database. */
type Count = (context: ContextName, text: string, params: unknown[]) => Promise<number>;

// ---------------------------------------------------------------------------------------------

/**
 * Registers the whole security suite (94 cases) against `target` (read when the hooks and
 * tests run): its fixtures (a manager, Alice owning a RENTED rental, Mallory the attacker) in a
 * `beforeAll`, then one describe per family of attacks. Every case checks the reply AND the
 * target's databases.
 */
export function securitySuite(target: () => SecurityTarget): void {
  /** The product's gateway (trusts no proxy). */
  const gw = () => target().gatewayUrl;
  /** The gateway that honours `X-Forwarded-For` (per-IP login cases). */
  const trusting = () => target().trustingGatewayUrl;
  /** A subgraph's base URL (its own port, bypassing the gateway). */
  const sub = (name: ContextName) => target().subgraphUrls[name];
  const sql = <T extends Record<string, any> = any>(context: ContextName, text: string, params: unknown[] = []) => target().sql<T>(context, text, params);
  const count: Count = async (context, text, params) => Number((await sql<{ n: string }>(context, text, params))[0]!.n);

  async function registerCustomer(tag: string, password = PASSWORD): Promise<{ id: string; email: string }> {
    const email = freshEmail(tag);
    const r = await post(gw(), REGISTER, { input: customerInput(email, { password }) });
    expect(r.errors).toBeUndefined();
    return { id: r.data.registerCustomer.id, email };
  }

  async function customer(tag: string): Promise<Actor> {
    const { id, email } = await registerCustomer(tag);
    const r = await post(gw(), LOGIN, { e: email, p: PASSWORD });
    expect(r.errors).toBeUndefined();
    return { id, email, token: r.data.login.accessToken };
  }

  let manager: Actor;
  let alice: Actor; // the victim: owns a RENTED rental
  let mallory: Actor; // the attacker: a customer too
  let bookId: string;
  let aliceRental: string;

  /** Alice's rental is untouched: RENTED in rental's database, payment APPROVED, no cancel / return event. */
  async function expectAliceRentalUntouched(): Promise<void> {
    expect(await sql('rental', 'SELECT status, "canceledAt", "returnedAt" FROM rental WHERE id = $1', [aliceRental])).toEqual([
      { status: 'RENTED', canceledAt: null, returnedAt: null },
    ]);
    expect(await count('rental', `SELECT count(*) AS n FROM outbox_event WHERE "aggregateId" = $1 AND type IN ('RentalCanceled', 'BookReturned')`, [aliceRental])).toBe(0);
    expect(await sql('payment', 'SELECT status, "refundedAt" FROM payment WHERE "rentalId" = $1', [aliceRental])).toEqual([{ status: 'APPROVED', refundedAt: null }]);
  }
  // Token forgery.

  /** Valid claims for `who` (what our issuer would sign). */
  const claimsOf = (who: { id: string }, role = 'CUSTOMER'): Claims => ({ sub: who.id, role, iss: target().issuer, aud: target().audience, iat: now(), exp: now() + 600 });

  /** Signs `claims` ES256 with `key` under `kid` (by default: the target's real key). */
  function signEs256(claims: Claims, key: CryptoKey = target().signing.key, kid = target().signing.kid): Promise<string> {
    return new SignJWT({ ...claims }).setProtectedHeader({ alg: 'ES256', kid, typ: 'JWT' }).sign(key);
  }

  /** Forged tokens, each impersonating Alice (so a success would act on her rental). */
  const FORGED: [attack: string, forge: () => Promise<string>][] = [
    ['alg "none" (unsigned)', async () => `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claimsOf(alice))}.`],
    [
      'HS256 signed with the public key (JWK → PEM) as HMAC secret (alg confusion)',
      async () => {
        const pem = createPublicKey({ key: target().signing.publicJwk as import('node:crypto').JsonWebKey, format: 'jwk' })
          .export({ type: 'spki', format: 'pem' })
          .toString();
        return new SignJWT({ ...claimsOf(alice) }).setProtectedHeader({ alg: 'HS256', kid: target().signing.kid, typ: 'JWT' }).sign(new TextEncoder().encode(pem));
      },
    ],
    ['wrong iss (valid signature)', () => signEs256({ ...claimsOf(alice), iss: 'https://evil.example' })],
    ['wrong aud (valid signature)', () => signEs256({ ...claimsOf(alice), aud: 'another-api' })],
    ['expired 60 s ago (valid signature)', () => signEs256({ ...claimsOf(alice), iat: now() - 700, exp: now() - 60 })],
    ['nbf 5 min in the future (valid signature)', () => signEs256({ ...claimsOf(alice), nbf: now() + 300 })],
    [
      "tampered payload: Mallory's real token with sub = Alice",
      async () => {
        const [h, , s] = mallory.token.split('.');
        return `${h}.${b64({ ...decode(mallory.token), sub: alice.id })}.${s}`;
      },
    ],
    ['unknown kid (another ES256 key)', async () => signEs256(claimsOf(alice), await otherEs256Key(), 'unknown-kid')],
    ['signed by another ES256 key under our kid', async () => signEs256(claimsOf(alice), await otherEs256Key(), target().signing.kid)],
    ['role claim not a role (valid signature)', () => signEs256({ ...claimsOf(alice), role: 'ADMIN' })],
  ];
  beforeAll(async () => {
    const t = target();
    const m = await post(gw(), LOGIN, { e: t.manager.email, p: t.manager.password });
    expect(m.errors).toBeUndefined();
    manager = { id: m.data.login.user.id, email: t.manager.email, token: m.data.login.accessToken };
    [alice, mallory] = [await customer('alice'), await customer('mallory')];
    const b = await post(
      gw(),
      REGISTER_BOOK,
      { input: { title: `Security ${randomUUID().slice(0, 6)}`, author: 'Test', publishedYear: 1900, rentalFee: 1000, licensedCopies: 5 } },
      { token: manager.token },
    );
    bookId = b.data.registerBook.id;
    await eventually(async () => expect((await post(gw(), 'query A($id: ID!) { book(id: $id) { availableCopies } }', { id: bookId })).data.book.availableCopies).toBe(5));
    const rent = await post(gw(), RENT, { b: bookId }, { token: alice.token });
    expect(rent.data.rentBook.status).toBe('RENTED');
    aliceRental = rent.data.rentBook.id;
    // The read model knows the rental (so a null rentalStatus below hides an existing rental, not an absent one).
    await eventually(async () => expect((await post(gw(), RENTAL_STATUS, { id: aliceRental }, { token: alice.token })).data.rentalStatus.status).toBe('RENTED'));
  });

  describe('forged tokens: UNAUTHENTICATED (gateway: HTTP 401) at the gateway and on every subgraph port, nothing written', () => {
    it('control: a token this suite mints with valid claims IS accepted (so each refusal below is about its one defect)', async () => {
      const token = await signEs256(claimsOf(mallory));
      expect((await post(gw(), '{ me { id } }', {}, { token })).data.me.id).toBe(mallory.id);
      expect((await post(sub('user'), '{ me { id } }', {}, { token })).data.me.id).toBe(mallory.id);
    });

    it.each(FORGED)('%s', async (_attack, forge) => {
      const token = await forge();
      const viaGateway = [await post(gw(), '{ me { id } }', {}, { token }), await post(gw(), CANCEL, { id: aliceRental }, { token })];
      for (const r of viaGateway) {
        expect([r.status, codeOf(r)]).toEqual([401, 'UNAUTHENTICATED']);
        expect(r.data ?? null).toBeNull();
      }
      const direct = [
        await post(sub('user'), '{ me { id email } }', {}, { token }),
        await post(sub('rental'), CANCEL, { id: aliceRental }, { token }),
        await post(sub('rental'), RETURN, { id: aliceRental }, { token }),
        await post(sub('rental-view'), RENTAL_STATUS, { id: aliceRental }, { token }),
        await post(sub('payment'), ENTITIES_RENTAL_PAYMENT, { r: [{ __typename: 'Rental', id: aliceRental }] }, { token }),
      ];
      for (const r of direct) {
        expect([r.status, codeOf(r)]).toEqual([401, 'UNAUTHENTICATED']);
        expect(r.data ?? null).toBeNull();
      }
      await expectAliceRentalUntouched();
    });
  });

  describe('role escalation', () => {
    it('a customer calling registerBook → FORBIDDEN (gateway and book-management port), no book written', async () => {
      const title = `Escalation ${randomUUID()}`;
      const input = { title, author: 'Mallory', publishedYear: 2000, rentalFee: 0, licensedCopies: 99 };
      for (const base of [gw(), sub('book-management')]) expect(codeOf(await post(base, REGISTER_BOOK, { input }, { token: mallory.token }))).toBe('FORBIDDEN');
      expect(await count('book-management', 'SELECT count(*) AS n FROM book WHERE title = $1', [title])).toBe(0);
    });

    it('a manager calling rentBook → FORBIDDEN (gateway and rental port), no rental, no payment', async () => {
      for (const base of [gw(), sub('rental')]) expect(codeOf(await post(base, RENT, { b: bookId }, { token: manager.token }))).toBe('FORBIDDEN');
      expect(await count('rental', 'SELECT count(*) AS n FROM rental WHERE "customerId" = $1', [manager.id])).toBe(0);
      expect(await count('payment', 'SELECT count(*) AS n FROM payment WHERE "customerId" = $1', [manager.id])).toBe(0);
    });

    it("a customer's token edited to role MANAGER → UNAUTHENTICATED (401 at the gateway, on book-management and rental-view), no book written", async () => {
      const [h, , s] = mallory.token.split('.');
      const forged = `${h}.${b64({ ...decode(mallory.token), role: 'MANAGER' })}.${s}`;
      const title = `Escalation ${randomUUID()}`;
      const input = { title, author: 'Mallory', publishedYear: 2000, rentalFee: 0, licensedCopies: 99 };
      for (const r of [
        await post(gw(), REGISTER_BOOK, { input }, { token: forged }),
        await post(sub('book-management'), REGISTER_BOOK, { input }, { token: forged }),
        await post(sub('rental-view'), 'query B($b: ID!) { bookRentals(bookId: $b) { rentalId customerName } }', { b: bookId }, { token: forged }),
      ]) {
        expect([r.status, codeOf(r)]).toEqual([401, 'UNAUTHENTICATED']);
      }
      expect(await count('book-management', 'SELECT count(*) AS n FROM book WHERE title = $1', [title])).toBe(0);
    });
  });

  describe("IDOR: Mallory (a customer) on Alice's rental, through the gateway and on the subgraphs' ports", () => {
    const idor: [attack: string, where: 'gateway' | 'user' | 'rental' | 'rental-view' | 'payment', run: (base: string) => Promise<Reply>, expected: (r: Reply) => void][] = [
      ["cancelRental(another customer's rental)", 'gateway', (b) => post(b, CANCEL, { id: aliceRental }, { token: mallory.token }), (r) => expect(codeOf(r)).toBe('NOT_FOUND')],
      ["cancelRental(another customer's rental)", 'rental', (b) => post(b, CANCEL, { id: aliceRental }, { token: mallory.token }), (r) => expect(codeOf(r)).toBe('NOT_FOUND')],
      ["returnBook(another customer's rental)", 'gateway', (b) => post(b, RETURN, { id: aliceRental }, { token: mallory.token }), (r) => expect(codeOf(r)).toBe('NOT_FOUND')],
      ["returnBook(another customer's rental)", 'rental', (b) => post(b, RETURN, { id: aliceRental }, { token: mallory.token }), (r) => expect(codeOf(r)).toBe('NOT_FOUND')],
      [
        "rentalStatus(another customer's rental)",
        'gateway',
        (b) => post(b, RENTAL_STATUS, { id: aliceRental }, { token: mallory.token }),
        (r) => expect([r.errors, r.data.rentalStatus]).toEqual([undefined, null]),
      ],
      [
        "rentalStatus(another customer's rental)",
        'rental-view',
        (b) => post(b, RENTAL_STATUS, { id: aliceRental }, { token: mallory.token }),
        (r) => expect([r.errors, r.data.rentalStatus]).toEqual([undefined, null]),
      ],
      [
        'rental(id) of another customer',
        'gateway',
        (b) => post(b, RENTAL, { id: aliceRental }, { token: mallory.token }),
        (r) => expect([r.errors, r.data.rental]).toEqual([undefined, null]),
      ],
      [
        'rental(id) of another customer',
        'rental',
        (b) => post(b, RENTAL, { id: aliceRental }, { token: mallory.token }),
        (r) => expect([r.errors, r.data.rental]).toEqual([undefined, null]),
      ],
      [
        '_entities User.rentals of another user',
        'rental',
        (b) => post(b, ENTITIES_USER_RENTALS, { r: [{ __typename: 'User', id: alice.id }] }, { token: mallory.token }),
        (r) => {
          expect([r.errors, r.data._entities]).toEqual([undefined, [{ rentals: [] }]]);
          expect(r.text).not.toContain(aliceRental);
        },
      ],
      [
        "_entities Rental.payment of another customer's rental",
        'payment',
        (b) => post(b, ENTITIES_RENTAL_PAYMENT, { r: [{ __typename: 'Rental', id: aliceRental }] }, { token: mallory.token }),
        (r) => expect([r.errors, r.data._entities]).toEqual([undefined, [{ payment: null }]]),
      ],
      [
        '_entities User.email of another user',
        'user',
        (b) => post(b, ENTITIES_USER_EMAIL, { r: [{ __typename: 'User', id: alice.id }] }, { token: mallory.token }),
        (r) => {
          expect(codeOf(r)).toBe('NOT_FOUND');
          expect(r.text).not.toContain(alice.email);
        },
      ],
    ];

    it.each(idor)('%s via %s', async (_attack, where, run, expected) => {
      expected(await run(where === 'gateway' ? gw() : sub(where)));
      await expectAliceRentalUntouched();
    });

    it('controls: Alice herself sees her rental, its status and its payment (the ids above are the right ones)', async () => {
      expect((await post(gw(), RENTAL, { id: aliceRental }, { token: alice.token })).data.rental.status).toBe('RENTED');
      expect((await post(sub('rental'), ENTITIES_USER_RENTALS, { r: [{ __typename: 'User', id: alice.id }] }, { token: alice.token })).data._entities[0].rentals).toEqual([
        { id: aliceRental },
      ]);
      expect(
        (await post(sub('payment'), ENTITIES_RENTAL_PAYMENT, { r: [{ __typename: 'Rental', id: aliceRental }] }, { token: alice.token })).data._entities[0].payment,
      ).toMatchObject({ status: 'APPROVED', amount: 1000 });
      expect((await post(sub('user'), ENTITIES_USER_EMAIL, { r: [{ __typename: 'User', id: alice.id }] }, { token: alice.token })).data._entities[0].email).toBe(alice.email);
    });
  });
  internalPaymentRouteCases({
    paymentUrl: () => sub('payment'),
    alice: () => alice,
    mallory: () => mallory,
    manager: () => manager,
    serviceClaims: (scope) => ({ sub: 'rental-service', client_id: 'rental-service', scope, iss: target().issuer, aud: target().audience, iat: now(), exp: now() + 600 }),
    sign: (claims, key) => (key ? signEs256(claims, key, 'unknown-kid') : signEs256(claims)),
    otherKey: otherEs256Key,
    count,
  });

  describe('injection strings: a clean refusal or verbatim text, never INTERNAL_SERVER_ERROR', () => {
    const registerCases = (['name', 'email', 'phone', 'password'] as const).flatMap((field) => INJECTIONS.map(([label, value]) => [field, label, value] as const));
    it.each(registerCases)('registerCustomer %s = %s', async (field, _label, value) => {
      const email = freshEmail('inject');
      const input = customerInput(email, { [field]: value });
      const r = await post(trusting(), 'mutation R($input: RegisterCustomerInput!) { registerCustomer(input: $input) { id name } }', { input }, { ip: freshIp() });
      const accepted = (field === 'name' || field === 'password') && PLAIN_TEXT.has(value);
      if (accepted) {
        expect(r.errors).toBeUndefined();
        const rows = await sql('user', 'SELECT name, "passwordHash" FROM user_account WHERE id = $1', [r.data.registerCustomer.id]);
        expect(rows).toHaveLength(1);
        if (field === 'name') expect([r.data.registerCustomer.name, rows[0].name]).toEqual([value, value]);
        if (field === 'password') {
          expect(rows[0].passwordHash).toMatch(/^\$argon2id\$/);
          expect((await post(trusting(), LOGIN, { e: email, p: value }, { ip: freshIp() })).data.login.user.id).toBe(r.data.registerCustomer.id);
        }
      } else {
        expect(codeOf(r)).toBe('BAD_USER_INPUT');
        // Looked up by a field that does not hold the injection (PostgreSQL cannot even be sent a NUL byte).
        const [column, key] = field === 'email' ? ['name', input.name] : ['email', email];
        expect(await count('user', `SELECT count(*) AS n FROM user_account WHERE ${column} = $1`, [key])).toBe(0);
      }
    });

    const loginCases = (['email', 'password'] as const).flatMap((field) => INJECTIONS.map(([label, value]) => [field, label, value] as const));
    it.each(loginCases)('login %s = %s → INVALID_CREDENTIALS, no token', async (field, _label, value) => {
      const target = field === 'password' ? (await registerCustomer('login-inject')).email : value;
      const r = await post(trusting(), LOGIN, { e: target, p: field === 'password' ? value : PASSWORD }, { ip: freshIp() });
      expect(codeOf(r)).toBe('INVALID_CREDENTIALS');
      expect(r.data ?? null).toBeNull();
    });

    const bookCases = (['title', 'author'] as const).flatMap((field) => INJECTIONS.map(([label, value]) => [field, label, value] as const));
    it.each(bookCases)('registerBook %s = %s', async (field, _label, value) => {
      const tag = `Inject ${randomUUID()}`;
      const input = { title: tag, author: tag, publishedYear: 1999, rentalFee: 100, licensedCopies: 1, [field]: value };
      const r = await post(gw(), REGISTER_BOOK, { input }, { token: manager.token });
      if (PLAIN_TEXT.has(value)) {
        expect(r.errors).toBeUndefined();
        expect(r.data.registerBook[field]).toBe(value);
        const read = await post(gw(), 'query Bk($id: ID!) { book(id: $id) { title author } }', { id: r.data.registerBook.id });
        expect(read.data.book[field]).toBe(value); // returned verbatim, as text (JSON-escaped), never interpreted
        expect(await sql('book-management', `SELECT ${field === 'title' ? 'title' : 'author'} AS v FROM book WHERE id = $1`, [r.data.registerBook.id])).toEqual([{ v: value }]);
      } else {
        expect(codeOf(r)).toBe('BAD_USER_INPUT');
        expect(await count('book-management', 'SELECT count(*) AS n FROM book WHERE title = $1 OR author = $1', [tag])).toBe(0);
      }
    });

    it.each(INJECTIONS)('books(search: %s) → matches only that literal text, or BAD_USER_INPUT', async (_label, value) => {
      const r = await post(gw(), 'query S($s: String) { books(search: $s, first: 100) { edges { node { title author } } } }', { s: value });
      if (value === LONG || value.includes('\u0000')) {
        expect(codeOf(r)).toBe('BAD_USER_INPUT');
      } else {
        expect(r.errors).toBeUndefined();
        for (const { node } of r.data.books.edges as { node: { title: string; author: string } }[]) {
          expect(`${node.title}\n${node.author}`.toLowerCase()).toContain(value.toLowerCase()); // no tautology: only literal matches
        }
      }
    });

    it.each(INJECTIONS)('rentBook(bookId: %s) → NOT_FOUND, no rental, no payment', async (_label, value) => {
      const r = await post(gw(), RENT, { b: value }, { token: mallory.token });
      expect(codeOf(r)).toBe('NOT_FOUND');
      expect(await count('rental', 'SELECT count(*) AS n FROM rental WHERE "customerId" = $1', [mallory.id])).toBe(0);
      expect(await count('payment', 'SELECT count(*) AS n FROM payment WHERE "customerId" = $1', [mallory.id])).toBe(0);
    });
  });

  // ---------------------------------------------------------------------------------------------

  describe(`password brute force (user subgraph throttle: ${THROTTLE.maxFailuresPerAccount}/account, ${THROTTLE.maxFailuresPerIp}/IP per ${THROTTLE.windowSeconds} s)`, () => {
    const login = (email: string, password: string, ip: string) => post(trusting(), LOGIN, { e: email, p: password }, { ip });

    it('per account: the attempt after the limit is RATE_LIMITED (retryAfter), then even the right password — from any IP — until the window passes; another account from the same IP is served', async () => {
      const victim = await registerCustomer('brute');
      const other = await registerCustomer('bystander');
      const ip = freshIp();
      for (let i = 0; i < THROTTLE.maxFailuresPerAccount; i++) expect(codeOf(await login(victim.email, `guess-${i}-password`, ip))).toBe('INVALID_CREDENTIALS');

      const limited = await login(victim.email, 'guess-next-password', ip);
      expect(codeOf(limited)).toBe('RATE_LIMITED');
      const retryAfter = limited.errors?.[0]?.extensions?.retryAfter ?? 0;
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(THROTTLE.windowSeconds);
      expect(limited.data ?? null).toBeNull();

      // The right password is refused too (no password is checked while throttled), from this IP or another; the email's case does not matter.
      for (const r of [await login(victim.email, PASSWORD, ip), await login(victim.email.toUpperCase(), PASSWORD, freshIp())]) {
        expect(codeOf(r)).toBe('RATE_LIMITED');
        expect(r.data ?? null).toBeNull();
      }
      // Another account from the same IP is still allowed.
      expect((await login(other.email, PASSWORD, ip)).data.login.user.id).toBe(other.id);

      // After the window, the right password works again (and resets the account's counter).
      await new Promise((resolve) => setTimeout(resolve, (retryAfter + 1) * 1000));
      expect((await login(victim.email, PASSWORD, ip)).data.login.user.id).toBe(victim.id);
    });

    it('per IP: failures spread over many accounts hit the IP limit; then a correct login from that IP is refused, from another IP served', async () => {
      const account = await registerCustomer('ip-limit');
      const ip = freshIp();
      for (let i = 0; i < THROTTLE.maxFailuresPerIp; i++) expect(codeOf(await login(freshEmail(`spray${i}`), PASSWORD, ip))).toBe('INVALID_CREDENTIALS');
      const limited = await login(account.email, PASSWORD, ip);
      expect(codeOf(limited)).toBe('RATE_LIMITED');
      expect(limited.errors?.[0]?.extensions?.retryAfter).toBeGreaterThanOrEqual(1);
      expect((await login(account.email, PASSWORD, freshIp())).data.login.user.id).toBe(account.id);
    });

    it('concurrent guesses cannot overshoot: of 8 parallel wrong logins on one account, at most the limit are checked, the rest RATE_LIMITED', async () => {
      const victim = await registerCustomer('burst');
      const ip = freshIp();
      const replies = await Promise.all(Array.from({ length: 8 }, (_, i) => login(victim.email, `guess-${i}-password`, ip)));
      const codes = replies.map(codeOf).sort();
      expect(codes).toEqual([...Array(8 - THROTTLE.maxFailuresPerAccount).fill('RATE_LIMITED'), ...Array(THROTTLE.maxFailuresPerAccount).fill('INVALID_CREDENTIALS')].sort());
    });

    it('a client cannot rotate its IP with X-Forwarded-For at a gateway that trusts no proxy (the gateway overwrites the header)', async () => {
      const account = await registerCustomer('xff');
      for (let i = 0; i < THROTTLE.maxFailuresPerIp; i++)
        expect(codeOf(await post(gw(), LOGIN, { e: freshEmail(`xff${i}`), p: PASSWORD }, { ip: freshIp() }))).toBe('INVALID_CREDENTIALS');
      const r = await post(gw(), LOGIN, { e: account.email, p: PASSWORD }, { ip: freshIp() });
      expect(codeOf(r)).toBe('RATE_LIMITED');
      // The limit lifts with the window (and leaves 127.0.0.1 unthrottled for anything that runs after).
      await new Promise((resolve) => setTimeout(resolve, ((r.errors?.[0]?.extensions?.retryAfter ?? THROTTLE.windowSeconds) + 1) * 1000));
      expect((await post(gw(), LOGIN, { e: account.email, p: PASSWORD })).data.login.user.id).toBe(account.id);
    });
  });
}

// ---------------------------------------------------------------------------------------------
// The internal payment route: service clients (client credentials) with payment:approve only.

/** What {@link internalPaymentRouteCases} needs from the suite (getters: read when the tests run). */
interface InternalRouteContext {
  /** Payment subgraph's base URL (the route is not part of the supergraph). */
  paymentUrl: () => string;
  alice: () => Actor;
  mallory: () => Actor;
  manager: () => Actor;
  /** Valid claims of a client-credentials token of `rental-service` with `scope`. */
  serviceClaims: (scope: string) => Claims;
  /** Signs with the target's real key, or with `key` (an untrusted one). */
  sign: (claims: Claims, key?: CryptoKey) => Promise<string>;
  otherKey: () => Promise<CryptoKey>;
  count: Count;
}

/**
 * The internal payment route (POST /internal/payments/approve): only service clients holding
 * `payment:approve` (rental's saga, client credentials) — never a customer, not even for their
 * own id, never a manager. Every refusal records nothing.
 */
function internalPaymentRouteCases(c: InternalRouteContext): void {
  describe('the internal payment route (POST /internal/payments/approve): service clients with payment:approve only', () => {
    async function approve(body: unknown, token?: string): Promise<number> {
      const res = await fetch(`${c.paymentUrl()}/internal/payments/approve`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify(body),
      });
      return res.status;
    }
    const payFor = (who: () => Actor) => (rentalId: string) => ({ rentalId, customerId: who().id, amount: 1000 });

    it('control: a valid payment:approve service token passes authorization (a bad body is then 400), nothing recorded', async () => {
      const rentalId = randomUUID();
      expect(await approve({ rentalId, customerId: c.alice().id, amount: -1 }, await c.sign(c.serviceClaims('payment:approve')))).toBe(400);
      expect(await c.count('payment', 'SELECT count(*) AS n FROM payment WHERE "rentalId" = $1', [rentalId])).toBe(0);
    });

    const cases: [attack: string, status: number, token: () => Promise<string | undefined>, body: (rentalId: string) => unknown][] = [
      ['a customer paying for their own rental (customers never call it)', 403, async () => c.mallory().token, payFor(c.mallory)],
      ['a customer paying for another customer', 403, async () => c.mallory().token, payFor(c.alice)],
      ['a manager', 403, async () => c.manager().token, payFor(c.alice)],
      ['no token', 401, async () => undefined, payFor(c.alice)],
      ['a forged service token (alg none, scope payment:approve)', 401, async () => `${b64({ alg: 'none' })}.${b64(c.serviceClaims('payment:approve'))}.`, payFor(c.alice)],
      ['a service token signed by an untrusted key', 401, async () => c.sign(c.serviceClaims('payment:approve'), await c.otherKey()), payFor(c.alice)],
      ['a service client without payment:approve', 403, async () => c.sign(c.serviceClaims('catalog:read')), payFor(c.alice)],
      [
        'a customer with a bad body (authorization comes first: 403, not 400)',
        403,
        async () => c.mallory().token,
        () => ({ rentalId: "x' OR 1=1 --", customerId: c.mallory().id, amount: -1 }),
      ],
    ];
    it.each(cases)('%s → %i, nothing recorded', async (_attack, status, token, body) => {
      const rentalId = randomUUID();
      expect(await approve(body(rentalId), await token())).toBe(status);
      expect(await c.count('payment', 'SELECT count(*) AS n FROM payment WHERE "rentalId" = $1', [rentalId])).toBe(0);
      expect(await c.count('payment', 'SELECT count(*) AS n FROM outbox_event WHERE "aggregateId" = $1', [rentalId])).toBe(0);
    });
  });
}
