import { afterEach, describe, expect, it, vi } from 'vitest';
import { InMemoryChargeLedger, SimulatedPaymentProcessor, simulatedProcessorFromEnv, type ChargeRequest } from './payment-processor';

const req: ChargeRequest = { rentalId: 'r1', customerId: 'c1', amount: 1500 };

describe('SimulatedPaymentProcessor', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('approves every charge with declineRate 0', async () => {
    const processor = new SimulatedPaymentProcessor({ latencyMs: 0, declineRate: 0, random: () => 0 });
    await expect(processor.charge(req)).resolves.toEqual({ approved: true });
  });

  it('declines every charge with declineRate 1, giving a reason', async () => {
    const processor = new SimulatedPaymentProcessor({ latencyMs: 0, declineRate: 1, random: () => 0.999_999 });
    const result = await processor.charge(req);
    expect(result.approved).toBe(false);
    expect(result.approved === false && result.reason).toMatch(/\S/);
  });

  it('decides with the injected random source', async () => {
    const rolls = [0.1, 0.9, 0.49, 0.5];
    const random = vi.fn(() => rolls.shift()!);
    const processor = new SimulatedPaymentProcessor({ latencyMs: 0, declineRate: 0.5, random });
    const approved = [];
    for (let i = 0; i < 4; i++) approved.push((await processor.charge({ ...req, rentalId: `r${i}` })).approved);
    expect(approved).toEqual([false, true, false, true]);
    expect(random).toHaveBeenCalledTimes(4);
  });

  it.each([-0.01, 1.01, Number.NaN])('rejects declineRate %s', (declineRate) => {
    expect(() => new SimulatedPaymentProcessor({ latencyMs: 0, declineRate })).toThrow(RangeError);
  });

  it.each([-1, Number.NaN])('rejects latencyMs %s', (latencyMs) => {
    expect(() => new SimulatedPaymentProcessor({ latencyMs, declineRate: 0 })).toThrow(RangeError);
  });

  it('answers only after latencyMs', async () => {
    vi.useFakeTimers();
    const processor = new SimulatedPaymentProcessor({ latencyMs: 1_000, declineRate: 0 });
    let result: unknown;
    const pending = processor.charge(req).then((r) => (result = r));

    await vi.advanceTimersByTimeAsync(999);
    expect(result).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    await pending;
    expect(result).toEqual({ approved: true });
  });

  it('takes at least latencyMs of real time', async () => {
    const processor = new SimulatedPaymentProcessor({ latencyMs: 30, declineRate: 0 });
    const started = performance.now();
    await processor.charge(req);
    // setTimeout may fire up to ~1 ms early relative to performance.now() rounding.
    expect(performance.now() - started).toBeGreaterThanOrEqual(29);
  });

  it('refunds without error', async () => {
    const processor = new SimulatedPaymentProcessor({ latencyMs: 0, declineRate: 1 });
    await expect(processor.refund({ ...req, paymentId: 'p1' })).resolves.toBeUndefined();
  });
});

describe('SimulatedPaymentProcessor: idempotent on the rental id', () => {
  it('a second charge with the same rental id returns the first result, charging nothing more (no second roll, no wait)', async () => {
    const random = vi.fn(() => 0.9);
    const processor = new SimulatedPaymentProcessor({ latencyMs: 0, declineRate: 0.5, random });
    await expect(processor.charge(req)).resolves.toEqual({ approved: true });
    await expect(processor.charge(req)).resolves.toEqual({ approved: true });
    expect(random).toHaveBeenCalledTimes(1);
    expect(await processor.ledger.find(req.rentalId)).toMatchObject({ idempotencyKey: 'r1', amount: 1500, approved: true, attempts: 2, refundedAt: null });
  });

  it('a declined rental id stays declined on retry', async () => {
    const rolls = [0.1, 0.9];
    const processor = new SimulatedPaymentProcessor({ latencyMs: 0, declineRate: 0.5, random: () => rolls.shift()! });
    const first = await processor.charge(req);
    expect(first.approved).toBe(false);
    await expect(processor.charge(req)).resolves.toEqual(first);
  });

  it('concurrent first charges of one rental id: one charge, every caller gets its result', async () => {
    const processor = new SimulatedPaymentProcessor({ latencyMs: 5, declineRate: 0 });
    const results = await Promise.all(Array.from({ length: 5 }, () => processor.charge(req)));
    expect(results).toEqual(Array(5).fill({ approved: true }));
    expect(await processor.ledger.find(req.rentalId)).toMatchObject({ attempts: 5 });
  });

  it('refund gives the charge back once; again, or for a rental id never charged, it does nothing', async () => {
    const ledger = new InMemoryChargeLedger();
    const processor = new SimulatedPaymentProcessor({ latencyMs: 0, declineRate: 0, ledger });
    await processor.charge(req);
    await processor.refund({ ...req, paymentId: 'p1' });
    const refundedAt = (await ledger.find(req.rentalId))!.refundedAt;
    expect(refundedAt).toBeInstanceOf(Date);
    await processor.refund({ ...req, paymentId: 'p1' });
    expect((await ledger.find(req.rentalId))!.refundedAt).toBe(refundedAt);
    await processor.refund({ ...req, rentalId: 'never-charged', paymentId: 'p2' });
    expect(await ledger.find('never-charged')).toBeNull();
  });

  it('a charge after its refund answers the refunded charge and charges nothing', async () => {
    const processor = new SimulatedPaymentProcessor({ latencyMs: 0, declineRate: 0 });
    await processor.charge(req);
    await processor.refund({ ...req, paymentId: 'p1' });
    await expect(processor.charge(req)).resolves.toEqual({ approved: true });
    expect(await processor.ledger.find(req.rentalId)).toMatchObject({ attempts: 2, refundedAt: expect.any(Date) });
  });
});

describe('simulatedProcessorFromEnv', () => {
  it('defaults to approving instantly', async () => {
    await expect(simulatedProcessorFromEnv({}).charge(req)).resolves.toEqual({ approved: true });
  });

  it.each([
    ['a decline rate above 1', { PAYMENT_SIM_DECLINE_RATE: '2' }],
    ['a non-numeric decline rate', { PAYMENT_SIM_DECLINE_RATE: 'half' }],
    ['a negative latency', { PAYMENT_SIM_LATENCY_MS: '-5' }],
  ])('rejects %s', (_what, env) => {
    expect(() => simulatedProcessorFromEnv(env)).toThrow(RangeError);
  });
});
