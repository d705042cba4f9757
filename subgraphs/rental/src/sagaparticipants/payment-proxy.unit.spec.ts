import { describe, expect, it, vi } from 'vitest';
import { createLogger } from '@ebook/subgraph-kit';
import { register } from 'prom-client';
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

describe("the approve call reads replies with payment's contract", () => {
  const req = { rentalId: '5b1c2f0e-8d7a-4c3b-9a1e-2f4d6b8c0a11', customerId: '0f9e8d7c-6b5a-4938-8271-605f4e3d2c1b', amount: 2300, correlationId: 'c-1' };
  const paymentId = '11111111-2222-4333-8444-555555555555';

  /** A gateway over a scripted `fetch`: each call answers the next body (HTTP 200). */
  async function approveWith(bodies: unknown[], retries = 1) {
    const sent: { url: string; init: RequestInit }[] = [];
    vi.stubGlobal('fetch', async (url: string, init: RequestInit) => {
      sent.push({ url, init });
      const body = bodies[Math.min(sent.length - 1, bodies.length - 1)];
      return new Response(typeof body === 'string' ? body : JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } });
    });
    try {
      const g = new HttpPaymentProxy('http://payment.test', { ...DEFAULT_PAYMENT_POLICY, retries }, createLogger('test', 'silent'), noTokens);
      return { outcome: await g.approve(req), sent };
    } finally {
      vi.unstubAllGlobals();
    }
  }

  it("posts the contract's body to its path with the correlation header, and reads an approval", async () => {
    const { outcome, sent } = await approveWith([{ paymentId, status: 'APPROVED', declineReason: null }]);
    expect(outcome).toEqual({ kind: 'approved', paymentId });
    expect(sent).toHaveLength(1);
    expect(sent[0]!.url).toBe('http://payment.test/internal/payments/approve');
    expect(sent[0]!.init.method).toBe('POST');
    expect((sent[0]!.init.headers as Record<string, string>)['x-correlation-id']).toBe('c-1');
    expect(JSON.parse(sent[0]!.init.body as string)).toEqual({ rentalId: req.rentalId, customerId: req.customerId, amount: 2300 });
  });

  it("a decline carries payment's reason", async () => {
    const { outcome } = await approveWith([{ paymentId, status: 'DECLINED', declineReason: 'card declined' }]);
    expect(outcome).toEqual({ kind: 'declined', paymentId, reason: 'card declined' });
  });

  it.each([
    ['an unknown status', { paymentId, status: 'PENDING' }],
    ['no payment id', { status: 'APPROVED' }],
    ['a body that is not JSON', '<html>bad gateway</html>'],
  ])('a reply with %s is transient: retried, then unavailable — never a crash', async (_, body) => {
    const { outcome, sent } = await approveWith([body]);
    expect(outcome).toMatchObject({ kind: 'unavailable', reason: expect.stringMatching(/contract/) });
    expect(sent).toHaveLength(2);
  });

  it('a retry after a reply that did not parse can still succeed', async () => {
    const { outcome, sent } = await approveWith([
      { paymentId: 'nope', status: 'APPROVED' },
      { paymentId, status: 'APPROVED', declineReason: null },
    ]);
    expect(outcome).toEqual({ kind: 'approved', paymentId });
    expect(sent).toHaveLength(2);
  });
});

describe('payment_circuit_breaker_state follows the breaker', () => {
  const req = { rentalId: '5b1c2f0e-8d7a-4c3b-9a1e-2f4d6b8c0a11', customerId: '0f9e8d7c-6b5a-4938-8271-605f4e3d2c1b', amount: 2300, correlationId: 'c-2' };
  const gaugeValue = async () => (await register.getSingleMetric('payment_circuit_breaker_state')!.get()).values[0]?.value;

  it('0 while closed, 2 once payment failed the threshold times in a row, 1 while the half-open probe is out, 0 after it succeeded', async () => {
    let answer: () => Promise<Response> = async () => new Response('down', { status: 503 });
    vi.stubGlobal('fetch', () => answer());
    try {
      const g = new HttpPaymentProxy(
        'http://payment.test',
        { ...DEFAULT_PAYMENT_POLICY, retries: 0, breakerThreshold: 2, halfOpenAfterMs: 50 },
        createLogger('test', 'silent'),
        noTokens,
      );
      expect(await gaugeValue()).toBe(0);
      await g.approve(req);
      expect(await gaugeValue()).toBe(0);
      await g.approve(req);
      expect(await gaugeValue()).toBe(2);
      expect(g.circuitState()).toBe('open');

      await sleep(60);
      let reply!: (r: Response) => void;
      answer = () => new Promise<Response>((resolve) => (reply = resolve));
      const probe = g.approve(req);
      await vi.waitFor(() => expect(reply).toBeTypeOf('function'));
      expect(await gaugeValue()).toBe(1);
      reply(new Response(JSON.stringify({ paymentId: '11111111-2222-4333-8444-555555555555', status: 'APPROVED', declineReason: null }), { status: 200 }));
      expect((await probe).kind).toBe('approved');
      expect(await gaugeValue()).toBe(0);
    } finally {
      vi.unstubAllGlobals();
    }
  });
});
