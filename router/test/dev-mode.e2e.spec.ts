import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignJWT, exportSPKI, importJWK, type CryptoKey, type JWK } from 'jose';
import { runRentalScenario } from './rental-scenario';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const GATEWAY_PORT = 4100;

/** A running `pnpm dev` in its own process group, with everything it printed. */
interface DevProcess {
  proc: ChildProcess;
  output: () => string;
}

/** Starts `pnpm dev` on the test ports with `dataDir` and extra env; resolves once it is serving. */
async function startDev(dataDir: string, env: Record<string, string> = {}): Promise<DevProcess> {
  let output = '';
  const proc = spawn('pnpm', ['dev'], {
    cwd: root,
    env: {
      ...process.env,
      DATA_DIR: dataDir,
      PORT: String(GATEWAY_PORT),
      DEV_SUBGRAPH_PORT: String(GATEWAY_PORT + 1),
      DEV_PG_PORT: '54400',
      LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Own process group: Ctrl-C in a terminal signals the whole group (pnpm, tsx, node).
    detached: true,
  });
  proc.stdout!.on('data', (d) => (output += d));
  proc.stderr!.on('data', (d) => (output += d));
  await new Promise<void>((resolve, reject) => {
    const timer = setInterval(() => {
      if (output.includes('Press Ctrl-C to stop.')) {
        clearInterval(timer);
        resolve();
      }
      if (proc.exitCode !== null) {
        clearInterval(timer);
        reject(new Error(`pnpm dev exited early:\n${output}`));
      }
    }, 200);
  });
  return { proc, output: () => output };
}

/**
 * Ctrl-C: SIGINT to the whole process group. Resolves when every process of it has let go of
 * stdout (pnpm may exit before the node process it started has finished shutting down).
 */
async function ctrlC(dev: DevProcess): Promise<void> {
  const closed = new Promise<void>((resolve) => dev.proc.stdout!.once('close', () => resolve()));
  process.kill(-dev.proc.pid!, 'SIGINT');
  await closed;
}

function kill(dev: DevProcess | undefined): void {
  if (dev && dev.proc.exitCode === null && dev.proc.signalCode === null) {
    try {
      process.kill(-dev.proc.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

const dataDir = mkdtempSync(path.join(tmpdir(), 'ebook-dev-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

/**
 * `pnpm dev` as a first user runs it: a fresh data directory, PGlite, the embedded bus,
 * seeded catalog and manager — then the whole acceptance scenario, then Ctrl-C.
 */
describe('pnpm dev (embedded PostgreSQL + embedded bus)', () => {
  let dev: DevProcess;

  beforeAll(async () => {
    dev = await startDev(dataDir);
  });

  afterAll(() => kill(dev));


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
    expect(html).not.toMatch(/https?:\/\/(?!localhost)[a-z0-9.-]+\.(com|net|io|org)\//i);
  });

  it('has at least 100 seeded public-domain books', async () => {
    let count = 0;
    let after: string | null = null;
    for (;;) {
      const res = await fetch(`http://localhost:${GATEWAY_PORT}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          query: 'query($after: String) { books(first: 100, after: $after) { edges { node { title author publishedYear } } pageInfo { endCursor hasNextPage } } }',
          variables: { after },
        }),
      });
      const body = (await res.json()) as any;
      count += body.data.books.edges.length;
      if (!body.data.books.pageInfo.hasNextPage) break;
      after = body.data.books.pageInfo.endCursor;
    }
    expect(count).toBeGreaterThanOrEqual(100);
  });

  it('runs the whole rental scenario', async () => {
    await runRentalScenario(`http://localhost:${GATEWAY_PORT}`, { managerEmail: 'manager@ebook.local', managerPassword: 'manager-dev-password' });
  });

  it('refuses what a first user will try against it: forged tokens, CSRF, huge or deep requests, the internal payment route', async () => {
    const gw = `http://localhost:${GATEWAY_PORT}`;
    const post = (body: string, headers: Record<string, string> = {}) =>
      fetch(`${gw}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
    const rent = JSON.stringify({ query: 'mutation { rentBook(bookId: "00000000-0000-4000-8000-000000000000") { id } }' });
    const codeOf = async (res: Response) => ((await res.json()) as { errors?: { extensions?: { code?: string } }[] }).errors?.[0]?.extensions?.code;

    // alg "none", and HS256 signed with the server's own public key (algorithm confusion).
    const now = Math.floor(Date.now() / 1000);
    const claims = { sub: '00000000-0000-4000-8000-000000000001', role: 'MANAGER', iss: `http://localhost:${GATEWAY_PORT + 1}`, aud: 'ebook-rental', iat: now, exp: now + 600 };
    const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const none = `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`;
    const jwks = (await (await fetch(`http://localhost:${GATEWAY_PORT + 1}/.well-known/jwks.json`)).json()) as { keys: JWK[] };
    const pem = (await exportSPKI((await importJWK(jwks.keys[0]!, 'ES256')) as CryptoKey)) as string;
    const confused = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256', kid: jwks.keys[0]!.kid! }).sign(new TextEncoder().encode(pem));
    for (const token of [none, confused, 'not.a.jwt']) {
      const res = await post(rent, { authorization: `Bearer ${token}` });
      expect(res.status).toBe(401);
      expect(await codeOf(res)).toBe('UNAUTHENTICATED');
    }
    // CSRF: a mutation sent as a "simple" text/plain request is refused.
    const csrf = await fetch(`${gw}/graphql`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: rent });
    expect(csrf.status).toBe(400);
    // Oversized body → 413 as JSON; a batch and a deep query → 400.
    const huge = await post(JSON.stringify({ query: `{ books(search: "${'x'.repeat(200_000)}") { edges { node { id } } } }` }));
    expect(huge.status).toBe(413);
    expect(huge.headers.get('content-type')).toMatch(/json/);
    expect((await post(JSON.stringify([{ query: '{ __typename }' }, { query: '{ __typename }' }]))).status).toBe(400);
    const deep = await post(JSON.stringify({ query: '{ me { rentals { user { rentals { user { rentals { user { rentals { user { rentals { book { id } } } } } } } } } } } }' }));
    expect(deep.status).toBe(400);
    // The internal payment route refuses callers without a token (it is not part of the supergraph).
    const internal = await fetch(`http://localhost:${GATEWAY_PORT + 4}/internal/payments/approve`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ rentalId: claims.sub, customerId: claims.sub, amount: 1 }),
    });
    expect(internal.status).toBe(401);
  });

  it('stops cleanly on Ctrl-C (SIGINT): everything shut down, nothing left listening', async () => {
    await ctrlC(dev);
    expect(dev.output()).toContain('stopping');
    expect(dev.output()).toMatch(/^stopped$/m);
    expect(dev.output()).not.toMatch(/timed out|Error:/);
    for (const port of [GATEWAY_PORT, GATEWAY_PORT + 1, GATEWAY_PORT + 3, 54400]) {
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
 * Issue #4: with payment overloaded (`PAYMENT_SIM_LATENCY_MS=8000`, far above the 2000 ms
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
