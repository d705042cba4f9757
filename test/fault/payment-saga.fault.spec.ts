import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ProcessStack } from './process-stack';
import { Actors } from './actors';
import { errorExtensionsOf } from '../support/graphql-client';
import { closeLedger, report, sql, viewLedger } from './ledger';

/**
 * The rent saga and the circuit breaker with payment slow, killed mid-call and down,
 * every service a separate process on real PostgreSQL and Kafka. The business rules checked:
 * no rental without an approved payment, no charge without a rental, fail fast when payment is
 * overloaded, recover without restarts.
 */
let stack: ProcessStack;
let actors: Actors;
/** Every customer this suite created: the invariant check looks at their rentals and payments. */

beforeAll(async () => {
  stack = await ProcessStack.create({
    basePort: 4400,
    env: { rental: { PAYMENT_BREAKER_HALF_OPEN_MS: '3000', PAYMENT_TIMEOUT_MS: '500', PAYMENT_RETRIES: '1' } },
  });
  await stack.startAll();
  actors = new Actors(stack.gatewayUrl);
});

afterAll(async () => {
  await stack?.stopAll();
  await closeLedger();
});

/** The payment rows of a rental (payment DB) and the rental row (rental DB). */
async function money(rentalId: string) {
  const [payment] = await sql<{ status: string }>('PAYMENT_DATABASE_URL', 'SELECT status FROM payment WHERE "rentalId" = $1::uuid', [rentalId]);
  const [rental] = await sql<{ status: string; activeKey: string | null }>('RENTAL_DATABASE_URL', 'SELECT status, "activeKey" FROM rental WHERE id = $1::uuid', [rentalId]);
  return { payment: payment?.status ?? null, rental: rental?.status ?? null, holdsCopy: rental?.activeKey != null };
}

async function rentalIdsOf(customerId: string): Promise<string[]> {
  return (await sql<{ id: string }>('RENTAL_DATABASE_URL', 'SELECT id FROM rental WHERE "customerId" = $1::uuid ORDER BY "rentedAt"', [customerId])).map((r) => r.id);
}

async function codeOf(p: Promise<unknown>): Promise<{ code: string; retryAfter?: number }> {
  try {
    await p;
    return { code: 'OK' };
  } catch (err) {
    const ext = errorExtensionsOf(err);
    return ext?.code ? { code: ext.code, ...(ext.retryAfter !== undefined ? { retryAfter: ext.retryAfter } : {}) } : { code: (err as Error).message };
  }
}

describe('rent saga and payment circuit breaker under faults', () => {
  it('payment too slow: PAYMENT_UNAVAILABLE, the rental ends PAYMENT_FAILED, the copy is free, and the late approval never stays charged', async () => {
    await stack.stop('payment');
    await stack.start('payment', { env: { PAYMENT_SIM_LATENCY_MS: '1500' } });
    try {
      const bookId = await actors.book(1);
      const c = await actors.customer();
      expect((await codeOf(actors.rent(c, bookId))).code).toBe('PAYMENT_UNAVAILABLE');
      const [rentalId] = await rentalIdsOf(c.id);
      expect(await money(rentalId!)).toMatchObject({ rental: 'PAYMENT_FAILED', holdsCopy: false });
      // Payment finishes the charge ~1.5 s later; compensation (RentalPaymentFailed) refunds or voids it.
      await vi.waitFor(async () => expect(['REFUNDED', 'DECLINED']).toContain((await money(rentalId!)).payment), { timeout: 30_000, interval: 250 });
      await vi.waitFor(
        async () => expect(await actors.viewStatus(c, rentalId!)).toMatchObject({ status: 'PAYMENT_FAILED', paymentStatus: expect.stringMatching(/REFUNDED|DECLINED/) }),
        { timeout: 30_000, interval: 250 },
      );
      const counts = await viewLedger([rentalId!]);
      report({ scenario: 'payment slower than the timeout', ...counts, recoveryMs: null });
      expect(counts.lost).toBe(0);
    } finally {
      await stack.stop('payment');
      await stack.start('payment');
    }
  });

  it('payment killed mid-call: PAYMENT_UNAVAILABLE, no rental and no charge remain', async () => {
    await stack.stop('payment');
    await stack.start('payment', { env: { PAYMENT_SIM_LATENCY_MS: '400' } });
    const bookId = await actors.book(1);
    const c = await actors.customer();
    const pending = codeOf(actors.rent(c, bookId));
    await new Promise((r) => setTimeout(r, 150));
    await stack.stop('payment', { signal: 'SIGKILL' });
    expect((await pending).code).toBe('PAYMENT_UNAVAILABLE');
    const [rentalId] = await rentalIdsOf(c.id);
    expect(await money(rentalId!)).toMatchObject({ rental: 'PAYMENT_FAILED', holdsCopy: false, payment: null });
    await stack.start('payment');
    // Back up, payment consumes RentalPaymentFailed and voids the rental id: a late retry cannot charge it.
    await vi.waitFor(async () => expect((await money(rentalId!)).payment).toBe('DECLINED'), { timeout: 30_000, interval: 250 });
    await vi.waitFor(async () => expect(await actors.viewStatus(c, rentalId!)).toMatchObject({ status: 'PAYMENT_FAILED', paymentStatus: 'DECLINED' }), {
      timeout: 30_000,
      interval: 250,
    });
    // The copy was released: the customer can rent it now that payment is back.
    await vi.waitFor(async () => expect((await codeOf(actors.rent(c, bookId))).code).toBe('OK'), { timeout: 15_000, interval: 500 });
  });

  it('payment down: the breaker opens, rentBook fails fast with retryAfter and writes nothing; it closes again when payment recovers', async () => {
    const bookId = await actors.book(5);
    const c = await actors.customer();
    const customerId = () => c.id;
    await stack.stop('payment');
    const seen: string[] = [];
    for (let i = 0; i < 8 && !(await readiness()).includes('circuit open'); i += 1) seen.push((await codeOf(actors.rent(c, bookId))).code);
    expect(seen.every((code) => code === 'PAYMENT_UNAVAILABLE')).toBe(true);
    expect(await readiness()).toContain('circuit open');
    expect(await stack.metric('rental', 'payment_circuit_breaker_state')).toBe(2);

    const rowsBefore = (await rentalIdsOf(c.id)).length;
    const latencies: number[] = [];
    for (let i = 0; i < 20; i += 1) {
      const t = performance.now();
      const r = await codeOf(actors.rent(c, bookId));
      latencies.push(performance.now() - t);
      expect(r.code).toBe('PAYMENT_UNAVAILABLE');
      expect(r.retryAfter).toBeGreaterThanOrEqual(1);
    }
    expect((await rentalIdsOf(c.id)).length).toBe(rowsBefore); // fail fast writes nothing
    latencies.sort((a, b) => a - b);
    console.log(`breaker open: rentBook through the gateway p50 ${latencies[10]!.toFixed(1)} ms, max ${latencies[19]!.toFixed(1)} ms (20 calls)`);

    await stack.start('payment');
    const t0 = Date.now();
    await vi.waitFor(async () => expect((await codeOf(actors.rent(c, bookId))).code).toBe('OK'), { timeout: 30_000, interval: 500 });
    const recoveryMs = Date.now() - t0;
    const counts = await vi.waitFor(
      async () => {
        const c = await viewLedger(await rentalIdsOf(customerId()));
        expect(c.lost).toBe(0);
        return c;
      },
      { timeout: 30_000, interval: 500 },
    );
    report({ scenario: 'payment down, breaker open then closed', ...counts, recoveryMs });
    expect(await readiness()).toContain('circuit closed');
  });

  it('no charge without a rental and no rental without a charge, across everything above', async () => {
    await vi.waitFor(
      async () => {
        const approved = await sql<{ rentalId: string }>('PAYMENT_DATABASE_URL', `SELECT "rentalId" FROM payment WHERE status = 'APPROVED' AND "customerId" = ANY($1::uuid[])`, [
          actors.customerIds,
        ]);
        const rentals = await sql<{ id: string }>('RENTAL_DATABASE_URL', `SELECT id FROM rental WHERE status IN ('RENTED', 'RETURNED') AND "customerId" = ANY($1::uuid[])`, [
          actors.customerIds,
        ]);
        expect(approved.map((p) => p.rentalId).sort()).toEqual(rentals.map((r) => r.id).sort());
        expect(rentals.length).toBeGreaterThanOrEqual(2);
      },
      { timeout: 30_000, interval: 500 },
    );
  });
});

async function readiness(): Promise<string> {
  return JSON.stringify(await (await fetch(`${stack.url('rental')}/health/ready`)).json());
}
