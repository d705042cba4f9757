import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, runRentalScenario } from './rental-scenario';
import { runLendingScenario } from './lending-scenario';
import { GatewayClient } from '../../test/support/graphql-client';
import { signIn as signInWithLogin } from '../../test/support/customers';
import { firstParty } from './first-party';
import { discoverWebClient, signIn } from './oidc-browser';
import { securitySuite } from './security-suite';
import { hardeningAttacks } from './hardening-attacks';
import { assembleTarget, createSigningKey, securityThrottleEnv, useTarget } from './security-target';
import { CONTEXTS, type ContextName } from '../../contexts';
import { devDatabaseUrl, runningServerPid } from '../../scripts/embedded-postgres';
import { ctrlC, exitCode, killDev, startDev as startDevProcess, type DevPorts, type DevProcess } from '../../test/support/dev-process';

const GATEWAY_PORT = 4100;
const PG_PORT = 54400;

const PORTS: DevPorts = { gateway: GATEWAY_PORT, subgraphBase: GATEWAY_PORT + 1, pg: PG_PORT, smtp: GATEWAY_PORT + 90, mailWeb: GATEWAY_PORT + 91 };
/** `pnpm dev` on this file's ports with `dataDir` and extra env. */
const startDev = (dir: string, env: Record<string, string> = {}) => startDevProcess(dir, PORTS, env);
/** Kills what a failed test left running. */
const kill = (dev: DevProcess | undefined) => killDev(dev, dataDir);

const dataDir = mkdtempSync(path.join(tmpdir(), 'ebook-dev-'));
// Run as root, the embedded server runs as the `postgres` account, which must enter the data directory.
chmodSync(dataDir, 0o755);
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

/**
 * `pnpm dev` as a first user runs it: a fresh data directory, the embedded PostgreSQL server,
 * the embedded bus, seeded catalog and manager — then the whole acceptance scenario, 50
 * customers at once, then Ctrl-C.
 */
describe('pnpm dev (embedded PostgreSQL server + embedded bus)', () => {
  let dev: DevProcess;

  beforeAll(async () => {
    // The data directory of an earlier pnpm dev: one PGlite directory per context under pg/.
    mkdirSync(path.join(dataDir, 'pg', 'user'), { recursive: true });
    writeFileSync(path.join(dataDir, 'pg', 'user', 'PG_VERSION'), '17\n');
    dev = await startDev(dataDir);
  });

  afterAll(() => kill(dev));

  it('sets the data of an earlier pnpm dev (PGlite) aside instead of failing or deleting it', () => {
    expect(dev.output()).toContain(`moved to ${path.join(dataDir, 'pg-pglite')}`);
    expect(existsSync(path.join(dataDir, 'pg-pglite', 'user', 'PG_VERSION'))).toBe(true);
    expect(existsSync(path.join(dataDir, 'pg', 'PG_VERSION'))).toBe(true);
  });

  it('prints the gateway, the playground and how to get a token', () => {
    expect(dev.output()).toContain(`http://localhost:${GATEWAY_PORT}/graphql`);
    expect(dev.output()).toContain(`http://localhost:${GATEWAY_PORT}/playground`);
    expect(dev.output()).toMatch(/login\(email: "manager@ebook\.local"/);
  });

  it('serves the offline playground from the gateway', async () => {
    const page = await fetch(`http://localhost:${GATEWAY_PORT}/playground`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('graphiql');
    // its help signs in with a login that works, and the first-party operations open as tabs
    expect(html).toContain('login(email: \\"manager@ebook.local\\"');
    expect(html).toContain('accessToken');
    expect(html).toContain('mutation RentBook(');
    expect(html).toContain('fragment RentalStatusFields on');
    expect(html).not.toMatch(/https?:\/\/(?!localhost)[a-z0-9.-]+\.(com|net|io|org)\//i);
  });

  it('has at least 100 seeded public-domain books, paged to the last page without a book twice', async () => {
    let count = 0;
    let after: string | null = null;
    const seen = new Set<string>();
    for (;;) {
      const res = await fetch(`http://localhost:${GATEWAY_PORT}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          query: 'query($after: String) { books(first: 100, after: $after) { edges { node { id title author publishedYear } } pageInfo { endCursor hasNextPage } } }',
          variables: { after },
        }),
      });
      const body: any = await res.json();
      count += body.data.books.edges.length;
      for (const e of body.data.books.edges) seen.add(e.node.id);
      if (!body.data.books.pageInfo.hasNextPage) break;
      expect(body.data.books.edges).toHaveLength(100); // only the last page is short
      after = body.data.books.pageInfo.endCursor;
    }
    expect(count).toBeGreaterThanOrEqual(100);
    expect(seen.size).toBe(count);
  });

  it('gives the seeded books a generated EPUB (reading: Book.content), a few every second', async () => {
    await eventually(
      async () => {
        const res = await fetch(`http://localhost:${GATEWAY_PORT}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ query: '{ books(first: 100) { edges { node { id content { sizeBytes sha256 } } } } }' }),
        });
        const books = (await res.json()).data.books.edges.map((e: any) => e.node);
        expect(books.filter((b: any) => !(b.content?.sizeBytes > 0) || !/^[0-9a-f]{64}$/.test(b.content.sha256))).toEqual([]);
      },
      60_000,
      1000,
    );
  });

  it('runs the whole rental scenario', async () => {
    await runRentalScenario(`http://localhost:${GATEWAY_PORT}`, { managerEmail: 'manager@ebook.local', managerPassword: 'manager-dev-password' });
  });

  it('serves 50 customers at once: each signs up, signs in, rents, reads back exactly its own account and loans, cancels — no error, nothing hangs', async () => {
    const CUSTOMERS = 50;
    const errors: string[] = [];
    /** One first-party operation through the gateway; an error (or a request over 60 s) is recorded and thrown. */
    const call = async (operation: string, variables: Record<string, unknown>, token?: string): Promise<any> => {
      let body: { data?: any; errors?: { message: string; extensions?: { code?: string } }[] };
      try {
        const res = await fetch(`http://localhost:${GATEWAY_PORT}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
          body: JSON.stringify({ query: firstParty(operation), variables }),
          signal: AbortSignal.timeout(60_000),
        });
        body = (await res.json()) as typeof body;
      } catch (err) {
        errors.push(`${operation}: ${(err as Error).name}`);
        throw err;
      }
      if (body.errors?.length) {
        errors.push(`${operation}: ${body.errors[0]!.extensions?.code} ${body.errors[0]!.message}`);
        throw new Error(errors.at(-1));
      }
      return body.data;
    };
    const books = ((await call('Books', { first: CUSTOMERS })).books.edges as { node: { id: string; availableCopies: number } }[]).map((e) => e.node);
    expect(books).toHaveLength(CUSTOMERS);
    expect(books.every((b) => b.availableCopies >= 1)).toBe(true);

    const run = Date.now().toString(36);
    const outcomes = await Promise.allSettled(
      books.map(async (book, i) => {
        const email = `crowd.${run}.${i}@example.com`;
        const registered = (await call('RegisterCustomer', { input: { name: `Crowd ${i}`, email, phone: '010-5555-0000', password: `crowd-password-${i}` } })).registerCustomer;
        const token = (await call('Login', { email, password: `crowd-password-${i}` })).login.accessToken as string;
        const rental = (await call('RentBook', { bookId: book.id }, token)).rentBook;
        expect(rental.status).toBe('RENTED');
        expect(rental.book.id).toBe(book.id);
        const me = (await call('Me', {}, token)).me;
        expect({ id: me.id, email: me.email, name: me.name }).toEqual({ id: registered.id, email, name: `Crowd ${i}` });
        expect(me.rentals.map((r: { id: string; book: { id: string } }) => [r.id, r.book.id])).toEqual([[rental.id, book.id]]);
        const canceled = (await call('CancelRental', { rentalId: rental.id }, token)).cancelRental;
        expect(canceled.status).toBe('CANCELED');
        // The read model converges on exactly this customer's one loan (polled once a second, as
        // a client would: 50 customers polling faster would be the load, not the product).
        await eventually(
          async () => {
            const mine = (await call('MyRentals', {}, token)).myRentals as { rentalId: string; customerId: string; bookId: string; status: string }[];
            expect(mine.map((r) => [r.rentalId, r.customerId, r.bookId, r.status])).toEqual([[rental.id, registered.id, book.id, 'CANCELED']]);
          },
          60_000,
          1_000,
        );
      }),
    );
    const failures = outcomes.flatMap((o, i) => (o.status === 'rejected' ? [`customer ${i}: ${(o.reason as Error).message}`] : []));
    expect({ errors, failures }, `pnpm dev printed:\n${dev.output().slice(-3000)}`).toEqual({ errors: [], failures: [] });
  });

  it('refuses a second pnpm dev on the same data directory while the first runs; the first keeps serving', async () => {
    const elsewhere = {
      PORT: String(GATEWAY_PORT + 200),
      DEV_SUBGRAPH_PORT: String(GATEWAY_PORT + 201),
      DEV_PG_PORT: String(PG_PORT + 1),
      DEV_SMTP_PORT: String(GATEWAY_PORT + 290),
      DEV_MAIL_WEB_PORT: String(GATEWAY_PORT + 291),
    };
    await expect(startDev(dataDir, elsewhere)).rejects.toThrow(/another pnpm dev \(pid \d+\) is running on/);
    const res = await fetch(`http://localhost:${GATEWAY_PORT}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ books(first: 1) { edges { node { id } } } }' }),
    });
    expect((await res.json()).data.books.edges).toHaveLength(1);
  });

  it('serves OpenID Connect discovery at the iss of its tokens; the manager signs in with code + PKCE on the login page', async () => {
    const res = await fetch(`http://localhost:${GATEWAY_PORT}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: 'mutation { login(email: "manager@ebook.local", password: "manager-dev-password") { accessToken } }' }),
    });
    const loginToken = (await res.json()).data.login.accessToken as string;
    const iss = JSON.parse(Buffer.from(loginToken.split('.')[1]!, 'base64url').toString()).iss as string;
    expect(iss).toBe(`http://localhost:${GATEWAY_PORT + 1}`);
    expect(dev.output()).toContain(`${iss}/.well-known/openid-configuration`);

    const web = await discoverWebClient(iss, 'ebook-web', 'http://localhost:3000/callback');
    const tokens = await signIn(web, 'manager@ebook.local', 'manager-dev-password');
    const me = await fetch(`http://localhost:${GATEWAY_PORT}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens.access_token}` },
      body: JSON.stringify({ query: '{ me { role } }' }),
    });
    expect(await me.json()).toEqual({ data: { me: { role: 'MANAGER' } } });
  });

  it('stops cleanly on Ctrl-C (SIGINT): everything shut down, nothing left listening', async () => {
    await ctrlC(dev);
    expect(dev.output()).toContain('stopping');
    expect(dev.output()).toMatch(/^stopped$/m);
    expect(dev.output()).not.toMatch(/timed out|Error:|ELIFECYCLE/);
    expect(await exitCode(dev)).toBe(0);
    expect(runningServerPid(dataDir)).toBeUndefined();
    for (const port of [GATEWAY_PORT, GATEWAY_PORT + 1, GATEWAY_PORT + 3, PG_PORT]) {
      const refused = await new Promise<boolean>((resolve) => {
        const socket = net.connect(port, '127.0.0.1');
        socket.once('connect', () => {
          socket.destroy();
          resolve(false);
        });
        socket.once('error', () => resolve(true));
      });
      expect(refused, `port ${port} still open`).toBe(true);
    }
  });
});

/**
 * With payment overloaded (`PAYMENT_SIM_LATENCY_MS=8000`, far above the 2000 ms
 * timeout) `pnpm dev` still answers: rentBook gives PAYMENT_UNAVAILABLE, the breaker opens after
 * 5 consecutive failures and then rentBook fails fast with `retryAfter`, and the rest of the API
 * stays responsive. (Second start on the same data directory: no seeding, no migrations.)
 */
describe('pnpm dev with PAYMENT_SIM_LATENCY_MS=8000', () => {
  let dev: DevProcess | undefined;
  afterAll(() => kill(dev));

  it('fails rentals fast with PAYMENT_UNAVAILABLE once the breaker opens, and keeps serving', async () => {
    dev = await startDev(dataDir, { PAYMENT_SIM_LATENCY_MS: '8000' });
    const gql = async (query: string, variables: Record<string, unknown> = {}, token?: string) => {
      const res = await fetch(`http://localhost:${GATEWAY_PORT}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify({ query, variables }),
      });
      expect(res.status).toBeLessThan(500);
      return (await res.json()) as { data?: any; errors?: { extensions: { code: string; retryAfter?: number } }[] };
    };
    const email = `slow.${Date.now()}@example.com`;
    await gql('mutation($i: RegisterCustomerInput!) { registerCustomer(input: $i) { id } }', { i: { name: 'Slow', email, phone: '010-2222-3333', password: 'slow-password' } });
    const token = (await gql('mutation($e: String!) { login(email: $e, password: "slow-password") { accessToken } }', { e: email })).data.login.accessToken;
    const books = (await gql('{ books(first: 10) { edges { node { id } } } }')).data.books.edges.map((e: { node: { id: string } }) => e.node.id);

    const timings: { code: string; ms: number; retryAfter?: number }[] = [];
    for (let i = 0; i < 6; i += 1) {
      const t = Date.now();
      const body = await gql('mutation($b: ID!) { rentBook(bookId: $b) { id } }', { b: books[i % books.length] }, token);
      timings.push({ code: body.errors?.[0]?.extensions.code ?? 'OK', ms: Date.now() - t, retryAfter: body.errors?.[0]?.extensions.retryAfter });
    }
    expect(timings.every((t) => t.code === 'PAYMENT_UNAVAILABLE')).toBe(true);
    // 2 attempts × 2000 ms per call until 5 consecutive failures open the circuit (3 calls), then fail fast.
    expect(timings[0]!.ms).toBeGreaterThan(3_500);
    expect(timings.slice(3).every((t) => t.ms < 1_000 && (t.retryAfter ?? 0) >= 1)).toBe(true);
    // The catalog still answers while payment is overloaded.
    expect((await gql('{ books(first: 1) { edges { node { title } } } }')).data.books.edges).toHaveLength(1);
    await ctrlC(dev);
    expect(dev.output()).toMatch(/^stopped$/m);
  });
});

/**
 * The lending lifecycle against `pnpm dev` started with short durations from the environment
 * (`LOAN_PERIOD=PT5S`, `HOLD_OFFER_PERIOD=PT3S`, `DUE_SOON_NOTICE=PT0S`): loans expire, holds
 * become READY and offers expire by themselves within seconds, as a user can try it.
 */
describe('pnpm dev with short lending durations', () => {
  let dev: DevProcess | undefined;
  afterAll(() => kill(dev));

  it('one copy, a loan, two holds: return → READY → rented → expiry → next READY → offer expires → available again', async () => {
    dev = await startDev(dataDir, { LOAN_PERIOD: 'PT5S', HOLD_OFFER_PERIOD: 'PT3S', DUE_SOON_NOTICE: 'PT0S' });
    const api = new GatewayClient(`http://localhost:${GATEWAY_PORT}`);
    const manager = await signInWithLogin(api, 'manager@ebook.local', 'manager-dev-password');
    await runLendingScenario(api, manager);
    await ctrlC(dev);
    expect(dev.output()).toMatch(/^stopped$/m);
  });
});

/**
 * Everything also holds against `pnpm dev`: the WHOLE security suite
 * (security-suite.ts) and the gateway hardening attacks (hardening-attacks.ts), with the same
 * "right code and nothing written" checks, against a real `pnpm dev` (third start on the same
 * data directory: ≈ 10 s). Its own gateway is left as a user gets it (trusting no proxy); the
 * test only swaps the signing key (`<DATA_DIR>/keys/jwt-private.json`, which dev loads at start)
 * for one it owns, so it can mint tokens with bad claims, and tightens the login throttle
 * (`LOGIN_*`). Per-IP cases go through a gateway in this process that trusts `X-Forwarded-For`,
 * on dev's own subgraph ports. The "nothing written" checks read dev's databases on its
 * embedded PostgreSQL server.
 */
describe('pnpm dev under attack: the security suite and the gateway hardening attacks', () => {
  let dev: DevProcess | undefined;
  afterAll(() => kill(dev));

  const target = useTarget(async () => {
    const signing = await createSigningKey(path.join(dataDir, 'keys', 'jwt-private.json'), 'dev-security-key');
    dev = await startDev(dataDir, securityThrottleEnv());
    const byContext = (url: (i: number, c: ContextName) => string) => Object.fromEntries(CONTEXTS.map((c, i) => [c, url(i, c)])) as Record<ContextName, string>;
    // scripts/dev.ts: subgraphs on DEV_SUBGRAPH_PORT + i in CONTEXTS order; one database server on DEV_PG_PORT.
    return assembleTarget({
      gatewayUrl: `http://127.0.0.1:${GATEWAY_PORT}`,
      subgraphUrls: byContext((i) => `http://127.0.0.1:${GATEWAY_PORT + 1 + i}`),
      databaseUrls: byContext((_i, c) => devDatabaseUrl(c, PG_PORT)),
      signing,
      issuer: `http://localhost:${GATEWAY_PORT + 1}`,
      audience: 'ebook-rental',
      manager: { email: 'manager@ebook.local', password: 'manager-dev-password' },
      stopSystem: () => ctrlC(dev!),
    });
  });

  securitySuite(target);
  hardeningAttacks(target);
});
