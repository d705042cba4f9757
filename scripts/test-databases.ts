/**
 * Recreates the test database of every context on the local PostgreSQL (fresh state per run)
 * from the `<CONTEXT>_DATABASE_URL` variables set by scripts/test-env.sh.
 */
import pg from 'pg';
import { CONTEXTS, databaseUrlsFromEnv } from '../contexts';
import { parseDatabaseUrl } from '@ebook/subgraph-kit/db-url';

for (const url of Object.values(databaseUrlsFromEnv())) {
  const { database, ...server } = parseDatabaseUrl(url);
  if (!/^[a-z0-9_]+$/.test(database)) throw new Error(`unexpected database name ${database}`);
  const admin = new pg.Client({ ...server, database: 'postgres' });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${database}`);
  await admin.end();
}
console.log(`recreated ${CONTEXTS.length} test databases`);
