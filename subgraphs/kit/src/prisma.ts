import { PrismaPg } from '@prisma/adapter-pg';
import { parseDatabaseUrl } from './db-url';
import { intEnv } from './env';

/**
 * The `pg` driver adapter for a context's Prisma client (JS engine, no Rust binaries).
 * @param url `postgresql://user:pass@host:port/db` (from `<CONTEXT>_DATABASE_URL`).
 * @param max pool size (default `DB_POOL_SIZE`, else 10; @throws when it is not an integer). Keep it ≥ rental's saga bulkhead (`PAYMENT_MAX_CONCURRENT`).
 */
export function pgAdapter(url: string, max = intEnv('DB_POOL_SIZE', 10)): PrismaPg {
  return new PrismaPg({ ...parseDatabaseUrl(url), max, idleTimeoutMillis: 10_000 });
}
