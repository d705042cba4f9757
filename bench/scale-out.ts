/**
 * `pnpm bench:scale` — what replicas buy: rental and rental-view at 1, 2 and 3 replicas, in
 * production mode (every service its own process running its compiled `dist/main.js`, real
 * PostgreSQL and Kafka; `bench/run.sh scale-out` recreates the databases, builds and starts the
 * broker first). Nothing is asserted: it prints a Markdown report and writes
 * `bench/results/scale-<time>.json`.
 *
 * Rental's replicas sit behind a round-robin load balancer in its own process
 * (bench/round-robin-proxy.ts, as a k8s Service spreads connections over pods): the gateway's
 * `RENTAL_URL` points at it. rental-view's replicas join one consumer group and share the topics'
 * partitions (3 on the local broker, 6 in k8s): more consumers than partitions would idle.
 * Gateway on `BENCH_BASE_PORT` (default 5000), services on the next ports, replica r on +10·(r−1),
 * the load balancer on +40. Same set-up as `pnpm bench` (bench/rent-stack.ts): `BENCH_BOOKS`
 * books × `BENCH_CUSTOMERS` customers (200 × 200), every rent a never-rented pair.
 *
 * For each of `BENCH_RUNS` runs (default 3; the report shows medians) and each replica count k in
 * 1, 2, 3 (rental and rental-view both at k):
 * - rentBook at `BENCH_SCALE_CONNECTIONS` (20) for `BENCH_LEVEL_S` s (10), after a 3 s warm-up:
 *   paid rents/s, p50/p99 ms, CPU-ms per paid rent per process (`/proc/<pid>/stat`), and the
 *   projection lag of those rents (BookRented's outbox commit → the view row's last write);
 * - catch-up: every rental-view replica stopped (SIGTERM), `BENCH_BACKLOG_RENTS` (400) rents
 *   paid meanwhile, then k replicas started at once; when every backlog rent is in its final view
 *   state and no inbox row was added for 1 s: the wall time from the start to the last event
 *   handled (start-up and group joins included), and the consumer throughput: inbox rows written
 *   (events handled) ÷ the time from the first to the last of them; rental-view CPU-ms per event
 *   (the CPU window includes the replicas' start-up).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ProcessStack, type ServiceName } from '../test/fault/process-stack';
import { intEnv } from '@ebook/subgraph-kit/env';
import { closeLedger, sql } from '../test/fault/ledger';
import {
  cpuDelta,
  cpuSnapshot,
  machine,
  median,
  pairs,
  projectedRentals,
  projectionLag,
  RENT_STACK_ENV,
  rentLevel,
  round,
  seed,
  sleep,
  table,
  vacuum,
  type RentLevel,
} from './rent-stack';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');

const CONFIG = {
  basePort: intEnv('BENCH_BASE_PORT', 5000),
  runs: intEnv('BENCH_RUNS', 3),
  levelS: intEnv('BENCH_LEVEL_S', 10),
  connections: intEnv('BENCH_SCALE_CONNECTIONS', 20),
  backlogRents: intEnv('BENCH_BACKLOG_RENTS', 400),
  customers: intEnv('BENCH_CUSTOMERS', 200),
  books: intEnv('BENCH_BOOKS', 200),
  copies: 10_000,
  replicas: [1, 2, 3],
  warmUpS: 3,
} as const;

// ---------------------------------------------------------------------------------------------
// The load balancer in front of rental's replicas

async function startBalancer(port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(here, 'round-robin-proxy.ts'), String(port)], { cwd: root, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  await new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    child.once('exit', (code) => reject(new Error(`load balancer exited with ${code}`)));
  });
  return child;
}

async function setTargets(balancerUrl: string, urls: string[]): Promise<void> {
  const res = await fetch(`${balancerUrl}/__targets`, { method: 'PUT', body: JSON.stringify(urls) });
  if (res.status !== 204) throw new Error(`load balancer answered ${res.status}`);
}

/** Replicas 1..k of `service` running, the others stopped (SIGTERM). */
async function scaleTo(stack: ProcessStack, service: ServiceName, k: number): Promise<void> {
  const all = [1, 2, 3];
  await Promise.all(all.filter((r) => r > k).map((replica) => stack.stop(service, { replica })));
  await Promise.all(all.filter((r) => r <= k && !stack.isRunning(service, r)).map((replica) => stack.start(service, { replica })));
}

/** Sum of CPU-ms per process name over all replicas (`rental#2` counts as `rental`). */
function byService(cpu: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(cpu)) out[k.replace(/#\d+$/, '')] = (out[k.replace(/#\d+$/, '')] ?? 0) + v;
  return out;
}

// ---------------------------------------------------------------------------------------------
// Catch-up of rental-view

interface CatchUp {
  rents: number;
  events: number;
  wallS: number;
  consumeS: number;
  eventsPerSec: number;
  cpuMsPerEvent: { 'rental-view': number; postgresql: number };
}

async function catchUp(stack: ProcessStack, next: ReturnType<typeof pairs>, k: number): Promise<CatchUp> {
  await Promise.all([1, 2, 3].map((replica) => stack.stop('rental-view', { replica })));
  const [{ at: stoppedAt }] = (await sql<{ at: Date }>('RENTAL_VIEW_DATABASE_URL', 'SELECT now() AS at')) as [{ at: Date }];
  const backlog = await rentLevel(stack, next, CONFIG.connections, 300_000, { paidTarget: CONFIG.backlogRents });
  // the backlog on the broker: rental's and payment's outboxes relayed
  for (let waited = 0; waited < 30_000; waited += 200) {
    const [r] = await sql<{ n: string }>('RENTAL_DATABASE_URL', 'SELECT count(*) AS n FROM outbox_event WHERE "publishedAt" IS NULL');
    const [p] = await sql<{ n: string }>('PAYMENT_DATABASE_URL', 'SELECT count(*) AS n FROM outbox_event WHERE "publishedAt" IS NULL');
    if (Number(r!.n) + Number(p!.n) === 0) break;
    await sleep(200);
  }
  const before = cpuSnapshot(stack);
  const [{ at: startedAt }] = (await sql<{ at: Date }>('RENTAL_VIEW_DATABASE_URL', 'SELECT now() AS at')) as [{ at: Date }];
  await Promise.all(Array.from({ length: k }, (_, i) => stack.start('rental-view', { replica: i + 1 })));
  for (let waited = 0; ; waited += 100) {
    if ((await projectedRentals(backlog.rentalIds)).length === backlog.rentalIds.length) break;
    if (waited > 300_000) throw new Error('rental-view never caught up');
    await sleep(100);
  }
  // A row can reach its final state before every event of its rent is handled (events of
  // different topics arrive on different partitions): wait until no inbox row was added for 1 s.
  const handledSince = async () =>
    (
      await sql<{ n: string; first: Date; last: Date }>(
        'RENTAL_VIEW_DATABASE_URL',
        'SELECT count(*) AS n, min("handledAt") AS first, max("handledAt") AS last FROM inbox_event WHERE "handledAt" > $1',
        [stoppedAt],
      )
    )[0]!;
  let handled = await handledSince();
  for (let still = 0; still < 4;) {
    await sleep(250);
    const now = await handledSince();
    still = now.n === handled.n ? still + 1 : 0;
    handled = now;
  }
  const cpu = byService(cpuDelta(before, cpuSnapshot(stack)));
  const wallS = (handled.last.getTime() - startedAt.getTime()) / 1000;
  const events = Number(handled.n);
  const consumeS = Math.max(0.001, (handled.last.getTime() - handled.first.getTime()) / 1000);
  return {
    rents: backlog.rentalIds.length,
    events,
    wallS: round(wallS, 2),
    consumeS: round(consumeS, 2),
    eventsPerSec: round(events / consumeS),
    cpuMsPerEvent: { 'rental-view': round(cpu['rental-view']! / events, 2), postgresql: round(cpu.postgresql! / events, 2) },
  };
}

// ---------------------------------------------------------------------------------------------

interface Step {
  replicas: number;
  rent: Omit<RentLevel, 'rentalIds'>;
  cpuMsPerRentByService: Record<string, number>;
  lag: { p50Ms: number; p99Ms: number };
  catchUp: CatchUp;
}

async function main(): Promise<void> {
  const balancerPort = CONFIG.basePort + 40;
  const balancerUrl = `http://127.0.0.1:${balancerPort}`;
  const balancer = await startBalancer(balancerPort);
  const stack = await ProcessStack.create({
    basePort: CONFIG.basePort,
    compiled: true,
    env: { ...RENT_STACK_ENV, gateway: { ...RENT_STACK_ENV.gateway, RENTAL_URL: balancerUrl } },
  });
  const stopOnSignal = () => void stack.stopAll().finally(() => process.exit(130));
  process.once('SIGINT', stopOnSignal);
  try {
    process.env.FAULT_LOG_LEVEL ??= 'warn';
    await setTargets(balancerUrl, [stack.url('rental')]);
    await stack.startAll();
    const { customers, books } = await seed(stack, CONFIG);
    const next = pairs(customers, books);
    const steps: Step[] = [];
    for (let run = 1; run <= CONFIG.runs; run++) {
      for (const k of CONFIG.replicas) {
        await scaleTo(stack, 'rental', k);
        await setTargets(
          balancerUrl,
          Array.from({ length: k }, (_, i) => stack.url('rental', i + 1)),
        );
        await scaleTo(stack, 'rental-view', k);
        await sleep(3_000); // consumer groups rebalanced over the new members
        await vacuum();
        await rentLevel(stack, next, CONFIG.connections, CONFIG.warmUpS * 1000); // new replicas' pools and JIT warm
        await sleep(1_000);
        const { rentalIds, ...rent } = await rentLevel(stack, next, CONFIG.connections, CONFIG.levelS * 1000, { extraPids: { 'load balancer': balancer.pid! } });
        const lag = await projectionLag(rentalIds);
        const cpuMsPerRentByService = Object.fromEntries(Object.entries(byService(rent.cpuMs)).map(([name, v]) => [name, round(v, 2)]));
        const up = await catchUp(stack, next, k);
        steps.push({ replicas: k, rent, cpuMsPerRentByService, lag: { p50Ms: lag.p50Ms, p99Ms: lag.p99Ms }, catchUp: up });
        console.log(
          `run ${run}, ${k} replica(s): ${rent.rentsPerSec} rents/s p50 ${rent.p50Ms} ms p99 ${rent.p99Ms} ms errors ${rent.errors}; catch-up ${up.events} events in ${up.wallS} s (${up.eventsPerSec} events/s)`,
        );
      }
    }

    const at = (k: number) => steps.filter((s) => s.replicas === k);
    const med = (k: number, f: (s: Step) => number) => round(median(at(k).map(f)), 2);
    const serverCpu = (s: Step) =>
      Object.entries(s.cpuMsPerRentByService)
        .filter(([name]) => name !== 'bench client')
        .reduce((n, [, v]) => n + v, 0);
    const summary = CONFIG.replicas.map((k) => ({
      replicas: k,
      rentsPerSec: med(k, (s) => s.rent.rentsPerSec),
      p50Ms: med(k, (s) => s.rent.p50Ms),
      p99Ms: med(k, (s) => s.rent.p99Ms),
      errors: at(k).map((s) => s.rent.errors),
      cpuMsPerRent: {
        rental: med(k, (s) => s.cpuMsPerRentByService.rental!),
        gateway: med(k, (s) => s.cpuMsPerRentByService.gateway!),
        'load balancer': med(k, (s) => s.cpuMsPerRentByService['load balancer']!),
        postgresql: med(k, (s) => s.cpuMsPerRentByService.postgresql!),
        'all server processes': med(k, serverCpu),
      },
      lag: { p50Ms: med(k, (s) => s.lag.p50Ms), p99Ms: med(k, (s) => s.lag.p99Ms) },
      catchUp: {
        events: med(k, (s) => s.catchUp.events),
        wallS: med(k, (s) => s.catchUp.wallS),
        eventsPerSec: med(k, (s) => s.catchUp.eventsPerSec),
        cpuMsPerEvent: { 'rental-view': med(k, (s) => s.catchUp.cpuMsPerEvent['rental-view']), postgresql: med(k, (s) => s.catchUp.cpuMsPerEvent.postgresql) },
      },
    }));
    const one = summary[0]!;
    const result = { at: new Date().toISOString(), machine: await machine(), config: CONFIG, summary, steps };
    const ratio = (a: number, b: number) => `${round(a / b, 2)}×`;
    const report = [
      `## pnpm bench:scale — ${result.at}`,
      '',
      `${result.machine.cpus} × ${result.machine.model}, ${result.machine.memoryGiB} GiB, Node ${result.machine.node}, PostgreSQL ${result.machine.postgresql} (autovacuum ${result.machine.autovacuum}), load average at the end ${result.machine.loadAverageAtEnd.join(' / ')}; median of ${CONFIG.runs} runs; rentBook at ${CONFIG.connections} connections for ${CONFIG.levelS} s; catch-up of ${CONFIG.backlogRents} paid rents.`,
      '',
      table(
        [
          'rental replicas',
          'paid rents/s',
          'vs 1',
          'p50 ms',
          'p99 ms',
          'errors (per run)',
          'CPU-ms/rent: rental',
          'gateway',
          'load balancer',
          'postgresql',
          'all server processes',
        ],
        summary.map((s) => [
          s.replicas,
          s.rentsPerSec,
          ratio(s.rentsPerSec, one.rentsPerSec),
          s.p50Ms,
          s.p99Ms,
          s.errors.join(' · '),
          s.cpuMsPerRent.rental,
          s.cpuMsPerRent.gateway,
          s.cpuMsPerRent['load balancer'],
          s.cpuMsPerRent.postgresql,
          s.cpuMsPerRent['all server processes'],
        ]),
      ),
      '',
      table(
        [
          'rental-view replicas',
          'projection lag p50 / p99 ms (live)',
          'backlog events',
          'catch-up wall s',
          'events/s (first → last handled)',
          'vs 1',
          'CPU-ms/event: rental-view',
          'postgresql',
        ],
        summary.map((s) => [
          s.replicas,
          `${s.lag.p50Ms} / ${s.lag.p99Ms}`,
          s.catchUp.events,
          s.catchUp.wallS,
          s.catchUp.eventsPerSec,
          ratio(s.catchUp.eventsPerSec, one.catchUp.eventsPerSec),
          s.catchUp.cpuMsPerEvent['rental-view'],
          s.catchUp.cpuMsPerEvent.postgresql,
        ]),
      ),
    ].join('\n');
    console.log(`\n${report}\n`);
    const dir = path.join(here, 'results');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, `scale-${result.at.replace(/[:.]/g, '-')}.json`), JSON.stringify({ ...result, report }, null, 2));
  } finally {
    process.off('SIGINT', stopOnSignal);
    await stack.stopAll();
    balancer.kill('SIGTERM');
    await closeLedger();
  }
}

await main();
