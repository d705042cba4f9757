/**
 * Siege bench of the rent → payment saga ("Payment saga and circuit breaker").
 *
 * Run: `source scripts/test-env.sh && pnpm bench:siege` (real PostgreSQL test databases and the
 * real Kafka broker; nothing is asserted — it measures, prints markdown tables and writes the
 * numbers to `bench/results/siege-<date>.json`). Takes about 2–3 minutes.
 *
 * The product runs as separate processes (test/fault/process-stack.ts, gateway on
 * `SIEGE_BASE_PORT`, default 4600) with rental's default payment policy (timeout 2000 ms,
 * 1 retry, breaker after 5 consecutive failures, half-open after 10 s, bulkhead 20 running +
 * 20 queued) and payment slowed down by `PAYMENT_SIM_LATENCY_MS` (default 3000, i.e. slower
 * than rental's timeout: payment is overloaded, no charge can finish in time). The gateway's
 * rate limits are switched off: every autocannon connection comes from 127.0.0.1, so
 * the per-IP limit (1200/min) would turn the siege into a rate-limit test.
 * Set-up: one book with 5000 licensed copies and 50 customers (registered and signed in).
 *
 * Phase 1 "siege": 50 autocannon connections for 30 s send `rentBook` (POST /graphql), each
 * request signed by a customer no other in-flight request uses. A customer whose rent succeeded
 * sends `returnBook` next (counted apart), so the client itself never provokes ALREADY_RENTED:
 * one that shows up means a rental of that customer was left PENDING_PAYMENT. How to read:
 * - "every request got success or PAYMENT_UNAVAILABLE" is the issue's promise; `other` lists
 *   any other error code; no 5xx and 0 timeouts (hung requests: none took ≥ 30 s).
 * - with latency > timeout, successes stay at 0: every answer is a fast or slow "try later".
 * - "rental rows written" shows how many requests reached the saga (row PAYMENT_FAILED) vs.
 *   failed fast on the open circuit (no row); the breaker timeline shows its state each second.
 * - "customers blocked": customers whose rental is still PENDING_PAYMENT 12 s after the siege
 *   (their saga died; the sweeper frees them after PENDING_PAYMENT_STALE_MS, 60 s). They are
 *   left out of phases 2 and 3, which would otherwise see ALREADY_RENTED.
 * Phase 2 "breaker open, payment down": payment is stopped; sequential rentBook calls until a
 * call fails fast on a freshly opened circuit; then 500 rentBook calls (10 connections), all
 * inside one open window: latency p50/p90/p99/max through the gateway (issue: p99 < 50 ms,
 * reported, not asserted) and the rental rows they wrote (expected 0: "when open, writes
 * nothing"). The same 500 calls straight at rental's /graphql (next open window) show how
 * much of it is the gateway, and 200 calls through the gateway on 1 connection (next window)
 * show the latency without client-side queueing (diagnostics).
 * Phase 3 "recovery": payment restarted with latency 0, rental untouched; sequential rentBook
 * calls (one every 200 ms) until one succeeds: time from payment ready to first success (≈ the
 * rest of the open window), then 10 more rentals with the circuit closed.
 * Ledger: for this run's book and customers, after waiting ≤ 30 s for the compensation
 * (`RentalPaymentFailed` → refund / void): APPROVED payments whose rental is not
 * RENTED/CANCELED/RETURNED, and RENTED/RETURNED rentals without an APPROVED payment — both
 * must be 0.
 *
 * Knobs (env): SIEGE_BASE_PORT, SIEGE_CONNECTIONS (50), SIEGE_DURATION_S (30),
 * SIEGE_PAYMENT_LATENCY_MS (3000), SIEGE_OPEN_CALLS (500), FAULT_LOG_LEVEL (services' pino
 * level, default `warn` here; logs in .cache/fault-logs/).
 * Numbers depend on the machine (and on anything else it runs at the same time).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { register } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { ProcessStack } from '../test/fault/process-stack';
import { intEnv } from '@ebook/subgraph-kit/env';
import type { Actors as ActorsType, Customer } from '../test/fault/actors';
import { closeLedger, sql } from '../test/fault/ledger';
import { DEFAULT_PAYMENT_POLICY } from '@ebook/rental';

// The fault harness's Actors use Apollo Client; outside vitest, `@apollo/client/core` must be
// pointed at its ESM build before they are loaded (see bench/apollo-esm-hook.mjs).
register('./apollo-esm-hook.mjs', import.meta.url);
const { Actors } = await import('../test/fault/actors');
const { gql } = await import('../test/support/graphql-client');
type Actors = ActorsType;

const here = path.dirname(fileURLToPath(import.meta.url));

const CONFIG = {
  basePort: intEnv('SIEGE_BASE_PORT', 4600),
  connections: intEnv('SIEGE_CONNECTIONS', 50),
  durationS: intEnv('SIEGE_DURATION_S', 30),
  customers: Math.max(50, intEnv('SIEGE_CONNECTIONS', 50)),
  licensedCopies: 5000,
  paymentLatencyMs: intEnv('SIEGE_PAYMENT_LATENCY_MS', 3000),
  /** autocannon: a request without an answer after this many seconds counts as a timeout (hung). */
  requestTimeoutS: 30,
  openCalls: intEnv('SIEGE_OPEN_CALLS', 500),
  openConnections: 10,
  recoveryPollMs: 200,
  compensationWaitMs: 30_000,
} as const;
/** Wait after the siege for in-flight sagas (≥ bulkhead queue wait + timeout × attempts + back-off). */
const DRAIN_MS = 12_000;
/** Sequential calls measured in one open window (≈ 15–20 ms each must fit in < 8 s). */
const SEQUENTIAL_OPEN_CALLS = 200;

// ---------------------------------------------------------------------------------------------
// GraphQL bodies and answer classification

const RENT = 'mutation Rent($bookId: ID!) { rentBook(bookId: $bookId) { id status } }';
const RETURN = 'mutation Ret($rentalId: ID!) { returnBook(rentalId: $rentalId) { id status } }';
const rentBody = (bookId: string) => JSON.stringify({ query: RENT, variables: { bookId } });
const returnBody = (rentalId: string) => JSON.stringify({ query: RETURN, variables: { rentalId } });

type Outcome = 'success' | 'PAYMENT_UNAVAILABLE' | 'ALREADY_RENTED' | 'other';
const OUTCOMES: Outcome[] = ['success', 'PAYMENT_UNAVAILABLE', 'ALREADY_RENTED', 'other'];

interface Answer {
  outcome: Outcome;
  /** `errors[0].extensions.code`, `OK`, or `HTTP <status>` when the body is not GraphQL JSON. */
  code: string;
  retryAfter: number | null;
  rentalId: string | null;
}

/** Classifies a rentBook / returnBook answer by `errors[0].extensions.code`. */
function classify(status: number, text: string, field: 'rentBook' | 'returnBook'): Answer {
  let body: { data?: Record<string, { id?: string } | null> | null; errors?: { extensions?: { code?: string; retryAfter?: number } }[] };
  try {
    body = JSON.parse(text);
  } catch {
    return { outcome: 'other', code: `HTTP ${status} (not JSON)`, retryAfter: null, rentalId: null };
  }
  const id = body.data?.[field]?.id;
  if (id && !body.errors?.length) return { outcome: 'success', code: 'OK', retryAfter: null, rentalId: id };
  const ext = body.errors?.[0]?.extensions;
  const code = ext?.code ?? `HTTP ${status}`;
  const outcome: Outcome = code === 'PAYMENT_UNAVAILABLE' || code === 'ALREADY_RENTED' ? code : 'other';
  return { outcome, code, retryAfter: typeof ext?.retryAfter === 'number' ? ext.retryAfter : null, rentalId: null };
}

/** One POST /graphql through the gateway (phases 2 and 3), timed. */
async function post(gatewayUrl: string, token: string, body: string, field: 'rentBook' | 'returnBook'): Promise<Answer & { status: number; ms: number }> {
  const t0 = performance.now();
  const res = await fetch(`${gatewayUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body,
    signal: AbortSignal.timeout(CONFIG.requestTimeoutS * 1000),
  });
  const text = await res.text();
  const ms = performance.now() - t0;
  return { ...classify(res.status, text, field), status: res.status, ms };
}

// ---------------------------------------------------------------------------------------------
// Small helpers: stats, tables, waiting, the breaker, the rental database

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

interface Latency {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

function latencyOf(samples: number[]): Latency {
  const s = [...samples].sort((a, b) => a - b);
  const at = (p: number) => (s.length ? s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]! : 0);
  const mean = s.length ? s.reduce((a, b) => a + b, 0) / s.length : 0;
  return { count: s.length, p50: round(at(50)), p90: round(at(90)), p99: round(at(99)), max: round(at(100)), mean: round(mean) };
}

function table(headers: string[], rows: (string | number | boolean | null)[][]): string {
  const line = (cells: (string | number | boolean | null)[]) => `| ${cells.map((c) => String(c ?? '—')).join(' | ')} |`;
  return [line(headers), `|${headers.map(() => '---').join('|')}|`, ...rows.map(line)].join('\n');
}

function print(title: string, body: string): void {
  console.log(`\n### ${title}\n\n${body}\n`);
}

/** Values of `payment_circuit_breaker_state` (isolated shows as open). */
const CIRCUIT_NAMES = ['closed', 'half-open', 'open'];

/** The breaker as rental shows it: readiness detail (`circuit <state>`) and the `payment_circuit_breaker_state` gauge. */
async function circuit(stack: ProcessStack): Promise<{ ready: string; gauge: string }> {
  let ready = 'unreachable';
  try {
    const res = await fetch(`${stack.url('rental')}/health/ready`, { signal: AbortSignal.timeout(3000) });
    const body = (await res.json()) as { checks?: Record<string, string> };
    ready = (body.checks?.paymentCircuit ?? '?').replace(/^circuit /, '');
  } catch {
    // reported as unreachable
  }
  let gauge = 'unreachable';
  try {
    const n = await stack.metric('rental', 'payment_circuit_breaker_state');
    gauge = `${n} (${CIRCUIT_NAMES[n] ?? '?'})`;
  } catch {
    // reported as unreachable
  }
  return { ready, gauge };
}

/** Rental rows of the bench's book, by status. */
async function rentalRows(bookId: string): Promise<Record<string, number>> {
  const rows = await sql<{ status: string; n: string }>('RENTAL_DATABASE_URL', `SELECT status, count(*) AS n FROM rental WHERE "bookId" = $1 GROUP BY status`, [bookId]);
  return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
}
const totalOf = (byStatus: Record<string, number>) => Object.values(byStatus).reduce((a, b) => a + b, 0);

/** Runs `fn` on every item, at most `limit` at a time. */
async function inBatches<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += limit) out.push(...(await Promise.all(items.slice(i, i + limit).map(fn))));
  return out;
}

// ---------------------------------------------------------------------------------------------
// Set-up

/**
 * Registers the bench's book as the manager and waits until rental's replica knows it.
 * (Actors.book does the same but waits with vitest's `vi.waitFor`, which only works inside
 * the vitest runner.)
 */
async function registerBook(actors: Actors, copies: number): Promise<string> {
  const { registerBook } = await actors.api.run(
    gql`
      mutation B($input: RegisterBookInput!) {
        registerBook(input: $input) {
          id
        }
      }
    `,
    { input: { title: `Siege ${Date.now()}`, author: 'Siege Bench', publishedYear: 1911, rentalFee: 1000, licensedCopies: copies } },
    await actors.manager(),
  );
  const deadline = Date.now() + 90_000;
  for (;;) {
    const { book } = await actors.api.run(
      gql`
        query A($id: ID!) {
          book(id: $id) {
            availableCopies
          }
        }
      `,
      { id: registerBook.id },
    );
    if (book?.availableCopies === copies) return registerBook.id as string;
    if (Date.now() > deadline) throw new Error(`rental's replica did not learn book ${registerBook.id} within 90 s (BookRegistered not consumed)`);
    await sleep(250);
  }
}

/** Returns every RENTED rental of the book (so each customer is free to rent it again). */
async function returnOutstanding(actors: Actors, bookId: string, byId: Map<string, Customer>): Promise<number> {
  const rented = await sql<{ id: string; customerId: string }>('RENTAL_DATABASE_URL', `SELECT id, "customerId" FROM rental WHERE "bookId" = $1 AND status = 'RENTED'`, [bookId]);
  for (const r of rented) {
    const c = byId.get(r.customerId);
    try {
      if (c) await actors.return(c, r.id);
    } catch (err) {
      // A returnBook the siege left in flight may have returned it meanwhile.
      if (!String((err as Error).message).includes('INVALID_RENTAL_STATE')) throw err;
    }
  }
  return rented.length;
}

// ---------------------------------------------------------------------------------------------
// Phase 1: the siege

interface PoolEntry {
  c: Customer;
  /** Set after a successful rent: this customer's next request returns the book. */
  rentalToReturn: string | null;
}

async function siege(stack: ProcessStack, bookId: string, customers: Customer[]) {
  // Each in-flight request holds one customer from the pool; the answer gives it back. autocannon
  // resets the per-connection context after every request, so the customer travels in the
  // context of one request only (setupRequest → onResponse of that same request).
  const idle: PoolEntry[] = customers.map((c) => ({ c, rentalToReturn: null }));
  let fallbackPicks = 0;
  let nextFallback = 0;
  const outcomes: Record<Outcome, number> = { success: 0, PAYMENT_UNAVAILABLE: 0, ALREADY_RENTED: 0, other: 0 };
  const otherCodes: Record<string, number> = {};
  let unavailableWithRetryAfter = 0;
  const returns = { ok: 0, failed: 0 };
  const rentMs: number[] = [];
  const returnMs: number[] = [];
  let lastKind: 'rent' | 'return' = 'rent';

  // The breaker, sampled every second while the siege runs.
  const timeline: { t: number; state: string }[] = [];
  const t0 = Date.now();
  const sampler = setInterval(() => {
    void circuit(stack).then((s) => timeline.push({ t: Math.round((Date.now() - t0) / 1000), state: s.ready }));
  }, 1000);

  const instance = autocannon({
    url: `${stack.gatewayUrl}/graphql`,
    connections: CONFIG.connections,
    duration: CONFIG.durationS,
    timeout: CONFIG.requestTimeoutS,
    requests: [
      {
        method: 'POST',
        path: '/graphql',
        setupRequest: (req, context) => {
          let entry = idle.shift();
          if (!entry) {
            // Only after a timeout (its customer is never given back): reuse one round-robin.
            fallbackPicks += 1;
            entry = { c: customers[nextFallback++ % customers.length]!, rentalToReturn: null };
          }
          context.entry = entry;
          context.kind = entry.rentalToReturn ? 'return' : 'rent';
          return {
            ...req,
            headers: { 'content-type': 'application/json', authorization: `Bearer ${entry.c.token}` },
            body: entry.rentalToReturn ? returnBody(entry.rentalToReturn) : rentBody(bookId),
          };
        },
        onResponse: (status, body, context) => {
          const entry = context.entry as PoolEntry;
          const kind = context.kind as 'rent' | 'return';
          lastKind = kind;
          if (kind === 'return') {
            const a = classify(status, body, 'returnBook');
            if (a.outcome === 'success') returns.ok += 1;
            else returns.failed += 1;
            entry.rentalToReturn = null;
          } else {
            const a = classify(status, body, 'rentBook');
            outcomes[a.outcome] += 1;
            if (a.outcome === 'other') otherCodes[a.code] = (otherCodes[a.code] ?? 0) + 1;
            if (a.outcome === 'PAYMENT_UNAVAILABLE' && a.retryAfter !== null) unavailableWithRetryAfter += 1;
            if (a.rentalId) entry.rentalToReturn = a.rentalId;
          }
          idle.push(entry);
        },
      },
    ],
  });
  // autocannon emits `response` right after onResponse of the same request: file its latency by kind.
  instance.on('response', (_client: unknown, _status: number, _bytes: number, ms: number) => {
    (lastKind === 'rent' ? rentMs : returnMs).push(ms);
  });
  const result = await instance;
  clearInterval(sampler);

  const endState = await circuit(stack);
  const rentCount = OUTCOMES.reduce((n, o) => n + outcomes[o], 0);
  const answered = rentCount + returns.ok + returns.failed;
  return {
    durationS: result.duration,
    connections: CONFIG.connections,
    requests: { rentBook: rentCount, returnBook: returns.ok + returns.failed, answered, sentByAutocannon: result.requests.sent ?? null },
    reqPerSec: round(answered / result.duration),
    rentLatencyMs: latencyOf(rentMs),
    returnLatencyMs: latencyOf(returnMs),
    autocannonLatencyMs: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, max: result.latency.max },
    statusCodes: Object.fromEntries(Object.entries(result.statusCodeStats).map(([k, v]) => [k, v.count])),
    http5xx: result['5xx'],
    timeouts: result.timeouts,
    connectionErrors: result.errors - result.timeouts,
    outcomes,
    otherCodes,
    unavailableWithRetryAfter,
    returns,
    everyRequestSuccessOrUnavailable: outcomes.ALREADY_RENTED === 0 && outcomes.other === 0 && result.timeouts === 0 && result.errors === 0 && result['5xx'] === 0,
    customerPoolFallbacks: fallbackPicks,
    breakerTimeline: compressTimeline(timeline),
    breakerAtEnd: endState,
  };
}

/** `[{t, state}]` sampled each second → runs like `0–2 s closed`, `3–12 s open`. */
function compressTimeline(samples: { t: number; state: string }[]): string[] {
  const sorted = [...samples].sort((a, b) => a.t - b.t);
  const runs: { from: number; to: number; state: string }[] = [];
  for (const s of sorted) {
    const last = runs.at(-1);
    if (last && last.state === s.state) last.to = s.t;
    else runs.push({ from: s.t, to: s.t, state: s.state });
  }
  return runs.map((r) => `${r.from}–${r.to} s ${r.state}`);
}

// ---------------------------------------------------------------------------------------------
// Phase 2: payment down, breaker open

/** Sequential rentBook calls (payment down) until one fails fast on a freshly opened circuit. */
async function waitForFreshOpenWindow(stack: ProcessStack, bookId: string, nextCustomer: () => Customer) {
  // Fresh: no row written, circuit open, retryAfter close to the full open window — enough
  // time left to run the measured calls inside one window (a half-open probe in the middle
  // would let calls through to the saga and write rows).
  const freshWindowS = Math.ceil(DEFAULT_PAYMENT_POLICY.halfOpenAfterMs / 1000) - 2;
  const t0 = Date.now();
  const calls: { i: number; code: string; retryAfter: number | null; ms: number; rowsWritten: number; circuit: string }[] = [];
  while (Date.now() - t0 < 60_000) {
    const before = totalOf(await rentalRows(bookId));
    const a = await post(stack.gatewayUrl, nextCustomer().token, rentBody(bookId), 'rentBook');
    const rowsWritten = totalOf(await rentalRows(bookId)) - before;
    const state = (await circuit(stack)).ready;
    calls.push({ i: calls.length + 1, code: a.code, retryAfter: a.retryAfter, ms: round(a.ms), rowsWritten, circuit: state });
    if (a.code === 'PAYMENT_UNAVAILABLE' && a.retryAfter !== null && rowsWritten === 0 && state === 'open' && a.retryAfter >= freshWindowS) {
      return { calls, ms: Date.now() - t0 };
    }
    await sleep(100);
  }
  throw new Error(`no fresh open window within 60 s: ${JSON.stringify(calls.slice(-5))}`);
}

/** `amount` failing rentBook calls at `baseUrl` (the gateway or rental itself) with autocannon. */
async function failingCalls(
  stack: ProcessStack,
  baseUrl: string,
  bookId: string,
  nextCustomer: () => Customer,
  connections: number = CONFIG.openConnections,
  amount: number = CONFIG.openCalls,
) {
  const rowsBefore = await rentalRows(bookId);
  const codes: Record<string, number> = {};
  const retryAfters: number[] = [];
  const ms: number[] = [];
  const t0 = Date.now();
  const instance = autocannon({
    url: `${baseUrl}/graphql`,
    connections,
    amount,
    timeout: CONFIG.requestTimeoutS,
    requests: [
      {
        method: 'POST',
        path: '/graphql',
        setupRequest: (req) => ({
          ...req,
          headers: { 'content-type': 'application/json', authorization: `Bearer ${nextCustomer().token}` },
          body: rentBody(bookId),
        }),
        onResponse: (status, body) => {
          const a = classify(status, body, 'rentBook');
          codes[a.code] = (codes[a.code] ?? 0) + 1;
          if (a.retryAfter !== null) retryAfters.push(a.retryAfter);
        },
      },
    ],
  });
  instance.on('response', (_client: unknown, _status: number, _bytes: number, t: number) => ms.push(t));
  const result = await instance;
  const durationMs = Date.now() - t0;
  const rowsAfter = await rentalRows(bookId);
  const latencyMs = latencyOf(ms);
  return {
    calls: amount,
    connections,
    durationMs,
    latencyMs,
    p99Under50ms: latencyMs.p99 < 50,
    codes,
    retryAfterRange: retryAfters.length ? [Math.min(...retryAfters), Math.max(...retryAfters)] : null,
    statusCodes: Object.fromEntries(Object.entries(result.statusCodeStats).map(([k, v]) => [k, v.count])),
    timeouts: result.timeouts,
    rentalRowsWritten: totalOf(rowsAfter) - totalOf(rowsBefore),
    circuitAfter: await circuit(stack),
  };
}

async function breakerOpen(stack: ProcessStack, bookId: string, customers: Customer[]) {
  await stack.stop('payment');
  let turn = 0;
  const nextCustomer = () => customers[turn++ % customers.length]!;
  const opening = await waitForFreshOpenWindow(stack, bookId, nextCustomer);
  const viaGateway = await failingCalls(stack, stack.gatewayUrl, bookId, nextCustomer);
  // The same calls straight at rental's /graphql (it verifies the token itself), in the next
  // fresh window: separates rental's fail-fast path from the gateway's share of the latency.
  const reopening = await waitForFreshOpenWindow(stack, bookId, nextCustomer);
  const directToRental = await failingCalls(stack, stack.url('rental'), bookId, nextCustomer);
  // And through the gateway one call at a time: latency without client-side concurrency.
  await waitForFreshOpenWindow(stack, bookId, nextCustomer);
  const viaGatewaySequential = await failingCalls(stack, stack.gatewayUrl, bookId, nextCustomer, 1, SEQUENTIAL_OPEN_CALLS);
  return {
    msFromPaymentStopToFreshOpen: opening.ms,
    sequentialCalls: opening.calls,
    callsThatReachedTheSaga: opening.calls.filter((c) => c.rowsWritten > 0).length,
    viaGateway,
    callsUntilNextFreshWindow: reopening.calls.length,
    directToRental,
    viaGatewaySequential,
    loadAverage: os.loadavg().map((n) => round(n, 2)),
  };
}

// ---------------------------------------------------------------------------------------------
// Phase 3: payment back, the breaker half-opens and closes without restarting rental

async function recovery(stack: ProcessStack, actors: Actors, bookId: string, customers: Customer[]) {
  const tStart = Date.now();
  await stack.start('payment', { env: { PAYMENT_SIM_LATENCY_MS: '0' } });
  const tReady = Date.now();
  const stateAtRestart = await circuit(stack);
  let turn = 0;
  const attempts: { atMs: number; code: string; retryAfter: number | null }[] = [];
  let firstSuccessMs: number | null = null;
  while (Date.now() - tReady < 30_000) {
    const c = customers[turn++ % customers.length]!;
    const a = await post(stack.gatewayUrl, c.token, rentBody(bookId), 'rentBook');
    attempts.push({ atMs: Date.now() - tReady, code: a.code, retryAfter: a.retryAfter });
    if (a.outcome === 'success') {
      firstSuccessMs = Date.now() - tReady;
      await actors.return(c, a.rentalId!);
      break;
    }
    await sleep(CONFIG.recoveryPollMs);
  }
  const stateAfterFirst = await circuit(stack);

  // Ten more rentals, one customer each, once closed.
  const after: { code: string; ms: number }[] = [];
  if (firstSuccessMs !== null) {
    for (let i = 0; i < 10; i++) {
      const c = customers[turn++ % customers.length]!;
      const a = await post(stack.gatewayUrl, c.token, rentBody(bookId), 'rentBook');
      after.push({ code: a.code, ms: round(a.ms) });
      if (a.rentalId) await actors.return(c, a.rentalId);
    }
  }
  const codesBefore: Record<string, number> = {};
  for (const a of attempts) codesBefore[a.code] = (codesBefore[a.code] ?? 0) + 1;
  return {
    paymentRestartMs: tReady - tStart,
    circuitAtPaymentReady: stateAtRestart,
    msFromPaymentReadyToFirstSuccess: firstSuccessMs,
    attemptsUntilFirstSuccess: attempts.length,
    answersUntilFirstSuccess: codesBefore,
    circuitAfterFirstSuccess: stateAfterFirst,
    followUpRentals: { ok: after.filter((a) => a.code === 'OK').length, of: after.length, latencyMs: latencyOf(after.map((a) => a.ms)), codes: after.map((a) => a.code) },
  };
}

// ---------------------------------------------------------------------------------------------
// Ledger: payment DB vs rental DB, for this run's book and customers

async function ledgerOnce(bookId: string, customerIds: string[]) {
  const rentals = await sql<{ id: string; status: string }>('RENTAL_DATABASE_URL', `SELECT id, status FROM rental WHERE "bookId" = $1`, [bookId]);
  const payments = await sql<{ rentalId: string; status: string }>(
    'PAYMENT_DATABASE_URL',
    `SELECT "rentalId", status FROM payment WHERE "rentalId" = ANY($1::uuid[]) OR "customerId" = ANY($2::uuid[])`,
    [rentals.map((r) => r.id), customerIds],
  );
  const rentalStatus = new Map(rentals.map((r) => [r.id, r.status]));
  const paymentStatus = new Map(payments.map((p) => [p.rentalId, p.status]));
  const paid = new Set(['RENTED', 'CANCELED', 'RETURNED']);
  const count = <T>(xs: T[], key: (x: T) => string) => xs.reduce<Record<string, number>>((acc, x) => ({ ...acc, [key(x)]: (acc[key(x)] ?? 0) + 1 }), {});
  return {
    approvedWithoutRental: payments.filter((p) => p.status === 'APPROVED' && !paid.has(rentalStatus.get(p.rentalId) ?? 'MISSING')).length,
    rentedWithoutApprovedPayment: rentals.filter((r) => (r.status === 'RENTED' || r.status === 'RETURNED') && paymentStatus.get(r.id) !== 'APPROVED').length,
    pendingPayment: rentals.filter((r) => r.status === 'PENDING_PAYMENT').length,
    rentalsByStatus: count(rentals, (r) => r.status),
    paymentsByStatus: count(payments, (p) => p.status),
  };
}

async function ledgerCheck(bookId: string, customerIds: string[]) {
  const t0 = Date.now();
  let l = await ledgerOnce(bookId, customerIds);
  const initiallyApprovedWithoutRental = l.approvedWithoutRental;
  while ((l.approvedWithoutRental > 0 || l.pendingPayment > 0) && Date.now() - t0 < CONFIG.compensationWaitMs) {
    await sleep(1000);
    l = await ledgerOnce(bookId, customerIds);
  }
  return { ...l, initiallyApprovedWithoutRental, waitedMs: Date.now() - t0 };
}

// ---------------------------------------------------------------------------------------------
// Report

function report(r: RunResult): void {
  const s = r.siege;
  print(
    `Phase 1 — siege: ${s.connections} connections × ${s.durationS} s, payment latency ${r.config.paymentLatencyMs} ms`,
    [
      table(
        ['requests (rentBook + returnBook)', 'req/s', 'rentBook p50', 'p90', 'p99', 'max', 'HTTP status', '5xx', 'timeouts (≥ 30 s)', 'conn. errors'],
        [
          [
            `${s.requests.answered} (${s.requests.rentBook} + ${s.requests.returnBook})`,
            s.reqPerSec,
            `${s.rentLatencyMs.p50} ms`,
            `${s.rentLatencyMs.p90} ms`,
            `${s.rentLatencyMs.p99} ms`,
            `${s.rentLatencyMs.max} ms`,
            Object.entries(s.statusCodes)
              .map(([k, v]) => `${k}: ${v}`)
              .join(', '),
            s.http5xx,
            s.timeouts,
            s.connectionErrors,
          ],
        ],
      ),
      '',
      table(
        ['success', 'PAYMENT_UNAVAILABLE (with retryAfter)', 'ALREADY_RENTED', 'other', 'every request success or PAYMENT_UNAVAILABLE'],
        [
          [
            s.outcomes.success,
            `${s.outcomes.PAYMENT_UNAVAILABLE} (${s.unavailableWithRetryAfter})`,
            s.outcomes.ALREADY_RENTED,
            s.outcomes.other ? `${s.outcomes.other} ${JSON.stringify(s.otherCodes)}` : 0,
            s.everyRequestSuccessOrUnavailable ? 'yes' : 'NO',
          ],
        ],
      ),
      '',
      table(
        [
          'breaker at end (/health/ready)',
          'payment_circuit_breaker_state',
          'breaker timeline (sampled 1/s)',
          `rental rows written (by status, ${DRAIN_MS / 1000} s after)`,
          'customers blocked by a stuck PENDING_PAYMENT',
        ],
        [
          [
            s.breakerAtEnd.ready,
            s.breakerAtEnd.gauge,
            s.breakerTimeline.join(', '),
            Object.entries(r.siegeRows)
              .map(([k, v]) => `${k}: ${v}`)
              .join(', '),
            r.customersBlockedAfterSiege,
          ],
        ],
      ),
    ].join('\n'),
  );

  const b = r.breakerOpen;
  const row = (where: string, m: typeof b.viaGateway) => [
    where,
    m.calls,
    m.connections,
    `${m.durationMs} ms`,
    `${m.latencyMs.p50} ms`,
    `${m.latencyMs.p90} ms`,
    `${m.latencyMs.p99} ms`,
    `${m.latencyMs.max} ms`,
    m.p99Under50ms ? 'yes' : 'no',
    Object.entries(m.codes)
      .map(([k, v]) => `${k}: ${v}`)
      .join(', '),
    m.rentalRowsWritten,
    m.circuitAfter.ready,
  ];
  print(
    'Phase 2 — payment down, breaker open',
    [
      table(
        ['calls until a fresh open window', 'of which reached the saga (row written)', 'payment stop → open', 'retryAfter of the opening call'],
        [[b.sequentialCalls.length, b.callsThatReachedTheSaga, `${b.msFromPaymentStopToFreshOpen} ms`, `${b.sequentialCalls.at(-1)?.retryAfter} s`]],
      ),
      '',
      table(
        ['failing rentBook calls', 'n', 'connections', 'took', 'p50', 'p90', 'p99', 'max', 'p99 < 50 ms', 'answers', 'rental rows written', 'circuit after'],
        [row('through the gateway', b.viaGateway), row('straight to rental (diagnostic)', b.directToRental), row('through the gateway, one at a time', b.viaGatewaySequential)],
      ),
      '',
      `load average (1/5/15 min) after phase 2: ${b.loadAverage.join(' / ')} on ${r.machine.cpus} CPUs`,
    ].join('\n'),
  );

  const v = r.recovery;
  print(
    'Phase 3 — recovery (payment restarted with latency 0, rental not restarted)',
    table(
      ['payment restart', 'circuit at payment ready', 'payment ready → first success', 'attempts (1 per 200 ms)', 'circuit after', 'next 10 rentals ok', 'their p50 / max'],
      [
        [
          `${v.paymentRestartMs} ms`,
          v.circuitAtPaymentReady.ready,
          v.msFromPaymentReadyToFirstSuccess === null ? 'none within 30 s' : `${v.msFromPaymentReadyToFirstSuccess} ms`,
          v.attemptsUntilFirstSuccess,
          v.circuitAfterFirstSuccess.ready,
          `${v.followUpRentals.ok}/${v.followUpRentals.of}`,
          `${v.followUpRentals.latencyMs.p50} / ${v.followUpRentals.latencyMs.max} ms`,
        ],
      ],
    ),
  );

  const l = r.ledger;
  print(
    'Ledger (payment DB vs rental DB, this run only)',
    table(
      [
        'APPROVED payment, rental not RENTED/CANCELED/RETURNED',
        'RENTED/RETURNED rental without APPROVED payment',
        'still PENDING_PAYMENT',
        'before compensation settled',
        'waited',
        'rentals',
        'payments',
      ],
      [
        [
          l.approvedWithoutRental,
          l.rentedWithoutApprovedPayment,
          l.pendingPayment,
          l.initiallyApprovedWithoutRental,
          `${l.waitedMs} ms`,
          JSON.stringify(l.rentalsByStatus),
          JSON.stringify(l.paymentsByStatus),
        ],
      ],
    ),
  );
}

type RunResult = {
  startedAt: string;
  machine: { cpus: number; node: string; loadAverageAtStart: number[] };
  config: typeof CONFIG & { paymentPolicy: typeof DEFAULT_PAYMENT_POLICY; gatewayRateLimits: string };
  setupMs: number;
  siege: Awaited<ReturnType<typeof siege>>;
  siegeRows: Record<string, number>;
  customersBlockedAfterSiege: number;
  breakerOpen: Awaited<ReturnType<typeof breakerOpen>>;
  recovery: Awaited<ReturnType<typeof recovery>>;
  ledger: Awaited<ReturnType<typeof ledgerCheck>>;
};

// ---------------------------------------------------------------------------------------------

async function main(): Promise<number> {
  process.env.FAULT_LOG_LEVEL ??= 'warn';
  const startedAt = new Date();
  const stack = await ProcessStack.create({
    basePort: CONFIG.basePort,
    env: {
      payment: { PAYMENT_SIM_LATENCY_MS: String(CONFIG.paymentLatencyMs) },
      gateway: { GATEWAY_RATE_LIMIT_PER_IP: '0', GATEWAY_RATE_LIMIT_PER_USER: '0' },
    },
  });
  let cleaned: Promise<void> | undefined;
  const cleanup = () =>
    (cleaned ??= (async () => {
      await stack.stopAll().catch((err: Error) => console.error('stopAll failed:', err.message));
      await closeLedger().catch((err: Error) => console.error('closeLedger failed:', err.message));
    })());
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      console.error(`\n${signal}: stopping the stack…`);
      void cleanup().finally(() => process.exit(130));
    });
  }

  try {
    const t0 = Date.now();
    const loadAverageAtStart = os.loadavg().map((n) => round(n, 2));
    console.log(`Starting the stack (gateway ${stack.gatewayUrl}, payment latency ${CONFIG.paymentLatencyMs} ms)…`);
    await stack.startAll();
    const actors = new Actors(stack.gatewayUrl);
    const bookId = await registerBook(actors, CONFIG.licensedCopies);
    const customers = await inBatches(Array.from({ length: CONFIG.customers }), 5, () => actors.customer());
    const byId = new Map(customers.map((c) => [c.id, c]));
    const setupMs = Date.now() - t0;
    console.log(`Set up in ${setupMs} ms: book ${bookId} (${CONFIG.licensedCopies} copies), ${customers.length} customers.`);

    console.log(`Phase 1: siege, ${CONFIG.connections} connections for ${CONFIG.durationS} s…`);
    const s = await siege(stack, bookId, customers);
    // Let the sagas of requests still in flight when the siege stopped finish (the longest:
    // bulkhead queue + timeout × 2 attempts + back-off ≈ 8.1 s) before counting rows.
    const drainUntil = Date.now() + DRAIN_MS;
    await sleep(2000); // in-flight returnBook calls too
    while ((await rentalRows(bookId)).PENDING_PAYMENT && Date.now() < drainUntil) await sleep(250);
    const siegeRows = await rentalRows(bookId);
    await returnOutstanding(actors, bookId, byId);
    // A rental still PENDING_PAYMENT now is stuck (its saga died) until the sweeper; its
    // customer would get ALREADY_RENTED, so phases 2 and 3 leave such customers out.
    const blocked = new Set(
      (await sql<{ customerId: string }>('RENTAL_DATABASE_URL', `SELECT DISTINCT "customerId" FROM rental WHERE "bookId" = $1 AND "activeKey" IS NOT NULL`, [bookId])).map(
        (r) => r.customerId,
      ),
    );
    const free = customers.filter((c) => !blocked.has(c.id));
    if (free.length === 0) throw new Error('every customer is blocked by a stuck PENDING_PAYMENT rental');

    console.log('Phase 2: payment down, waiting for the circuit to open…');
    const b = await breakerOpen(stack, bookId, free);

    console.log('Phase 3: payment back…');
    const v = await recovery(stack, actors, bookId, free);
    await returnOutstanding(actors, bookId, byId);

    console.log(`Ledger: waiting ≤ ${CONFIG.compensationWaitMs / 1000} s for compensation…`);
    const l = await ledgerCheck(
      bookId,
      customers.map((c) => c.id),
    );

    const result: RunResult = {
      startedAt: startedAt.toISOString(),
      machine: { cpus: os.cpus().length, node: process.version, loadAverageAtStart },
      config: { ...CONFIG, paymentPolicy: DEFAULT_PAYMENT_POLICY, gatewayRateLimits: 'off (GATEWAY_RATE_LIMIT_PER_IP=0, GATEWAY_RATE_LIMIT_PER_USER=0)' },
      setupMs,
      siege: s,
      siegeRows,
      customersBlockedAfterSiege: blocked.size,
      breakerOpen: b,
      recovery: v,
      ledger: l,
    };
    report(result);
    mkdirSync(path.join(here, 'results'), { recursive: true });
    const file = path.join(
      here,
      'results',
      `siege-${startedAt
        .toISOString()
        .replace(/:/g, '-')
        .replace(/\.\d+Z$/, 'Z')}.json`,
    );
    writeFileSync(file, JSON.stringify(result, null, 2) + '\n');
    console.log(`Numbers written to ${path.relative(process.cwd(), file)}`);
    return 0;
  } catch (err) {
    console.error('siege failed:', err);
    return 1;
  } finally {
    await cleanup();
  }
}

process.exit(await main());
