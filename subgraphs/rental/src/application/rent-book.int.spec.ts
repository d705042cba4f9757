import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unitOfWork } from '@ebook/events';
import { createLogger, DomainError, plainSqlOf, requireEnv, type ServiceTokenSource } from '@ebook/subgraph-kit';
import { createRentalDb } from '../db';
import { HttpPaymentProxy, type ApprovePaymentRequest, type PaymentProxy, type PaymentOutcome, type PaymentPolicyOptions } from '../sagaparticipants/payment-proxy';
import { DEFAULT_LENDING_POLICY } from '../domain/rental';
import { rentBook, type RentBookDeps } from './rent-book';
import { endRental } from './end-rental';
import { refusal } from '@ebook/subgraph-kit/testing';

const db = createRentalDb(requireEnv('RENTAL_DATABASE_URL'), 10);
const logger = createLogger('rent-book-int', 'silent');
const cause = { correlationId: `int-${randomUUID()}` };
const LOAN_DAYS = 14;
const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * The payment context as the rent saga sees it (its port, not our infrastructure): answers
 * with the outcomes a test scripts and records every call.
 */
class ScriptedPayments implements PaymentProxy {
  readonly calls: ApprovePaymentRequest[] = [];
  constructor(
    private readonly answer: (req: ApprovePaymentRequest) => PaymentOutcome | Promise<PaymentOutcome>,
    private readonly openFor: number | null = null,
  ) {}
  async approve(req: ApprovePaymentRequest): Promise<PaymentOutcome> {
    this.calls.push(req);
    return this.answer(req);
  }
  openForSeconds(): number | null {
    return this.openFor;
  }
  circuitState(): string {
    return this.openFor === null ? 'closed' : 'open';
  }
  admit<T>(saga: () => Promise<T>): Promise<T> {
    return saga();
  }
}

const approving = () => new ScriptedPayments(() => ({ kind: 'approved', paymentId: randomUUID() }));

/** Counts the relay wake-ups of the unit of work (one per commit that wrote events). */
function depsWith(payments: PaymentProxy): RentBookDeps & { wakes: () => number } {
  let wakes = 0;
  const relay = { wake: () => void (wakes += 1) };
  // As the service wires it: the saga's reservation and confirmation on plain pg.
  return {
    uow: unitOfWork(db, relay),
    sqlUow: unitOfWork(plainSqlOf(db)!, relay),
    payments,
    policy: { ...DEFAULT_LENDING_POLICY, loanPeriodMs: LOAN_DAYS * DAY_MS },
    wakes: () => wakes,
  };
}

/** What endRental needs, on the test database. */
const ending = { uow: unitOfWork(db, { wake: () => {} }), policy: DEFAULT_LENDING_POLICY };

const customer = () => ({ id: randomUUID() });

/** A replica row standing for a BookRegistered already consumed. */
async function newBook(licensedCopies = 1, rentalFee = 1500): Promise<string> {
  const bookId = randomUUID();
  await db.bookReplica.create({ data: { bookId, title: `Book ${bookId}`, rentalFee, licensedCopies } });
  return bookId;
}

const activeRentals = async (bookId: string) => (await db.bookReplica.findUniqueOrThrow({ where: { bookId } })).activeRentals;
const rentalsOf = (bookId: string) => db.rental.findMany({ where: { bookId }, orderBy: { rentedAt: 'asc' } });
const outboxOf = async (rentalId: string) => db.outboxEvent.findMany({ where: { aggregateId: rentalId }, orderBy: { seq: 'asc' } });
const outboxTypes = async (rentalId: string) => (await outboxOf(rentalId)).map((e) => e.type);
/** Outbox rows about `bookId`, whatever the rental. */
const outboxAboutBook = (bookId: string) => db.outboxEvent.count({ where: { envelope: { path: ['data', 'bookId'], equals: bookId } } });

afterAll(() => db.$disconnect());

describe('rentBook saga on PostgreSQL (scripted payment participant)', () => {
  it('approved: RENTED, due after the loan period, fee charged, copy held, one BookRented in the outbox', async () => {
    const bookId = await newBook(3, 2300);
    const paymentId = randomUUID();
    const payments = new ScriptedPayments(() => ({ kind: 'approved', paymentId }));
    const deps = depsWith(payments);
    const me = customer();

    const rental = await rentBook(deps, me, bookId, cause);

    const stored = await db.rental.findUniqueOrThrow({ where: { id: rental.id } });
    expect(rental).toEqual(stored);
    expect(stored).toMatchObject({ status: 'RENTED', bookId, customerId: me.id, fee: 2300, correlationId: cause.correlationId });
    expect(stored.dueAt!.getTime() - stored.rentedAt.getTime()).toBe(LOAN_DAYS * DAY_MS);
    expect(payments.calls).toEqual([{ rentalId: rental.id, customerId: me.id, amount: 2300, correlationId: cause.correlationId }]);
    expect(stored.paymentId).toBe(paymentId);
    expect(await activeRentals(bookId)).toBe(1);

    const outbox = await outboxOf(rental.id);
    expect(outbox.map((e) => e.type)).toEqual(['BookRented']);
    expect(outbox[0]!.envelope).toMatchObject({
      aggregateId: rental.id,
      correlationId: cause.correlationId,
      data: { rentalId: rental.id, bookId, customerId: me.id, fee: 2300, paymentId, dueAt: stored.dueAt!.toISOString() },
    });
    expect(deps.wakes()).toBe(1);
  });

  it('declined: PAYMENT_DECLINED, rental PAYMENT_DECLINED without activeKey, copy freed, RentalPaymentFailed', async () => {
    const bookId = await newBook(1);
    const payments = new ScriptedPayments(() => ({ kind: 'declined', paymentId: randomUUID(), reason: 'card declined' }));
    const me = customer();

    const err = await refusal(rentBook(depsWith(payments), me, bookId, cause));
    expect(err.code).toBe('PAYMENT_DECLINED');
    expect(err.message).toMatch(/card declined/);

    const rows = await rentalsOf(bookId);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ status: 'PAYMENT_DECLINED', activeKey: null, customerId: me.id, dueAt: null });
    expect(await activeRentals(bookId)).toBe(0);
    const outbox = await outboxOf(rows[0]!.id);
    expect(outbox.map((e) => e.type)).toEqual(['RentalPaymentFailed']);
    expect(outbox[0]!.envelope).toMatchObject({ data: { rentalId: rows[0]!.id, reason: 'PAYMENT_DECLINED' } });

    // The copy really is free again: the same customer (and the one copy) can be rented now.
    const retried = await rentBook(depsWith(approving()), me, bookId, cause);
    expect(retried.status).toBe('RENTED');
    expect(await activeRentals(bookId)).toBe(1);
  });

  it('unavailable: PAYMENT_UNAVAILABLE with retryAfter, rental PAYMENT_FAILED, copy freed, RentalPaymentFailed', async () => {
    const bookId = await newBook(1);
    const payments = new ScriptedPayments(() => ({ kind: 'unavailable', reason: 'timed out', retryAfterSeconds: 7 }));

    const err = await refusal(rentBook(depsWith(payments), customer(), bookId, cause));
    expect(err.code).toBe('PAYMENT_UNAVAILABLE');
    expect(err.extensions).toEqual({ retryAfter: 7 });

    const rows = await rentalsOf(bookId);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ status: 'PAYMENT_FAILED', activeKey: null });
    expect(await activeRentals(bookId)).toBe(0);
    const outbox = await outboxOf(rows[0]!.id);
    expect(outbox.map((e) => e.type)).toEqual(['RentalPaymentFailed']);
    expect(outbox[0]!.envelope).toMatchObject({ data: { reason: 'PAYMENT_UNAVAILABLE' } });
  });

  it('open circuit: fails fast with PAYMENT_UNAVAILABLE + retryAfter, without asking payment and writing nothing', async () => {
    const bookId = await newBook(1);
    const payments = new ScriptedPayments(() => ({ kind: 'approved', paymentId: randomUUID() }), 4);
    const err = await refusal(rentBook(depsWith(payments), customer(), bookId, cause));
    expect(err.code).toBe('PAYMENT_UNAVAILABLE');
    expect(err.extensions).toEqual({ retryAfter: 4 });
    expect(payments.calls).toHaveLength(0);
    expect(await rentalsOf(bookId)).toHaveLength(0);
    expect(await activeRentals(bookId)).toBe(0);
  });

  it('a second rent of the same book by the same customer while RENTED → ALREADY_RENTED, nothing new written', async () => {
    const bookId = await newBook(5);
    const me = customer();
    const payments = approving();
    await rentBook(depsWith(payments), me, bookId, cause);

    const err = await refusal(rentBook(depsWith(payments), me, bookId, cause));
    expect(err.code).toBe('ALREADY_RENTED');
    expect(payments.calls).toHaveLength(1);
    expect(await rentalsOf(bookId)).toHaveLength(1);
    expect(await activeRentals(bookId)).toBe(1);
    expect(await outboxAboutBook(bookId)).toBe(1);
  });

  it('unknown book (or a malformed id) → NOT_FOUND, nothing written', async () => {
    const payments = approving();
    const me = customer();
    for (const bookId of [randomUUID(), 'not-a-uuid']) {
      const err = await refusal(rentBook(depsWith(payments), me, bookId, cause));
      expect(err.code).toBe('NOT_FOUND');
    }
    expect(payments.calls).toHaveLength(0);
    expect(await db.rental.count({ where: { customerId: me.id } })).toBe(0);
  });

  it('6 customers racing for 2 licensed copies: exactly 2 RENTED, 4 BOOK_NOT_AVAILABLE, activeRentals 2', async () => {
    const bookId = await newBook(2);
    // Payment takes a moment, so the winners still hold their copies while the others try.
    const payments = new ScriptedPayments(async () => {
      await new Promise((r) => setTimeout(r, 50));
      return { kind: 'approved', paymentId: randomUUID() };
    });
    const results = await Promise.allSettled(Array.from({ length: 6 }, () => rentBook(depsWith(payments), customer(), bookId, cause)));

    const rented = results.filter((r) => r.status === 'fulfilled');
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(rented).toHaveLength(2);
    expect(refused.map((r) => (r.reason as DomainError).code)).toEqual(Array(4).fill('BOOK_NOT_AVAILABLE'));
    expect(payments.calls).toHaveLength(2);
    const rows = await rentalsOf(bookId);
    expect(rows.map((r) => r.status)).toEqual(['RENTED', 'RENTED']);
    expect(await activeRentals(bookId)).toBe(2);
    expect(await outboxAboutBook(bookId)).toBe(2);
  });
});

describe('endRental on PostgreSQL', () => {
  async function rented(copies = 1) {
    const bookId = await newBook(copies);
    const me = customer();
    const rental = await rentBook(depsWith(approving()), me, bookId, cause);
    return { bookId, me, rental };
  }

  it('cancel: CANCELED with canceledAt, copy freed, RentalCanceled (with the payment id) in the outbox', async () => {
    const { bookId, me, rental } = await rented();
    const canceled = await endRental(ending, me.id, rental.id, 'cancel', cause);
    expect(canceled).toMatchObject({ id: rental.id, status: 'CANCELED', activeKey: null });
    expect(canceled.canceledAt).toBeInstanceOf(Date);
    expect(await activeRentals(bookId)).toBe(0);
    const outbox = await outboxOf(rental.id);
    expect(outbox.map((e) => e.type)).toEqual(['BookRented', 'RentalCanceled']);
    expect(outbox[1]!.envelope).toMatchObject({ data: { rentalId: rental.id, bookId, customerId: me.id, paymentId: rental.paymentId } });
  });

  it('return: RETURNED with returnedAt, copy freed, BookReturned in the outbox', async () => {
    const { bookId, me, rental } = await rented();
    const returned = await endRental(ending, me.id, rental.id, 'return', cause);
    expect(returned).toMatchObject({ status: 'RETURNED', activeKey: null });
    expect(returned.returnedAt).toBeInstanceOf(Date);
    expect(await activeRentals(bookId)).toBe(0);
    expect(await outboxTypes(rental.id)).toEqual(['BookRented', 'BookReturned']);
  });

  it("another customer's rental → NOT_FOUND (as an unknown id), nothing changes", async () => {
    const { bookId, rental } = await rented();
    const err = await refusal(endRental(ending, randomUUID(), rental.id, 'cancel', cause));
    expect(err.code).toBe('NOT_FOUND');
    expect((await db.rental.findUniqueOrThrow({ where: { id: rental.id } })).status).toBe('RENTED');
    expect(await activeRentals(bookId)).toBe(1);
    expect(await outboxTypes(rental.id)).toEqual(['BookRented']);
  });

  it('ending twice → INVALID_RENTAL_STATE; the copy is freed only once and one event is written', async () => {
    const { bookId, me, rental } = await rented(2);
    // A second customer holds the other copy, so a double free would show as activeRentals 0.
    await rentBook(depsWith(approving()), customer(), bookId, cause);
    await endRental(ending, me.id, rental.id, 'cancel', cause);
    const again = await refusal(endRental(ending, me.id, rental.id, 'cancel', cause));
    expect(again.code).toBe('INVALID_RENTAL_STATE');
    const asReturn = await refusal(endRental(ending, me.id, rental.id, 'return', cause));
    expect(asReturn.code).toBe('INVALID_RENTAL_STATE');
    expect(await activeRentals(bookId)).toBe(1);
    expect(await outboxTypes(rental.id)).toEqual(['BookRented', 'RentalCanceled']);
  });

  it('concurrent cancels of one rental: one succeeds, the other is refused, the copy is freed once', async () => {
    const { bookId, me, rental } = await rented(2);
    await rentBook(depsWith(approving()), customer(), bookId, cause);
    const results = await Promise.allSettled([1, 2, 3].map(() => endRental(ending, me.id, rental.id, 'cancel', cause)));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect((r.reason as DomainError).code).toBe('INVALID_RENTAL_STATE');
    expect(await activeRentals(bookId)).toBe(1);
    expect(await outboxTypes(rental.id)).toEqual(['BookRented', 'RentalCanceled']);
  });

  it('unknown rental → NOT_FOUND', async () => {
    expect((await refusal(endRental(ending, randomUUID(), randomUUID(), 'cancel', cause))).code).toBe('NOT_FOUND');
    expect((await refusal(endRental(ending, randomUUID(), 'nope', 'return', cause))).code).toBe('NOT_FOUND');
  });
});

// ---------------------------------------------------------------------------------------------
// The real HttpPaymentProxy (cockatiel policy) against a tiny payment stand-in over HTTP.

type Mode = 'approve' | 'decline' | 'slow' | 'fail' | 'forbidden' | 'first-token-revoked';

interface Received {
  body: { rentalId: string; customerId: string; amount: number };
  authorization: string | undefined;
  correlationId: string | undefined;
}

const stub = {
  mode: 'approve' as Mode,
  received: [] as Received[],
  server: undefined as http.Server | undefined,
  url: '',
};

beforeAll(async () => {
  stub.server = http.createServer((req, res) => {
    if (req.method !== 'POST' || req.url !== '/internal/payments/approve') {
      res.writeHead(404).end();
      return;
    }
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString('utf8')));
    req.on('end', () => {
      const h = req.headers;
      stub.received.push({
        body: JSON.parse(raw) as Received['body'],
        authorization: h.authorization,
        correlationId: typeof h['x-correlation-id'] === 'string' ? h['x-correlation-id'] : undefined,
      });
      const json = (status: number, body: unknown) => {
        if (!res.destroyed) res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      };
      switch (stub.mode) {
        case 'approve':
          return json(200, { paymentId: randomUUID(), status: 'APPROVED' });
        case 'decline':
          return json(200, { paymentId: randomUUID(), status: 'DECLINED', declineReason: 'insufficient funds' });
        case 'slow':
          setTimeout(() => json(200, { paymentId: randomUUID(), status: 'APPROVED' }), 300).unref();
          return;
        case 'fail':
          return json(500, { error: 'boom' });
        case 'forbidden':
          return json(403, { error: 'not your rental' });
        case 'first-token-revoked':
          return h.authorization === 'Bearer service-token-1' ? json(401, { code: 'UNAUTHENTICATED' }) : json(200, { paymentId: randomUUID(), status: 'APPROVED' });
      }
    });
  });
  await new Promise<void>((resolve) => stub.server!.listen(0, '127.0.0.1', resolve));
  stub.url = `http://127.0.0.1:${(stub.server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  stub.server?.closeAllConnections();
  await new Promise<void>((resolve) => (stub.server ? stub.server.close(() => resolve()) : resolve()));
});

const POLICY: PaymentPolicyOptions = { timeoutMs: 100, retries: 0, breakerThreshold: 3, halfOpenAfterMs: 500, maxConcurrent: 5, maxQueued: 5, maxQueueWaitMs: 1000 };
const request = (): ApprovePaymentRequest => ({
  rentalId: randomUUID(),
  customerId: randomUUID(),
  amount: 1000,
  correlationId: `corr-${randomUUID()}`,
});

/**
 * Rental's service-token source as the gateway sees it: `service-token-1`, then a new token
 * after each `invalidate()` (what the client-credentials source does on a 401).
 */
class NumberedTokens implements ServiceTokenSource {
  issued = 1;
  async token(): Promise<string> {
    return `service-token-${this.issued}`;
  }
  invalidate(): void {
    this.issued += 1;
  }
}

describe('HttpPaymentProxy (real cockatiel policy) against an HTTP payment stand-in', () => {
  it("rentBook through HTTP: the approve call carries rental id, amount, correlation id and rental's own service token (never the customer's)", async () => {
    stub.mode = 'approve';
    const gateway = new HttpPaymentProxy(stub.url, POLICY, logger, new NumberedTokens());
    const bookId = await newBook(1, 1800);
    const me = customer();
    const before = stub.received.length;

    const rental = await rentBook(depsWith(gateway), me, bookId, cause);

    expect(rental.status).toBe('RENTED');
    expect(stub.received.slice(before)).toEqual([
      { body: { rentalId: rental.id, customerId: me.id, amount: 1800 }, authorization: 'Bearer service-token-1', correlationId: cause.correlationId },
    ]);
  });

  it('a 401 from payment (service token no longer valid) fetches a new token and retries: approved, circuit closed', async () => {
    stub.mode = 'first-token-revoked';
    const tokens = new NumberedTokens();
    const gateway = new HttpPaymentProxy(stub.url, { ...POLICY, retries: 1 }, logger, tokens);
    const before = stub.received.length;
    expect(await gateway.approve(request())).toMatchObject({ kind: 'approved' });
    expect(stub.received.slice(before).map((r) => r.authorization)).toEqual(['Bearer service-token-1', 'Bearer service-token-2']);
    expect(gateway.circuitState()).toBe('closed');
  });

  it('a DECLINED answer becomes PAYMENT_DECLINED with the reason', async () => {
    stub.mode = 'decline';
    const gateway = new HttpPaymentProxy(stub.url, POLICY, logger, new NumberedTokens());
    const bookId = await newBook(1);
    const err = await refusal(rentBook(depsWith(gateway), customer(), bookId, cause));
    expect(err.code).toBe('PAYMENT_DECLINED');
    expect(err.message).toMatch(/insufficient funds/);
    expect(gateway.circuitState()).toBe('closed');
  });

  it('client errors (4xx) are unavailable but never open the circuit', async () => {
    stub.mode = 'forbidden';
    const gateway = new HttpPaymentProxy(stub.url, POLICY, logger, new NumberedTokens());
    for (let i = 0; i < POLICY.breakerThreshold + 1; i++) {
      expect(await gateway.approve(request())).toMatchObject({ kind: 'unavailable', reason: expect.stringMatching(/403/) });
    }
    expect(gateway.circuitState()).toBe('closed');
    expect(gateway.openForSeconds()).toBeNull();
  });

  /** Drives `gateway` to an open circuit: one time-out, then server errors up to the threshold. */
  async function openCircuit(gateway: HttpPaymentProxy): Promise<void> {
    stub.mode = 'fail';
    for (let i = 0; i < POLICY.breakerThreshold; i++) await gateway.approve(request());
    expect(gateway.circuitState()).toBe('open');
  }

  it('times out a slow payment, opens after 3 failures, then rentBook fails fast without calling payment or writing', async () => {
    const gateway = new HttpPaymentProxy(stub.url, POLICY, logger, new NumberedTokens());

    // 1: a slow payment (300 ms) is cut at 100 ms.
    stub.mode = 'slow';
    const started = Date.now();
    const slow = await gateway.approve(request());
    expect(Date.now() - started).toBeLessThan(290);
    expect(slow).toMatchObject({ kind: 'unavailable', reason: expect.stringMatching(/timed out after 100 ms/) });
    expect(gateway.circuitState()).toBe('closed');

    // 2, 3: server errors; the third consecutive failure opens the circuit.
    stub.mode = 'fail';
    expect(await gateway.approve(request())).toMatchObject({ kind: 'unavailable', reason: expect.stringMatching(/500/) });
    expect(gateway.circuitState()).toBe('closed');
    expect(await gateway.approve(request())).toMatchObject({ kind: 'unavailable' });
    expect(gateway.circuitState()).toBe('open');
    expect(gateway.openForSeconds()).toBeGreaterThanOrEqual(1);

    // While open: rentBook fails fast — no request to payment, no rental row, copy untouched.
    stub.mode = 'approve';
    const bookId = await newBook(1);
    const me = customer();
    const requestsBefore = stub.received.length;
    const err = await refusal(rentBook(depsWith(gateway), me, bookId, cause));
    expect(err.code).toBe('PAYMENT_UNAVAILABLE');
    expect(err.extensions.retryAfter).toBeGreaterThanOrEqual(1);
    expect(stub.received.length).toBe(requestsBefore);
    expect(await db.rental.count({ where: { customerId: me.id } })).toBe(0);
    expect(await activeRentals(bookId)).toBe(0);
    // The gateway itself refuses while open, without calling payment.
    expect(await gateway.approve(request())).toMatchObject({ kind: 'unavailable', reason: 'circuit open' });
    expect(stub.received.length).toBe(requestsBefore);
  });

  it('after halfOpenAfterMs, with payment healthy again, the gateway probes, succeeds and closes the circuit', async () => {
    const gateway = new HttpPaymentProxy(stub.url, POLICY, logger, new NumberedTokens());
    await openCircuit(gateway);
    await new Promise((r) => setTimeout(r, POLICY.halfOpenAfterMs + 100));
    stub.mode = 'approve';
    expect(await gateway.approve(request())).toMatchObject({ kind: 'approved' });
    expect(gateway.circuitState()).toBe('closed');
    expect(gateway.openForSeconds()).toBeNull();
  });

  it('after halfOpenAfterMs, with payment healthy again, rentBook itself recovers: RENTED and the circuit closed', async () => {
    const gateway = new HttpPaymentProxy(stub.url, POLICY, logger, new NumberedTokens());
    await openCircuit(gateway);
    await new Promise((r) => setTimeout(r, POLICY.halfOpenAfterMs + 100));
    stub.mode = 'approve';
    const bookId = await newBook(1);
    const requestsBefore = stub.received.length;
    // Customers are the only callers of the gateway: if rentBook never lets a probe through,
    // the circuit stays open for ever and every rental is refused until a restart.
    const rental = await rentBook(depsWith(gateway), customer(), bookId, cause);
    expect(rental.status).toBe('RENTED');
    expect(stub.received.length).toBe(requestsBefore + 1);
    expect(gateway.circuitState()).toBe('closed');
    expect(gateway.openForSeconds()).toBeNull();
  });
});
