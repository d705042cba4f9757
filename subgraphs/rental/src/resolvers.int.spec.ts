import { createPrivateKey, generateKeyPairSync, randomUUID, sign, type KeyObject } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { EmbeddedEventBus, unitOfWork } from '@ebook/events';
import { createLogger, loadSchemaFile, pgAdapter, requireEnv, startContext, TokenVerifier, type ContextService } from '@ebook/subgraph-kit';
import { PrismaClient } from './generated/prisma/client';
import { loaders, resolvers, type RentalContext } from './resolvers';
import type { PaymentProxy } from './sagaparticipants/payment-proxy';
import { DEFAULT_LENDING_POLICY } from './domain/rental';
import { changeHold, placeHoldFor } from './application/holds';
import { endRental } from './application/end-rental';

/**
 * "Entity lists resolve in one query": the rental subgraph answers `_entities` for many
 * `Book` / `User` representations with ONE select on its table, counted from Prisma's query
 * log (which works with the pg driver adapter: see the first test).
 */

const ISSUER = 'urn:rental-resolvers-test';
const AUDIENCE = 'ebook-rental';
const KID = randomUUID();

// jose is not a dependency of @ebook/rental: the ES256 key and tokens are made with node:crypto.
const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const publicJwk = { ...publicKey.export({ format: 'jwk' }), kid: KID, alg: 'ES256', use: 'sig' };

/** Signs an ES256 access token like the user context does. */
function accessToken(sub: string, role: 'CUSTOMER' | 'MANAGER', key: KeyObject = privateKey): string {
  const now = Math.floor(Date.now() / 1000);
  const enc = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const input = `${enc({ alg: 'ES256', kid: KID, typ: 'at+jwt' })}.${enc({ iss: ISSUER, aud: AUDIENCE, sub, role, iat: now, nbf: now, exp: now + 300 })}`;
  return `${input}.${sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`;
}

const db = new PrismaClient({ adapter: pgAdapter(requireEnv('RENTAL_DATABASE_URL')), log: [{ emit: 'event', level: 'query' }] });
const queries: string[] = [];
db.$on('query', (e) => queries.push(e.query));

/** Never called by these queries; rentBook is not exercised here. */
const noPayments: PaymentProxy = {
  approve: () => Promise.reject(new Error('not expected')),
  openForSeconds: () => null,
  circuitState: () => 'closed',
  admit: () => Promise.reject(new Error('not expected')),
};

const bus = new EmbeddedEventBus();
let service: ContextService;

beforeAll(async () => {
  service = await startContext<RentalContext>({
    name: 'rental',
    platform: {
      bus,
      verifier: new TokenVerifier({ issuer: ISSUER, audience: AUDIENCE, jwks: { keys: [publicJwk] } }),
      logger: createLogger('rental-resolvers-int', 'silent'),
    },
    db,
    port: 0,
    typeDefs: loadSchemaFile(import.meta.url, '../schema.graphql'),
    resolvers,
    relayPollMs: 60_000,
    context: (base, relay) => ({ ...base, deps: { uow: unitOfWork(db, relay), payments: noPayments, policy: DEFAULT_LENDING_POLICY }, ...loaders(db) }),
  });
});

afterAll(async () => {
  await service?.stop(); // server, relay, then the pool ($disconnect)
  await bus.close();
});

beforeEach(() => {
  queries.length = 0;
});

interface GraphQLResponse<T> {
  data?: T;
  errors?: { message: string; extensions?: { code?: string } }[];
}

async function post<T>(query: string, variables: Record<string, unknown>, token?: string): Promise<GraphQLResponse<T>> {
  const res = await fetch(`${service.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as GraphQLResponse<T>;
}

/** SELECTs on `table` logged since the last reset. */
const selectsOn = (table: string) => queries.filter((q) => /^\s*select/i.test(q) && q.includes(`"${table}"`));

const BOOKS_QUERY = `query ($r: [_Any!]!) { _entities(representations: $r) { ... on Book { id availableCopies } } }`;
const USERS_QUERY = `query ($r: [_Any!]!) {
  _entities(representations: $r) { ... on User { id rentals { id status fee book { id availableCopies } } } }
}`;

describe('rental subgraph: entity lists resolve in one query', () => {
  it('Prisma query events are emitted with the pg driver adapter', async () => {
    await db.bookReplica.findMany({ where: { bookId: { in: [randomUUID()] } } });
    expect(selectsOn('book_replica')).toHaveLength(1);
  });

  it('20 Book representations → one SELECT on book_replica and the right availableCopies (0 for unknown ids)', async () => {
    const books = Array.from({ length: 20 }, (_, i) => ({ bookId: randomUUID(), licensedCopies: (i % 4) + 1, activeRentals: i % 3 }));
    // Keep the replica invariant 0 <= activeRentals <= licensedCopies.
    for (const b of books) b.activeRentals = Math.min(b.activeRentals, b.licensedCopies);
    await db.bookReplica.createMany({ data: books.map((b) => ({ ...b, title: `Book ${b.bookId}`, rentalFee: 1000 })) });
    const unknown = randomUUID();
    queries.length = 0;

    const reps = [...books.map((b) => ({ __typename: 'Book', id: b.bookId })), { __typename: 'Book', id: unknown }, { __typename: 'Book', id: 'not-a-uuid' }];
    const res = await post<{ _entities: { id: string; availableCopies: number }[] }>(BOOKS_QUERY, { r: reps });

    expect(res.errors).toBeUndefined();
    expect(res.data!._entities).toEqual([
      ...books.map((b) => ({ id: b.bookId, availableCopies: b.licensedCopies - b.activeRentals })),
      { id: unknown, availableCopies: 0 },
      { id: 'not-a-uuid', availableCopies: 0 },
    ]);
    expect(selectsOn('book_replica')).toHaveLength(1);
  });

  it('10 User representations → one SELECT on rental (and one on book_replica for their books), newest first', async () => {
    const bookId = randomUUID();
    await db.bookReplica.create({ data: { bookId, title: 'Shared', rentalFee: 900, licensedCopies: 50, activeRentals: 0 } });
    const users = Array.from({ length: 10 }, () => randomUUID());
    const base = Date.now() - 60_000;
    // User i has i rentals (user 0 has none); rentedAt increases with j, so newest first = j descending.
    const rows = users.flatMap((customerId, i) =>
      Array.from({ length: i }, (_, j) => ({ id: randomUUID(), customerId, bookId, status: 'RENTED' as const, fee: 100 * (j + 1), rentedAt: new Date(base + j * 1000) })),
    );
    await db.rental.createMany({ data: rows });
    await db.bookReplica.update({ where: { bookId }, data: { activeRentals: rows.length } });
    queries.length = 0;

    type U = { id: string; rentals: { id: string; status: string; fee: number; book: { id: string; availableCopies: number } }[] };
    const res = await post<{ _entities: U[] }>(USERS_QUERY, { r: users.map((id) => ({ __typename: 'User', id })) }, accessToken(randomUUID(), 'MANAGER'));

    expect(res.errors).toBeUndefined();
    const entities = res.data!._entities;
    expect(entities.map((u) => u.id)).toEqual(users);
    entities.forEach((u, i) => {
      const expected = rows.filter((r) => r.customerId === users[i]).reverse();
      expect(u.rentals.map((r) => r.id)).toEqual(expected.map((r) => r.id));
      for (const r of u.rentals) expect(r).toMatchObject({ status: 'RENTED', book: { id: bookId, availableCopies: 50 - rows.length } });
    });
    expect(entities[0]!.rentals).toEqual([]);
    expect(selectsOn('rental')).toHaveLength(1);
    expect(selectsOn('book_replica')).toHaveLength(1);
  });

  it("User.rentals is protected: anonymous → UNAUTHENTICATED, another customer → an empty list (as for a user without rentals), one's own → allowed", async () => {
    const me = randomUUID();
    const other = randomUUID();
    const reps = (id: string) => ({ r: [{ __typename: 'User', id }] });

    const anonymous = await post(USERS_QUERY, reps(me));
    expect(anonymous.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');

    await db.rental.create({ data: { id: randomUUID(), customerId: other, bookId: randomUUID(), status: 'RENTED', fee: 100, rentedAt: new Date() } });
    const foreign = await post<{ _entities: { id: string; rentals: unknown[] }[] }>(USERS_QUERY, reps(other), accessToken(me, 'CUSTOMER'));
    expect(foreign.errors).toBeUndefined();
    expect(foreign.data!._entities).toEqual([{ id: other, rentals: [] }]);

    const own = await post<{ _entities: { id: string; rentals: unknown[] }[] }>(USERS_QUERY, reps(me), accessToken(me, 'CUSTOMER'));
    expect(own.errors).toBeUndefined();
    expect(own.data!._entities).toEqual([{ id: me, rentals: [] }]);
  });

  it("rental(id): someone else's rental answers exactly as an unknown id (null, no error); its customer and managers see it; anonymous → UNAUTHENTICATED", async () => {
    const owner = randomUUID();
    const rentalId = randomUUID();
    await db.rental.create({ data: { id: rentalId, customerId: owner, bookId: randomUUID(), status: 'RENTED', fee: 700, rentedAt: new Date() } });
    const RENTAL_QUERY = 'query ($id: ID!) { rental(id: $id) { id fee } }';
    const stranger = accessToken(randomUUID(), 'CUSTOMER');

    const someoneElses = await post<{ rental: unknown }>(RENTAL_QUERY, { id: rentalId }, stranger);
    const unknown = await post<{ rental: unknown }>(RENTAL_QUERY, { id: randomUUID() }, stranger);
    expect(someoneElses).toEqual({ data: { rental: null } });
    expect(someoneElses).toEqual(unknown);

    for (const token of [accessToken(owner, 'CUSTOMER'), accessToken(randomUUID(), 'MANAGER')]) {
      expect(await post(RENTAL_QUERY, { id: rentalId }, token)).toEqual({ data: { rental: { id: rentalId, fee: 700 } } });
    }
    expect((await post(RENTAL_QUERY, { id: rentalId })).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('a token signed by another key is refused (the subgraph verifies, it does not trust the caller)', async () => {
    const { privateKey: stranger } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const forged = accessToken(randomUUID(), 'MANAGER', createPrivateKey(stranger.export({ format: 'pem', type: 'pkcs8' })));
    const res = await post(USERS_QUERY, { r: [{ __typename: 'User', id: randomUUID() }] }, forged);
    expect(res.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(res.data ?? null).toBeNull();
  });
});

const BOOK_HOLDS_QUERY = `query ($r: [_Any!]!) { _entities(representations: $r) { ... on Book { id holds { id status position placedAt user { id } } } } }`;

describe('rental subgraph: Book.holds, the queue a manager sees', () => {
  const holdDeps = { uow: unitOfWork(db, { wake: () => {} }), policy: DEFAULT_LENDING_POLICY };
  const cause = { correlationId: `book-holds-${randomUUID()}` };

  /** A book with one licensed copy, out on a RENTED loan of `reader` (as rentBook leaves it). */
  async function bookOut(reader: string) {
    const bookId = randomUUID();
    const rentalId = randomUUID();
    await db.bookReplica.create({ data: { bookId, title: `Queue ${bookId}`, rentalFee: 1000, licensedCopies: 1, activeRentals: 1 } });
    await db.rental.create({ data: { id: rentalId, customerId: reader, bookId, status: 'RENTED', fee: 1000, rentedAt: new Date(), dueAt: new Date(Date.now() + 86_400_000) } });
    return { bookId, rentalId };
  }

  it('active holds in queue order (READY first, then by position, ended ones left out), 3 books in one SELECT on hold; customers → FORBIDDEN', async () => {
    const reader = randomUUID();
    const [a, b, none] = [await bookOut(reader), await bookOut(randomUUID()), await bookOut(randomUUID())];
    const c = Array.from({ length: 6 }, () => randomUUID());
    const h: Awaited<ReturnType<typeof placeHoldFor>>[] = [];
    for (const who of c.slice(0, 4)) h.push(await placeHoldFor(holdDeps, who, a.bookId, false, cause));
    await changeHold(holdDeps, c[0]!, h[0]!.id, 'suspend', cause); // keeps its place, skipped by the offer
    await changeHold(holdDeps, c[3]!, h[3]!.id, 'cancel', cause); // ended: not in the queue
    await endRental(holdDeps, reader, a.rentalId, 'return', cause); // the copy is offered to the second hold
    const g = [await placeHoldFor(holdDeps, c[4]!, b.bookId, false, cause), await placeHoldFor(holdDeps, c[5]!, b.bookId, false, cause)];
    const row = (hold: (typeof h)[number], status: string, position: number | null) => ({
      id: hold.id,
      status,
      position,
      placedAt: hold.placedAt.toISOString(),
      user: { id: hold.customerId },
    });
    const reps = { r: [a, b, none].map(({ bookId }) => ({ __typename: 'Book', id: bookId })) };
    queries.length = 0;

    const res = await post<{ _entities: unknown[] }>(BOOK_HOLDS_QUERY, reps, accessToken(randomUUID(), 'MANAGER'));

    expect(res.errors).toBeUndefined();
    expect(res.data!._entities).toEqual([
      { id: a.bookId, holds: [row(h[1]!, 'READY', null), row(h[0]!, 'SUSPENDED', 1), row(h[2]!, 'WAITING', 2)] },
      { id: b.bookId, holds: [row(g[0]!, 'WAITING', 1), row(g[1]!, 'WAITING', 2)] },
      { id: none.bookId, holds: [] },
    ]);
    expect(selectsOn('hold')).toHaveLength(1);

    const asCustomer = await post(BOOK_HOLDS_QUERY, reps, accessToken(c[0]!, 'CUSTOMER'));
    expect(asCustomer.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});
