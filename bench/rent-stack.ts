/**
 * The production-mode rent benchmarks' shared parts (bench/rent-at-scale.ts, bench/scale-out.ts):
 * CPU time from `/proc`, a closed-loop load driver, GraphQL over fetch, seeding books and customers
 * through the gateway, renting never-rented (customer, book) pairs, projection lag, and the
 * Markdown report's tables and machine header.
 */
import { execSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { register } from 'node:module';
import os from 'node:os';
import { randomUUID } from 'node:crypto';
import type { ProcessStack, ServiceName } from '../test/fault/process-stack';
import { CONTEXTS, databaseUrlEnv } from '../contexts';
import type { Customer } from '../test/fault/actors';
import { sql } from '../test/fault/ledger';

// The fault harness's Actors use Apollo Client: point `@apollo/client/core` at its ESM build first.
register('./apollo-esm-hook.mjs', import.meta.url);
const { Actors } = await import('../test/fault/actors');

/** Every process of the product: the gateway and each context of the registry. */
export const SERVICES: ServiceName[] = ['gateway', ...CONTEXTS];
/** The most replicas of one service a benchmark starts (ProcessStack ports: replica r on + 10·(r−1)). */
export const MAX_REPLICAS = 3;

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
export const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

/** The `p`-th percentile (0..100) of `samples` (nearest rank), 0 when empty. */
export function percentile(samples: number[], p: number): number {
  const s = [...samples].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]! : 0;
}
export const median = (xs: number[]) => percentile(xs, 50);

// ---------------------------------------------------------------------------------------------
// CPU time from /proc

const CLK_TCK = Number(execSync('getconf CLK_TCK').toString().trim()) || 100;

/** CPU time (user + system) of a process so far, ms; 0 when it is gone. */
export function cpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
  } catch {
    return 0;
  }
}

/** Pids whose command line matches `test`. */
function pidsWhere(test: (cmdline: string, comm: string) => boolean): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ');
      const comm = readFileSync(`/proc/${entry}/comm`, 'utf8').trim();
      if (test(cmdline, comm)) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

/** This stack's databases (the path of each context's `<CONTEXT>_DATABASE_URL`). */
const DATABASES = new Set(CONTEXTS.map((c) => new URL(process.env[databaseUrlEnv(c)] ?? 'postgresql://x/none').pathname.slice(1)));
/** This stack's broker: the one started by scripts/kafka/kafka.sh with its files in `KAFKA_DATA_DIR`. */
const KAFKA_PROPERTIES = `${process.env.KAFKA_DATA_DIR ?? `/tmp/ebook-rental-kafka-${process.env.KAFKA_PORT ?? '19092'}`}/server.properties`;

/**
 * CPU-ms so far of every process that serves a rent, by name: each running service replica
 * (replica 1 as `<service>`, others as `<service>#<r>`), `extra` (name → pid, e.g. a load
 * balancer), this client, and — as `pg:<pid>` / `kafka:<pid>`, summed by {@link cpuDelta} — the
 * PostgreSQL backends connected to this stack's databases and this stack's Kafka broker. Other
 * databases' backends, PostgreSQL's shared background processes and other brokers on the same
 * machine are left out: on a shared machine they are someone else's load.
 */
export function cpuSnapshot(stack: ProcessStack, extra: Record<string, number> = {}): Record<string, number> {
  const snap: Record<string, number> = {};
  for (const s of SERVICES) {
    snap[s] = cpuMs(stack.pid(s) ?? -1);
    for (let r = 2; r <= MAX_REPLICAS; r++) if (stack.isRunning(s, r)) snap[`${s}#${r}`] = cpuMs(stack.pid(s, r)!);
  }
  for (const [name, pid] of Object.entries(extra)) snap[name] = cpuMs(pid);
  // a backend's title: "postgres: <cluster>: <user> <database> <host>(<port>) <state>"
  for (const pid of pidsWhere((cmd, comm) => comm === 'postgres' && cmd.split(' ').some((word) => DATABASES.has(word)))) snap[`pg:${pid}`] = cpuMs(pid);
  for (const pid of pidsWhere((cmd) => cmd.includes('kafka.Kafka') && cmd.includes(KAFKA_PROPERTIES))) snap[`kafka:${pid}`] = cpuMs(pid);
  const self = process.cpuUsage();
  snap['bench client'] = (self.user + self.system) / 1000;
  return snap;
}

/**
 * `after − before` per name (a name missing before counts from 0; one gone by `after`, e.g. a
 * closed PostgreSQL connection, is left out), with the `pg:<pid>` and `kafka:<pid>` entries of
 * {@link cpuSnapshot} summed as `postgresql` and `kafka`.
 */
export function cpuDelta(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  const delta: Record<string, number> = {};
  for (const [k, v] of Object.entries(after)) {
    const name = k.startsWith('pg:') ? 'postgresql' : k.startsWith('kafka:') ? 'kafka' : k;
    delta[name] = (delta[name] ?? 0) + v - (before[k] ?? 0);
  }
  delta.postgresql ??= 0;
  delta.kafka ??= 0;
  return delta;
}

// ---------------------------------------------------------------------------------------------
// A closed-loop load driver: `concurrency` workers, each sending its next request as soon as the
// previous one is answered, for `durationMs` (or until `until()` is true).

/** One answer: `extensions.code` of its first error (or `OK`), latency ms, `data.<field>.id`. */
export interface Answer {
  code: string;
  ms: number;
  id: string | null;
}

export async function drive(concurrency: number, durationMs: number, send: () => Promise<Omit<Answer, 'ms'>>, until: () => boolean = () => false): Promise<Answer[]> {
  const answers: Answer[] = [];
  const deadline = performance.now() + durationMs;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline && !until()) {
        const t0 = performance.now();
        const a = await send().catch((err: Error) => ({ code: `client error: ${err.message}`, id: null }));
        answers.push({ ...a, ms: performance.now() - t0 });
      }
    }),
  );
  return answers;
}

/** POSTs a GraphQL request; @returns its `errors[0].extensions.code` (or `OK`) and `data.<field>.id`. */
export async function graphql(url: string, query: string, variables: Record<string, unknown>, token?: string, field?: string): Promise<Omit<Answer, 'ms'>> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const text = await res.text();
  try {
    const body = JSON.parse(text) as { data?: Record<string, { id?: string } | null>; errors?: { extensions?: { code?: string } }[] };
    if (body.errors?.length) return { code: body.errors[0]!.extensions?.code ?? `HTTP ${res.status}`, id: null };
    return { code: 'OK', id: field ? (body.data?.[field]?.id ?? null) : null };
  } catch {
    return { code: `HTTP ${res.status} (not JSON)`, id: null };
  }
}

// ---------------------------------------------------------------------------------------------
// Set-up

/** Environment of a rent-bench stack: rental without a loan cap, the gateway's rate limits off, payment instant. */
export const RENT_STACK_ENV = {
  rental: { MAX_ACTIVE_RENTALS: '1000000', LOG_LEVEL: 'warn' },
  gateway: { GATEWAY_RATE_LIMIT_PER_IP: '0', GATEWAY_RATE_LIMIT_PER_USER: '0' },
  payment: { PAYMENT_SIM_LATENCY_MS: '0' },
} satisfies Partial<Record<ServiceName, Record<string, string>>>;

/**
 * Registers `books` books of `copies` licensed copies each and `customers` signed-in customers
 * through the gateway, then waits (max 60 s) until rental's replica holds every book.
 */
export async function seed(
  stack: ProcessStack,
  { books: bookCount, customers: customerCount, copies }: { books: number; customers: number; copies: number },
): Promise<{ customers: Customer[]; books: string[] }> {
  const actors = new Actors(stack.gatewayUrl);
  const manager = await actors.manager();
  const books: string[] = [];
  for (let i = 0; i < bookCount; i += 20) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(20, bookCount - i) }, async (_, j) => {
        const a = await graphql(
          `${stack.gatewayUrl}/graphql`,
          'mutation B($input: RegisterBookInput!) { registerBook(input: $input) { id } }',
          { input: { title: `Bench ${i + j} ${randomUUID().slice(0, 6)}`, author: 'Bench', publishedYear: 1900, rentalFee: 1000, licensedCopies: copies } },
          manager,
          'registerBook',
        );
        if (!a.id) throw new Error(`registerBook failed: ${a.code}`);
        return a.id;
      }),
    );
    books.push(...batch);
  }
  const customers: Customer[] = [];
  for (let i = 0; i < customerCount; i += 10) {
    customers.push(...(await Promise.all(Array.from({ length: Math.min(10, customerCount - i) }, () => actors.customer()))));
  }
  // every book in rental's replica (BookRegistered consumed) before anything is measured
  for (let waited = 0; ; waited += 200) {
    const [row] = await sql<{ n: string }>('RENTAL_DATABASE_URL', 'SELECT count(*) AS n FROM book_replica WHERE "bookId" = ANY($1::uuid[])', [books]);
    if (Number(row!.n) === books.length) break;
    if (waited > 60_000) throw new Error('rental never saw every bench book');
    await sleep(200);
  }
  return { customers, books };
}

/** `VACUUM ANALYZE` of the tables a rent writes (the bench databases may run with autovacuum off). */
export async function vacuum(): Promise<void> {
  await sql('RENTAL_DATABASE_URL', 'VACUUM ANALYZE rental, book_replica, outbox_event, inbox_event');
  await sql('PAYMENT_DATABASE_URL', 'VACUUM ANALYZE');
  await sql('RENTAL_VIEW_DATABASE_URL', 'VACUUM ANALYZE');
}

// ---------------------------------------------------------------------------------------------
// Renting

export const RENT = 'mutation Rent($bookId: ID!) { rentBook(bookId: $bookId) { id } }';

/** The (customer, book) pairs, each rented at most once over the whole bench. */
export function pairs(customers: Customer[], books: string[]) {
  let k = 0;
  return () => {
    const c = customers[k % customers.length]!;
    const b = books[Math.floor(k / customers.length) % books.length]!;
    k += 1;
    if (k > customers.length * books.length) throw new Error('out of (customer, book) pairs: raise BENCH_CUSTOMERS or BENCH_BOOKS');
    return { c, b };
  };
}

/** One closed-loop rent level: paid rents/s, latency ms, answers by code, CPU-ms per paid rent by process. */
export interface RentLevel {
  connections: number;
  rentsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  codes: Record<string, number>;
  rentalIds: string[];
  cpuMs: Record<string, number>;
}

/**
 * rentBook at `connections` for `durationMs` (or until `paidTarget` rents are paid), each rent a
 * new pair from `next`; CPU of the processes of {@link cpuSnapshot} (and `extraPids`).
 */
export async function rentLevel(
  stack: ProcessStack,
  next: ReturnType<typeof pairs>,
  connections: number,
  durationMs: number,
  { extraPids = {}, paidTarget = Infinity }: { extraPids?: Record<string, number>; paidTarget?: number } = {},
): Promise<RentLevel> {
  const before = cpuSnapshot(stack, extraPids);
  const t0 = performance.now();
  let paid = 0;
  const answers = await drive(
    connections,
    durationMs,
    async () => {
      const { c, b } = next();
      const a = await graphql(`${stack.gatewayUrl}/graphql`, RENT, { bookId: b }, c.token, 'rentBook');
      if (a.code === 'OK') paid += 1;
      return a;
    },
    () => paid >= paidTarget,
  );
  const seconds = (performance.now() - t0) / 1000;
  const cpu = cpuDelta(before, cpuSnapshot(stack, extraPids));
  const codes: Record<string, number> = {};
  for (const a of answers) codes[a.code] = (codes[a.code] ?? 0) + 1;
  const ok = answers.filter((a) => a.code === 'OK');
  const latencies = answers.map((a) => a.ms);
  return {
    connections,
    rentsPerSec: round(ok.length / seconds),
    p50Ms: round(percentile(latencies, 50)),
    p99Ms: round(percentile(latencies, 99)),
    errors: answers.length - ok.length,
    codes,
    rentalIds: ok.map((a) => a.id!).filter(Boolean),
    cpuMs: Object.fromEntries(Object.entries(cpu).map(([k, v]) => [k, round(v / Math.max(1, ok.length), 2)])),
  };
}

/** Projection lag of `rentalIds`: BookRented's outbox commit → the view row's last write, ms (p50, p99). */
export async function projectionLag(rentalIds: string[]): Promise<{ p50Ms: number; p99Ms: number; rentals: number }> {
  if (rentalIds.length === 0) return { p50Ms: 0, p99Ms: 0, rentals: 0 };
  let view: { rentalId: string; at: Date }[] = [];
  for (let waited = 0; waited < 30_000; waited += 250) {
    view = await projectedRentals(rentalIds);
    if (view.length === rentalIds.length) break;
    await sleep(250);
  }
  const committed = await sql<{ id: string; at: Date }>(
    'RENTAL_DATABASE_URL',
    `SELECT "aggregateId" AS id, "createdAt" AS at FROM outbox_event WHERE type = 'BookRented' AND "aggregateId" = ANY($1)`,
    [rentalIds],
  );
  const commitAt = new Map(committed.map((r) => [r.id, r.at.getTime()]));
  const lags = view.flatMap((v) => (commitAt.has(v.rentalId) ? [v.at.getTime() - commitAt.get(v.rentalId)!] : []));
  return { p50Ms: round(percentile(lags, 50)), p99Ms: round(percentile(lags, 99)), rentals: lags.length };
}

/** The rental-view rows of `rentalIds` in their final state after a paid rent (RENTED, payment APPROVED), with their last write. */
export function projectedRentals(rentalIds: string[]): Promise<{ rentalId: string; at: Date }[]> {
  return sql<{ rentalId: string; at: Date }>(
    'RENTAL_VIEW_DATABASE_URL',
    `SELECT "rentalId"::text AS "rentalId", "updatedAt" AS at FROM rental_status WHERE "rentalId" = ANY($1::uuid[]) AND "paymentStatus" = 'APPROVED' AND status = 'RENTED'`,
    [rentalIds],
  );
}

// ---------------------------------------------------------------------------------------------
// Report

/** A Markdown table. */
export function table(headers: string[], rows: (string | number)[][]): string {
  const line = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;
  return [line(headers), `|${headers.map(() => '---').join('|')}|`, ...rows.map(line)].join('\n');
}

/** The machine a report was measured on: cores, model, memory (GiB), Node, PostgreSQL version and autovacuum, load averages (1/5/15 min). */
export async function machine() {
  const [pgVersion] = await sql<{ server_version: string }>('RENTAL_DATABASE_URL', 'SHOW server_version');
  const [autovacuum] = await sql<{ autovacuum: string }>('RENTAL_DATABASE_URL', 'SHOW autovacuum');
  return {
    cpus: os.cpus().length,
    model: os.cpus()[0]?.model ?? '?',
    memoryGiB: round(os.totalmem() / 2 ** 30),
    node: process.version,
    postgresql: pgVersion?.server_version,
    autovacuum: autovacuum?.autovacuum,
    loadAverageAtEnd: os.loadavg().map((n) => round(n, 2)),
  };
}
