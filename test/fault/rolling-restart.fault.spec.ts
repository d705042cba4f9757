import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kafka, logLevel } from 'kafkajs';
import { CONTEXTS } from '../../contexts';
import { NOTIFYING_EVENTS } from '@ebook/notification';
import { POINTS_EVENTS } from '@ebook/points';
import { offsetOf, ProcessStack, type ServiceName } from './process-stack';
import { ServiceLoadBalancer } from './load-balancer';
import { Actors, type Customer } from './actors';
import { closeLedger, producedFor, report, sql } from './ledger';

/**
 * Zero downtime through a rolling update of every service, as Kubernetes runs one.
 *
 * Every service runs as two replicas (separate compiled processes) behind a
 * {@link ServiceLoadBalancer} — the stand-in for its Kubernetes Service: TCP, round robin over
 * the endpoints whose readiness probe answers 200, polled every 150 ms. We chose a small Node
 * balancer over nginx because nginx OSS has no active health checks (only passive ones, after
 * failed requests) and its `proxy_next_upstream` would re-send a POST — a rent could run twice;
 * at TCP nothing is ever re-sent, and each client's keep-alive connection stays on one replica
 * as with kube-proxy, so the replicas' own shutdown is what clients see. Every service reaches
 * every other through its balancer (`<NAME>_URL`, the issuer's JWKS), the client reaches the
 * gateway's.
 *
 * While a closed-loop client sends reads (the catalog with availability; an account page that
 * reaches user, rental, rental-view, notification and points) and rents (each a fresh customer ×
 * book pair, half of them returned at once), every service — the gateway too — has replica 1
 * SIGTERMed, a new replica 1 started and taken in by its balancer, then the same for replica 2:
 * all services roll side by side, as a release rolls every Deployment at once (one service after
 * the other would take ≈ 150 s on two CI cores, a new process needing 5–8 s to be ready there).
 * The services run with `SHUTDOWN_DRAIN_DELAY_MS=600` (the preStop sleep's job).
 *
 * Asserted: every request answers 200 without errors (the failure message counts each error
 * code); every event of the rents reaches each consumer group that handles its type exactly once
 * (inbox rows), no rent and no charge doubled; each stopping replica's balancer saw it not ready
 * before a connect was refused; and a stopping consumer leaves its group at once (the group has
 * one member left right after the process exits, long before the session timeout).
 */

const BASE_PORT = 4770; // replicas 1: 4770–4777, replicas 2: 4780–4787, the unused SMTP port 4779
const LB_BASE_PORT = 4810; // balancers: 4810 (gateway) … 4817
const SERVICES: ServiceName[] = [...CONTEXTS, 'gateway'];
/** Consumer groups of the restarted services and the event types they handle (their handler maps). */
const GROUPS: Record<string, { group: string; db: string; types: readonly string[] | 'all' }[]> = {
  'rental-view': [{ group: 'rental-view.projection', db: 'RENTAL_VIEW_DATABASE_URL', types: 'all' }],
  notification: [{ group: 'notification.messages', db: 'NOTIFICATION_DATABASE_URL', types: NOTIFYING_EVENTS }],
  points: [{ group: 'points.awards', db: 'POINTS_DATABASE_URL', types: POINTS_EVENTS }],
};

/** Every consumer group of a service, for the membership check on its stop. */
const MEMBERSHIP: Partial<Record<ServiceName, string[]>> = {
  rental: ['rental.catalog-replica'],
  payment: ['payment.refunds'],
  'rental-view': ['rental-view.projection'],
  notification: ['notification.messages'],
  points: ['points.awards'],
};

const CATALOG = `query Catalog { books(first: 10) { edges { node { id title availableCopies } } } }`;
const ACCOUNT = `query Account { me { id name points rentals { id status } } myRentals { rentalId status } myNotifications(first: 3) { id } pointsHistory(first: 3) { id } }`;
const RENT = `mutation Rent($bookId: ID!) { rentBook(bookId: $bookId) { id status } }`;
const RETURN = `mutation Return($rentalId: ID!) { returnBook(rentalId: $rentalId) { id status } }`;

let stack: ProcessStack;
const lbs = new Map<ServiceName, ServiceLoadBalancer>();
let kafka: Kafka;

/** The balancers mirror the stack's port layout at LB_BASE_PORT. */
const lbPort = (s: ServiceName) => LB_BASE_PORT + offsetOf(s);

beforeAll(async () => {
  const env = Object.fromEntries(
    SERVICES.map((s) => [
      s,
      {
        SHUTDOWN_DRAIN_DELAY_MS: '600',
        DB_POOL_SIZE: '4',
        // Two CI cores run 16 service processes while 8 more start: a payment call may wait its turn for
        // the CPU longer than production's 2 s (a timeout there is about load, not about the restarts).
        ...(s === 'rental' ? { PAYMENT_TIMEOUT_MS: '6000' } : {}),
        ...(s === 'gateway' ? { GATEWAY_RATE_LIMIT_PER_IP: '0', GATEWAY_RATE_LIMIT_PER_USER: '0' } : {}),
      },
    ]),
  );
  const serviceUrls = Object.fromEntries(SERVICES.map((s) => [s, `http://127.0.0.1:${lbPort(s)}`]));
  stack = await ProcessStack.create({ basePort: BASE_PORT, env, serviceUrls });
  for (const s of SERVICES) {
    const lb = new ServiceLoadBalancer({
      port: lbPort(s),
      endpoints: [1, 2].map((replica) => ({ host: '127.0.0.1', port: stack.port(s, replica) })),
      probeIntervalMs: 150,
    });
    await lb.start();
    lbs.set(s, lb);
  }
  await Promise.all([1, 2].map((replica) => stack.start('user', { replica })));
  await Promise.all(CONTEXTS.filter((c) => c !== 'user').flatMap((c) => [1, 2].map((replica) => stack.start(c, { replica }))));
  await Promise.all([1, 2].map((replica) => stack.start('gateway', { replica })));
  kafka = new Kafka({ clientId: 'fault-rolling', brokers: process.env.KAFKA_BROKERS!.split(','), logLevel: logLevel.NOTHING });
}, 180_000);

afterAll(async () => {
  await stack?.stopAll();
  await Promise.all([...lbs.values()].map((lb) => lb.stop()));
  await closeLedger();
});

/** Tally of the load's answers: ok, and every failure by code (`HTTP_503`, `NETWORK_ECONNRESET`, a GraphQL `extensions.code`). */
class Tally {
  ok = 0;
  readonly failures = new Map<string, number>();
  readonly samples: string[] = [];
  fail(code: string, detail: string): void {
    this.failures.set(code, (this.failures.get(code) ?? 0) + 1);
    if (this.samples.length < 5) this.samples.push(`${code}: ${detail.slice(0, 300)}`);
  }
  get failed(): number {
    return [...this.failures.values()].reduce((a, b) => a + b, 0);
  }
}

/** One GraphQL request through the gateway's balancer; @returns `data`, or undefined after tallying the failure. */
async function call(tally: Tally, url: string, query: string, variables: Record<string, unknown>, token?: string): Promise<any> {
  let res: Response;
  try {
    res = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query, variables }),
      signal: AbortSignal.timeout(15_000),
    });
  } catch (err) {
    const e = err as { name?: string; cause?: { code?: string; message?: string } };
    tally.fail(`NETWORK_${e.cause?.code ?? e.name ?? 'ERROR'}`, `${query.slice(0, 30)} ${e.cause?.message ?? String(err)}`);
    return undefined;
  }
  const text = await res.text();
  let body: { data?: unknown; errors?: { message: string; extensions?: { code?: string } }[] } = {};
  try {
    body = JSON.parse(text);
  } catch {
    // counted below as an HTTP failure
  }
  if (res.status !== 200) {
    tally.fail(`HTTP_${res.status}`, `${query.slice(0, 30)} ${text}`);
    return undefined;
  }
  if (body.errors?.length) {
    for (const e of body.errors) tally.fail(e.extensions?.code ?? 'NO_CODE', `${query.slice(0, 30)} ${e.message}`);
    return undefined;
  }
  tally.ok += 1;
  return body.data;
}

/** Waits until the balancer of `service` has the replica in its ready set. */
async function takenIn(service: ServiceName, replica: number): Promise<void> {
  const lb = lbs.get(service)!;
  const deadline = Date.now() + 30_000;
  while (!lb.isReady(stack.port(service, replica))) {
    if (Date.now() > deadline) throw new Error(`${service}#${replica} not taken in by its balancer`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Members of a consumer group now (the stack's prefix added). */
async function members(admin: ReturnType<Kafka['admin']>, group: string): Promise<number> {
  const { groups } = await admin.describeGroups([stack.groupPrefix + group]);
  return groups[0]?.members.length ?? 0;
}

describe('rolling restart of every service under load (two replicas each behind a readiness-polling balancer)', () => {
  it('serves every request and delivers every event once while each replica of each service is replaced', async () => {
    const gatewayUrl = lbs.get('gateway')!.url;
    const actors = new Actors(gatewayUrl);
    const books = await Promise.all(Array.from({ length: 4 }, () => actors.book(500)));
    const customers: Customer[] = [];
    for (let i = 0; i < 3; i += 1) customers.push(...(await Promise.all(Array.from({ length: 8 }, () => actors.customer()))));
    const pairs = customers.flatMap((c) => books.map((b) => ({ c, b })));
    const tally = new Tally();
    const rentals: string[] = [];
    let running = true;

    const reader = async (i: number) => {
      for (let n = i; running; n += 1) {
        const c = customers[n % customers.length]!;
        await call(tally, gatewayUrl, n % 2 ? CATALOG : ACCOUNT, {}, c.token);
      }
    };
    const renter = async () => {
      while (running) {
        const pair = pairs.shift();
        if (!pair) {
          await call(tally, gatewayUrl, CATALOG, {});
          continue;
        }
        const data = await call(tally, gatewayUrl, RENT, { bookId: pair.b }, pair.c.token);
        const id = data?.rentBook?.id as string | undefined;
        if (!id) continue;
        rentals.push(id);
        if (rentals.length % 2 === 0) await call(tally, gatewayUrl, RETURN, { rentalId: id }, pair.c.token);
      }
    };

    const admin = kafka.admin();
    await admin.connect();
    const restarts: { service: ServiceName; replica: number; stopMs: number; readyMs: number; membersAfterExit?: number }[] = [];
    const load = [...Array.from({ length: 3 }, (_, i) => reader(i)), renter(), renter()];
    const t0 = Date.now();
    try {
      // Every Deployment rolls at once (a release), one replica at a time: wave 1 replaces each
      // service's replica 1, wave 2 its replica 2 — the other replica of each serves meanwhile.
      for (const replica of [1, 2]) {
        await Promise.all(
          SERVICES.map(async (service) => {
            const started = Date.now();
            await stack.stop(service, { replica, signal: 'SIGTERM' });
            const stopMs = Date.now() - started;
            // Right after the exit: each of its groups has only the other replica (it left; no session timeout ran out).
            const groups = MEMBERSHIP[service] ?? [];
            const membersAfterExit = groups.length ? Math.max(...(await Promise.all(groups.map((g) => members(admin, g))))) : undefined;
            await stack.start(service, { replica });
            await takenIn(service, replica);
            restarts.push({ service, replica, stopMs, readyMs: Date.now() - started - stopMs, ...(membersAfterExit !== undefined ? { membersAfterExit } : {}) });
          }),
        );
      }
    } finally {
      running = false;
      await Promise.all(load);
      await admin.disconnect();
    }
    const rollMs = Date.now() - t0;

    // Every event of these rentals reaches each group that handles its type, once.
    const deadline = Date.now() + 45_000;
    const groups = Object.values(GROUPS).flat();
    let produced: Awaited<ReturnType<typeof producedFor>>;
    let ledger: { group: string; expected: number; delivered: number }[];
    for (;;) {
      produced = await producedFor(rentals);
      ledger = await Promise.all(
        groups.map(async (g) => {
          const ids = produced.filter((e) => g.types === 'all' || g.types.includes(e.type)).map((e) => e.eventId);
          const [row] = await sql<{ n: string }>(g.db, `SELECT count(*) AS n FROM inbox_event WHERE consumer = $1 AND "eventId" = ANY($2::uuid[])`, [g.group, ids]);
          return { group: g.group, expected: ids.length, delivered: Number(row!.n) };
        }),
      );
      if ((produced.every((e) => e.published) && ledger.every((l) => l.delivered === l.expected)) || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    const doubledRents = await sql<{ n: string }>(
      'RENTAL_DATABASE_URL',
      `SELECT count(*) AS n FROM (SELECT 1 FROM rental WHERE "customerId" = ANY($1::uuid[]) GROUP BY "customerId", "bookId" HAVING count(*) > 1) d`,
      [customers.map((c) => c.id)],
    );
    const doubledCharges = await sql<{ n: string }>(
      'PAYMENT_DATABASE_URL',
      `SELECT count(*) AS n FROM (SELECT 1 FROM payment WHERE "rentalId" = ANY($1::uuid[]) GROUP BY "rentalId", "renewalId" HAVING count(*) > 1) d`,
      [rentals],
    );
    const duplicatedEffects = Number(doubledRents[0]!.n) + Number(doubledCharges[0]!.n);
    const expected = ledger.reduce((a, l) => a + l.expected, 0);
    const delivered = ledger.reduce((a, l) => a + l.delivered, 0);
    report({
      scenario: `rolling restart of all ${SERVICES.length} services under load (${tally.ok} requests)`,
      produced: expected,
      delivered,
      duplicatedEffects,
      lost: expected - delivered,
      recoveryMs: null,
    });

    const summary = {
      requests: tally.ok + tally.failed,
      ok: tally.ok,
      failures: Object.fromEntries(tally.failures),
      samples: tally.samples,
      rents: rentals.length,
      events: produced.length,
      ledger,
      rollMs,
      restarts,
      balancers: Object.fromEntries(
        [...lbs].map(([name, lb]) => [name, { connections: lb.stats.connections, connectRefused: lb.events.filter((e) => e.kind === 'connect-refused').length }]),
      ),
    };
    console.info(`rolling restart: ${JSON.stringify(summary)}`);
    expect(tally.failures, JSON.stringify(summary)).toEqual(new Map());
    expect(rentals.length).toBeGreaterThan(20);
    expect(produced.every((e) => e.published)).toBe(true);
    expect(ledger.filter((l) => l.delivered !== l.expected)).toEqual([]);
    expect(ledger.every((l) => l.expected > 0)).toBe(true);
    expect(duplicatedEffects).toBe(0);

    // Readiness went false before the listener closed: for each replaced endpoint, the balancer's
    // first sign of the stop was a "not ready" answer, never a refused connection.
    for (const service of SERVICES) {
      for (const replica of [1, 2]) {
        const endpoint = `127.0.0.1:${stack.port(service, replica)}`;
        const firstDown = lbs.get(service)!.events.find((e) => e.endpoint === endpoint && e.kind !== 'ready');
        expect(firstDown?.kind, `${service}#${replica}`).toBe('not-ready');
      }
    }
    // Consumers left their groups on SIGTERM: one member (the other replica) right after the exit.
    for (const r of restarts.filter((x) => x.membersAfterExit !== undefined)) expect(r.membersAfterExit, `${r.service}#${r.replica}`).toBeLessThanOrEqual(1);
  });
});
