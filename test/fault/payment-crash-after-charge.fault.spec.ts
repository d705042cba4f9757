import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ProcessStack } from './process-stack';
import { Actors } from './actors';
import { errorExtensionsOf } from '../support/graphql-client';
import { closeLedger, sql } from './ledger';

/**
 * Payment killed between the processor's charge and recording the payment — the window where a
 * non-idempotent processor would leave a charge without a payment (and a retry would charge
 * again). Payment runs from `test/fault/payment-crash-after-charge.ts`: production's service with
 * a processor that SIGKILLs the process right after its first charge. Every service is its own
 * process on real PostgreSQL and Kafka. What must hold, read from the processor's books
 * (`processor_charge`, keyed by rental id) and both databases:
 *
 * - rental's retry reaches the restarted payment: the processor charged once (asked twice), one
 *   APPROVED payment, the rental RENTED;
 * - rental gave up first: the rental is PAYMENT_FAILED, and the restarted payment, compensating,
 *   voids the rental and refunds the charge it never recorded.
 *
 * Ports 4720–4725.
 */
const CRASH_ENTRY = 'test/fault/payment-crash-after-charge.ts';
let stack: ProcessStack;
let actors: Actors;
/** Every customer this suite created: the last check looks at their rentals only. */

/** Rental's settings for "its retry outlasts payment's restart" (backoff 50–500 ms per try). */
const PATIENT_RENTAL = { PAYMENT_RETRIES: '120', PAYMENT_BREAKER_THRESHOLD: '1000', PAYMENT_TIMEOUT_MS: '2000' };
/** Rental's defaults: one retry, then PAYMENT_UNAVAILABLE. */
const IMPATIENT_RENTAL = { PAYMENT_RETRIES: '1', PAYMENT_BREAKER_THRESHOLD: '5', PAYMENT_TIMEOUT_MS: '2000' };

beforeAll(async () => {
  stack = await ProcessStack.create({ basePort: 4720, env: { rental: PATIENT_RENTAL } });
  await stack.startAll();
  actors = new Actors(stack.gatewayUrl);
});

afterAll(async () => {
  await stack?.stopAll();
  await closeLedger();
});

/** What the processor's books, payment and rental hold for a rental. */
async function state(rentalId: string) {
  const charges = await sql<{ approved: boolean; amount: number; attempts: number; refunded: boolean }>(
    'PAYMENT_DATABASE_URL',
    'SELECT approved, amount, attempts, "refundedAt" IS NOT NULL AS refunded FROM processor_charge WHERE "idempotencyKey" = $1',
    [rentalId],
  );
  const payments = await sql<{ status: string }>('PAYMENT_DATABASE_URL', 'SELECT status FROM payment WHERE "rentalId" = $1::uuid', [rentalId]);
  const [rental] = await sql<{ status: string }>('RENTAL_DATABASE_URL', 'SELECT status FROM rental WHERE id = $1::uuid', [rentalId]);
  return { charges, payments: payments.map((p) => p.status), rental: rental?.status ?? null };
}

async function onlyRentalOf(customerId: string): Promise<string> {
  const rows = await sql<{ id: string }>('RENTAL_DATABASE_URL', 'SELECT id FROM rental WHERE "customerId" = $1::uuid', [customerId]);
  expect(rows).toHaveLength(1);
  return rows[0]!.id;
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'OK';
  } catch (err) {
    return errorExtensionsOf(err)?.code ?? (err as Error).message;
  }
}

/** Swaps the running payment for the crashing entry. */
async function armCrash(): Promise<void> {
  await stack.stop('payment');
  await stack.start('payment', { entry: CRASH_ENTRY });
}

describe('payment killed between the processor charge and recording the payment', () => {
  it("rental's retry reaches the restarted payment: charged once, one APPROVED payment, the rental RENTED", async () => {
    await armCrash();
    const bookId = await actors.book(1, 2300);
    const c = await actors.customer();
    const t0 = Date.now();
    const pending = codeOf(actors.rent(c, bookId));
    await stack.exited('payment'); // killed itself after the charge
    const crashedAfterMs = Date.now() - t0;
    const rentalId = await onlyRentalOf(c.id);
    // The crash window: charged at the processor, nothing recorded by payment, rental still waiting.
    expect(await state(rentalId)).toEqual({ charges: [{ approved: true, amount: 2300, attempts: 1, refunded: false }], payments: [], rental: 'PENDING_PAYMENT' });

    await stack.start('payment'); // production entry; rental keeps retrying meanwhile
    expect(await pending).toBe('OK');
    const doneAfterMs = Date.now() - t0;
    const after = await state(rentalId);
    expect(after).toEqual({ charges: [{ approved: true, amount: 2300, attempts: 2, refunded: false }], payments: ['APPROVED'], rental: 'RENTED' });
    console.log(
      `crash after charge, retry wins: crashed at ${crashedAfterMs} ms, rented at ${doneAfterMs} ms; processor charges ${after.charges.length} ` +
        `(asked ${after.charges[0]!.attempts}×), payments ${JSON.stringify(after.payments)}, rental ${after.rental}`,
    );
    await vi.waitFor(async () => expect(await actors.viewStatus(c, rentalId)).toMatchObject({ status: 'RENTED', paymentStatus: 'APPROVED' }), { timeout: 30_000, interval: 250 });
  });

  it('rental gave up first: the rental is PAYMENT_FAILED and the restarted payment refunds the unrecorded charge', async () => {
    await stack.stop('rental');
    await stack.start('rental', { env: IMPATIENT_RENTAL });
    await armCrash();
    const bookId = await actors.book(1, 1900);
    const c = await actors.customer();
    const t0 = Date.now();
    expect(await codeOf(actors.rent(c, bookId))).toBe('PAYMENT_UNAVAILABLE');
    const rentalId = await onlyRentalOf(c.id);
    expect(await state(rentalId)).toEqual({ charges: [{ approved: true, amount: 1900, attempts: 1, refunded: false }], payments: [], rental: 'PAYMENT_FAILED' });

    await stack.start('payment'); // consumes RentalPaymentFailed: void + refund
    const after = await vi.waitFor(
      async () => {
        const s = await state(rentalId);
        expect(s).toEqual({ charges: [{ approved: true, amount: 1900, attempts: 1, refunded: true }], payments: ['DECLINED'], rental: 'PAYMENT_FAILED' });
        return s;
      },
      { timeout: 30_000, interval: 250 },
    );
    console.log(
      `crash after charge, rental gave up: refunded within ${Date.now() - t0} ms; processor charges ${after.charges.length} ` +
        `(asked ${after.charges[0]!.attempts}×, refunded ${after.charges[0]!.refunded}), payments ${JSON.stringify(after.payments)}, rental ${after.rental}`,
    );
    // The customer can rent the released copy now that payment is back.
    expect(await codeOf(actors.rent(c, bookId))).toBe('OK');
  });

  it('across both: every charge standing on the books has a RENTED rental with an APPROVED payment; none was charged twice', async () => {
    const ours = (await sql<{ id: string }>('RENTAL_DATABASE_URL', 'SELECT id FROM rental WHERE "customerId" = ANY($1::uuid[])', [actors.customerIds])).map((r) => r.id);
    const books = await sql<{ key: string; attempts: number; standing: boolean }>(
      'PAYMENT_DATABASE_URL',
      `SELECT "idempotencyKey" AS key, attempts, approved AND "refundedAt" IS NULL AS standing FROM processor_charge WHERE "idempotencyKey" = ANY($1::text[])`,
      [ours],
    );
    const keys = books.filter((b) => b.standing).map((b) => b.key);
    const approved = await sql<{ rentalId: string }>('PAYMENT_DATABASE_URL', `SELECT "rentalId" FROM payment WHERE status = 'APPROVED' AND "rentalId" = ANY($1::uuid[])`, [ours]);
    const rented = await sql<{ id: string }>('RENTAL_DATABASE_URL', `SELECT id FROM rental WHERE status IN ('RENTED', 'RETURNED') AND id = ANY($1::uuid[])`, [ours]);
    expect(approved.map((p) => p.rentalId).sort()).toEqual([...keys].sort());
    expect(rented.map((r) => r.id).sort()).toEqual([...keys].sort());
    // One row per rental id is the primary key; the processor charged each at most once.
    console.log(`across the suite: ${ours.length} rentals, ${books.length} charges on the books (asked ${books.map((b) => b.attempts).join(', ')}×), ${keys.length} standing`);
    expect(keys.length).toBeGreaterThanOrEqual(2);
  });
});
