import {
  BrokenCircuitError,
  BulkheadRejectedError,
  CircuitState,
  ConsecutiveBreaker,
  ExponentialBackoff,
  TaskCancelledError,
  TimeoutStrategy,
  bulkhead,
  circuitBreaker,
  handleWhen,
  retry,
  timeout,
  wrap,
} from 'cockatiel';
import { Gauge, register } from 'prom-client';
import { Pool, type Dispatcher } from 'undici';
import { approvePaymentContract as contract, type ApprovePaymentRequestBody } from '@ebook/payment/api';
import type { Logger, ServiceTokenSource } from '@ebook/subgraph-kit';
import { injectTraceHeaders, inSpan, SpanKind } from '@ebook/events';

/**
 * What the rent and renewal sagas ask payment for: the body of payment's approve contract
 * (`rentalId`, `customerId`, `amount` in integer KRW, `renewalId` for a renewal's charge) and the
 * correlation id sent in its header.
 */
export type ApprovePaymentRequest = ApprovePaymentRequestBody & { correlationId: string };

/** Outcome of a payment approval, after the resilience policy. */
export type PaymentOutcome =
  | { kind: 'approved'; paymentId: string }
  | { kind: 'declined'; paymentId: string; reason: string }
  /** Payment did not answer in time, failed, or the breaker refused the call; `retryAfterSeconds` while the circuit is open. */
  | { kind: 'unavailable'; reason: string; retryAfterSeconds?: number };

/** The payment saga participant as the rental context sees it. */
export interface PaymentProxy {
  /** Never throws: failures come back as `unavailable` (the fallback). */
  approve(req: ApprovePaymentRequest): Promise<PaymentOutcome>;
  /**
   * Fail-fast gate: seconds to wait (≥ 1) while the circuit is open, or while it is half-open
   * and its single probe is in flight; null when a call may go ahead.
   */
  openForSeconds(): number | null;
  /**
   * Runs a whole rent saga inside the bulkhead (`maxConcurrent` at once, so concurrent sagas
   * never outnumber the database pool); a saga without a slot waits its turn in arrival order,
   * up to `maxQueueWaitMs`.
   * @throws SagaRejected when no slot freed within `maxQueueWaitMs`, or `maxQueued` sagas are
   * already waiting (nothing has run).
   */
  admit<T>(saga: () => Promise<T>): Promise<T>;
  /** `closed` | `open` | `half-open` | `isolated`. */
  circuitState(): string;
}

/** Resilience settings of the payment call (env names in parentheses). */
export interface PaymentPolicyOptions {
  /** Per-attempt timeout, ms (`PAYMENT_TIMEOUT_MS`, default 2000). */
  timeoutMs: number;
  /** Retries after a transient failure (`PAYMENT_RETRIES`, default 1; safe: approval is idempotent on the rental id). */
  retries: number;
  /** Consecutive failures that open the circuit (`PAYMENT_BREAKER_THRESHOLD`, default 5). */
  breakerThreshold: number;
  /** Time the circuit stays open before a half-open probe, ms (`PAYMENT_BREAKER_HALF_OPEN_MS`, default 10000). */
  halfOpenAfterMs: number;
  /**
   * Concurrent rent sagas (`PAYMENT_MAX_CONCURRENT`, default 10 — at most the rental database
   * pool, `DB_POOL_SIZE`) and sagas waiting for a slot (`PAYMENT_MAX_QUEUED`, default 500: a
   * memory bound, not the admission rule — that is the wait below).
   */
  maxConcurrent: number;
  maxQueued: number;
  /**
   * Longest wait for a slot, ms (`PAYMENT_MAX_QUEUE_WAIT_MS`, default 10000): inside a client's
   * usual 30 s budget, with room for the saga itself (two payment attempts of 2 s at worst). While payment answers quickly the queue
   * drains long before (a healthy saga holds its slot ≈ 10–50 ms); when payment is slow the
   * slots stay busy, waits pass the deadline and rents are shed with `PAYMENT_UNAVAILABLE`.
   */
  maxQueueWaitMs: number;
}

/** Defaults of {@link PaymentPolicyOptions}. */
export const DEFAULT_PAYMENT_POLICY: PaymentPolicyOptions = {
  timeoutMs: 2000,
  retries: 1,
  breakerThreshold: 5,
  halfOpenAfterMs: 10_000,
  maxConcurrent: 10,
  maxQueued: 500,
  maxQueueWaitMs: 10_000,
};

/** How long an idle keep-alive connection to payment stays open, ms (below Node's server `keepAliveTimeout` of 5 s, so rental closes first). */
export const PAYMENT_KEEP_ALIVE_MS = 4_000;

/** The rent saga was refused by the bulkhead before it started (nothing was written). */
export class SagaRejected extends Error {
  constructor() {
    super('too many rentals in progress');
  }
}

class PaymentHttpError extends Error {
  constructor(readonly status: number) {
    super(`payment answered HTTP ${status}`);
  }
}

/** A 200 reply whose body does not parse with the contract's response schema (transient: retried, then `unavailable`). */
class PaymentReplyError extends Error {
  constructor(detail: string) {
    super(`payment's reply does not match the approve contract: ${detail}`);
  }
}

/**
 * Failures worth retrying and counting against the breaker: timeouts, network errors (payment's
 * or the token endpoint's), 5xx, 401 (our service token was refused — e.g. the signing key
 * rotated —: the retry fetches a fresh one), and a reply that does not parse with the contract
 * (a half-deployed or misbehaving payment; retrying is safe, approval is idempotent on the rental id).
 */
function isTransient(err: Error): boolean {
  if (err instanceof BrokenCircuitError) return false;
  if (err instanceof PaymentHttpError) return err.status >= 500 || err.status === 401;
  return true;
}

const circuitGauge =
  (register.getSingleMetric('payment_circuit_breaker_state') as Gauge<string> | undefined) ??
  new Gauge({ name: 'payment_circuit_breaker_state', help: 'Circuit breaker of the payment call: 0 closed, 1 half-open, 2 open (calls refused, isolated included)' });

const STATE_NAMES: Record<CircuitState, string> = {
  [CircuitState.Closed]: 'closed',
  [CircuitState.Open]: 'open',
  [CircuitState.HalfOpen]: 'half-open',
  [CircuitState.Isolated]: 'isolated',
};

/**
 * Value of `payment_circuit_breaker_state` for a cockatiel state: 0 closed, 1 half-open (one probe
 * on its way), 2 open — isolated (held open by hand) too, since it refuses calls alike. Rising
 * values are worse, so alerts and dashboards compare (`>= 2`) instead of matching an enum.
 */
export function circuitGaugeValue(state: CircuitState): 0 | 1 | 2 {
  if (state === CircuitState.Closed) return 0;
  return state === CircuitState.HalfOpen ? 1 : 2;
}

/**
 * Calls payment's approve endpoint as payment's contract (`@ebook/payment/api`) defines it —
 * `POST {baseUrl}` + the contract's path, body and reply parsed with its zod schemas — as
 * rental's own OAuth client (a client-credentials token with the contract's scope from `tokens`;
 * the customer's token never leaves rental) behind cockatiel: retry → circuit breaker → timeout,
 * with a fallback that maps every failure — a reply that does not parse included — to
 * `unavailable` (and `retryAfterSeconds` while the circuit is open); a bulkhead admits whole
 * rent sagas ({@link admit}).
 *
 * HTTP: undici's `request` on a keep-alive `Pool` to payment's origin of `maxConcurrent` sockets
 * (one per saga the bulkhead runs at once), idle sockets closed after
 * {@link PAYMENT_KEEP_ALIVE_MS}; a timed-out attempt aborts its request (and its socket).
 */
export class HttpPaymentProxy implements PaymentProxy {
  private readonly breaker;
  private readonly policy;
  private readonly sagaBulkhead;
  private openedAt = 0;
  private readonly http: Dispatcher;
  /** Path of the approve route on payment's origin (`baseUrl`'s path, if any, then the contract's). */
  private readonly approvePath: string;

  /** `baseUrl`: payment's base URL (`PAYMENT_URL`, e.g. `http://127.0.0.1:4005`). */
  constructor(
    baseUrl: string,
    private readonly opts: PaymentPolicyOptions,
    private readonly logger: Logger,
    private readonly tokens: ServiceTokenSource,
  ) {
    const base = new URL(baseUrl);
    this.approvePath = `${base.pathname.replace(/\/$/, '')}${contract.path}`;
    this.http = new Pool(base.origin, { connections: Math.max(1, opts.maxConcurrent), keepAliveTimeout: PAYMENT_KEEP_ALIVE_MS, keepAliveMaxTimeout: PAYMENT_KEEP_ALIVE_MS });
    this.breaker = circuitBreaker(handleWhen(isTransient), {
      halfOpenAfter: opts.halfOpenAfterMs,
      breaker: new ConsecutiveBreaker(opts.breakerThreshold),
    });
    this.breaker.onStateChange((state) => {
      if (state === CircuitState.Open) this.openedAt = Date.now();
      circuitGauge.set(circuitGaugeValue(state));
      this.logger.warn({ circuit: STATE_NAMES[state] }, 'payment circuit state changed');
    });
    const retryPolicy = retry(handleWhen(isTransient), {
      maxAttempts: opts.retries,
      backoff: new ExponentialBackoff({ initialDelay: 50, maxDelay: 500 }),
    });
    this.policy = wrap(retryPolicy, this.breaker, timeout(opts.timeoutMs, TimeoutStrategy.Aggressive));
    this.sagaBulkhead = bulkhead(opts.maxConcurrent, opts.maxQueued);
    circuitGauge.set(circuitGaugeValue(CircuitState.Closed));
  }

  circuitState(): string {
    return STATE_NAMES[this.breaker.state];
  }

  openForSeconds(): number | null {
    const state = this.breaker.state;
    // Half-open: one probe is on its way; everyone else waits for its verdict.
    if (state === CircuitState.HalfOpen) return 1;
    if (state !== CircuitState.Open) return null;
    // Once halfOpenAfterMs has passed, let the next call through: cockatiel only half-opens
    // (and probes payment) when a call reaches the breaker.
    const remainingMs = this.openedAt + this.opts.halfOpenAfterMs - Date.now();
    return remainingMs > 0 ? Math.max(1, Math.ceil(remainingMs / 1000)) : null;
  }

  async admit<T>(saga: () => Promise<T>): Promise<T> {
    // The deadline aborts a saga still waiting: the caller is refused at once, and cockatiel skips
    // the aborted task when its turn comes; a saga that started has cleared the timer.
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), this.opts.maxQueueWaitMs);
    try {
      return await new Promise<T>((resolve, reject) => {
        deadline.signal.addEventListener('abort', () => reject(new SagaRejected()), { once: true });
        this.sagaBulkhead
          .execute(() => {
            clearTimeout(timer);
            return saga();
          }, deadline.signal)
          .then(resolve, reject);
      });
    } catch (err) {
      if (err instanceof BulkheadRejectedError) throw new SagaRejected();
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  async approve(req: ApprovePaymentRequest): Promise<PaymentOutcome> {
    try {
      const { correlationId, ...request } = req;
      const body = await this.policy.execute(async ({ signal }) => {
        const token = await this.tokens.token();
        // One CLIENT span per attempt; payment's request span continues it from `traceparent`.
        return inSpan(
          `${contract.method} ${contract.path}`,
          { kind: SpanKind.CLIENT, tracer: 'rental', attributes: { 'http.request.method': contract.method, 'url.path': contract.path } },
          async (span) => {
            const res = await this.http.request({
              path: this.approvePath,
              method: contract.method,
              signal,
              headers: injectTraceHeaders({
                'content-type': 'application/json',
                authorization: `Bearer ${token}`,
                [contract.correlationHeader]: correlationId,
              }),
              body: JSON.stringify(request),
            });
            const status = res.statusCode;
            span.setAttribute('http.response.status_code', status);
            if (status === 401) this.tokens.invalidate();
            if (status < 200 || status >= 300) {
              await res.body.dump();
              throw new PaymentHttpError(status);
            }
            const reply = contract.response.safeParse(await res.body.json().catch(() => undefined));
            if (!reply.success) throw new PaymentReplyError(reply.error.message);
            return reply.data;
          },
        );
      });
      if (body.status === 'APPROVED') return { kind: 'approved', paymentId: body.paymentId };
      return { kind: 'declined', paymentId: body.paymentId, reason: body.declineReason ?? body.status };
    } catch (err) {
      const reason = err instanceof BrokenCircuitError ? 'circuit open' : err instanceof TaskCancelledError ? `timed out after ${this.opts.timeoutMs} ms` : (err as Error).message;
      this.logger.warn({ rentalId: req.rentalId, reason, correlationId: req.correlationId }, 'payment unavailable');
      const openFor = this.openForSeconds();
      return { kind: 'unavailable', reason, ...(openFor !== null ? { retryAfterSeconds: openFor } : {}) };
    }
  }
}
