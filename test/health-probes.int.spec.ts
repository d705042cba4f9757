import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedEventBus } from '@ebook/events';
import { startBookManagementService } from '@ebook/book-management';
import { createLogger, kafkaBusFromEnv, parseDatabaseUrl, requireEnv, TokenVerifier, type ContextService, type Platform } from '@ebook/subgraph-kit';
import { applyMigrationFiles } from '../prisma/migrate';

/**
 * What Kubernetes sees of a context whose dependencies fail: not ready (taken out of the
 * Service), still live (not restarted), ready again once the dependency is back. On a real
 * PostgreSQL and the real test broker (book-management: a context with an outbox relay and no
 * consumers).
 */

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const testDatabaseUrl = requireEnv('BOOK_MANAGEMENT_DATABASE_URL');
const verifier = new TokenVerifier({ issuer: 'urn:health-test', audience: 'health-test', jwks: { keys: [] } });
const logger = createLogger('health-probes-int', 'silent');

/** Runs `sql` on the server's `postgres` database. */
async function admin(sql: string): Promise<void> {
  const { database: _unused, ...server } = parseDatabaseUrl(testDatabaseUrl);
  const client = new pg.Client({ ...server, database: 'postgres' });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

async function probe(service: ContextService, which: 'live' | 'ready'): Promise<{ status: number; checks: Record<string, string> }> {
  const res = await fetch(`${service.url}/health/${which}`);
  const body = (await res.json()) as { checks?: Record<string, string> };
  return { status: res.status, checks: body.checks ?? {} };
}

describe('a context whose database becomes unreachable', () => {
  // A database of its own, so that refusing connections to it disturbs no other test.
  const url = new URL(testDatabaseUrl);
  url.pathname = `${url.pathname}_probe`;
  const database = parseDatabaseUrl(url.toString()).database;
  let service: ContextService;

  beforeAll(async () => {
    await admin(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin(`CREATE DATABASE ${database}`);
    await applyMigrationFiles('book-management', url.toString());
    service = await startBookManagementService({ platform: { bus: new EmbeddedEventBus(), logger, verifier }, databaseUrl: url.toString(), port: 0 });
  });
  afterAll(async () => {
    await admin(`ALTER DATABASE ${database} ALLOW_CONNECTIONS true`);
    await service?.stop();
    await admin(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  });

  it('answers ready 503 naming the database and live 200 during the outage, and ready 200 once it is back', async () => {
    expect(await probe(service, 'ready')).toEqual({ status: 200, checks: { database: 'ok', eventBus: 'ok' } });

    await admin(`ALTER DATABASE ${database} ALLOW_CONNECTIONS false`);
    await admin(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${database}'`);

    await expect.poll(async () => (await probe(service, 'ready')).status, { timeout: 10_000, interval: 200 }).toBe(503);
    const notReady = await probe(service, 'ready');
    expect(notReady.checks.database).toMatch(/^failing: /);
    expect(notReady.checks.eventBus).toBe('ok');
    expect((await probe(service, 'live')).status).toBe(200);

    await admin(`ALTER DATABASE ${database} ALLOW_CONNECTIONS true`);
    await expect.poll(async () => (await probe(service, 'ready')).status, { timeout: 10_000, interval: 200 }).toBe(200);
  });
});

describe('a context whose Kafka broker stops', () => {
  const kafka = (command: 'start' | 'stop') => execFileSync('bash', [path.join(root, 'scripts/kafka/kafka.sh'), command], { cwd: root, stdio: 'ignore' });
  let platform: Platform;
  let service: ContextService;

  beforeAll(async () => {
    platform = { bus: kafkaBusFromEnv('health-probes-int', logger), logger, verifier };
    service = await startBookManagementService({ platform, databaseUrl: testDatabaseUrl, port: 0 });
  });
  afterAll(async () => {
    kafka('start'); // the next test files need the broker, whatever happened here
    await service?.stop();
    await platform?.bus.close();
  });

  it('answers ready 503 naming the event bus and live 200 while the broker is down, and ready 200 once it is back', async () => {
    await expect.poll(async () => probe(service, 'ready'), { timeout: 10_000, interval: 200 }).toEqual({ status: 200, checks: { database: 'ok', eventBus: 'ok' } });

    kafka('stop');
    await expect.poll(async () => (await probe(service, 'ready')).status, { timeout: 10_000, interval: 200 }).toBe(503);
    const notReady = await probe(service, 'ready');
    expect(notReady.checks.eventBus).toMatch(/^failing: Kafka unreachable/);
    expect(notReady.checks.database).toBe('ok');
    expect((await probe(service, 'live')).status).toBe(200);

    kafka('start');
    await expect.poll(async () => (await probe(service, 'ready')).status, { timeout: 30_000, interval: 500 }).toBe(200);
  }, 120_000);
});
