import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDatabaseUrl } from '@ebook/subgraph-kit/db-url';
import { CONTEXTS, databaseUrlEnv, databaseUrlsFromEnv, type ContextName } from '../contexts';
import { migrateAll } from './migrate';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Tables, columns, indexes and constraints of the public schema, in a stable order. */
async function catalog(url: string): Promise<unknown> {
  const client = new pg.Client(parseDatabaseUrl(url));
  await client.connect();
  try {
    const columns = await client.query(
      `SELECT table_name, column_name, data_type, is_nullable, column_default FROM information_schema.columns
       WHERE table_schema = 'public' ORDER BY table_name, column_name`,
    );
    const indexes = await client.query(`SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY indexname`);
    const constraints = await client.query(
      `SELECT conrelid::regclass::text AS tbl, conname, pg_get_constraintdef(oid) AS def FROM pg_constraint
       WHERE connamespace = 'public'::regnamespace ORDER BY conname`,
    );
    const migrations = await client.query(`SELECT migration_name, checksum, applied_steps_count FROM _prisma_migrations ORDER BY migration_name`);
    return { columns: columns.rows, indexes: indexes.rows, constraints: constraints.rows, migrations: migrations.rows };
  } finally {
    await client.end();
  }
}

/**
 * The `direct` runner of `pnpm dev` must leave exactly what `prisma migrate deploy` leaves: the
 * test databases were migrated by the Prisma CLI during setup; fresh databases migrated directly
 * are compared with them, and the Prisma CLI then finds nothing to apply.
 */
describe('migrations applied directly (pnpm dev) = migrations applied by prisma migrate deploy', () => {
  const cliUrls = databaseUrlsFromEnv();
  const directUrls = Object.fromEntries(
    CONTEXTS.map((c) => {
      const u = new URL(cliUrls[c]);
      u.pathname = `${u.pathname}_direct`;
      return [c, u.toString()];
    }),
  ) as Record<ContextName, string>;

  const admin = async (sql: string) => {
    const { database: _unused, ...server } = parseDatabaseUrl(cliUrls.user);
    const client = new pg.Client({ ...server, database: 'postgres' });
    await client.connect();
    await client.query(sql);
    await client.end();
  };

  beforeAll(async () => {
    for (const url of Object.values(directUrls)) {
      const name = parseDatabaseUrl(url).database;
      await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin(`CREATE DATABASE ${name}`);
    }
  });
  afterAll(async () => {
    for (const url of Object.values(directUrls)) await admin(`DROP DATABASE IF EXISTS ${parseDatabaseUrl(url).database} WITH (FORCE)`);
  });

  it('creates the same tables, columns, indexes, constraints and migration records in every context', async () => {
    const first = await migrateAll(directUrls, 'direct');
    expect(first.applied).toEqual([...CONTEXTS]);
    for (const context of CONTEXTS) {
      expect(await catalog(directUrls[context]), context).toEqual(await catalog(cliUrls[context]));
    }
    // A second run finds everything up to date and changes nothing.
    expect(await migrateAll(directUrls, 'direct')).toEqual({ applied: [], upToDate: [...CONTEXTS] });
  });

  it('leaves nothing for prisma migrate deploy to apply', () => {
    const context: ContextName = 'user';
    const run = spawnSync(path.join(root, 'node_modules', '.bin', 'prisma'), ['migrate', 'status', '--config', path.join(root, 'prisma', context, 'prisma.config.ts')], {
      cwd: root,
      env: { ...process.env, [databaseUrlEnv(context)]: directUrls[context], CHECKPOINT_DISABLE: '1', PRISMA_HIDE_UPDATE_MESSAGE: '1' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(run.stdout + run.stderr).toContain('Database schema is up to date!');
    expect(run.status).toBe(0);
  });
});
