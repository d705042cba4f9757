import { describe, expect, it } from 'vitest';
import { createLogger } from '@ebook/subgraph-kit';
import { DEFAULT_PAYMENT_POLICY, HttpPaymentProxy, SagaRejected } from './payment-proxy';

const noTokens = { token: async () => 'unused', invalidate: () => undefined };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A gateway whose bulkhead is under test (admit only: no payment call is made). */
const gateway = (maxConcurrent: number, maxQueueWaitMs: number, maxQueued = DEFAULT_PAYMENT_POLICY.maxQueued) =>
  new HttpPaymentProxy('http://127.0.0.1:9', { ...DEFAULT_PAYMENT_POLICY, maxConcurrent, maxQueued, maxQueueWaitMs }, createLogger('test', 'silent'), noTokens);

describe('rent saga admission', () => {
  it('while sagas are quick, a burst far above the concurrency waits its turn: every saga runs, never more than maxConcurrent at once', async () => {
    const g = gateway(5, 5_000);
    let running = 0;
    let peak = 0;
    const results = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        g.admit(async () => {
          peak = Math.max(peak, ++running);
          await sleep(10);
          running -= 1;
          return i;
        }),
      ),
    );
    expect(results).toEqual(Array.from({ length: 60 }, (_, i) => i));
    expect(peak).toBe(5);
  });

  it('when sagas are slow, one still waiting at maxQueueWaitMs is refused (SagaRejected) and never runs', async () => {
    const g = gateway(1, 100);
    const ran: number[] = [];
    const started = Date.now();
    const outcomes = await Promise.allSettled(
      [0, 1, 2].map((i) =>
        g.admit(async () => {
          ran.push(i);
          await sleep(300);
        }),
      ),
    );
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'rejected']);
    expect(outcomes.slice(1).every((o) => o.status === 'rejected' && o.reason instanceof SagaRejected)).toBe(true);
    // Refused at the deadline, not when the slow saga finished; and the refused ones never ran.
    expect(ran).toEqual([0]);
    await sleep(50);
    expect(ran).toEqual([0]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
  });

  it('a full queue refuses at once', async () => {
    const g = gateway(1, 5_000, 1);
    const slow = g.admit(() => sleep(100));
    const queued = g.admit(() => sleep(1));
    const t = Date.now();
    await expect(g.admit(() => sleep(1))).rejects.toBeInstanceOf(SagaRejected);
    expect(Date.now() - t).toBeLessThan(50);
    await Promise.all([slow, queued]);
  });
});
