import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { parseDatabaseUrl } from './db-url';
import { requireEnv } from './env';
import { disconnectDb, pgAdapter, plainSqlOf, withPlainSql } from './prisma';

// A context's pool on a real PostgreSQL (the points context's test database).
const databaseUrl = requireEnv('POINTS_DATABASE_URL');

/** A client standing for a context's Prisma client on which Prisma itself never ran a statement. */
function plainOnlyClient() {
  const client = { $disconnect: async () => {} };
  return withPlainSql(client, pgAdapter(databaseUrl, 2));
}

/** Runs `sql` on a separate admin connection to the same server. */
async function admin<T extends pg.QueryResultRow>(sql: string, values: unknown[]): Promise<T[]> {
  const { database: _db, ...server } = parseDatabaseUrl(databaseUrl);
  const c = new pg.Client({ ...server, database: 'postgres' });
  await c.connect();
  try {
    return (await c.query<T>(sql, values)).rows;
  } finally {
    await c.end();
  }
}

describe("a context's database pool", () => {
  it('survives the server ending its idle connection (a restart, a failover): the next statement opens a new one', async () => {
    const client = plainOnlyClient();
    const db = plainSqlOf(client)!;
    try {
      const { pid } = (await db.$queryRawUnsafe<{ pid: number }[]>('SELECT pg_backend_pid() AS pid'))[0]!;
      await admin('SELECT pg_terminate_backend($1)', [pid]);
      await new Promise((resolve) => setTimeout(resolve, 200)); // the pool sees its idle connection end
      const { pid: next } = (await db.$queryRawUnsafe<{ pid: number }[]>('SELECT pg_backend_pid() AS pid'))[0]!;
      expect(next).not.toBe(pid);
    } finally {
      await disconnectDb(client);
    }
  });

  it('disconnectDb ends the pool even when only its plain-pg side ran statements: no session is left open', async () => {
    const client = plainOnlyClient();
    const { pid } = (await plainSqlOf(client)!.$queryRawUnsafe<{ pid: number }[]>('SELECT pg_backend_pid() AS pid'))[0]!;
    await disconnectDb(client);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await admin('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [pid])).toEqual([]);
    await disconnectDb(client); // a second stop is a no-op
  });
});
