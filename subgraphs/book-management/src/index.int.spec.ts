import net from 'node:net';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { EmbeddedEventBus } from '@ebook/events';
import { createLogger, parseDatabaseUrl, requireEnv, TokenVerifier } from '@ebook/subgraph-kit';
import { startBookManagementService } from './index';

const databaseUrl = requireEnv('BOOK_MANAGEMENT_DATABASE_URL');

/** Sessions open on this context's database (any client). */
async function sessions(): Promise<number> {
  const { database, ...server } = parseDatabaseUrl(databaseUrl);
  const admin = new pg.Client({ ...server, database: 'postgres' });
  await admin.connect();
  try {
    const { rows } = await admin.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1', [database]);
    return rows[0]!.n;
  } finally {
    await admin.end();
  }
}

describe('a context whose start fails', () => {
  it('when its port is taken: the start fails with EADDRINUSE and leaves no consumer, relay or database session behind', async () => {
    const blocker = net.createServer();
    const port = await new Promise<number>((resolve) => blocker.listen(0, '0.0.0.0', () => resolve((blocker.address() as net.AddressInfo).port)));
    const bus = new EmbeddedEventBus();
    try {
      const before = await sessions();
      const start = startBookManagementService({
        platform: { bus, logger: createLogger('failed-start-int', 'silent'), verifier: new TokenVerifier({ issuer: 'urn:t', audience: 'a', jwks: { keys: [] } }) },
        databaseUrl,
        port,
      });
      await expect(start).rejects.toThrow(/EADDRINUSE/);
      // The relay polled and the pool held sessions while starting; all of it is closed now.
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(await sessions()).toBe(before);
    } finally {
      blocker.close();
      await bus.close();
    }
  });
});
