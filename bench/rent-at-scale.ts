/**
 * `pnpm bench` — rent at scale, in production mode: every service its own process running its
 * compiled `dist/main.js` under plain node (test/fault/process-stack.ts, gateway on
 * `BENCH_BASE_PORT`, default 4900; `bench/run.sh` builds first), real PostgreSQL and Kafka (scripts/test-env.sh; `bench/run.sh` recreates the test databases and starts the broker
 * first), a healthy simulated payment (0 ms latency). Nothing is asserted: it measures, prints a
 * Markdown report and writes `bench/results/latest.json` (and a dated copy).
 *
 * Set-up: `BENCH_BOOKS` books (default 200) with 10 000 licensed copies each (the catalog's most) and
 * `BENCH_CUSTOMERS` customers (200), registered and signed in through the gateway; rental runs
 * with `MAX_ACTIVE_RENTALS=1000000` (each customer rents many books) and the gateway's rate
 * limits off (every request comes from 127.0.0.1). Every rentBook rents a (customer, book) pair
 * never rented before, so answers are successes or real refusals — never ALREADY_RENTED.
 *
 * Each of `BENCH_RUNS` runs (default 3; the report shows medians) measures:
 * - rentBook at 1, 10 and 50 connections for `BENCH_LEVEL_S` seconds each (8): paid rents/s,
 *   p50/p99 latency (ms), every answer's `extensions.code` counted;
 * - CPU-ms per paid rent at 10 connections, per process and in total, from `/proc/<pid>/stat`
 *   (services, all PostgreSQL processes, the Kafka broker, and this client);
 * - projection lag (the `BookRented` outbox row's commit → the rental-view row's last write),
 *   p50/p99 ms, for the rents of the 1-connection level (light) and the 10-connection level;
 * - the gateway at 10 connections for `BENCH_GATEWAY_S` seconds (5) per query: q1
 *   `books(first: 20)` through the gateway vs straight to book-management; q2
 *   `books(first: 20) { availableCopies }` through the gateway vs a hand-written client doing the
 *   same two hops (book-management, then rental's `_entities`); gateway CPU-ms per q2 request;
 * - the floors, on the same machine in the same run: one reserve transaction as the saga writes
 *   it (plain `pg`: book lock, customer lock, loan count, insert, copy update, outbox row), one
 *   minimal write transaction (an outbox row: the floor of the payment and confirm steps), one
 *   request to a bare Apollo Server, one keep-alive HTTP hop (p50 of 300 sequential each). The
 *   rent's floor = reserve + 2 × minimal + Apollo + 3 hops.
 *
 * PostgreSQL on these machines may run with autovacuum off: the databases are recreated for each
 * `pnpm bench` and `VACUUM ANALYZE` runs on the busy tables before each run, so a run does not
 * measure the bloat of the previous one (production relies on autovacuum and on the outbox and
 * inbox retention, not on this).
 */
import { execSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { register } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { ApolloServer } from '@apollo/server';
import { expressMiddleware } from '@as-integrations/express5';
import express from 'express';
import { ProcessStack, type ServiceName } from '../test/fault/process-stack';
import { intEnv } from '@ebook/subgraph-kit/env';
import { CONTEXTS } from '../contexts';
import type { Customer } from '../test/fault/actors';
import { closeLedger, sql } from '../test/fault/ledger';

// The fault harness's Actors use Apollo Client: point `@apollo/client/core` at its ESM build first.
register('./apollo-esm-hook.mjs', import.meta.url);
const { Actors } = await import('../test/fault/actors');

const here = path.dirname(fileURLToPath(import.meta.url));

const CONFIG = {
  basePort: intEnv('BENCH_BASE_PORT', 4900),
  runs: intEnv('BENCH_RUNS', 3),
  levelS: intEnv('BENCH_LEVEL_S', 8),
  gatewayS: intEnv('BENCH_GATEWAY_S', 5),
  customers: intEnv('BENCH_CUSTOMERS', 200),
  books: intEnv('BENCH_BOOKS', 200),
  copies: 10_000,
  levels: [1, 10, 50],
  floorSamples: 300,
} as const;

/** Every process of the product: the gateway and each context of the registry. */
const SERVICES: ServiceName[] = ['gateway', ...CONTEXTS];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

/** The `p`-th percentile (0..100) of `samples` (nearest rank), 0 when empty. */
function percentile(samples: number[], p: number): number {
  const s = [...samples].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]! : 0;
}
const median = (xs: number[]) => percentile(xs, 50);

// ---------------------------------------------------------------------------------------------
// CPU time from /proc

const CLK_TCK = Number(execSync('getconf CLK_TCK').toString().trim()) || 100;

/** CPU time (user + system) of a process so far, ms; 0 when it is gone. */
function cpuMs(pid: number): number {
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

/** CPU-ms so far of every process that serves a rent, by name. */
function cpuSnapshot(stack: ProcessStack): Record<string, number> {
  const snap: Record<string, number> = {};
  for (const s of SERVICES) snap[s] = cpuMs(stack.pid(s) ?? -1);
  snap.postgresql = pidsWhere((_, comm) => comm === 'postgres').reduce((n, pid) => n + cpuMs(pid), 0);
  snap.kafka = pidsWhere((cmd) => cmd.includes('java') && cmd.includes('kafka.Kafka')).reduce((n, pid) => n + cpuMs(pid), 0);
  const self = process.cpuUsage();
  snap['bench client'] = (self.user + self.system) / 1000;
  return snap;
}

function cpuDelta(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.keys(after).map((k) => [k, after[k]! - (before[k] ?? 0)]));
}

// ---------------------------------------------------------------------------------------------
// A closed-loop load driver: `concurrency` workers, each sending its next request as soon as the
// previous one is answered, for `durationMs`.

interface Answer {
  code: string;
  ms: number;
  id: string | null;
}

async function drive(concurrency: number, durationMs: number, send: () => Promise<Omit<Answer, 'ms'>>): Promise<Answer[]> {
  const answers: Answer[] = [];
  const deadline = performance.now() + durationMs;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        const t0 = performance.now();
        const a = await send().catch((err: Error) => ({ code: `client error: ${err.message}`, id: null }));
        answers.push({ ...a, ms: performance.now() - t0 });
      }
    }),
  );
  return answers;
}

/** POSTs a GraphQL request; @returns its `errors[0].extensions.code` (or `OK`) and `data.<field>.id`. */
async function graphql(url: string, query: string, variables: Record<string, unknown>, token?: string, field?: string): Promise<Omit<Answer, 'ms'>> {
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

async function seed(stack: ProcessStack): Promise<{ customers: Customer[]; books: string[] }> {
  const actors = new Actors(stack.gatewayUrl);
  const manager = await actors.manager();
  const books: string[] = [];
  for (let i = 0; i < CONFIG.books; i += 20) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(20, CONFIG.books - i) }, async (_, j) => {
        const a = await graphql(
          `${stack.gatewayUrl}/graphql`,
          'mutation B($input: RegisterBookInput!) { registerBook(input: $input) { id } }',
          { input: { title: `Bench ${i + j} ${randomUUID().slice(0, 6)}`, author: 'Bench', publishedYear: 1900, rentalFee: 1000, licensedCopies: CONFIG.copies } },
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
  for (let i = 0; i < CONFIG.customers; i += 10) {
    customers.push(...(await Promise.all(Array.from({ length: Math.min(10, CONFIG.customers - i) }, () => actors.customer()))));
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

// ---------------------------------------------------------------------------------------------
// Measurements

const RENT = 'mutation Rent($bookId: ID!) { rentBook(bookId: $bookId) { id } }';

/** The (customer, book) pairs, each rented at most once over the whole bench. */
function pairs(customers: Customer[], books: string[]) {
  let k = 0;
  return () => {
    const c = customers[k % customers.length]!;
    const b = books[Math.floor(k / customers.length) % books.length]!;
    k += 1;
    if (k > customers.length * books.length) throw new Error('out of (customer, book) pairs: raise BENCH_CUSTOMERS or BENCH_BOOKS');
    return { c, b };
  };
}

interface RentLevel {
  connections: number;
  rentsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  codes: Record<string, number>;
  rentalIds: string[];
  cpuMs: Record<string, number>;
}

async function rentLevel(stack: ProcessStack, next: ReturnType<typeof pairs>, connections: number): Promise<RentLevel> {
  const before = cpuSnapshot(stack);
  const t0 = performance.now();
  const answers = await drive(connections, CONFIG.levelS * 1000, () => {
    const { c, b } = next();
    return graphql(`${stack.gatewayUrl}/graphql`, RENT, { bookId: b }, c.token, 'rentBook');
  });
  const seconds = (performance.now() - t0) / 1000;
  const cpu = cpuDelta(before, cpuSnapshot(stack));
  const codes: Record<string, number> = {};
  for (const a of answers) codes[a.code] = (codes[a.code] ?? 0) + 1;
  const ok = answers.filter((a) => a.code === 'OK');
  return {
    connections,
    rentsPerSec: round(ok.length / seconds),
    p50Ms: round(
      percentile(
        answers.map((a) => a.ms),
        50,
      ),
    ),
    p99Ms: round(
      percentile(
        answers.map((a) => a.ms),
        99,
      ),
    ),
    errors: answers.length - ok.length,
    codes,
    rentalIds: ok.map((a) => a.id!).filter(Boolean),
    cpuMs: Object.fromEntries(Object.entries(cpu).map(([k, v]) => [k, round(v / Math.max(1, ok.length), 2)])),
  };
}

/** Projection lag of `rentalIds`: BookRented's outbox commit → the view row's last write, ms (p50, p99). */
async function projectionLag(rentalIds: string[]): Promise<{ p50Ms: number; p99Ms: number; rentals: number }> {
  if (rentalIds.length === 0) return { p50Ms: 0, p99Ms: 0, rentals: 0 };
  let view: { rentalId: string; at: Date }[] = [];
  for (let waited = 0; waited < 30_000; waited += 250) {
    view = await sql<{ rentalId: string; at: Date }>(
      'RENTAL_VIEW_DATABASE_URL',
      `SELECT "rentalId"::text AS "rentalId", "updatedAt" AS at FROM rental_status WHERE "rentalId" = ANY($1::uuid[]) AND "paymentStatus" = 'APPROVED' AND status = 'RENTED'`,
      [rentalIds],
    );
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

const Q1 = '{ books(first: 20) { edges { node { id title author } } } }';
const Q2 = '{ books(first: 20) { edges { node { id title availableCopies } } } }';
const ENTITIES = 'query E($r: [_Any!]!) { _entities(representations: $r) { ... on Book { availableCopies } } }';

interface GatewayFigures {
  q1: { gatewayP50Ms: number; directP50Ms: number; ratio: number };
  q2: { gatewayP50Ms: number; handWrittenP50Ms: number; ratio: number; cpuMsPerRequest: number };
}

async function gatewayFigures(stack: ProcessStack): Promise<GatewayFigures> {
  const ms = CONFIG.gatewayS * 1000;
  const p50 = (answers: Answer[]) => {
    const bad = answers.find((a) => a.code !== 'OK');
    if (bad) throw new Error(`gateway query failed: ${bad.code}`);
    return round(median(answers.map((a) => a.ms)), 2);
  };
  const q1Gateway = p50(await drive(10, ms, () => graphql(`${stack.gatewayUrl}/graphql`, Q1, {})));
  const q1Direct = p50(await drive(10, ms, () => graphql(`${stack.url('book-management')}/graphql`, Q1, {})));
  const before = cpuMs(stack.pid('gateway') ?? -1);
  const q2Answers = await drive(10, ms, () => graphql(`${stack.gatewayUrl}/graphql`, Q2, {}));
  const gatewayCpu = cpuMs(stack.pid('gateway') ?? -1) - before;
  const q2Gateway = p50(q2Answers);
  const q2Hand = p50(
    await drive(10, ms, async () => {
      const res = await fetch(`${stack.url('book-management')}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ books(first: 20) { edges { node { id title } } } }' }),
      });
      const body = (await res.json()) as { data: { books: { edges: { node: { id: string } }[] } } };
      const representations = body.data.books.edges.map((e) => ({ __typename: 'Book', id: e.node.id }));
      return graphql(`${stack.url('rental')}/graphql`, ENTITIES, { r: representations });
    }),
  );
  return {
    q1: { gatewayP50Ms: q1Gateway, directP50Ms: q1Direct, ratio: round(q1Gateway / q1Direct, 2) },
    q2: { gatewayP50Ms: q2Gateway, handWrittenP50Ms: q2Hand, ratio: round(q2Gateway / q2Hand, 2), cpuMsPerRequest: round(gatewayCpu / q2Answers.length, 3) },
  };
}

// ---------------------------------------------------------------------------------------------
// Floors

async function sequentialP50(n: number, fn: () => Promise<unknown>): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await fn();
    samples.push(performance.now() - t0);
  }
  return round(median(samples), 3);
}

interface Floors {
  reserveTxMs: number;
  minimalTxMs: number;
  apolloRequestMs: number;
  hopMs: number;
  rentFloorMs: number;
}

async function floors(books: string[]): Promise<Floors> {
  const client = new pg.Client({ connectionString: process.env.RENTAL_DATABASE_URL });
  await client.connect();
  const bookId = books[0]!;
  const reserveTxMs = await sequentialP50(CONFIG.floorSamples, async () => {
    const id = randomUUID();
    const customerId = randomUUID();
    await client.query('BEGIN');
    await client.query('SELECT "bookId" FROM book_replica WHERE "bookId" = $1 FOR UPDATE', [bookId]);
    await client.query('SELECT pg_advisory_xact_lock(1, hashtext($1))', [customerId]);
    await client.query(`SELECT count(*) FROM rental WHERE "customerId" = $1 AND status IN ('PENDING_PAYMENT', 'RENTED')`, [customerId]);
    await client.query(
      `INSERT INTO rental (id, "bookId", "customerId", status, fee, "activeKey", "rentedAt", "updatedAt") VALUES ($1, $2, $3, 'PENDING_PAYMENT', 1000, $4, now(), now())`,
      [id, bookId, customerId, `${customerId}:${bookId}`],
    );
    await client.query('UPDATE book_replica SET "activeRentals" = "activeRentals" + 1 WHERE "bookId" = $1', [bookId]);
    await client.query('ROLLBACK'); // the floor of the statements, leaving the bench's data as it was
  });
  const minimalTxMs = await sequentialP50(CONFIG.floorSamples, async () => {
    await client.query('BEGIN');
    await client.query(`INSERT INTO outbox_event ("eventId", topic, type, "aggregateId", envelope) VALUES ($1::uuid, 'bench', 'Bench', $2, '{}')`, [randomUUID(), 'bench']);
    await client.query('ROLLBACK');
  });
  await client.end();

  const apollo = new ApolloServer({ typeDefs: 'type Query { ok: Boolean }', resolvers: { Query: { ok: () => true } } });
  await apollo.start();
  const app = express();
  app.use('/graphql', express.json(), expressMiddleware(apollo));
  const apolloServer = await listen(app);
  const apolloRequestMs = await sequentialP50(CONFIG.floorSamples, () => graphql(`${apolloServer.url}/graphql`, '{ ok }', {}));
  await apolloServer.close();
  await apollo.stop();

  const bare = await listen((_req: http.IncomingMessage, res: http.ServerResponse) => res.end('{}'));
  const hopMs = await sequentialP50(CONFIG.floorSamples, async () => (await fetch(bare.url)).text());
  await bare.close();
  return { reserveTxMs, minimalTxMs, apolloRequestMs, hopMs, rentFloorMs: round(reserveTxMs + 2 * minimalTxMs + apolloRequestMs + 3 * hopMs, 3) };
}

async function listen(handler: http.RequestListener): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((r) => server.close(() => r())) };
}

// ---------------------------------------------------------------------------------------------
// Report

function table(headers: string[], rows: (string | number)[][]): string {
  const line = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;
  return [line(headers), `|${headers.map(() => '---').join('|')}|`, ...rows.map(line)].join('\n');
}

async function main(): Promise<void> {
  const stack = await ProcessStack.create({
    basePort: CONFIG.basePort,
    compiled: true,
    env: {
      rental: { MAX_ACTIVE_RENTALS: '1000000', LOG_LEVEL: 'warn' },
      gateway: { GATEWAY_RATE_LIMIT_PER_IP: '0', GATEWAY_RATE_LIMIT_PER_USER: '0' },
      payment: { PAYMENT_SIM_LATENCY_MS: '0' },
    },
  });
  const stopOnSignal = () => void stack.stopAll().finally(() => process.exit(130));
  process.once('SIGINT', stopOnSignal);
  try {
    process.env.FAULT_LOG_LEVEL ??= 'warn';
    await stack.startAll();
    const { customers, books } = await seed(stack);
    const next = pairs(customers, books);
    const floor = await floors(books);
    const runs: { levels: RentLevel[]; lag: { light: Awaited<ReturnType<typeof projectionLag>>; c10: Awaited<ReturnType<typeof projectionLag>> }; gateway: GatewayFigures }[] = [];
    for (let run = 1; run <= CONFIG.runs; run++) {
      await sql('RENTAL_DATABASE_URL', 'VACUUM ANALYZE rental, book_replica, outbox_event, inbox_event');
      await sql('PAYMENT_DATABASE_URL', 'VACUUM ANALYZE');
      await sql('RENTAL_VIEW_DATABASE_URL', 'VACUUM ANALYZE');
      const levels: RentLevel[] = [];
      for (const c of CONFIG.levels) {
        levels.push(await rentLevel(stack, next, c));
        await sleep(1_000); // let the relays and consumers drain before the next level
      }
      const lag = { light: await projectionLag(levels[0]!.rentalIds), c10: await projectionLag(levels[1]!.rentalIds) };
      const gateway = await gatewayFigures(stack);
      runs.push({ levels, lag, gateway });
      console.log(`run ${run}: ${levels.map((l) => `c${l.connections} ${l.rentsPerSec} rents/s p50 ${l.p50Ms} ms errors ${l.errors}`).join('; ')}`);
    }

    const med = (f: (r: (typeof runs)[number]) => number) => round(median(runs.map(f)), 2);
    const level = (i: number) => ({
      rentsPerSec: med((r) => r.levels[i]!.rentsPerSec),
      p50Ms: med((r) => r.levels[i]!.p50Ms),
      p99Ms: med((r) => r.levels[i]!.p99Ms),
      errors: med((r) => r.levels[i]!.errors),
      codes: runs.map((r) => r.levels[i]!.codes),
    });
    const cpuKeys = Object.keys(runs[0]!.levels[1]!.cpuMs);
    const cpuPerRent = Object.fromEntries(cpuKeys.map((k) => [k, med((r) => r.levels[1]!.cpuMs[k]!)]));
    const serverCpu = round(
      Object.entries(cpuPerRent)
        .filter(([k]) => k !== 'bench client')
        .reduce((n, [, v]) => n + v, 0),
      2,
    );
    const [pgVersion] = await sql<{ server_version: string }>('RENTAL_DATABASE_URL', 'SHOW server_version');
    const [autovacuum] = await sql<{ autovacuum: string }>('RENTAL_DATABASE_URL', 'SHOW autovacuum');
    const result = {
      at: new Date().toISOString(),
      machine: {
        cpus: os.cpus().length,
        model: os.cpus()[0]?.model ?? '?',
        memoryGiB: round(os.totalmem() / 2 ** 30),
        node: process.version,
        postgresql: pgVersion?.server_version,
        autovacuum: autovacuum?.autovacuum,
        loadAverageAtEnd: os.loadavg().map((n) => round(n, 2)),
      },
      config: CONFIG,
      rent: { c1: level(0), c10: level(1), c50: level(2) },
      cpuMsPerRentByProcess: cpuPerRent,
      cpuMsPerRent: serverCpu,
      gateway: {
        q1: { gatewayP50Ms: med((r) => r.gateway.q1.gatewayP50Ms), directP50Ms: med((r) => r.gateway.q1.directP50Ms), ratio: med((r) => r.gateway.q1.ratio) },
        q2: {
          gatewayP50Ms: med((r) => r.gateway.q2.gatewayP50Ms),
          handWrittenP50Ms: med((r) => r.gateway.q2.handWrittenP50Ms),
          ratio: med((r) => r.gateway.q2.ratio),
          cpuMsPerRequest: med((r) => r.gateway.q2.cpuMsPerRequest),
        },
      },
      lag: {
        light: { p50Ms: med((r) => r.lag.light.p50Ms), p99Ms: med((r) => r.lag.light.p99Ms) },
        c10: { p50Ms: med((r) => r.lag.c10.p50Ms), p99Ms: med((r) => r.lag.c10.p99Ms) },
      },
      floors: { ...floor, rentC1OverFloor: round(median(runs.map((r) => r.levels[0]!.p50Ms)) / floor.rentFloorMs, 2) },
    };

    const report = [
      `## pnpm bench — ${result.at}`,
      '',
      `${result.machine.cpus} × ${result.machine.model}, ${result.machine.memoryGiB} GiB, Node ${result.machine.node}, PostgreSQL ${result.machine.postgresql} (autovacuum ${result.machine.autovacuum}), load average at the end ${result.machine.loadAverageAtEnd.join(' / ')}; median of ${CONFIG.runs} runs, ${CONFIG.levelS} s per level.`,
      '',
      table(
        ['rentBook', 'paid rents/s', 'p50 ms', 'p99 ms', 'errors (per run)'],
        (['c1', 'c10', 'c50'] as const).map((k) => {
          const l = result.rent[k];
          return [
            k.replace('c', '') + ' connection(s)',
            l.rentsPerSec,
            l.p50Ms,
            l.p99Ms,
            l.codes
              .map(
                (c) =>
                  Object.entries(c)
                    .filter(([code]) => code !== 'OK')
                    .map(([code, n]) => `${code} ${n}`)
                    .join(', ') || '0',
              )
              .join(' · '),
          ];
        }),
      ),
      '',
      table(['CPU-ms per paid rent (10 connections)', ...Object.keys(cpuPerRent), 'all server processes'], [['', ...Object.values(cpuPerRent), serverCpu]]),
      '',
      table(
        ['figure', 'value'],
        [
          ['q1 `books(first: 20)`: gateway / direct p50 (ms)', `${result.gateway.q1.gatewayP50Ms} / ${result.gateway.q1.directP50Ms} = ${result.gateway.q1.ratio}×`],
          [
            'q2 `books(first: 20) { availableCopies }`: gateway / hand-written p50 (ms)',
            `${result.gateway.q2.gatewayP50Ms} / ${result.gateway.q2.handWrittenP50Ms} = ${result.gateway.q2.ratio}×`,
          ],
          ['q2 gateway CPU-ms per request', result.gateway.q2.cpuMsPerRequest],
          ['projection lag p50 / p99, light (1 connection), ms', `${result.lag.light.p50Ms} / ${result.lag.light.p99Ms}`],
          ['projection lag p50 / p99, 10 connections, ms', `${result.lag.c10.p50Ms} / ${result.lag.c10.p99Ms}`],
          ['floors: reserve tx / minimal tx / bare Apollo request / keep-alive hop, ms', `${floor.reserveTxMs} / ${floor.minimalTxMs} / ${floor.apolloRequestMs} / ${floor.hopMs}`],
          ['rentBook p50 at 1 connection ÷ its floor sum', `${result.rent.c1.p50Ms} / ${floor.rentFloorMs} = ${result.floors.rentC1OverFloor}×`],
        ],
      ),
    ].join('\n');
    console.log(`\n${report}\n`);
    const dir = path.join(here, 'results');
    mkdirSync(dir, { recursive: true });
    const json = JSON.stringify({ ...result, report }, null, 2);
    writeFileSync(path.join(dir, 'latest.json'), json);
    writeFileSync(path.join(dir, `rent-at-scale-${result.at.replace(/[:.]/g, '-')}.json`), json);
  } finally {
    process.off('SIGINT', stopOnSignal);
    await stack.stopAll();
    await closeLedger();
  }
}

await main();
