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
 *   (services, the PostgreSQL backends of the bench databases, its Kafka broker, and this client);
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
import { mkdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { ApolloServer } from '@apollo/server';
import { expressMiddleware } from '@as-integrations/express5';
import express from 'express';
import { ProcessStack } from '../test/fault/process-stack';
import { intEnv } from '@ebook/subgraph-kit/env';
import { closeLedger } from '../test/fault/ledger';
import {
  cpuMs,
  drive,
  graphql,
  machine,
  median,
  pairs,
  projectionLag,
  RENT_STACK_ENV,
  rentLevel,
  round,
  seed,
  sleep,
  table,
  vacuum,
  type Answer,
  type RentLevel,
} from './rent-stack';

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

async function main(): Promise<void> {
  const stack = await ProcessStack.create({
    basePort: CONFIG.basePort,
    compiled: true,
    env: RENT_STACK_ENV,
  });
  const stopOnSignal = () => void stack.stopAll().finally(() => process.exit(130));
  process.once('SIGINT', stopOnSignal);
  try {
    process.env.FAULT_LOG_LEVEL ??= 'warn';
    await stack.startAll();
    const { customers, books } = await seed(stack, CONFIG);
    const next = pairs(customers, books);
    const floor = await floors(books);
    const runs: { levels: RentLevel[]; lag: { light: Awaited<ReturnType<typeof projectionLag>>; c10: Awaited<ReturnType<typeof projectionLag>> }; gateway: GatewayFigures }[] = [];
    for (let run = 1; run <= CONFIG.runs; run++) {
      await vacuum();
      const levels: RentLevel[] = [];
      for (const c of CONFIG.levels) {
        levels.push(await rentLevel(stack, next, c, CONFIG.levelS * 1000));
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
    const result = {
      at: new Date().toISOString(),
      machine: await machine(),
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
