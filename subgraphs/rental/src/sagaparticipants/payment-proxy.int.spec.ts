import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '@ebook/subgraph-kit';
import { register } from 'prom-client';
import { DEFAULT_PAYMENT_POLICY, HttpPaymentProxy } from './payment-proxy';

// The approve call over real HTTP, against a stand-in of payment on 127.0.0.1.

/** A request payment's stand-in received. */
interface Received {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A reply of the stand-in: status and body (JSON-encoded unless a string). */
type Reply = { status: number; body: unknown };

const standIns: http.Server[] = [];
afterEach(async () => {
  await Promise.all(
    standIns.splice(0).map((s) => {
      const closed = new Promise((resolve) => s.close(resolve));
      s.closeAllConnections();
      return closed;
    }),
  );
});

/** Payment's stand-in over real HTTP on 127.0.0.1: `answer` decides each reply (it may wait). @returns its base URL and what it received. */
async function paymentStandIn(answer: (n: number) => Reply | Promise<Reply>): Promise<{ url: string; received: Received[] }> {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      received.push({ method: req.method!, url: req.url!, headers: req.headers, body });
      void Promise.resolve(answer(received.length)).then((r) => {
        res.writeHead(r.status, { 'content-type': 'application/json' });
        res.end(typeof r.body === 'string' ? r.body : JSON.stringify(r.body));
      });
    });
  });
  standIns.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received };
}

const noTokens = { token: async () => 'unused', invalidate: () => undefined };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("the approve call reads replies with payment's contract", () => {
  const req = { rentalId: '5b1c2f0e-8d7a-4c3b-9a1e-2f4d6b8c0a11', customerId: '0f9e8d7c-6b5a-4938-8271-605f4e3d2c1b', amount: 2300, correlationId: 'c-1' };
  const paymentId = '11111111-2222-4333-8444-555555555555';

  /** A gateway to a stand-in whose n-th call answers the n-th body (the last one again after that, HTTP 200). */
  async function approveWith(bodies: unknown[], retries = 1) {
    const { url, received: sent } = await paymentStandIn((n) => ({ status: 200, body: bodies[Math.min(n - 1, bodies.length - 1)] }));
    const g = new HttpPaymentProxy(url, { ...DEFAULT_PAYMENT_POLICY, retries }, createLogger('test', 'silent'), noTokens);
    return { outcome: await g.approve(req), sent };
  }

  it("posts the contract's body to its path with the correlation header, and reads an approval", async () => {
    const { outcome, sent } = await approveWith([{ paymentId, status: 'APPROVED', declineReason: null }]);
    expect(outcome).toEqual({ kind: 'approved', paymentId });
    expect(sent).toHaveLength(1);
    expect(sent[0]!.url).toBe('/internal/payments/approve');
    expect(sent[0]!.method).toBe('POST');
    expect(sent[0]!.headers['x-correlation-id']).toBe('c-1');
    expect(sent[0]!.headers.authorization).toBe('Bearer unused');
    expect(JSON.parse(sent[0]!.body)).toEqual({ rentalId: req.rentalId, customerId: req.customerId, amount: 2300 });
  });

  it('keeps its connection to payment open between calls', async () => {
    const { url, received } = await paymentStandIn(() => ({ status: 200, body: { paymentId, status: 'APPROVED', declineReason: null } }));
    const g = new HttpPaymentProxy(url, DEFAULT_PAYMENT_POLICY, createLogger('test', 'silent'), noTokens);
    const sockets = new Set<unknown>();
    standIns[0]!.on('connection', (socket) => sockets.add(socket));
    for (let i = 0; i < 6; i += 1) expect((await g.approve(req)).kind).toBe('approved');
    expect(received).toHaveLength(6);
    // undici's pool may open a second socket while the first is being released; never one per call.
    expect(sockets.size).toBeLessThanOrEqual(2);
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
    let answer: () => Promise<Reply> = async () => ({ status: 503, body: 'down' });
    const { url } = await paymentStandIn(() => answer());
    const g = new HttpPaymentProxy(url, { ...DEFAULT_PAYMENT_POLICY, retries: 0, breakerThreshold: 2, halfOpenAfterMs: 50 }, createLogger('test', 'silent'), noTokens);
    expect(await gaugeValue()).toBe(0);
    await g.approve(req);
    expect(await gaugeValue()).toBe(0);
    await g.approve(req);
    expect(await gaugeValue()).toBe(2);
    expect(g.circuitState()).toBe('open');

    await sleep(60);
    let reply!: (r: Reply) => void;
    answer = () => new Promise<Reply>((resolve) => (reply = resolve));
    const probe = g.approve(req);
    await vi.waitFor(() => expect(reply).toBeTypeOf('function'));
    expect(await gaugeValue()).toBe(1);
    reply({ status: 200, body: { paymentId: '11111111-2222-4333-8444-555555555555', status: 'APPROVED', declineReason: null } });
    expect((await probe).kind).toBe('approved');
    expect(await gaugeValue()).toBe(0);
  });
});
